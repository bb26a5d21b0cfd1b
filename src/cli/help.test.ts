/**
 * The CLI's help and start-up:
 * - every command's `--help` equals the golden text in help.golden.txt (the lazy split of command definitions
 *   from their implementations must not change a word; after a deliberate change to an option or a
 *   description, regenerate with `UPDATE_HELP_GOLDEN=1 npx vitest run src/cli/help.test.ts` and review the diff);
 * - the help lists' value lists (commands/option-values.ts) equal the engine constants they stand for;
 * - `costwise --version`, `--help`, `policy --help`, `query --help`, `detect --help` load no heavy module (DuckDB,
 *   the AWS SDK, Fastify, ClickHouse's client, the HCL parser), nor does `policy check` of a plan JSON. Measured on the real
 *   binary (dist/, built by `npm test`) run by node with an ESM resolve hook that writes every resolved URL to a file.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram } from "./main.js";
import * as values from "./commands/option-values.js";

const ROOT = join(import.meta.dirname, "../..");
const GOLDEN = join(import.meta.dirname, "help.golden.txt");

/** `--help` of the program and of every (sub)command, as printed (with addHelpText), at a fixed width. */
function allHelp(program: Command): string {
  let out = "";
  const walk = (cmd: Command, path: string[]): void => {
    let buf = "";
    cmd.configureOutput({ writeOut: (s) => void (buf += s), writeErr: (s) => void (buf += s), getOutHelpWidth: () => 100, getErrHelpWidth: () => 100, getOutHasColors: () => false });
    cmd.outputHelp();
    out += `===== ${path.join(" ")} --help\n${buf}`;
    for (const c of cmd.commands) walk(c, [...path, c.name()]);
  };
  walk(program, ["costwise"]);
  return out;
}

describe("costwise --help", () => {
  it("every command's help equals the golden text", () => {
    const text = allHelp(buildProgram());
    if (process.env["UPDATE_HELP_GOLDEN"] === "1") writeFileSync(GOLDEN, text);
    expect(text).toBe(readFileSync(GOLDEN, "utf8"));
    expect(text.match(/^===== /gm)?.length).toBeGreaterThan(50);
  });

  it("the value lists shown in help equal the engine's", async () => {
    const [registry, metrics, reports, tagged, tokens, utilization, demo, duckdb, series] = await Promise.all([
      import("../engine/mapping/registry.js"),
      import("../engine/metrics/ingest.js"),
      import("../engine/allocation/reports.js"),
      import("../engine/kpi/tagged-spend.js"),
      import("../engine/auth/tokens.js"),
      import("../engine/optimize/import-utilization.js"),
      import("../demo/run-demo.js"),
      import("../engine/store/duckdb/duckdb-store.js"),
      import("../engine/detect/series-file.js"),
    ]);
    expect(values.SOURCE_FORMATS).toEqual(registry.SOURCE_FORMATS);
    expect(values.METRIC_FILE_FORMATS).toEqual(metrics.METRIC_FILE_FORMATS);
    expect(values.SUMMARY_GRANULARITIES).toEqual(reports.SUMMARY_GRANULARITIES);
    expect(values.COVERAGE_DIMENSIONS).toEqual(tagged.COVERAGE_DIMENSIONS);
    expect(values.ROLES).toEqual(tokens.ROLES);
    expect(values.UTILIZATION_CSV_COLUMNS).toEqual(utilization.UTILIZATION_CSV_COLUMNS);
    expect(values.DEFAULT_DEMO_DATA_DIR).toBe(demo.DEFAULT_DEMO_DATA_DIR);
    expect(values.DEMO_STORE_FILE).toBe(demo.DEMO_STORE_FILE);
    expect(values.DEFAULT_STORE_PATH).toBe(duckdb.DEFAULT_STORE_PATH);
    expect(values.SERIES_INTERVALS).toEqual(series.SERIES_INTERVALS);
  });
});

