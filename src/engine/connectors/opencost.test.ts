/**
 * OpenCost /allocation → FOCUS rows: golden output, totals to the cent per allocation and overall, idle rows, FOCUS
 * conformance, replacement of the same cluster and window, bad input, and fetching from a fake OpenCost server
 * (node:http on 127.0.0.1:0) with retries, timeouts, truncated bodies and tokens that never leak.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { addMoney } from "../../core/money.js";
import { CostwiseError } from "../../core/errors.js";
import type { DuckDbStore } from "../store/duckdb/duckdb-store.js";
import { validateStore } from "../validate/validate-store.js";
import { listSources } from "../store/sources.js";
import { allocationUrl, ingestOpenCostFile, looksLikeOpenCostResponse, syncOpenCost } from "./opencost.js";
import { LOCAL_FIXTURES, exportFocusCsv, expectGolden, snapshot, tempStore } from "../../../test/helpers/store.js";

const DAILY = join(LOCAL_FIXTURES, "opencost/allocation-daily-prod-eu.json");
const SWAGGER = join(LOCAL_FIXTURES, "opencost/swagger-allocation-namespace-2d.json");

interface Alloc {
  totalCost: number;
  window: { start: string; end: string };
  name: string;
}
interface Resp {
  code: number;
  data: Record<string, Alloc>[];
}
const readResp = (p: string) => JSON.parse(readFileSync(p, "utf8")) as Resp;
/** The fixtures write every number with at most 6 decimals, so String(n) is the number exactly as written. */
const exactSum = (r: Resp, pick: (key: string) => boolean = () => true) =>
  addMoney("0", ...r.data.flatMap((s) => Object.entries(s).filter(([k]) => pick(k)).map(([, a]) => String(a.totalCost))));

let store: DuckDbStore;
let cleanup: () => Promise<void>;
let dir: string;
beforeEach(async () => ({ store, cleanup, dir } = await tempStore()));
afterEach(async () => cleanup());

async function one(sql: string, params: (string | number)[] = []): Promise<Record<string, unknown>> {
  return (await store.all({ sql, params }))[0]!;
}

