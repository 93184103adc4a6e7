// One linter for the whole tree: typescript-eslint's recommended type-checked rules, as
// function-template-typescript pins them beside a Prettier width of 100.
import js from "@eslint/js";
import stylistic from "@stylistic/eslint-plugin";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", ".render/", ".scratch/", ".package/", "eslint.config.js"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "@stylistic": stylistic },
    rules: {
      // Prettier keeps code at 100 but leaves comments, strings, templates, regular expressions
      // and imports alone; this holds them to the same width (test/support/pattern.ts writes a
      // long expected message in parts). Only a URL may run on: it cannot be split sensibly.
      "@stylistic/max-len": ["error", { code: 100, ignoreUrls: true }],
      // `const { status: _, ...rest } = obj` is how an object minus some fields is written,
      // and `_` names a value a loop or pattern must bind but does not read.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { ignoreRestSiblings: true, varsIgnorePattern: "^_" },
      ],
    },
  },
  {
    // The functions' hot path. Node 20's V8 builds `{ ...a, key: v }` (a property after a
    // spread) in its runtime, at 50-100 times the cost of the same object written otherwise
    // (functions/speed.ts, docs/performance.md). A conditional spread of a small literal
    // costs far less and stays allowed; the protocol edge and the codec are exempt.
    files: ["functions/**/*.ts"],
    ignores: ["functions/main.ts", "functions/server.ts", "functions/wire/**"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector:
            "ObjectExpression > SpreadElement:not([argument.type='ConditionalExpression'])" +
            " ~ Property",
          message:
            "A property after a spread is slow on Node 20 (functions/speed.ts): put the " +
            "spread last when no key can repeat, or use merged() to keep key order.",
        },
      ],
    },
  },
);
