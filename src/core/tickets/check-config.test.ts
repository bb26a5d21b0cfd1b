import { describe, expect, it } from "vitest";
import { ticketsSection } from "../config/sections/tickets.js";
import { checkTicketsConfig, routeFor } from "./check-config.js";

describe("tickets config checks without network", () => {
  it("every problem at once", () => {
    const cfg = ticketsSection.parse({
      trackers: {
        gh: { type: "github", tokenEnv: "GH" },
        gh2: { type: "github" },
        j: { type: "jira", site: "https://acme.atlassian.net", tokenEnv: "J", emailEnv: "J_EMAIL" },
      },
      routes: [
        { team: "a", tracker: "gh", project: "PLAT" },
        { team: "a", tracker: "j", repo: "acme/a", components: ["x"] },
        { team: "b", tracker: "nope", repo: "acme/b" },
      ],
      fallback: { tracker: "gh", repo: "acme/finops", components: ["Infra"] },
    });
    expect(checkTicketsConfig(cfg, { GH: "t" }).map((p) => [p.code, p.path])).toEqual([
      ["TOKEN_MISSING", "tickets.trackers.gh2"],
      ["TOKEN_ENV_UNSET", "tickets.trackers.j.tokenEnv"],
      ["EMAIL_ENV_UNSET", "tickets.trackers.j.emailEnv"],
      ["REPO_MISSING", "tickets.routes[0]"],
      ["WRONG_TARGET", "tickets.routes[0].project"],
      ["DUPLICATE_ROUTE", "tickets.routes[1].team"],
      ["PROJECT_MISSING", "tickets.routes[1]"],
      ["WRONG_TARGET", "tickets.routes[1].repo"],
      ["UNKNOWN_TRACKER", "tickets.routes[2].tracker"],
      ["WRONG_TARGET", "tickets.fallback.components"],
    ]);
  });
  it("a good section has none; routing falls back, else null", () => {
    const cfg = ticketsSection.parse({ trackers: { gh: { type: "github", tokenEnv: "GH" } }, routes: [{ team: "a", tracker: "gh", repo: "acme/a" }] });
    expect(checkTicketsConfig(cfg, { GH: "t" })).toEqual([]);
    expect(routeFor(cfg, "a")?.repo).toBe("acme/a");
    expect(routeFor(cfg, "z")).toBeNull();
    expect(routeFor({ ...cfg, fallback: { tracker: "gh", repo: "acme/finops", labels: [], assignees: [], components: [] } }, "z")?.repo).toBe("acme/finops");
  });
});
