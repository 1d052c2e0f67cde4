import tseslint from "typescript-eslint";

/**
 * The type-aware lint (`npm run lint:types`): only the rules that need the TypeScript program (unsafe
 * `any`, floating or misused promises, unbound methods, needless assertions...). Kept apart from
 * eslint.config.mjs because building the program takes minutes, and `npm run lint` should stay fast.
 */
export default tseslint.config(
  // TypeScript only: the JavaScript has no types to check (eslint.config.mjs lints it).
  {
    ignores: [
      ".build-*/",
      ".ci/",
      "dist/",
      "node_modules/",
      ".userdir/",
      "test-output/",
      "**/*.js",
      "**/*.mjs",
      "**/*.cjs",
    ],
  },
  {
    files: ["lib/**/*.ts", "nodes/**/*.ts", "test/**/*.ts", "bench/**/*.ts"],
    extends: [tseslint.configs.recommendedTypeCheckedOnly],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    // The eslint-disable comments in the code are for eslint.config.mjs's rules, which this run leaves out.
    linterOptions: { reportUnusedDisableDirectives: "off" },
    rules: {
      // The MC read path resolves what it can synchronously and hands Promise.all a mix on purpose
      // (no promise per tag on the hot path).
      "@typescript-eslint/await-thenable": ["error", { allowMixedPromiseArrays: true }],
      // Passing on a caught or rejected `unknown` unchanged is a rethrow, not a new non-Error reason.
      "@typescript-eslint/prefer-promise-reject-errors": ["error", { allowThrowingUnknown: true }],
    },
  },
);
