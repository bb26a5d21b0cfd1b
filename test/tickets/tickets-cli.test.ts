/**
 * `costwise tickets sync [--dry-run]` and `costwise tickets list [--pending]` on a store with a recommendation,
 * against the local GitHub: dry run files nothing; sync files; a down tracker exits 1 and shows the backlog.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import type { RecommendationDraft } from "../../src/core/optimize/recommendation-model.js";
import { saveRecommendations } from "../../src/engine/optimize/recommendation-store.js";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { runCli } from "../helpers/cli.js";
import { startGithubFake, type GithubFake } from "../helpers/github-fake.js";
import { tempDir } from "../helpers/store.js";

let gh: GithubFake;
let dir: ReturnType<typeof tempDir>;
beforeEach(async () => {
  gh = await startGithubFake({ repos: ["acme/payments"] });
  dir = tempDir();
  process.env["H5_CLI_GH_TOKEN"] = gh.token;
});
afterEach(async () => {
  delete process.env["H5_CLI_GH_TOKEN"];
  await gh.stop();
  dir.cleanup();
});

const draft = (resource: string, saving: string): RecommendationDraft => ({
  key: `idle-instance:${resource}`, type: "idle-instance", resourceId: resource, resourceType: "ec2-instance", region: "eu-west-1", accountId: null, owner: "payments", ownerSource: "tag",
  action: "stop", currentConfig: null, targetConfig: null, monthlySaving: saving, currency: "USD", savingBasis: "list-price", confidence: "high", reason: "idle", risks: [], details: {}, baselineMonthlyCost: saving,
});

it("dry run, sync, list; a down tracker exits 1 with the backlog listed", async () => {
  const storeFile = join(dir.dir, "c.duckdb");
  const store = await DuckDbStore.open(storeFile);
  await saveRecommendations(store, [draft("i-1", "75"), draft("i-2", "60")], ["idle-instance"], "run1");
  await store.close();
  const file = join(dir.dir, "costwise.yaml");
  writeFileSync(file, `tickets:\n  trackers: { gh: { type: github, apiUrl: "${gh.url}", tokenEnv: H5_CLI_GH_TOKEN } }\n  routes: [{ team: payments, tracker: gh, repo: acme/payments }]\n`);
  const cli = (...a: string[]) => runCli("--config", file, "--store", storeFile, ...a);

  const dry = await cli("tickets", "sync", "--dry-run");
  expect(dry.code).toBe(0);
  expect(dry.out).toContain("dry run: 2 item(s): would file 2, would update 0");
  expect(gh.requests).toEqual([]);

  // down: the start-up check says unreachable (not a config problem), the sync defers, nothing is lost
  gh.down = true;
  const down = await cli("tickets", "sync");
  gh.down = false;
  expect(down.code).toBe(1);
  expect(down.err).toContain("tracker gh deferred to the next run: GitHub answered 503");
  const pending = await cli("--json", "tickets", "list", "--pending");
  expect((JSON.parse(pending.out) as { tickets: { key: string; last_error: string }[] }).tickets.map((t) => t.key)).toEqual(["idle-instance:i-1", "idle-instance:i-2"].map((k) => `recommendation:${k}`));

  const ok = await cli("--json", "tickets", "sync");
  expect(ok.code).toBe(0);
  const r = JSON.parse(ok.out) as { filed: number; pending: number };
  expect([r.filed, r.pending]).toEqual([2, 0]);
  const list = await cli("tickets", "list");
  expect(list.out).toMatch(/recommendation:idle-instance:i-1 +filed +gh acme\/payments +1 +open/);
  expect(gh.issues).toHaveLength(2);
  expect(gh.violations).toEqual([]);
});
