/**
 * The layers of costwise, enforced (docs/architecture.md explains them). Runs inside `npm test` (`npm run lint:layers`);
 * test/architecture/layers.test.ts proves each rule fires on a small tree that breaks it.
 *
 *   core    pure domain: imports nothing of ours above it and nothing that does I/O
 *   engine  disk, network, database: imports core
 *   server  HTTP API: imports core and engine
 *   cli     one file per command: imports core, engine, demo, and the server only through its entry (src/server/index.ts)
 *   demo    the fake organisation: imports core and engine; only the CLI (and tests, benches) import it
 *   web     the dashboard: imports core, and the server's types only (type-only imports)
 */
/** Node built-ins and packages that do I/O: none of them in core. */
const IO_MODULES = [
  "^(node:)?(fs|fs/promises|net|http|https|http2|child_process|dgram|dns|tls|cluster|worker_threads|readline|os)$",
  "^@duckdb/",
  "^@clickhouse/",
  "^@aws-sdk/",
  "^@smithy/",
  "^@azure/",
  "^fastify",
  "^@fastify/",
  "^nodemailer$",
];

/** Tests sit beside the code and may reach across layers to set up what they test (fixtures, a demo store). */
const TESTS = "\\.test\\.tsx?$";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "core-is-pure",
      comment: "core is the pure domain: no engine, server, cli, demo or web, and no module that does I/O",
      severity: "error",
      from: { path: "^src/core/", pathNot: TESTS },
      to: { path: ["^src/(engine|server|cli|demo)/", "^web/", ...IO_MODULES] },
    },
    {
      name: "engine-below-apps",
      comment: "engine serves the server, the CLI and the demo; it imports none of them",
      severity: "error",
      from: { path: "^src/engine/", pathNot: TESTS },
      to: { path: ["^src/(server|cli|demo)/", "^web/"] },
    },
    {
      name: "server-not-cli",
      comment: "the server imports neither the CLI nor the demo",
      severity: "error",
      from: { path: "^src/server/", pathNot: TESTS },
      to: { path: ["^src/(cli|demo)/", "^web/"] },
    },
    {
      name: "cli-through-server-entry",
      comment: "the CLI starts the server through its one entry (src/server/index.ts), never its routes or internals",
      severity: "error",
      from: { path: "^src/cli/", pathNot: TESTS },
      to: { path: "^src/server/", pathNot: "^src/server/index\\.ts$" },
    },
    {
      name: "demo-only-from-cli",
      comment: "the demo is a fake organisation for the CLI's `demo` command; no product code depends on it",
      severity: "error",
      from: { path: "^src/(core|engine|server)/", pathNot: TESTS },
      to: { path: "^src/demo/" },
    },
    {
      name: "web-types-only-from-server",
      comment: "the dashboard imports the server's response types (type-only), never server code",
      severity: "error",
      from: { path: "^web/" },
      to: { path: "^src/server/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "web-not-engine",
      comment: "the dashboard runs in a browser: no engine, cli or demo code",
      severity: "error",
      from: { path: "^web/" },
      to: { path: "^src/(engine|cli|demo)/" },
    },
    {
      name: "no-circular",
      comment: "modules that import each other (type-only cycles, such as a feature's migrations naming the migration type, are fine)",
      severity: "error",
      from: { path: "^(src|web)/" },
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(dist|node_modules)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"], extensions: [".ts", ".tsx", ".js"] },
    moduleSystems: ["es6", "cjs"],
  },
};
