/**
 * `costwise token create|list|revoke`: API tokens for `costwise serve`.
 */
import type { Command } from "commander";
import { ROLES } from "./option-values.js";
import { lazyAction } from "./lazy-action.js";

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
    .action(lazyAction(() => import("./token-actions.js"), "create"));

  token
    .command("list")
    .description("list tokens (never their secrets)")
    .option("--all", "include revoked tokens")
    .action(lazyAction(() => import("./token-actions.js"), "list"));

  token
    .command("revoke <id>")
    .description("revoke a token by id (or by its full text)")
    .action(lazyAction(() => import("./token-actions.js"), "revoke"));
}
