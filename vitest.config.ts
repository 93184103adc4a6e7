import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The CI machine has 2 cores; several tests spawn the server or a script.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
