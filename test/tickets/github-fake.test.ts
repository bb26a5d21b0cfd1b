/**
 * The GitHub fake holds requests to GitHub's OpenAPI description: a request that breaks it is refused and
 * recorded (so the ticket tests' "no violations" means something).
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { startGithubFake, type GithubFake } from "../helpers/github-fake.js";

let gh: GithubFake;
beforeEach(async () => {
  gh = await startGithubFake({ repos: ["acme/a"] });
});
afterEach(async () => gh.stop());

const call = (method: string, path: string, body?: unknown) =>
  fetch(`${gh.url}${path}`, { method, headers: { authorization: `token ${gh.token}`, "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

it("refuses and records requests that break the description; serves valid ones", async () => {
  expect((await call("POST", "/repos/acme/a/issues", { body: "no title" })).status).toBe(400);
  expect((await call("POST", "/repos/acme/a/issues", { title: "t", labels: "not-an-array" })).status).toBe(400);
  expect((await call("GET", "/repos/acme/a/issues/1/comments?per_page=x")).status).toBe(400);
  expect((await call("GET", "/repos/acme/a/issues/1?colour=red")).status).toBe(400);
  expect((await call("GET", "/repos/acme/a/tickets")).status).toBe(404);
  expect(gh.violations).toHaveLength(5);
  expect(gh.violations[0]).toMatch(/POST \/repos\/\{owner\}\/\{repo\}\/issues: body: .*title/);
  expect(gh.violations[4]).toMatch(/not an operation/);
  gh.violations.length = 0;
  const created = await call("POST", "/repos/acme/a/issues", { title: "t", body: "b", labels: ["x"] });
  expect(created.status).toBe(201);
  expect(((await created.json()) as { number: number }).number).toBe(1);
  expect((await call("GET", "/repos/acme/b")).status).toBe(404);
  expect(gh.violations).toEqual([]);
});
