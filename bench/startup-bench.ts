/**
 * CLI start-up: median wall time of `costwise --version`, `--help`, `query --help` and `policy check` of a small
 * plan, each as the ratio to a bare `node -e ""` start measured in the same run (issue 22: within 4×).
 *
 *   npm run bench -- startup                 # 15 runs of each
 *   npm run bench -- startup --- --runs 40
 *
 * Order of operations: one warm-up run of each command (file cache), then the runs interleaved round-robin
 * (so a burst of load hits every command alike), then each command's median and its ratio to node's median.
 */
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/costwise.js");
const FIXTURES = join(ROOT, "test/fixtures/governance");

const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg >= 0 ? Number(process.argv[runsArg + 1]) : 15;
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`--runs must be a positive integer, got ${process.argv[runsArg + 1]}`);

interface Case {
  label: string;
  args: string[];
  /** Exit status the command should end with (3: the plan has blocking findings). */
  status: number;
}

const CASES: Case[] = [
  { label: 'node -e ""', args: ["-e", ""], status: 0 },
  { label: "costwise --version", args: [BIN, "--version"], status: 0 },
  { label: "costwise --help", args: [BIN, "--help"], status: 0 },
  { label: "costwise query --help", args: [BIN, "query", "--help"], status: 0 },
  { label: "costwise policy --help", args: [BIN, "policy", "--help"], status: 0 },
  { label: "costwise policy check (small plan)", args: [BIN, "policy", "check", "-p", join(FIXTURES, "tags-policy.yaml"), join(FIXTURES, "plans/default-tags-plan.json")], status: 3 },
];

function once(c: Case): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, c.args, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== c.status) throw new Error(`${c.label}: exit ${r.status ?? r.signal} (expected ${c.status}): ${r.stderr}`);
  return ms;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const load = loadavg()[0]!.toFixed(2);
for (const c of CASES) once(c);
const times = CASES.map(() => [] as number[]);
for (let i = 0; i < RUNS; i++) CASES.forEach((c, k) => times[k]!.push(once(c)));
const medians = times.map(median);
const base = medians[0]!;
console.log(`CLI start-up, median of ${RUNS} runs (load average ${load} at start, ${loadavg()[0]!.toFixed(2)} at end; Node ${process.version})`);
console.log(`${"command".padEnd(36)} ${"median ms".padStart(10)} ${"× node".padStart(8)}`);
CASES.forEach((c, k) => {
  const ratio = medians[k]! / base;
  const target = k === 0 || c.label.includes("policy check") ? "" : ratio <= 4 ? "  ≤ 4× ok" : "  > 4× (target ≤ 4×)";
  console.log(`${c.label.padEnd(36)} ${medians[k]!.toFixed(0).padStart(10)} ${ratio.toFixed(2).padStart(8)}${target}`);
});
