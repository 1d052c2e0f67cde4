import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: [".build-*/", ".ci/node-red-5/pkg/", "dist/", "node_modules/", ".userdir/", "test-output/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // Node-RED node constructors are plain functions; `const node = this` is the documented pattern.
    files: ["nodes/**/*.ts"],
    rules: { "@typescript-eslint/no-this-alias": "off" },
  },
  {
    files: ["nodes/editor/**/*.js"],
    languageOptions: {
      sourceType: "script",
      globals: {
        window: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        RED: "readonly",
        $: "readonly",
      },
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    ignores: ["nodes/editor/**"],
    languageOptions: {
      sourceType: "commonjs",
      globals: {
        require: "readonly",
        module: "writable",
        __dirname: "readonly",
        process: "readonly",
        console: "readonly",
      },
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // Function-node bodies of the example flows: Node-RED runs them as a function body (top-level
    // return) with these in scope.
    files: ["scripts/flows/functions/**/*.js"],
    languageOptions: {
      sourceType: "commonjs",
      globals: {
        msg: "writable",
        node: "readonly",
        context: "readonly",
        flow: "readonly",
        global: "readonly",
        env: "readonly",
        RED: "readonly",
        Buffer: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
      },
    },
  },
);