describe("OpenCost saved response → FOCUS rows", () => {
  it("golden FOCUS output: daily pod/container response with idle, adjustments, shared, external, unmounted volumes", async () => {
    const r = await ingestOpenCostFile(store, DAILY);
    expect(r.sets).toBe(2);
    expect(r.allocations).toBe(14);
    expect(r.clusters).toEqual(["prod-eu"]);
    expect(r.windows).toEqual([
      { cluster: "prod-eu", start: "2024-06-01T00:00:00Z", end: "2024-06-02T00:00:00Z" },
      { cluster: "prod-eu", start: "2024-06-02T00:00:00Z", end: "2024-06-03T00:00:00Z" },
    ]);
    expectGolden("opencost-allocation-daily-prod-eu.focus.csv", await exportFocusCsv(store));
  });

  it("golden FOCUS output: the OpenAPI spec's example response (namespace aggregate, 2-day window)", async () => {
    const r = await ingestOpenCostFile(store, SWAGGER);
    expect(r.clusters).toEqual(["cluster-one"]);
    expectGolden("opencost-swagger-allocation-namespace-2d.focus.csv", await exportFocusCsv(store));
  });

  it("totals equal the response's totalCost to the cent, overall and per allocation (each allocation's rows sum to its totalCost exactly)", async () => {
    const resp = readResp(DAILY);
    const r = await ingestOpenCostFile(store, DAILY);
    const expected = exactSum(resp);
    expect(expected).toBe("39.7380560000");
    expect(r.loadedTotal).toBe(expected);
    expect((await one(`SELECT sum("BilledCost")::VARCHAR AS t, sum("EffectiveCost")::VARCHAR AS e FROM focus_costs`))).toEqual({ t: expected, e: expected });
    const per = await store.all(
      `SELECT "ResourceId" AS id, strftime("ChargePeriodStart", '%Y-%m-%dT%H:%M:%SZ') AS s, sum("BilledCost")::VARCHAR AS t FROM focus_costs GROUP BY ALL`,
    );
    expect(per).toHaveLength(14);
    const want = new Map(resp.data.flatMap((set) => Object.values(set).map((a) => [`${a.name}|${a.window.start}`, addMoney(String(a.totalCost))])));
    for (const p of per) expect(p["t"], `${p["id"]} ${p["s"]}`).toBe(want.get(`${p["id"]}|${p["s"]}`));
    // the rounding difference OpenCost leaves (api: parts sum to 0.65706, totalCost 0.65707) is carried by its CPU row
    const api = await one(
      `SELECT "BilledCost"::VARCHAR AS b, "ListCost"::VARCHAR AS l FROM focus_costs WHERE x_k8s_Container = 'api' AND x_UsageType = 'cpu' AND "ChargePeriodStart" = '2024-06-01'`,
    );
    expect(api).toEqual({ b: "0.4123500000", l: "0.4123500000" });
    // adjustments: ListCost is the cost before OpenCost's reconciliation, Billed/Effective after it
    const gpu = await one(`SELECT "ListCost"::VARCHAR AS l, "BilledCost"::VARCHAR AS b, "EffectiveCost"::VARCHAR AS e FROM focus_costs WHERE x_k8s_Pod = 'trainer-0' AND x_UsageType = 'gpu'`);
    expect(gpu).toEqual({ l: "12.3000000000", b: "11.0700000000", e: "11.0700000000" });
  });

  it("idle cost stays its own rows (x_ChargeType idle, namespace __idle__), one per component and day", async () => {
    const resp = readResp(DAILY);
    const r = await ingestOpenCostFile(store, DAILY);
    const idle = await store.all(
      `SELECT strftime("ChargePeriodStart", '%Y-%m-%d') AS d, x_UsageType AS c, "BilledCost"::VARCHAR AS t, x_k8s_Namespace AS ns, "ResourceType" AS rt
       FROM focus_costs WHERE x_ChargeType = 'idle' ORDER BY 1, 2`,
    );
    expect(idle.map((i) => `${i["d"]} ${i["c"]} ${i["t"]}`)).toEqual([
      "2024-06-01 cpu 1.2340000000",
      "2024-06-01 gpu 3.1000000000",
      "2024-06-01 ram 0.4321000000",
      "2024-06-02 cpu 1.3574000000",
      "2024-06-02 gpu 16.1440000000",
      "2024-06-02 ram 0.4753100000",
    ]);
    expect(new Set(idle.map((i) => i["ns"]))).toEqual(new Set(["__idle__"]));
    expect(new Set(idle.map((i) => i["rt"]))).toEqual(new Set(["Kubernetes Idle"]));
    const idleExpected = exactSum(resp, (k) => k.endsWith("/__idle__"));
    expect(r.idleTotal).toBe(idleExpected);
    expect(r.idleAllocations).toBe(2);
  });

  it("labels become k8s:label:<name> tags, annotations k8s:annotation:<name>; controller, pod, container and node land in x_k8s_*", async () => {
    await ingestOpenCostFile(store, DAILY);
    const row = await one(
      `SELECT "Tags"['k8s:label:team'] AS team, "Tags"['k8s:annotation:owner'] AS owner, x_k8s_Cluster AS c, x_k8s_Node AS n, x_k8s_Namespace AS ns,
              x_k8s_ControllerKind AS k, x_k8s_Controller AS ctl, x_k8s_Pod AS p, x_k8s_Container AS ct, "SubAccountId" AS sub, "BillingAccountId" AS acct
       FROM focus_costs WHERE x_k8s_Container = 'api' LIMIT 1`,
    );
    expect(row).toEqual({
      team: "payments",
      owner: "payments@example.com",
      c: "prod-eu",
      n: "ip-10-0-1-23.eu-west-1.compute.internal",
      ns: "checkout",
      k: "deployment",
      ctl: "checkout-api",
      p: "checkout-api-7d9f8b6c5-x2x9k",
      ct: "api",
      sub: "checkout",
      acct: "prod-eu",
    });
    // a zero-cost allocation is still there, as one "total" row
    const zero = await one(`SELECT count(*)::INT AS n, sum("BilledCost")::VARCHAR AS t, any_value(x_UsageType) AS u FROM focus_costs WHERE x_k8s_Pod = 'report-probe'`);
    expect(zero).toEqual({ n: 1, t: "0.0000000000", u: "total" });
  });

  it("passes the FOCUS 1.2 validator (no error-severity rule fails)", async () => {
    await ingestOpenCostFile(store, DAILY);
    await ingestOpenCostFile(store, SWAGGER);
    const report = await validateStore(store, { scope: { source: "opencost" } });
    const failed = report.rules.filter((r) => r.status === "fail" && r.severity === "error").map((r) => r.id);
    expect(failed).toEqual([]);
    expect(report.conformant).toBe(true);
    expect(report.rowsChecked).toBe(42);
  });

  it("shows in sources with freshness: last complete day is the last loaded window's last day", async () => {
    await ingestOpenCostFile(store, DAILY);
    const s = (await listSources(store)).filter((x) => x.source === "opencost");
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({ billingAccountId: "prod-eu", lastCompleteDay: "2024-06-02", billedCost: "39.7380560000", currency: "USD" });
  });

  it("re-ingesting the same cluster and window replaces (idempotent); a new response for one day replaces only that day", async () => {
    const r1 = await ingestOpenCostFile(store, DAILY);
    const before = await snapshot(store);
    const r2 = await ingestOpenCostFile(store, DAILY);
    expect(r2.rowsReplaced).toBe(r1.rows);
    expect(r2.replacedTotal).toBe(r1.loadedTotal);
    const after = await snapshot(store);
    expect({ rows: after.rows, billed: after.billed }).toEqual({ rows: before.rows, billed: before.billed });
    expect((await one(`SELECT count(*)::INT AS n FROM loaded_files WHERE source = 'opencost'`))["n"]).toBe(1);

    // day 2 again, with one pod costing more: day 1 stays as it was, day 2 is replaced
    const resp = readResp(DAILY);
    const day2 = resp.data[1]!;
    const key = Object.keys(day2).find((k) => k.endsWith("/istio-proxy"))!;
    day2[key] = { ...day2[key]!, totalCost: 1.5, cpuCost: 1.45623, ramCost: 0.04377 } as Alloc;
    const file = join(dir, "day2.json");
    writeFileSync(file, JSON.stringify({ code: 200, data: [day2] }));
    const r3 = await ingestOpenCostFile(store, file);
    const day1Total = exactSum({ ...resp, data: [resp.data[0]!] });
    const day2Total = exactSum({ ...resp, data: [day2] });
    expect(r3.replacedTotal).toBe(exactSum({ ...readResp(DAILY), data: [readResp(DAILY).data[1]!] }));
    const byDay = await store.all(`SELECT strftime("ChargePeriodStart", '%Y-%m-%d') AS d, sum("BilledCost")::VARCHAR AS t FROM focus_costs GROUP BY 1 ORDER BY 1`);
    expect(byDay).toEqual([
      { d: "2024-06-01", t: day1Total },
      { d: "2024-06-02", t: day2Total },
    ]);
    // bookkeeping follows: the first load now holds day 1 only, the new one day 2
    const books = await store.all(`SELECT ingest_id, sum(billed_cost)::VARCHAR AS t FROM loaded_files WHERE source = 'opencost' GROUP BY 1 ORDER BY 2`);
    expect(books.map((b) => b["t"]).sort()).toEqual([day1Total, day2Total].sort());
  });

  it("a window that only partly overlaps loaded rows is refused and the store is unchanged", async () => {
    await ingestOpenCostFile(store, DAILY);
    const before = await snapshot(store);
    const resp = readResp(DAILY);
    const set = resp.data[0]!;
    for (const a of Object.values(set)) a.window = { start: "2024-06-01T12:00:00Z", end: "2024-06-02T12:00:00Z" };
    const file = join(dir, "shifted.json");
    writeFileSync(file, JSON.stringify({ code: 200, data: [set] }));
    await expect(ingestOpenCostFile(store, file)).rejects.toThrow(/partly overlaps rows already loaded for 2024-06-01T00:00:00Z–2024-06-02T00:00:00Z/);
    expect(await snapshot(store)).toEqual(before);
  });

  it("--cluster names the cluster for every row (and is refused for a multi-cluster response)", async () => {
    const r = await ingestOpenCostFile(store, SWAGGER, { cluster: "staging-us" });
    expect(r.clusters).toEqual(["staging-us"]);
    expect((await one(`SELECT list(DISTINCT x_k8s_Cluster) AS c, list(DISTINCT "BillingAccountId") AS a FROM focus_costs`))).toEqual({ c: ["staging-us"], a: ["staging-us"] });
    const resp = readResp(SWAGGER);
    const set = resp.data[0]!;
    (set["opencost"] as unknown as { properties: { cluster: string } }).properties.cluster = "cluster-two";
    const file = join(dir, "two.json");
    writeFileSync(file, JSON.stringify(resp));
    await expect(ingestOpenCostFile(store, file, { cluster: "x" })).rejects.toThrow(/holds 2 clusters \(cluster-one, cluster-two\)/);
  });

  it("detects a saved response by its shape", () => {
    expect(looksLikeOpenCostResponse(DAILY)).toBe(true);
    expect(looksLikeOpenCostResponse(SWAGGER)).toBe(true);
    expect(looksLikeOpenCostResponse(join(LOCAL_FIXTURES, "cur-line-item-types.csv"))).toBe(false);
  });
});

