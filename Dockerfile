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
# Heap sizing measured on the image's Node (`npm run bench -- --node <node 24>`
# starts the server with these same flags) and docs/performance.md, "The
# image's Node". Under load the server's old space holds about 20 MB. Node 24's
# V8 starts a full GC from a task long before the old space reaches its limit,
# the sooner the larger the young generation: with the 48 MiB old space and
# 16 MiB young generation chosen on Node 20 that was a full GC every two
# scavenges, a fifth of the server's CPU at 32 calls in flight. 64 MiB and
# 8 MiB cut full GCs to a third: at 64 in flight, 33% more throughput on Node 24
# at 184 MB peak RSS against 170 (16% more, 143 MB against 145, on Node 20).
# A 1 GiB old-space limit: decoding and composing a 5.9 MiB request took about
# 14 MiB of heap, so even a 32 MiB request (package/runtime) fits well within it.
ENTRYPOINT ["/nodejs/bin/node", "--max-semi-space-size=8", "--initial-old-space-size=64", "--max-old-space-size=1024", "dist/main.js"]
