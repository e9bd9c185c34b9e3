// Lint configuration: typescript-eslint's recommended rules over sources, tests, scripts and benchmarks.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "build/", "docs/", "node_modules/", "src/uapi/gen/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["src/uapi/**", "src/codec/**", "src/btf/**", "src/index.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: ["node:*", "../node/*", "../cli/*"] }],
      "no-restricted-globals": ["error", "Buffer", "process", "require"],
    },
  },
);