describe("OpenCost bad input: a clear error, nothing written", () => {
  async function refused(content: string, pattern: RegExp): Promise<CostwiseError> {
    await ingestOpenCostFile(store, SWAGGER);
    const before = await snapshot(store);
    const file = join(dir, "bad.json");
    writeFileSync(file, content);
    const err = await ingestOpenCostFile(store, file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CostwiseError);
    expect((err as Error).message).toMatch(pattern);
    expect(await snapshot(store)).toEqual(before);
    return err as CostwiseError;
  }

  it("truncated JSON names the line and says nothing was loaded", async () => {
    const text = readFileSync(DAILY, "utf8");
    const cut = text.slice(0, Math.floor(text.length * 0.6));
    const err = await refused(cut, /bad\.json: line \d+, column \d+: not valid JSON .*nothing was loaded/);
    expect(err.location?.line).toBeGreaterThan(100);
  });

  it("a non-numeric totalCost names the set, allocation key and field", async () => {
    const resp = readResp(SWAGGER);
    (resp.data[0]!["kube-system"] as unknown as Record<string, unknown>)["totalCost"] = "lots";
    await refused(JSON.stringify(resp), /bad\.json: data\[0\]\["kube-system"\]: totalCost: expected a number .*got "lots"/);
  });

  it("a null totalCost (OpenCost's NaN) and a bad window are refused with the field", async () => {
    const resp = readResp(SWAGGER);
    (resp.data[0]!["opencost"] as unknown as Record<string, unknown>)["totalCost"] = null;
    await refused(JSON.stringify(resp), /data\[0\]\["opencost"\]: totalCost: expected a number/);
    const resp2 = readResp(SWAGGER);
    resp2.data[0]!["prometheus"]!.window = { start: "2023-01-18T11:38:45Z", end: "yesterday" };
    await refused(JSON.stringify(resp2), /data\[0\]\["prometheus"\]: window\.end: expected an RFC 3339 time after window\.start, got "yesterday"/);
  });

  it("an error response saved to a file, a response without data, and an empty response are refused", async () => {
    await refused(JSON.stringify({ code: 500, message: "Error: Prometheus unreachable" }), /OpenCost answered code 500: Error: Prometheus unreachable/);
    await refused(JSON.stringify({ code: 200, status: "success" }), /key "data": expected an array of allocation sets/);
    await refused(JSON.stringify({ code: 200, data: [{}, null] }), /holds no allocations/);
    await refused("[1, 2]", /expected one JSON object .* found a JSON array/);
  });

  it("a response without cluster names needs --cluster", async () => {
    const resp = readResp(SWAGGER);
    for (const a of Object.values(resp.data[0]!)) delete (a as unknown as { properties: { cluster?: string } }).properties.cluster;
    await refused(JSON.stringify(resp), /properties\.cluster: expected the cluster name \(or give the cluster/);
  });
});

// ---------------------------------------------------------------------------------------------------------------

interface FakeServer {
  url: string;
  requests: { url: string; auth: string | undefined }[];
  close: () => Promise<void>;
}

async function fakeOpenCost(handler: (req: IncomingMessage, res: ServerResponse, n: number) => void): Promise<FakeServer> {
  const requests: FakeServer["requests"] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ url: req.url ?? "", auth: req.headers.authorization });
    handler(req, res, requests.length);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const body = readFileSync(DAILY);
