import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * lib/ in layers: each folder may import only the lib/ folders listed for it (node: and npm packages
 * are free). core/ is the ground floor (clock, stats, rate limiting); mc/ stands alone.
 */
const LIB_LAYERS = {
  core: [],
  mc: [],
  queue: ["core"],
  pool: ["core", "mc"],
  simulator: ["core", "mc"],
  engine: ["core", "mc", "pool"],
  cli: ["core", "mc", "pool", "engine", "queue", "simulator"],
};
const NOT_NODE_RED = [
  { regex: "^(node-red|@node-red/.*)$", message: "lib/ never imports Node-RED: nodes/ adapt lib/ to it." },
  { regex: "(^|/)nodes(/|$)", message: "lib/ never imports nodes/: imports run from nodes/ to lib/." },
];
const libLayerRules = Object.entries(LIB_LAYERS).map(([folder, allowed]) => {
  // ".." as well: nothing reaches out of lib/ by a relative path.
  const others = [...Object.keys(LIB_LAYERS).filter((f) => f !== folder && !allowed.includes(f)), "\\.\\."];
  return {
    files: [`lib/${folder}/**/*.ts`],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            ...NOT_NODE_RED,
            {
              regex: `^\\.\\./(${others.join("|")})(/|$)`,
              message: `lib/${folder} imports ${allowed.map((f) => `lib/${f}`).join(", ") || "no other folder"} of lib/, nothing outside lib/.`,
            },
          ],
        },
      ],
    },
  };
});

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
  { files: ["lib/**/*.ts"], rules: { "no-restricted-imports": ["error", { patterns: NOT_NODE_RED }] } },
  ...libLayerRules,
  {
    // Node-RED node constructors are plain functions; `const node = this` is the documented pattern.
    files: ["nodes/**/*.ts"],
    rules: { "@typescript-eslint/no-this-alias": "off" },
  },
  {
    // Editor code (the nodes' definitions and the shared tag table): browser scripts, ES5 like the
    // editor's own, where `var node = this` keeps the node inside jQuery callbacks.
    files: ["nodes/editor/**/*.js"],
    languageOptions: {
      sourceType: "script",
      globals: {
        window: "readonly",
        document: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        RED: "readonly",
        $: "readonly",
      },
    },
    rules: { "@typescript-eslint/no-this-alias": "off" },
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
