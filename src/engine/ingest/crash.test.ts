/**
 * A load killed mid-way (SIGKILL while the transaction is open) leaves the store exactly as before.
 * Runs a real child process on the built code (`npm test` builds first).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { DuckDbStore } from "../store/duckdb/duckdb-store.js";
import { FIXTURES, LOCAL_FIXTURES, snapshot, tempDir } from "../../../test/helpers/store.js";
import { ingestOpenCostFile } from "../connectors/opencost.js";
import { ingestFiles } from "./ingest.js";

const DIST_INGEST = resolve(import.meta.dirname, "../../../dist/src/engine/ingest/ingest.js");
const DIST_STORE = resolve(import.meta.dirname, "../../../dist/src/engine/store/duckdb/duckdb-store.js");
const DIST_OPENCOST = resolve(import.meta.dirname, "../../../dist/src/engine/connectors/opencost.js");
const OPENCOST_DAILY = join(LOCAL_FIXTURES, "opencost/allocation-daily-prod-eu.json");

describe("crash safety", () => {
  it("kill -9 during an ingest leaves the store as it was", async () => {
    expect(existsSync(DIST_INGEST), "run `npm run build` first (npm test does)").toBe(true);
    const t = tempDir();
    const db = join(t.dir, "costwise.duckdb");
    try {
      let store = await DuckDbStore.open(db);
      await ingestFiles(store, [join(FIXTURES, "focus/focus_sample.csv")]);
      const before = await snapshot(store);
      await store.close();

      const marker = join(t.dir, "in-transaction");
      const code = `
        import { writeFileSync } from "node:fs";
        const { DuckDbStore } = await import(${JSON.stringify(DIST_STORE)});
        const { ingestFiles } = await import(${JSON.stringify(DIST_INGEST)});
        const store = await DuckDbStore.open(${JSON.stringify(db)});
        await ingestFiles(store, [${JSON.stringify(join(FIXTURES, "focus/focus_sample.csv"))}, ${JSON.stringify(join(LOCAL_FIXTURES, "cur-line-item-types.csv"))}], {
          beforeCommit: async () => { writeFileSync(${JSON.stringify(marker)}, "x"); await new Promise((r) => setTimeout(r, 60000)); },
        });`;
      const child = spawn(process.execPath, ["--input-type=module", "-e", code], { stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const deadline = Date.now() + 30_000;
      while (!existsSync(marker)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`child never reached the commit point: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));

      store = await DuckDbStore.open(db);
      expect(await snapshot(store)).toEqual(before);
      // and the store still takes loads
      const r = await ingestFiles(store, [join(LOCAL_FIXTURES, "cur-line-item-types.csv")]);
      expect(r.rowsLoaded).toBe(12);
      await store.close();
    } finally {
      t.cleanup();
    }
  });

  it("kill -9 during an OpenCost load (same spine) leaves the store as it was", async () => {
    expect(existsSync(DIST_OPENCOST), "run `npm run build` first (npm test does)").toBe(true);
    const t = tempDir();
    const db = join(t.dir, "costwise.duckdb");
    try {
      let store = await DuckDbStore.open(db);
      await ingestFiles(store, [join(FIXTURES, "focus/focus_sample.csv")]);
      await ingestOpenCostFile(store, OPENCOST_DAILY);
      const before = await snapshot(store);
      await store.close();

      const marker = join(t.dir, "in-transaction");
      const code = `
        import { writeFileSync } from "node:fs";
        const { DuckDbStore } = await import(${JSON.stringify(DIST_STORE)});
        const { ingestOpenCostFile } = await import(${JSON.stringify(DIST_OPENCOST)});
        const store = await DuckDbStore.open(${JSON.stringify(db)});
        await ingestOpenCostFile(store, ${JSON.stringify(OPENCOST_DAILY)}, {
          beforeCommit: async () => { writeFileSync(${JSON.stringify(marker)}, "x"); await new Promise((r) => setTimeout(r, 60000)); },
        });`;
      const child = spawn(process.execPath, ["--input-type=module", "-e", code], { stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const deadline = Date.now() + 30_000;
      while (!existsSync(marker)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`child never reached the commit point: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));

      store = await DuckDbStore.open(db);
      expect(await snapshot(store)).toEqual(before);
      // and the store still takes loads: the same response replaces, never doubles
      const r = await ingestOpenCostFile(store, OPENCOST_DAILY);
      expect(r.rowsReplaced).toBe(r.rows);
      await store.close();
    } finally {
      t.cleanup();
    }
  });
});