const serveFixture = (res: ServerResponse) => {
  res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
  res.end(body);
};
const fast = { baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 2000 };
const NOW = new Date("2024-06-03T09:15:00Z");
const TOKEN = "s3cr3t-token-value-123";

describe("OpenCost API fetch (fake server on 127.0.0.1)", () => {
  let srv: FakeServer | undefined;
  afterEach(async () => {
    await srv?.close();
    srv = undefined;
  });

  it("fetches the allocation API with whole UTC days, daily steps, idle included, the bearer token; loads it", async () => {
    srv = await fakeOpenCost((_req, res) => serveFixture(res));
    const r = await syncOpenCost(store, { name: "k8s", type: "opencost", url: srv.url, cluster: "prod-eu", window: "2d", token: TOKEN }, { ...fast, now: NOW });
    expect(r.loadedTotal).toBe(exactSum(readResp(DAILY)));
    expect(srv.requests).toHaveLength(1);
    const q = new URL(srv.requests[0]!.url, srv.url);
    expect(q.pathname).toBe("/allocation");
    expect(q.searchParams.get("window")).toBe("2024-06-01T00:00:00Z,2024-06-03T00:00:00Z");
    expect(q.searchParams.get("step")).toBe("1d");
    expect(q.searchParams.get("includeIdle")).toBe("true");
    expect(q.searchParams.get("aggregate")).toBe("cluster,node,namespace,controllerKind,controller,pod,container");
    expect(srv.requests[0]!.auth).toBe(`Bearer ${TOKEN}`);
    expect(r.url).toContain("/allocation?window=");
    expect((await one(`SELECT any_value(x_SourceFile) AS f FROM focus_costs`))["f"]).toBe(r.url);
    // synced again: the same windows are replaced, nothing doubles
    const again = await syncOpenCost(store, { name: "k8s", type: "opencost", url: srv.url, cluster: "prod-eu", window: "2d", token: TOKEN }, { ...fast, now: NOW });
    expect(again.rowsReplaced).toBe(r.rows);
    expect((await one(`SELECT sum("BilledCost")::VARCHAR AS t FROM focus_costs`))["t"]).toBe(r.loadedTotal);
  });

  it("retries a 500 (and a 429) with backoff, then loads", async () => {
    srv = await fakeOpenCost((_req, res, n) => {
      if (n === 1) {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end("Prometheus query failed");
      } else if (n === 2) {
        res.writeHead(429, { "retry-after": "0" });
        res.end();
      } else serveFixture(res);
    });
    const log: string[] = [];
    const r = await syncOpenCost(store, { name: "k8s", type: "opencost", url: `${srv.url}/model/allocation`, cluster: "prod-eu" }, { ...fast, now: NOW, log: (l) => log.push(l) });
    expect(srv.requests).toHaveLength(3);
    expect(new URL(srv.requests[0]!.url, srv.url).pathname).toBe("/model/allocation");
    expect(log).toHaveLength(2);
    expect(log[0]).toMatch(/HTTP 500 .*Prometheus query failed; retry 1\/3/);
    expect(log[1]).toMatch(/HTTP 429/);
    expect(r.allocations).toBe(14);
  });

  it("a body cut short is retried and, if it never completes, fails with nothing loaded", async () => {
    await ingestOpenCostFile(store, SWAGGER);
    const before = await snapshot(store);
    srv = await fakeOpenCost((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
      res.write(body.subarray(0, 1000));
      setTimeout(() => res.destroy(), 10);
    });
    const err = await syncOpenCost(store, { name: "k8s", type: "opencost", url: srv.url, cluster: "prod-eu" }, { ...fast, now: NOW, attempts: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CostwiseError);
    expect((err as CostwiseError).code).toBe("REMOTE");
    expect((err as Error).message).toMatch(/failed after 3 attempt\(s\).*nothing was loaded/);
    expect(srv.requests).toHaveLength(3);
    expect(await snapshot(store)).toEqual(before);
  });

  it("invalid JSON served with 200 leaves the store unchanged with a clear error", async () => {
    await ingestOpenCostFile(store, SWAGGER);
    const before = await snapshot(store);
    srv = await fakeOpenCost((_req, res) => {
      const half = body.subarray(0, 2000);
      res.writeHead(200, { "content-type": "application/json", "content-length": half.length });
      res.end(half);
    });
    const err = await syncOpenCost(store, { name: "k8s", type: "opencost", url: srv.url, cluster: "prod-eu" }, { ...fast, now: NOW }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CostwiseError);
    expect((err as Error).message).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/allocation\?.*: line \d+, column \d+: not valid JSON .*nothing was loaded/);
    expect(await snapshot(store)).toEqual(before);
  });

  it("a timeout is retried; the token never appears in errors or logs, even when the server echoes it", async () => {
    srv = await fakeOpenCost((req, res, n) => {
      if (n === 1) return; // never answers: the client times out
      res.writeHead(401, { "content-type": "text/plain" });
      res.end(`invalid token ${req.headers.authorization}`);
    });
    const log: string[] = [];
    const err = await syncOpenCost(
      store,
      { name: "k8s", type: "opencost", url: srv.url, cluster: "prod-eu", tokenEnv: "COSTWISE_TEST_OC_TOKEN" },
      { ...fast, timeoutMs: 200, now: NOW, log: (l) => log.push(l) },
    )
      .catch((e: unknown) => e)
      .finally(() => undefined);
    // tokenEnv is not set: a config error before any request
    expect((err as Error).message).toMatch(/COSTWISE_TEST_OC_TOKEN \(tokenEnv\) is not set/);
    expect(srv.requests).toHaveLength(0);
    process.env["COSTWISE_TEST_OC_TOKEN"] = TOKEN;
    try {
      const err2 = await syncOpenCost(
        store,
        { name: "k8s", type: "opencost", url: srv.url, cluster: "prod-eu", tokenEnv: "COSTWISE_TEST_OC_TOKEN" },
        { ...fast, timeoutMs: 200, now: NOW, log: (l) => log.push(l) },
      ).catch((e: unknown) => e);
      expect(srv.requests).toHaveLength(2); // timeout, then 401 (not retried)
      expect(log[0]).toMatch(/timeout/);
      expect((err2 as CostwiseError).code).toBe("REMOTE");
      expect((err2 as Error).message).toMatch(/HTTP 401 .*invalid token Bearer \*\*\* \(check the token\)/);
      expect(JSON.stringify([(err2 as Error).message, log, (err2 as CostwiseError).toJSON()])).not.toContain(TOKEN);
    } finally {
      delete process.env["COSTWISE_TEST_OC_TOKEN"];
    }
    expect((await snapshot(store)).rows).toBe("0");
  });

  it("Nd windows are whole UTC days ending today; other windows pass through; a full /allocation URL is kept", () => {
    const u = allocationUrl({ name: "k", type: "opencost", url: "http://oc:9003/", window: "7d" }, NOW);
    expect(u.toString()).toContain("window=2024-05-27T00%3A00%3A00Z%2C2024-06-03T00%3A00%3A00Z");
    const v = allocationUrl({ name: "k", type: "opencost", url: "http://oc:9003/allocation/compute?step=2d", window: "lastweek", aggregate: "namespace" }, NOW);
    expect(v.pathname).toBe("/allocation/compute");
    expect(v.searchParams.get("window")).toBe("lastweek");
    expect(v.searchParams.get("step")).toBe("2d");
    expect(v.searchParams.get("aggregate")).toBe("namespace");
  });
});
