/**
 * AWS Organizations: account ids → names and OU paths (`aws_accounts`), and the names joined onto cost rows.
 *
 * The join is an UPDATE in SQL, run by `costwise sync` after all sources (and callable on its own as
 * `applyAccountNames`): on AWS rows (ProviderName 'AWS'), BillingAccountName and SubAccountName are set
 * from the account list where the bill left them empty or only repeated the id (the CUR mapping falls back
 * to the id when the report has no name column). Names a bill does carry are never overwritten.
 * Rows ingested later get their names at the next sync (or the next `applyAccountNames`).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  OrganizationsClient,
  type Account,
} from "@aws-sdk/client-organizations";
import type { AwsOrganizationsSource } from "../../core/config/sections/sources.js";
import { quoteIdent } from "../../core/sql.js";
import type { AnalysisStore } from "../store/cost-store.js";
import { readerPath } from "../store/duckdb/literal-path.js";
import { col, readRow } from "../store/read-rows.js";
import { COST_TABLE } from "../store/schema.js";
import { ACCOUNTS_TABLE } from "./tables.js";
import { awsCall, clientConfigFor, sqlTimestamp, stagingFolder, type ConnectorContext, type ConnectorResult } from "./context.js";
import { rmSync } from "node:fs";

/** Organizations' largest page size for the list calls used here. */
const PAGE = 20;

export interface OrgAccount {
  id: string;
  name: string | null;
  email: string | null;
  status: string | null;
  /** "/Root/Engineering/Prod" (the OUs from the root down to the account's parent) */
  ouPath: string | null;
}

/** Every page of a paginated Organizations call. */
async function all<T>(fetchPage: (token: string | undefined) => Promise<{ items: T[]; next: string | undefined }>): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    out.push(...page.items);
    token = page.next;
  } while (token);
  return out;
}

export async function fetchOrgAccounts(ctx: ConnectorContext, source: AwsOrganizationsSource): Promise<OrgAccount[]> {
  const org = new OrganizationsClient(clientConfigFor(source, ctx, "us-east-1"));
  const call = <T>(op: string, fn: () => Promise<T>) => awsCall(org, "Organizations", op, fn);
  const accounts = await all<Account>(async (token) => {
    const out = await call("ListAccounts", () => org.send(new ListAccountsCommand({ MaxResults: PAGE, ...(token ? { NextToken: token } : {}) })));
    return { items: out.Accounts ?? [], next: out.NextToken };
  });
  // OU paths: walk the tree from each root
  const paths = new Map<string, string>();
  const roots = await all(async (token) => {
    const out = await call("ListRoots", () => org.send(new ListRootsCommand({ ...(token ? { NextToken: token } : {}) })));
    return { items: out.Roots ?? [], next: out.NextToken };
  });
  const queue: { id: string; path: string }[] = roots.map((r) => ({ id: r.Id!, path: `/${r.Name ?? "Root"}` }));
  while (queue.length > 0) {
    const parent = queue.shift()!;
    const inParent = await all(async (token) => {
      const out = await call("ListAccountsForParent", () => org.send(new ListAccountsForParentCommand({ ParentId: parent.id, MaxResults: PAGE, ...(token ? { NextToken: token } : {}) })));
      return { items: out.Accounts ?? [], next: out.NextToken };
    });
    for (const a of inParent) if (a.Id) paths.set(a.Id, parent.path);
    const ous = await all(async (token) => {
      const out = await call("ListOrganizationalUnitsForParent", () =>
        org.send(new ListOrganizationalUnitsForParentCommand({ ParentId: parent.id, MaxResults: PAGE, ...(token ? { NextToken: token } : {}) })),
      );
      return { items: out.OrganizationalUnits ?? [], next: out.NextToken };
    });
    for (const ou of ous) if (ou.Id) queue.push({ id: ou.Id, path: `${parent.path}/${ou.Name ?? ou.Id}` });
  }
  return accounts
    .filter((a) => a.Id)
    .map((a) => ({ id: a.Id!, name: a.Name ?? null, email: a.Email ?? null, status: a.Status ?? null, ouPath: paths.get(a.Id!) ?? null }));
}