/** A resolve hook (registered by `--import`) appending each resolved module URL to $COSTWISE_TRACE_MODULES. */
const HOOKS = `let file; import { appendFileSync } from "node:fs";
export function initialize(d) { file = d.file; }
export async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(file, r.url + "\\n"); return r; }`;
const REGISTER = `import { register } from "node:module";
register("data:text/javascript," + encodeURIComponent(${JSON.stringify(HOOKS)}), { data: { file: process.env.COSTWISE_TRACE_MODULES } });`;

/** The modules `costwise <args>` resolves (the real binary, on dist/). */
function modulesLoadedBy(args: string[]): { urls: string[]; status: number | null; stdout: string } {
  const dir = mkdtempSync(join(tmpdir(), "cw-startup-"));
  try {
    const file = join(dir, "modules.txt");
    writeFileSync(file, "");
    const r = spawnSync(process.execPath, ["--import", `data:text/javascript,${encodeURIComponent(REGISTER)}`, join(ROOT, "bin/costwise.js"), ...args], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, COSTWISE_TRACE_MODULES: file, COSTWISE_STORE: join(dir, "never.duckdb") },
      timeout: 60_000,
    });
    return { urls: readFileSync(file, "utf8").split("\n").filter(Boolean), status: r.status, stdout: r.stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const HEAVY = /\/node_modules\/(@duckdb|@aws-sdk|@smithy|fastify|@fastify|@clickhouse|nodemailer|@cdktf)\//;
const heavyIn = (urls: string[]): string[] => [...new Set(urls.filter((u) => HEAVY.test(u)).map((u) => u.replace(/.*\/node_modules\/((@[^/]+\/)?[^/]+).*/, "$1")))];

describe("start-up loads only what a command uses", () => {
  it.skipIf(!existsSync(join(ROOT, "dist/src/cli/main.js")) && process.env["CI"] !== "true")("--version, --help and <command> --help load no heavy module", () => {
    for (const args of [["--version"], ["--help"], ["policy", "--help"], ["query", "--help"], ["policy", "check", "--help"], ["detect", "--help"], ["help", "detect"]]) {
      const r = modulesLoadedBy(args);
      expect(r.status, args.join(" ")).toBe(0);
      expect(r.urls.length, args.join(" ")).toBeGreaterThan(5);
      expect(heavyIn(r.urls), args.join(" ")).toEqual([]);
    }
  });

  it.skipIf(!existsSync(join(ROOT, "dist/src/cli/main.js")) && process.env["CI"] !== "true")("policy check of a plan JSON loads no heavy module (no DuckDB, no ClickHouse client, no HCL parser); of a .tf directory, the HCL parser", () => {
    const check = modulesLoadedBy(["policy", "check", "-p", "test/fixtures/governance/tags-policy.yaml", "test/fixtures/governance/plans/default-tags-plan.json"]);
    expect(check.status).toBe(3); // that plan has blocking findings: the command really ran
    // neither Fastify, the AWS SDK, DuckDB nor ClickHouse's client; nor @cdktf/hcl2json (only .tf inputs need it)
    expect(heavyIn(check.urls)).toEqual([]);
    expect(check.urls.some((u) => u.includes("/src/engine/governance/terraform-plan.js"))).toBe(true);
    expect(check.urls.filter((u) => /\/node_modules\/@cdktf\/hcl2json\/|\/src\/engine\/store\/(duckdb\/duckdb-store|clickhouse\/clickhouse-store)\.js$/.test(u))).toEqual([]);
    // a .tf input does load the HCL parser (the trace sees a heavy module when one is loaded)
    const tf = modulesLoadedBy(["policy", "check", "-p", "test/fixtures/governance/tags-policy.yaml", "test/fixtures/governance/tf"]);
    expect(tf.status).toBe(3);
    expect(heavyIn(tf.urls)).toEqual(["@cdktf/hcl2json"]);
  });
});
