/**
 * `costwise token create|list|revoke`: API tokens for `costwise serve`.
 */
import type { Command } from "commander";
import { ROLES, createToken, isRole, listTokens, revokeToken } from "../../engine/auth/tokens.js";
import { globalOptions, stdio, usageError, withStoreOrServer } from "../context.js";
import { renderTable } from "../table.js";

export async function create(opts: { name: string; role: string; team?: string }, cmd: Command) {
  const g = globalOptions(cmd);
  if (!isRole(opts.role)) throw usageError(`--role takes ${ROLES.join(" or ")}, not ${JSON.stringify(opts.role)}`);
  const role = opts.role;
  const input = { name: opts.name, role, team: opts.team ?? null };
  const created = await withStoreOrServer(g, { op: "tokens/create", body: input }, (store) => createToken(store, input));
  if (g.json) return stdio.json({ token: created.token, ...created.record });
  stdio.out(created.token);
  stdio.err(`token ${created.record.id} (${created.record.role}${created.record.team ? `, team ${created.record.team}` : ""}) created; it is shown only now: store it safely`);
}

export async function list(opts: { all?: boolean }, cmd: Command) {
  const g = globalOptions(cmd);
  const all = Boolean(opts.all);
  const tokens = await withStoreOrServer(g, { op: "tokens/list", body: { all } }, (store) => listTokens(store, { includeRevoked: all }));
  if (g.json) return stdio.json(tokens);
  if (tokens.length === 0) return stdio.out("no tokens: the server is open on loopback only; create one with `costwise token create --name <who>`");
  stdio.out(renderTable(["id", "name", "role", "team", "created", "revoked"], tokens.map((t) => [t.id, t.name, t.role, t.team ?? "", t.createdAt, t.revokedAt ?? ""])));
}

export async function revoke(id: string, _opts: unknown, cmd: Command) {
  const g = globalOptions(cmd);
  const rec = await withStoreOrServer(g, { op: "tokens/revoke", body: { id } }, (store) => revokeToken(store, id));
  if (g.json) return stdio.json(rec);
  stdio.out(`token ${rec.id} (${rec.name}) revoked at ${rec.revokedAt}`);
}
