/**
 * The layer rules (.dependency-cruiser.cjs) hold on the real tree, and each one fires on a small tree that breaks it:
 * a rule that never fires would pass any code.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
const DEPCRUISE = join(ROOT, "node_modules", ".bin", "depcruise");
const CONFIG = join(ROOT, ".dependency-cruiser.cjs");

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

async function cruise(cwd: string, paths: string[]): Promise<Violation[]> {
  try {
    const { stdout } = await run(DEPCRUISE, [...paths, "--config", CONFIG, "--output-type", "json"], { cwd, maxBuffer: 256 * 1024 * 1024 });
    return (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
  } catch (e) {
    // depcruise exits non-zero when it finds errors; its JSON is still on stdout
    const out = (e as { stdout?: string }).stdout;
    if (out) return (JSON.parse(out) as { summary: { violations: Violation[] } }).summary.violations;
    throw e;
  }
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A throwaway tree: path → source. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "costwise-layers-"));
  dirs.push(dir);
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", jsx: "react-jsx", strict: true } }));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

describe("layers", () => {
  it("the real tree breaks no layer rule", async () => {
    const violations = await cruise(ROOT, ["src", "web/src"]);
    expect(violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).toEqual([]);
  });

  // Each row: a rule, and the file of one tree whose import breaks it (one tree for all rows: one cruise).
  const breaking: [rule: string, from: string][] = [
    ["core-is-pure", "src/core/to-engine.ts"],
    ["core-is-pure", "src/core/reads-files.ts"],
    ["engine-below-apps", "src/engine/to-server.ts"],
    ["server-not-cli", "src/server/to-cli.ts"],
    ["cli-through-server-entry", "src/cli/to-routes.ts"],
    ["demo-only-from-cli", "src/engine/to-demo.ts"],
    ["web-types-only-from-server", "web/src/server-code.ts"],
    ["web-not-engine", "web/src/engine-type.ts"],
    ["no-circular", "src/engine/cycle-a.ts"],
  ];
  const broken = tree({
    "src/core/to-engine.ts": 'import { x } from "../engine/x.js";\nexport const a = x;\n',
    "src/core/reads-files.ts": 'import { readFileSync } from "node:fs";\nexport const a = readFileSync;\n',
    "src/engine/x.ts": "export const x = 1;\nexport type X = number;\n",
    "src/engine/to-server.ts": 'import { s } from "../server/routes.js";\nexport const a = s;\n',
    "src/server/routes.ts": "export const s = 1;\n",
    "src/server/to-cli.ts": 'import { c } from "../cli/c.js";\nexport const a = c;\n',
    "src/cli/c.ts": "export const c = 1;\n",
    "src/cli/to-routes.ts": 'import { s } from "../server/routes.js";\nexport const a = s;\n',
    "src/engine/to-demo.ts": 'import { d } from "../demo/d.js";\nexport const a = d;\n',
    "src/demo/d.ts": "export const d = 1;\n",
    "web/src/server-code.ts": 'import { s } from "../../src/server/routes.js";\nexport const a = s;\n',
    "web/src/engine-type.ts": 'import type { X } from "../../src/engine/x.js";\nexport type A = X;\n',
    "src/engine/cycle-a.ts": 'import { b } from "./cycle-b.js";\nexport const a = () => b;\n',
    "src/engine/cycle-b.ts": 'import { a } from "./cycle-a.js";\nexport const b = () => a;\n',
  });
  let found: Violation[] | undefined;
  it.each(breaking)("%s fires on %s", async (rule, from) => {
    found ??= await cruise(broken, ["src", "web/src"]);
    expect(found.filter((v) => v.from === from).map((v) => v.rule.name)).toContain(rule);
  });

  it("allows what the layers allow: a type-only server import in web, the server entry from the CLI, core from everywhere", async () => {
    const dir = tree({
      "src/core/m.ts": "export const m = 1;\nexport type M = number;\n",
      "src/engine/e.ts": 'import { m } from "../core/m.js";\nexport const e = m;\n',
      "src/server/index.ts": 'import { e } from "../engine/e.js";\nexport type Answer = { v: number };\nexport const start = () => e;\n',
      "src/cli/c.ts": 'import { start } from "../server/index.js";\nimport { d } from "../demo/d.js";\nexport const c = [start, d];\n',
      "src/demo/d.ts": 'import { e } from "../engine/e.js";\nexport const d = e;\n',
      "web/src/w.ts": 'import type { Answer } from "../../src/server/index.js";\nimport { m } from "../../src/core/m.js";\nexport const w: Answer = { v: m };\n',
    });
    expect(await cruise(dir, ["src", "web/src"])).toEqual([]);
  });
});
