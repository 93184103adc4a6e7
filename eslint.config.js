// One linter for the whole tree: typescript-eslint's recommended type-checked rules, as
// function-template-typescript pins them beside a Prettier width of 100.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", ".render/", ".scratch/", ".package/", "eslint.config.js"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // `const { status: _, ...rest } = obj` is how an object minus some fields is written,
      // and `_` names a value a loop or pattern must bind but does not read.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { ignoreRestSiblings: true, varsIgnorePattern: "^_" },
      ],
    },
  },
);
