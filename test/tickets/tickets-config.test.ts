/**
 * Bad tracker configuration fails at start with EVERY problem listed: an unknown repository, a missing token
 * environment variable, a project key the site does not have, a route to a tracker that does not exist, a Jira
 * tracker without its account email; through the engine check and through `costwise tickets check` / `sync`.
 * A tracker that is down is not a configuration problem (serve still starts; check says it is unreachable).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/engine/config/load-config.js";
import { ticketsSection } from "../../src/core/config/sections/tickets.js";
import { assertTicketsConfig, checkTickets } from "../../src/engine/tickets/check.js";
import { runCli } from "../helpers/cli.js";
import { startGithubFake, type GithubFake } from "../helpers/github-fake.js";
import { startJiraFake, type JiraFake } from "../helpers/jira-fake.js";
import { tempDir } from "../helpers/store.js";

let gh: GithubFake;
let jira: JiraFake;
let dir: ReturnType<typeof tempDir>;
beforeEach(async () => {
  gh = await startGithubFake({ repos: ["acme/payments"] });
  jira = await startJiraFake({ projects: { PLAT: {} } });
  dir = tempDir();
});
afterEach(async () => {
  await gh.stop();
  await jira.stop();
  dir.cleanup();
});

const badYaml = () => `
tickets:
  trackers:
    gh: { type: github, apiUrl: "${gh.url}", tokenEnv: H5_TEST_GH_TOKEN }
    jira: { type: jira, site: "${jira.url}", email: ${jira.email}, tokenEnv: H5_TEST_JIRA_TOKEN }
    jira2: { type: jira, site: "${jira.url}", tokenEnv: H5_TEST_UNSET_TOKEN }
  routes:
    - { team: payments, tracker: gh, repo: acme/payments }
    - { team: search, tracker: gh, repo: acme/no-such-repo }
    - { team: platform, tracker: jira, project: NOPE }
    - { team: data, tracker: gitlab, repo: acme/data }
    - { team: ml, tracker: jira }
`;

describe("bad tickets config", () => {
  it("lists every problem at once, each naming where it is and what was expected", async () => {
    const cfg = parseConfig(badYaml()).tickets!;
    const r = await checkTickets(cfg, { env: { H5_TEST_GH_TOKEN: gh.token, H5_TEST_JIRA_TOKEN: jira.token }, baseDir: dir.dir });
    expect(r.problems.map((p) => p.message)).toEqual([
      "tickets.trackers.jira2.tokenEnv: environment variable H5_TEST_UNSET_TOKEN is not set",
      "tickets.trackers.jira2: Jira Cloud needs the token's account: email or emailEnv",
      'tickets.routes[3].tracker: no tracker "gitlab" under tickets.trackers (known: gh, jira, jira2)',
      'tickets.routes[4]: tracker "jira" is Jira: the route needs project: KEY',
      "tickets.routes[1].repo: repository acme/no-such-repo does not exist, or the token cannot see it",
      `tickets.routes[2].project: project NOPE does not exist on ${jira.url}, or the account cannot see it`,
    ]);
    expect(r.unreachable).toEqual({});
    await expect(assertTicketsConfig(cfg, { env: { H5_TEST_GH_TOKEN: gh.token, H5_TEST_JIRA_TOKEN: jira.token }, baseDir: dir.dir, file: "costwise.yaml" })).rejects.toThrow(
      /costwise.yaml: the tickets section has 6 problems:\n {2}- tickets.trackers.jira2.tokenEnv: environment variable H5_TEST_UNSET_TOKEN is not set\n/,
    );
    expect(gh.violations).toEqual([]);
  });

  it("a refused token is a problem; a tracker that is down is reported apart, not as a config problem", async () => {
    const cfg = ticketsSection.parse({
      trackers: { gh: { type: "github", apiUrl: gh.url, tokenEnv: "T1" }, jira: { type: "jira", site: jira.url, email: jira.email, tokenEnv: "T2" } },
      routes: [{ team: "a", tracker: "gh", repo: "acme/payments" }, { team: "b", tracker: "jira", project: "PLAT" }],
    });
    const refused = await checkTickets(cfg, { env: { T1: "wrong", T2: "wrong" }, baseDir: dir.dir });
    expect(refused.problems.map((p) => p.code)).toEqual(["TOKEN_REFUSED", "TOKEN_REFUSED"]);
    gh.down = true;
    const down = await checkTickets(cfg, { env: { T1: gh.token, T2: jira.token }, baseDir: dir.dir });
    expect(down.problems).toEqual([]);
    expect(Object.keys(down.unreachable)).toEqual(["gh"]);
    await expect(assertTicketsConfig(cfg, { env: { T1: gh.token, T2: jira.token }, baseDir: dir.dir })).resolves.toMatchObject({ unreachable: { gh: expect.stringMatching(/503/) } });
  });

  it("tokens are never inline, and a malformed project key or repo fails when the file is read", () => {
    expect(() => parseConfig(`tickets:\n  trackers:\n    gh: { type: github, token: ghp_secret }\n`)).toThrow(/token/);
    expect(() => parseConfig(`tickets:\n  trackers:\n    gh: { type: github, tokenEnv: T }\n  routes:\n    - { team: a, tracker: gh, project: plat-1, repo: "not a repo" }\n`)).toThrow(/Jira project key[\s\S]*owner\/name|owner\/name[\s\S]*Jira project key/);
  });

  it("costwise tickets check exits 2 listing every problem; sync refuses to start", async () => {
    const file = join(dir.dir, "costwise.yaml");
    writeFileSync(file, badYaml());
    process.env["H5_TEST_GH_TOKEN"] = gh.token;
    process.env["H5_TEST_JIRA_TOKEN"] = jira.token;
    try {
      const check = await runCli("--config", file, "--store", join(dir.dir, "s.duckdb"), "tickets", "check");
      expect(check.code).toBe(2);
      expect(check.out.split("\n").filter((l) => l.startsWith("problem: "))).toHaveLength(6);
      expect(check.out).toContain("problem: tickets.routes[1].repo: repository acme/no-such-repo does not exist");
      expect(check.out).toContain("problem: tickets.routes[2].project: project NOPE does not exist");
      expect(check.out).toContain("problem: tickets.trackers.jira2.tokenEnv: environment variable H5_TEST_UNSET_TOKEN is not set");
      const sync = await runCli("--config", file, "--store", join(dir.dir, "s.duckdb"), "tickets", "sync");
      expect(sync.code).toBe(2);
      expect(sync.err).toContain("the tickets section has 6 problems");
      expect(sync.err).not.toMatch(/\n\s+at /); // no stack trace
      expect(gh.requests.filter((q) => q.method === "POST")).toEqual([]);
    } finally {
      delete process.env["H5_TEST_GH_TOKEN"];
      delete process.env["H5_TEST_JIRA_TOKEN"];
    }
  });
});
