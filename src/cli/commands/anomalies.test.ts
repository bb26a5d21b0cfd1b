/** `costwise anomalies` feedback from the CLI: ack, expected (reason required), snooze/unsnooze, with who and when. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DuckDbStore } from "../../engine/store/duckdb/duckdb-store.js";
import { startServer } from "../../server/index.js";
import { seedDetectStore } from "../../../test/helpers/detect-seed.js";
import { EXIT, reportError } from "../context.js";
import { registerAnomalies } from "./anomalies.js";
import { registerDetect } from "./detect.js";

let dir: string;
let storePath: string;
let configPath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "costwise-anomalies-"));
  storePath = join(dir, "costs.duckdb");
  configPath = join(dir, "costwise.yaml");
  const store = await DuckDbStore.open(storePath);
  await seedDetectStore(store);
  await store.close();
  writeFileSync(configPath, `detection:\n  monitors:\n    - name: total\n    - name: services\n      dimension: ServiceName\n      top: 5\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const program = new Command().option("--store <path>").option("--config <file>").option("--json", "", false).exitOverride();
  registerDetect(program);
  registerAnomalies(program);
  const out: string[] = [];
  const err: string[] = [];
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const c of all(program).slice(1)) c.exitOverride().configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
  let code: number = EXIT.ok;
  try {
    await program.parseAsync(["node", "costwise", "--store", storePath, "--config", configPath, ...args]);
  } catch (x) {
    code = x instanceof CommanderError ? (x.code === "commander.helpDisplayed" ? EXIT.ok : EXIT.usage) : reportError(x, args.includes("--json"));
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  return { code, out: out.join(""), err: err.join("") };
}

interface Listed {
  id: string;
  monitor: string;
  series_key: string;
  start_day: string;
  feedback: { acknowledged: { by: string; at: string } | null; expected: { by: string; reason: string } | null; snoozed_until: string | null };
}

describe("costwise anomalies: feedback", () => {
  let total: Listed;

  beforeAll(async () => {
    expect((await cli("detect")).code).toBe(EXIT.ok);
    const listed = JSON.parse((await cli("--json", "anomalies")).out) as Listed[];
    total = listed.find((a) => a.monitor === "total")!;
    expect(total).toMatchObject({ start_day: "2024-03-26", feedback: { acknowledged: null, expected: null, snoozed_until: null } });
    expect(total.id).toMatch(/^[0-9a-f]{16}$/);
  });

  it("ack records the OS user (or --by) and when; the list shows it", async () => {
    const before = new Date().toISOString().slice(0, 19);
    const r = await cli("--json", "anomalies", "ack", total.id);
    expect(r.code).toBe(EXIT.ok);
    const doc = JSON.parse(r.out) as { feedback: Listed["feedback"] };
    expect(doc.feedback.acknowledged!.by).toBe(userInfo().username);
    expect(doc.feedback.acknowledged!.at >= before).toBe(true);
    expect((await cli("anomalies", "ack", total.id, "--by", "ana")).out).toContain("ack (ana)");
    const table = await cli("anomalies", "--alerts");
    expect(table.out).toContain(total.id);
    expect(table.out).toContain("ack (ana)");
  });

  it("expected needs a reason; with one it is recorded and listed", async () => {
    const none = await cli("anomalies", "expected", total.id);
    expect(none.code).toBe(EXIT.usage);
    expect(none.err).toContain("--reason");
    const r = await cli("anomalies", "expected", total.id, "--reason", "GPU benchmark, planned", "--by", "ana");
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toContain("expected (ana)");
    const listed = JSON.parse((await cli("--json", "anomalies")).out) as Listed[];
    expect(listed.find((a) => a.id === total.id)!.feedback.expected).toMatchObject({ by: "ana", reason: "GPU benchmark, planned" });
  });

  it("an unknown anomaly id is an error, not a crash", async () => {
    const r = await cli("anomalies", "ack", "0000000000000000");
    expect(r.code).toBe(EXIT.failure);
    expect(r.err).toContain("no anomaly 0000000000000000");
  });

  it("snooze a series until a date, list it, unsnooze it", async () => {
    const bad = await cli("anomalies", "snooze", "nope", "--until", "2099-01-01");
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.err).toContain("unknown monitor");
    expect((await cli("anomalies", "snooze", "services", "--until", "yesterday")).code).toBe(EXIT.usage);
    const r = await cli("anomalies", "snooze", "services", "--series", "EC2", "--until", "2099-01-01", "--reason", "migration", "--by", "ana");
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toContain("services/EC2 snoozed until 2099-01-01T00:00:00Z by ana");
    const active = JSON.parse((await cli("--json", "anomalies", "snoozes")).out) as { monitor: string; series_key: string; by_name: string; reason: string }[];
    expect(active).toEqual([expect.objectContaining({ monitor: "services", series_key: "EC2", by_name: "ana", reason: "migration" })]);
    const listed = JSON.parse((await cli("--json", "anomalies")).out) as Listed[];
    expect(listed.find((a) => a.monitor === "services" && a.series_key === "EC2")!.feedback.snoozed_until).toBe("2099-01-01T00:00:00Z");
    expect((await cli("anomalies", "unsnooze", "services", "--series", "EC2")).out).toContain("snooze ended");
    expect((await cli("anomalies", "snoozes")).out).toContain("no monitor is snoozed");
    expect((await cli("anomalies", "snoozes", "--all")).out).toContain(userInfo().username);
  });

  it("beside a running server (which holds the store) feedback goes through it and shows in the API at once", async () => {
    const store = await DuckDbStore.open(storePath);
    const running = await startServer(store, { store, host: "127.0.0.1", port: 0, logLevel: false, rollup: false, warm: false, webDir: join(dir, "no-web"), adminEndpoint: { storeFile: storePath, workspace: { config: {} as never, file: undefined, baseDir: dir } } });
    try {
      const anomalies = async () => ((await (await fetch(new URL("/api/v1/anomalies", running.url))).json()) as { items: Listed[] }).items;
      const svc = (await anomalies()).find((a) => a.monitor === "services" && a.series_key === "EC2")!;
      expect(svc.feedback.acknowledged).toBeNull();
      const ack = await cli("anomalies", "ack", svc.id, "--by", "bo");
      expect(ack.code).toBe(EXIT.ok);
      expect(ack.out).toContain("ack (bo)");
      expect((await anomalies()).find((a) => a.id === svc.id)!.feedback.acknowledged).toMatchObject({ by: "bo" });
      expect((await cli("anomalies", "snooze", "services", "--series", "EC2", "--until", "2099-02-01", "--by", "bo")).code).toBe(EXIT.ok);
      expect((await anomalies()).find((a) => a.id === svc.id)!.feedback.snoozed_until).toBe("2099-02-01T00:00:00Z");
      const listed = JSON.parse((await cli("--json", "anomalies", "--monitor", "services")).out) as Listed[];
      expect(listed.find((a) => a.id === svc.id)!.feedback).toMatchObject({ acknowledged: { by: "bo" }, snoozed_until: "2099-02-01T00:00:00Z" });
      expect((await cli("anomalies", "unsnooze", "services", "--series", "EC2")).out).toContain("snooze ended");
      const unknown = await cli("anomalies", "ack", "0000000000000000");
      expect(unknown.code).toBe(EXIT.failure);
      expect(unknown.err).toContain("no anomaly 0000000000000000");
    } finally {
      await running.close();
      await store.close();
    }
  });
});