export async function syncOrganizations(ctx: ConnectorContext, source: AwsOrganizationsSource): Promise<ConnectorResult> {
  const accounts = await fetchOrgAccounts(ctx, source);
  const dir = stagingFolder(ctx, source.name);
  try {
    // the list lands through DuckDB's JSON reader in one statement
    const file = join(dir, "accounts.ndjson");
    writeFileSync(file, accounts.map((a) => JSON.stringify(a)).join("\n") + "\n");
    const now = sqlTimestamp(ctx.now ?? new Date());
    await ctx.store.transaction(async () => {
      await ctx.store.run({ sql: `DELETE FROM ${ACCOUNTS_TABLE} WHERE source_name = ?`, params: [source.name] });
      if (accounts.length > 0) {
        await ctx.store.run({
          sql: `INSERT INTO ${ACCOUNTS_TABLE}
                SELECT id, name, email, status, ouPath, ?, ?::TIMESTAMP
                FROM read_json(${await readerPath(ctx.store, file)}, format = 'newline_delimited',
                  columns = {id: 'VARCHAR', name: 'VARCHAR', email: 'VARCHAR', status: 'VARCHAR', ouPath: 'VARCHAR'})`,
          params: [source.name, now],
        });
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const named = await applyAccountNames(ctx.store);
  const ous = new Set(accounts.map((a) => a.ouPath).filter(Boolean)).size;
  return {
    status: accounts.length ? "ok" : "empty",
    ingestIds: [],
    rowsLoaded: 0,
    message: `${accounts.length} account${accounts.length === 1 ? "" : "s"} in ${ous} OU path${ous === 1 ? "" : "s"}; names set on ${named} cost rows`,
    details: { accounts: accounts.length, rowsNamed: named },
  };
}

/**
 * Sets BillingAccountName / SubAccountName on AWS cost rows that lack them (empty, or only the id), from
 * `aws_accounts`. Returns the number of rows changed.
 */
export async function applyAccountNames(store: AnalysisStore): Promise<number> {
  const has = await readRow(store, { n: col.int }, `SELECT count(*)::BIGINT AS n FROM ${ACCOUNTS_TABLE} WHERE name IS NOT NULL AND name <> ''`);
  if ((has?.n ?? 0) === 0) return 0;
  const names = `(SELECT account_id, any_value(name) AS name FROM ${ACCOUNTS_TABLE} WHERE name IS NOT NULL AND name <> '' GROUP BY 1)`;
  const missing = (column: string, id: string) =>
    `(${COST_TABLE}.${quoteIdent(column)} IS NULL OR ${COST_TABLE}.${quoteIdent(column)} = '' OR ${COST_TABLE}.${quoteIdent(column)} = ${COST_TABLE}.${quoteIdent(id)})`;
  return store.transaction(async () => {
    const before = await readRow(store, { n: col.int }, `SELECT count(*)::BIGINT AS n FROM ${COST_TABLE} c JOIN ${names} a
      ON a.account_id = c."BillingAccountId" OR a.account_id = c."SubAccountId"
      WHERE c."ProviderName" = 'AWS' AND ((a.account_id = c."BillingAccountId" AND (c."BillingAccountName" IS NULL OR c."BillingAccountName" = '' OR c."BillingAccountName" = c."BillingAccountId"))
         OR (a.account_id = c."SubAccountId" AND (c."SubAccountName" IS NULL OR c."SubAccountName" = '' OR c."SubAccountName" = c."SubAccountId")))`);
    await store.run(`UPDATE ${COST_TABLE} SET "BillingAccountName" = a.name FROM ${names} a
      WHERE ${COST_TABLE}."ProviderName" = 'AWS' AND ${COST_TABLE}."BillingAccountId" = a.account_id AND ${missing("BillingAccountName", "BillingAccountId")}`);
    await store.run(`UPDATE ${COST_TABLE} SET "SubAccountName" = a.name FROM ${names} a
      WHERE ${COST_TABLE}."ProviderName" = 'AWS' AND ${COST_TABLE}."SubAccountId" = a.account_id AND ${missing("SubAccountName", "SubAccountId")}`);
    return before?.n ?? 0;
  });
}
