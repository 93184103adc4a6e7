# syntax=docker/dockerfile:1
# Build: compile TypeScript with the dev dependencies.
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY functions ./functions
RUN npm run build

# Runtime dependencies only.
FROM node:24-bookworm-slim AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts

# Distroless Node 24, non-root; the server speaks mTLS on 9443 with the
# certificates Crossplane mounts at /tls/server.
FROM gcr.io/distroless/nodejs24-debian12:nonroot
WORKDIR /function
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
USER 65532:65532
EXPOSE 9443
ENTRYPOINT ["/nodejs/bin/node", "dist/main.js"]
