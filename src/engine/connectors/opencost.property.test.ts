/**
 * Property: whatever order and repetition OpenCost responses for overlapping day windows are loaded in, the store
 * holds each loaded day once, with exactly that day's totalCost, and the bookkeeping agrees with the cost rows.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addMoney } from "../../core/money.js";
import { ingestOpenCostFile } from "./opencost.js";
import { LOCAL_FIXTURES, tempStore } from "../../../test/helpers/store.js";

interface Resp {
  code: number;
  data: Record<string, { totalCost: number }>[];
}

describe("OpenCost re-ingestion is idempotent and order-independent", () => {
  it("any sequence of day-1, day-2 and both-days responses leaves each loaded day once, to the cent", async () => {
    const resp = JSON.parse(readFileSync(join(LOCAL_FIXTURES, "opencost/allocation-daily-prod-eu.json"), "utf8")) as Resp;
    const dayTotal = resp.data.map((set) => addMoney("0", ...Object.values(set).map((a) => String(a.totalCost))));
    const variants: { days: number[] }[] = [{ days: [0] }, { days: [1] }, { days: [0, 1] }];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 4 }), async (seq) => {
        const { store, dir, cleanup } = await tempStore();
        try {
          const files = variants.map((v, i) => {
            const p = join(dir, `v${i}.json`);
            writeFileSync(p, JSON.stringify({ code: 200, data: v.days.map((d) => resp.data[d]) }));
            return p;
          });
          for (const i of seq) await ingestOpenCostFile(store, files[i]!);
          const loadedDays = [...new Set(seq.flatMap((i) => variants[i]!.days))].sort();
          const byDay = await store.all(`SELECT strftime("ChargePeriodStart", '%Y-%m-%d') AS d, sum("BilledCost")::VARCHAR AS t FROM focus_costs GROUP BY 1 ORDER BY 1`);
          expect(byDay).toEqual(loadedDays.map((d) => ({ d: `2024-06-0${d + 1}`, t: dayTotal[d] })));
          const books = await store.all(`SELECT coalesce(sum(billed_cost), 0)::VARCHAR AS t, coalesce(sum(rows), 0)::BIGINT AS n FROM loaded_files`);
          const rows = await store.all(`SELECT coalesce(sum("BilledCost"), 0)::VARCHAR AS t, count(*)::BIGINT AS n FROM focus_costs`);
          expect(books[0]).toEqual(rows[0]);
        } finally {
          await cleanup();
        }
      }),
      { numRuns: 6, seed: 20261128 },
    );
  }, 120_000);
});
