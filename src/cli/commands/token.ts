/**
 * `costwise token create|list|revoke`: API tokens for `costwise serve`.
 */
import type { Command } from "commander";
import { ROLES, createToken, isRole, listTokens, revokeToken } from "../../engine/auth/tokens.js";
import { globalOptions, stdio, usageError, withStoreOrServer } from "../context.js";
import { renderTable } from "../table.js";

export function registerToken(program: Command): void {
  const token = program
    .command("token")
    .description("API tokens for costwise serve: create (shown once), list, revoke")
    .addHelpText(
      "after",
      `
Tokens are stored hashed (salted SHA-256); the token text is printed once, at creation.
While costwise serve runs on the store, these commands go through it: a revoked token is refused at once.
Roles: admin (may change recommendation status) and viewer (read only).
A token bound to a team (--team) sees only that team's allocated costs and findings.

Examples:
  costwise token create --name grafana --role viewer
  costwise token create --name payments-oncall --role viewer --team payments
  costwise token list
  costwise token revoke 3f9a0c1d2e4b`,
    );

  token
    .command("create")
    .description("create a token and print it (once)")
    .requiredOption("--name <name>", "who or what uses it")
    .option("--role <role>", `${ROLES.join(" or ")}`, "viewer")
    .option("--team <team>", "bind the token to one team (it sees only that team's allocated costs)")
    .action(async (opts: { name: string; role: string; team?: string }, cmd: Command) => {
      const g = globalOptions(cmd);
      if (!isRole(opts.role)) throw usageError(`--role takes ${ROLES.join(" or ")}, not ${JSON.stringify(opts.role)}`);
      const role = opts.role;
      const input = { name: opts.name, role, team: opts.team ?? null };
      const created = await withStoreOrServer(g, { op: "tokens/create", body: input }, (store) => createToken(store, input));
      if (g.json) return stdio.json({ token: created.token, ...created.record });
      stdio.out(created.token);
      stdio.err(`token ${created.record.id} (${created.record.role}${created.record.team ? `, team ${created.record.team}` : ""}) created; it is shown only now: store it safely`);
    });

  token
    .command("list")
    .description("list tokens (never their secrets)")
    .option("--all", "include revoked tokens")
    .action(async (opts: { all?: boolean }, cmd: Command) => {
      const g = globalOptions(cmd);
      const all = Boolean(opts.all);
      const tokens = await withStoreOrServer(g, { op: "tokens/list", body: { all } }, (store) => listTokens(store, { includeRevoked: all }));
      if (g.json) return stdio.json(tokens);
      if (tokens.length === 0) return stdio.out("no tokens: the server is open on loopback only; create one with `costwise token create --name <who>`");
      stdio.out(renderTable(["id", "name", "role", "team", "created", "revoked"], tokens.map((t) => [t.id, t.name, t.role, t.team ?? "", t.createdAt, t.revokedAt ?? ""])));
    });

  token
    .command("revoke <id>")
    .description("revoke a token by id (or by its full text)")
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const g = globalOptions(cmd);
      const rec = await withStoreOrServer(g, { op: "tokens/revoke", body: { id } }, (store) => revokeToken(store, id));
      if (g.json) return stdio.json(rec);
      stdio.out(`token ${rec.id} (${rec.name}) revoked at ${rec.revokedAt}`);
    });
}
