/**
 * API tokens for `costwise serve`. A token is `cw_<id>_<secret>`: the id finds the row, the secret
 * (32 random bytes, base64url) is checked against sha256(salt ‖ secret) with a per-token salt. Only
 * the salt and hash are stored; the token itself is shown once, when it is created. The secret has
 * 256 bits of entropy, so a fast hash is enough (no password-style stretching needed).
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { CostwiseError } from "../../core/errors.js";
import type { CostStore } from "../store/cost-store.js";
import { sql } from "../store/cost-store.js";
import { col, readRow, readRows, type RowOf } from "../store/read-rows.js";
import { TOKENS_TABLE } from "./tables.js";

export const ROLES = ["admin", "viewer"] as const;
export type Role = (typeof ROLES)[number];

export function isRole(s: string): s is Role {
  return (ROLES as readonly string[]).includes(s);
}

export interface TokenRecord {
  id: string;
  name: string;
  role: Role;
  /** The team the token is bound to: it sees only that team's allocated costs and findings. */
  team: string | null;
  createdAt: string;
  revokedAt: string | null;
}

export interface CreatedToken {
  token: string;
  record: TokenRecord;
}

const TOKEN_RE = /^cw_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const TEAM_RE = /^[^\s\u0000-\u001f][^\u0000-\u001f]{0,127}$/;

function hashSecret(salt: string, secret: string): string {
  return createHash("sha256").update(salt).update("\u0000").update(secret).digest("hex");
}

export async function createToken(store: CostStore, input: { name: string; role: Role; team?: string | null }): Promise<CreatedToken> {
  const name = input.name.trim();
  if (!name || name.length > 100) throw new CostwiseError("USAGE", "a token needs a name of 1 to 100 characters (what or who uses it)");
  if (!isRole(input.role)) throw new CostwiseError("USAGE", `unknown role ${JSON.stringify(input.role)}; roles are ${ROLES.join(", ")}`);
  const team = input.team ?? null;
  if (team !== null && !TEAM_RE.test(team)) {
    throw new CostwiseError("USAGE", `bad team name ${JSON.stringify(team)}: 1 to 128 characters, no control characters, not starting with a space`);
  }
  const id = randomBytes(6).toString("hex");
  const secret = randomBytes(32).toString("base64url");
  const salt = randomBytes(16).toString("hex");
  await store.run(
    sql(
      `INSERT INTO ${TOKENS_TABLE} (id, name, role, team, salt, hash, created_at) VALUES (?, ?, ?, ?, ?, ?, now()::TIMESTAMP)`,
      id,
      name,
      input.role,
      team,
      salt,
      hashSecret(salt, secret),
    ),
  );
  const [record] = await listTokens(store, { id });
  if (!record) throw new CostwiseError("INTERNAL", "the new token was not stored");
  return { token: `cw_${id}_${secret}`, record };
}

const TOKEN_ROW = { id: col.text, name: col.text, role: col.text, team: col.text.nullable().optional(), created_at: col.text, revoked_at: col.text.nullable().optional() };

/** A stored row as a record; the role is checked where it matters (`verifyToken` refuses an unknown one). */
function toRecord(r: RowOf<typeof TOKEN_ROW>): TokenRecord {
  return { id: r.id, name: r.name, role: r.role as Role, team: r.team ?? null, createdAt: r.created_at, revokedAt: r.revoked_at ?? null };
}

export async function listTokens(store: CostStore, opts: { id?: string; includeRevoked?: boolean } = {}): Promise<TokenRecord[]> {
  const where: string[] = [];
  const params: string[] = [];
  if (opts.id !== undefined) {
    where.push("id = ?");
    params.push(opts.id);
  } else if (!opts.includeRevoked) where.push("revoked_at IS NULL");
  const rows = await readRows(
    store,
    TOKEN_ROW,
    sql(
      `SELECT id, name, role, team, strftime(created_at, '%Y-%m-%dT%H:%M:%SZ') AS created_at, strftime(revoked_at, '%Y-%m-%dT%H:%M:%SZ') AS revoked_at
       FROM ${TOKENS_TABLE}${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at, id`,
      ...params,
    ),
  );
  return rows.map(toRecord);
}

/** Revokes a token by id (or by its full text); returns the record. Revoking twice is not an error. */
export async function revokeToken(store: CostStore, idOrToken: string): Promise<TokenRecord> {
  const m = TOKEN_RE.exec(idOrToken);
  const id = m ? m[1]! : idOrToken;
  const [found] = await listTokens(store, { id });
  if (!found) throw new CostwiseError("NOT_FOUND", `no token with id ${JSON.stringify(id)}; see \`costwise token list\``);
  if (found.revokedAt === null) {
    await store.run(sql(`UPDATE ${TOKENS_TABLE} SET revoked_at = now()::TIMESTAMP WHERE id = ?`, id));
  }
  const [after] = await listTokens(store, { id });
  return after!;
}

export async function activeTokenCount(store: CostStore): Promise<number> {
  const row = await readRow(store, { n: col.int }, `SELECT count(*)::INTEGER AS n FROM ${TOKENS_TABLE} WHERE revoked_at IS NULL`);
  return row?.n ?? 0;
}

/** The token's record when `raw` is a valid, unrevoked token; undefined otherwise (never says why). */
export async function verifyToken(store: CostStore, raw: string): Promise<TokenRecord | undefined> {
  const m = TOKEN_RE.exec(raw);
  if (!m) return undefined;
  const row = await readRow(
    store,
    { ...TOKEN_ROW, salt: col.text, hash: col.text },
    sql(
      `SELECT id, name, role, team, salt, hash, strftime(created_at, '%Y-%m-%dT%H:%M:%SZ') AS created_at, NULL AS revoked_at
       FROM ${TOKENS_TABLE} WHERE id = ? AND revoked_at IS NULL`,
      m[1]!,
    ),
  );
  if (!row) return undefined;
  const want = Buffer.from(row.hash, "hex");
  const got = Buffer.from(hashSecret(row.salt, m[2]!), "hex");
  if (want.length !== got.length || !timingSafeEqual(want, got)) return undefined;
  const rec = toRecord(row);
  return isRole(rec.role) ? rec : undefined;
}
