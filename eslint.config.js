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
  {
    // Upper layers reach lower ones only through the public entry points, so a program that imports
    // both "bpftypes" and "bpftypes/node" shares one copy of the core.
    files: ["src/node/**"],
    rules: { "no-restricted-imports": ["error", { patterns: ["../index.js", "../uapi/*", "../codec/*", "../btf/*", "../cli/*"] }] },
  },
  {
    files: ["src/cli/**"],
    rules: { "no-restricted-imports": ["error", { patterns: ["../index.js", "../uapi/*", "../codec/*", "../btf/*", "../node/*"] }] },
  },
);
