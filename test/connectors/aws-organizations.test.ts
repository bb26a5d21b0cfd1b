/** Organizations (moto): every page of accounts, OU paths, names joined onto Cost Explorer rows; sync of several sources. */
import { join } from "node:path";
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  CreateOrganizationalUnitCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SourceConfig } from "../../src/core/config/sections/sources.js";
import { syncSources } from "../../src/engine/connectors/sync.js";
import type { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { queueCostExplorerResults, useTestAwsEnv } from "../helpers/aws-env.js";
import { requireMoto, startMoto, type Moto } from "../helpers/moto.js";
import { tempStore } from "../helpers/store.js";

const enabled = requireMoto("Organizations connector");

describe.runIf(enabled)("Organizations + sync (moto)", () => {
  let moto: Moto;
  let store: DuckDbStore;
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    useTestAwsEnv();
    moto = await startMoto();
  });
  afterAll(async () => moto?.stop());
  beforeEach(async () => {
    await moto.reset();
    ({ store, dir, cleanup } = await tempStore());
  });
  afterEach(async () => cleanup());

  it("lists every account (paginated) with its OU path and names the rows Cost Explorer left unnamed; a failing source does not stop the others", async () => {
    const org = new OrganizationsClient(moto.clientConfig);
    const created = await org.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }));
    const masterId = created.Organization!.MasterAccountId!;
    const ids: string[] = [];
    for (let i = 0; i < 22; i++) {
      const a = await org.send(new CreateAccountCommand({ AccountName: `acct-${String(i).padStart(2, "0")}`, Email: `a${i}@example.com` }));
      ids.push(a.CreateAccountStatus!.AccountId!);
    }
    const root = (await org.send(new ListRootsCommand({}))).Roots![0]!;
    const eng = await org.send(new CreateOrganizationalUnitCommand({ ParentId: root.Id!, Name: "Engineering" }));
    const prod = await org.send(new CreateOrganizationalUnitCommand({ ParentId: eng.OrganizationalUnit!.Id!, Name: "Prod" }));
    await org.send(new MoveAccountCommand({ AccountId: ids[0]!, SourceParentId: root.Id!, DestinationParentId: prod.OrganizationalUnit!.Id! }));

    // Cost Explorer without account names (no DimensionValueAttributes) and no billingAccountId configured
    const g = (svc: string, acct: string, amt: string) => ({ Keys: [svc, acct], Metrics: { UnblendedCost: { Amount: amt, Unit: "USD" }, AmortizedCost: { Amount: amt, Unit: "USD" } } });
    await queueCostExplorerResults(moto.endpoint, [
      { ResultsByTime: [{ TimePeriod: { Start: "2024-09-01", End: "2024-09-02" }, Total: {}, Estimated: false, Groups: [g("AWS Lambda", ids[0]!, "1.00"), g("AWS Lambda", ids[1]!, "2.00")] }] },
    ]);
    const sources: SourceConfig[] = [
      { name: "ce", type: "aws-cost-explorer", groupBy: ["SERVICE", "LINKED_ACCOUNT"], tagKeys: [], lookbackDays: 2, endpoint: moto.endpoint },
      { name: "broken", type: "files", paths: ["does-not-exist/*.csv"] },
      { name: "org", type: "aws-organizations", endpoint: moto.endpoint },
    ];
    const done: string[] = [];
    const report = await syncSources(sources, { store, stagingDir: join(dir, "staging"), baseDir: dir, now: new Date("2024-09-02T06:00:00Z"), onSourceDone: (r) => done.push(`${r.name}:${r.status}`) });
    expect(done).toEqual(["ce:ok", "broken:failed", "org:ok"]);
    expect(report.failed).toBe(1);
    expect(report.sources[1]!.error?.message).toMatch(/source broken: nothing matches does-not-exist\/\*\.csv/);

    const accounts = await store.all(`SELECT account_id, name, ou_path FROM aws_accounts ORDER BY name`);
    expect(accounts).toHaveLength(23); // 22 created + the management account: more than one page of ListAccounts
    expect(accounts.find((a) => a["account_id"] === ids[0])).toMatchObject({ name: "acct-00", ou_path: "/Root/Engineering/Prod" });
    expect(accounts.find((a) => a["account_id"] === ids[1])).toMatchObject({ name: "acct-01", ou_path: "/Root" });

    const rows = await store.all(`SELECT "BillingAccountId", "BillingAccountName", "SubAccountId", "SubAccountName" FROM focus_costs ORDER BY "SubAccountName"`);
    const masterName = accounts.find((a) => a["account_id"] === masterId)!["name"];
    expect(rows).toEqual([
      { BillingAccountId: masterId, BillingAccountName: masterName, SubAccountId: ids[0], SubAccountName: "acct-00" },
      { BillingAccountId: masterId, BillingAccountName: masterName, SubAccountId: ids[1], SubAccountName: "acct-01" },
    ]);
    const syncs = await store.all(`SELECT source_name, status, len(ingest_ids)::INT AS ingests FROM connector_syncs ORDER BY source_name`);
    expect(syncs).toEqual([
      { source_name: "broken", status: "failed", ingests: 0 },
      { source_name: "ce", status: "ok", ingests: 1 },
      { source_name: "org", status: "ok", ingests: 0 },
    ]);
  });
});
