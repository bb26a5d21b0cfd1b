/**
 * A local GitHub REST API for the ticket tests, held to GitHub's published OpenAPI description
 * (@octokit/openapi, api.github.com.json):
 * - EVERY request is checked against the description: the method and path must be an operation, query
 *   parameters must be declared ones with values of their schema, and a JSON body must validate against the
 *   operation's request body schema (ajv). A request that does not is answered 400 and recorded in `violations`.
 * - EVERY answer's body is validated against the operation's response schema for its status before it is sent;
 *   an answer that does not fit is recorded in `violations` too. Bodies start from GitHub's own published
 *   examples (components/examples) with this fake's state laid over them.
 * - It keeps repositories and issues in memory (issues: create, get, update (closing too), list and add comments; repos: get; user).
 * - It can simulate a rate limit (`retry-after`, `x-ratelimit-remaining: 0` + `x-ratelimit-reset`, a secondary
 *   rate limit with only its message) and downtime (503, or closing the connection).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

type Json = Record<string, unknown>;
interface Operation {
  parameters?: Json[];
  requestBody?: { content?: Record<string, { schema?: Json }> };
  responses: Record<string, { $ref?: string; content?: Record<string, { schema?: Json; examples?: Record<string, Json> }> }>;
}
interface Spec {
  paths: Record<string, Record<string, Operation | Json[]>>;
  components: { schemas: Record<string, Json>; examples: Record<string, { value: unknown }>; parameters: Record<string, Json>; responses: Record<string, Json> };
}

/**
 * OpenAPI 3.0's `nullable: true` as JSON Schema (ajv rejects `nullable` beside oneOf/$ref without a type): a
 * typed schema gets "null" in its type (and its enum), any other becomes anyOf [itself, {type: null}].
 */
function jsonSchemaNullable(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(jsonSchemaNullable);
  if (x === null || typeof x !== "object") return x;
  const out: Json = {};
  for (const [k, v] of Object.entries(x as Json)) out[k] = jsonSchemaNullable(v);
  if (typeof out["nullable"] !== "boolean") return out;
  const { nullable, ...rest } = out;
  if (!nullable) return rest;
  if (typeof rest["type"] === "string") return { ...rest, type: [rest["type"], "null"], ...(Array.isArray(rest["enum"]) ? { enum: [...(rest["enum"] as unknown[]), null] } : {}) };
  return { anyOf: [rest, { type: "null" }] };
}

let cached: { spec: Spec; ajv: Ajv; routes: { method: string; template: string; re: RegExp; names: string[] }[] } | undefined;
const compiled = new Map<string, ValidateFunction>();

/** The OpenAPI description and one ajv over it, loaded once per test process (13 MB of JSON). */
function openapi() {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const spec = jsonSchemaNullable(require("@octokit/openapi/generated/api.github.com.json")) as Spec;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  (addFormatsModule as unknown as (a: Ajv) => void)(ajv);
  ajv.addSchema(spec as unknown as Json, "gh", undefined, false);
  const routes = [];
  for (const [template, ops] of Object.entries(spec.paths)) {
    const names: string[] = [];
    const re = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{([^}]+)\}/g, (_m, n: string) => (names.push(n), "([^/]+)"))}$`);
    for (const method of Object.keys(ops)) if (method !== "parameters") routes.push({ method: method.toUpperCase(), template, re, names });
  }
  cached = { spec, ajv, routes };
  return cached;
}

function pointer(...parts: string[]): string {
  return `gh#/${parts.map((p) => encodeURIComponent(p.replace(/~/g, "~0").replace(/\//g, "~1"))).join("/")}`;
}

function validator(ref: string): ValidateFunction {
  let v = compiled.get(ref);
  if (!v) {
    v = openapi().ajv.compile({ $ref: ref });
    compiled.set(ref, v);
  }
  return v;
}

function resolveRef<T>(spec: Spec, x: T): T {
  const ref = (x as { $ref?: string } | undefined)?.$ref;
  if (!ref) return x;
  return ref.slice(2).split("/").reduce<unknown>((o, k) => (o as Json)[k.replace(/~1/g, "/").replace(/~0/g, "~")], spec) as T;
}

export interface FakeIssue {
  number: number;
  repo: string;
  title: string;
  body: string;
  labels: string[];
  assignees: string[];
  state: "open" | "closed";
  state_reason: "completed" | "not_planned" | "reopened" | null;
  comments: string[];
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  /** Login of who closed it (null while open). */
  closed_by: string | null;
}

export type GithubFault = { kind: "retry-after"; seconds: number } | { kind: "rate-reset"; resetInSeconds: number } | { kind: "secondary" } | { kind: "down" } | { kind: "hangup" };

export interface RecordedRequest {
  method: string;
  path: string;
  operation: string | null;
  body: unknown;
  status: number;
}

export interface GithubFake {
  url: string;
  token: string;
  repos: Set<string>;
  issues: FakeIssue[];
  requests: RecordedRequest[];
  /** Requests or answers that broke the OpenAPI description (a test asserts this stays empty). */
  violations: string[];
  /** Faults answered to the next requests, in order (one per request). */
  faults: GithubFault[];
  /** While true, every request gets 503. */
  down: boolean;
  close(issue: { repo: string; number: number }, reason: "completed" | "not_planned", comment?: string, by?: string): void;
  reopen(issue: { repo: string; number: number }): void;
  stop(): Promise<void>;
}

const NOW = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");

export async function startGithubFake(o: { repos: string[]; token?: string }): Promise<GithubFake> {
  const { spec, routes } = openapi();
  const token = o.token ?? "ghp_fake_token_for_tests";
  let server: Server;
  const fake: GithubFake = {
    url: "",
    token,
    repos: new Set(o.repos),
    issues: [],
    requests: [],
    violations: [],
    faults: [],
    down: false,
    close(ref, reason, comment, by = "alice") {
      const i = find(ref.repo, ref.number)!;
      i.state = "closed";
      i.closed_by = by;
      i.state_reason = reason;
      i.closed_at = NOW();
      i.updated_at = i.closed_at;
      if (comment) i.comments.push(comment);
    },
    reopen(ref) {
      const i = find(ref.repo, ref.number)!;
      i.state = "open";
      i.state_reason = "reopened";
      i.closed_at = null;
      i.closed_by = null;
      i.updated_at = NOW();
    },
    stop: () => new Promise((r) => server.close(() => r())),
  };
  const find = (repo: string, n: number) => fake.issues.find((i) => i.repo === repo && i.number === n);

  function example(name: string): Json {
    return structuredClone(spec.components.examples[name]!.value) as Json;
  }
  function issueBody(i: FakeIssue): Json {
    const base = example("issue");
    const [owner] = i.repo.split("/");
    const api = `${fake.url}/repos/${i.repo}/issues/${i.number}`;
    return {
      ...base,
      id: 1000 + i.number,
      node_id: `I_fake${i.number}`,
      url: api,
      repository_url: `${fake.url}/repos/${i.repo}`,
      labels_url: `${api}/labels{/name}`,
      comments_url: `${api}/comments`,
      events_url: `${api}/events`,
      html_url: `https://github.com/${i.repo}/issues/${i.number}`,
      number: i.number,
      state: i.state,
      state_reason: i.state_reason,
      title: i.title,
      body: i.body,
      labels: i.labels.map((name, k) => ({ id: 200 + k, node_id: `LA_${k}`, url: `${fake.url}/repos/${i.repo}/labels/${encodeURIComponent(name)}`, name, description: null, color: "ededed", default: false })),
      assignee: null,
      assignees: [],
      milestone: null,
      locked: false,
      comments: i.comments.length,
      pull_request: undefined,
      closed_at: i.closed_at,
      created_at: i.created_at,
      updated_at: i.updated_at,
      closed_by: i.closed_by === null ? null : { ...(base["closed_by"] as Json), login: i.closed_by, html_url: `https://github.com/${i.closed_by}` },
      author_association: owner === "costwise-bot" ? "OWNER" : "MEMBER",
    };
  }

  /** Validates `body` against the response schema of `op` for `status`; records a violation when it does not fit. */
  function checkResponse(template: string, method: string, status: number, body: unknown): void {
    const op = spec.paths[template]![method.toLowerCase()] as Operation;
    const resp = resolveRef(spec, op.responses[String(status)]);
    if (!resp) {
      fake.violations.push(`${method} ${template}: status ${status} is not a documented response`);
      return;
    }
    if (body === undefined || !resp.content?.["application/json"]?.schema) return;
    const ref = op.responses[String(status)]!.$ref
      ? pointer("components", "responses", op.responses[String(status)]!.$ref!.split("/").pop()!, "content", "application/json", "schema")
      : pointer("paths", template, method.toLowerCase(), "responses", String(status), "content", "application/json", "schema");
    const v = validator(ref);
    if (!v(JSON.parse(JSON.stringify(body)))) fake.violations.push(`${method} ${template} ${status} answer: ${openapi().ajv.errorsText(v.errors)}`);
  }

  function send(res: ServerResponse, rec: RecordedRequest, template: string | null, status: number, body?: unknown, headers: Record<string, string> = {}) {
    rec.status = status;
    if (template) checkResponse(template, rec.method, status, body);
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", "x-github-media-type": "github.v3; format=json", "x-ratelimit-limit": "5000", "x-ratelimit-remaining": "4999", ...headers });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  }

  const notFound = { message: "Not Found", documentation_url: "https://docs.github.com/rest", status: "404" };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const u = new URL(req.url ?? "/", "http://x");
    const method = req.method ?? "GET";
    const route = routes.find((r) => r.method === method && r.re.test(u.pathname));
    let body: unknown = undefined;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    const rec: RecordedRequest = { method, path: u.pathname + u.search, operation: route ? `${method} ${route.template}` : null, body, status: 0 };
    fake.requests.push(rec);
    if (fake.down) return send(res, rec, null, 503, { message: "Service Unavailable" });
    const fault = fake.faults.shift();
    if (fault) {
      switch (fault.kind) {
        case "down":
          return send(res, rec, null, 503, { message: "Service Unavailable" });
        case "hangup":
          req.socket.destroy();
          return;
        case "retry-after":
          return send(res, rec, null, 403, { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api" }, { "retry-after": String(fault.seconds) });
        case "rate-reset":
          return send(res, rec, null, 403, { message: "API rate limit exceeded for user ID 1.", documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api" }, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + fault.resetInSeconds) });
        case "secondary":
          return send(res, rec, null, 403, { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api" });
      }
    }
    if (!route) {
      fake.violations.push(`${method} ${u.pathname}: not an operation of GitHub's REST API`);
      return send(res, rec, null, 404, notFound);
    }
    const op = spec.paths[route.template]![method.toLowerCase()] as Operation;
    const pathParams = Object.fromEntries(route.names.map((n, k) => [n, decodeURIComponent(route.re.exec(u.pathname)![k + 1]!)]));
    // the request against the description: query parameters, then the body
    const declared = [...((spec.paths[route.template]!["parameters"] as Json[] | undefined) ?? []), ...(op.parameters ?? [])].map((p) => resolveRef(spec, p) as { name: string; in: string; schema?: Json });
    const problems: string[] = [];
    for (const [k, v] of u.searchParams) {
      const p = declared.find((d) => d.in === "query" && d.name === k);
      if (!p) problems.push(`query parameter ${k} is not declared`);
      else if (p.schema?.["type"] === "integer" && !/^-?\d+$/.test(v)) problems.push(`query parameter ${k}=${v} is not an integer`);
    }
    for (const n of route.names) if (pathParams[n] === "") problems.push(`path parameter ${n} is empty`);
    if (req.headers["authorization"] !== `token ${token}` && req.headers["authorization"] !== `Bearer ${token}`) {
      return send(res, rec, route.template, 401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest", status: "401" });
    }
    const schema = op.requestBody?.content?.["application/json"]?.schema;
    if (schema) {
      if (body === undefined) problems.push("the operation needs a JSON body");
      else {
        const v = validator(pointer("paths", route.template, method.toLowerCase(), "requestBody", "content", "application/json", "schema"));
        if (!v(body)) problems.push(`body: ${openapi().ajv.errorsText(v.errors)}`);
      }
    } else if (body !== undefined) problems.push("the operation takes no body");
    if (problems.length) {
      fake.violations.push(`${method} ${route.template}: ${problems.join("; ")}`);
      return send(res, rec, null, 400, { message: problems.join("; ") });
    }

    const repo = pathParams["owner"] && pathParams["repo"] ? `${pathParams["owner"]}/${pathParams["repo"]}` : null;
    if (repo && !fake.repos.has(repo)) return send(res, rec, route.template, 404, notFound);
    const b = (body ?? {}) as Json;
    switch (`${method} ${route.template}`) {
      case "GET /user": {
        const u = { ...example("private-user"), login: "costwise-bot", id: 1, html_url: "https://github.com/costwise-bot" };
        return send(res, rec, route.template, 200, u);
      }
      case "GET /repos/{owner}/{repo}": {
        // GitHub's published example predates has_discussions, which the schema requires: the validation caught it
        const r = { ...example("full-repository"), name: pathParams["repo"], full_name: repo, has_issues: true, has_discussions: false };
        return send(res, rec, route.template, 200, r);
      }
      case "POST /repos/{owner}/{repo}/issues": {
        const n = fake.issues.filter((i) => i.repo === repo).length + 1;
        const at = NOW();
        const i: FakeIssue = { number: n, repo: repo!, title: String(b["title"]), body: String(b["body"] ?? ""), labels: (b["labels"] as string[] | undefined) ?? [], assignees: (b["assignees"] as string[] | undefined) ?? [], state: "open", state_reason: null, comments: [], created_at: at, updated_at: at, closed_at: null, closed_by: null };
        fake.issues.push(i);
        return send(res, rec, route.template, 201, issueBody(i), { location: `${fake.url}/repos/${repo}/issues/${n}` });
      }
      case "GET /repos/{owner}/{repo}/issues/{issue_number}": {
        const i = find(repo!, Number(pathParams["issue_number"]));
        return i ? send(res, rec, route.template, 200, issueBody(i)) : send(res, rec, route.template, 404, notFound);
      }
      case "PATCH /repos/{owner}/{repo}/issues/{issue_number}": {
        const i = find(repo!, Number(pathParams["issue_number"]));
        if (!i) return send(res, rec, route.template, 404, notFound);
        if (typeof b["title"] === "string") i.title = b["title"];
        if (typeof b["body"] === "string") i.body = b["body"];
        if (b["state"] === "closed" && i.state !== "closed") fake.close({ repo: repo!, number: i.number }, b["state_reason"] === "not_planned" ? "not_planned" : "completed", undefined, "costwise-bot");
        i.updated_at = NOW();
        return send(res, rec, route.template, 200, issueBody(i));
      }
      case "POST /repos/{owner}/{repo}/issues/{issue_number}/comments": {
        const i = find(repo!, Number(pathParams["issue_number"]));
        if (!i) return send(res, rec, route.template, 404, notFound);
        i.comments.push(String(b["body"]));
        return send(res, rec, route.template, 201, { ...example("issue-comment"), id: 5000 + i.comments.length - 1, body: String(b["body"]), issue_url: `${fake.url}/repos/${repo}/issues/${i.number}` });
      }
      case "GET /repos/{owner}/{repo}/issues/{issue_number}/comments": {
        const i = find(repo!, Number(pathParams["issue_number"]));
        if (!i) return send(res, rec, route.template, 404, notFound);
        const per = Number(u.searchParams.get("per_page") ?? 30);
        const page = Number(u.searchParams.get("page") ?? 1);
        const slice = i.comments.slice((page - 1) * per, page * per);
        const base = example("issue-comment-items") as unknown as Json[];
        return send(res, rec, route.template, 200, slice.map((text, k) => ({ ...base[0], id: 5000 + k, body: text, issue_url: `${fake.url}/repos/${repo}/issues/${i.number}` })));
      }
      default:
        fake.violations.push(`${method} ${route.template}: a real operation this fake does not implement`);
        return send(res, rec, null, 501, { message: "not implemented by the fake" });
    }
  }

  server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      fake.violations.push(`fake crashed: ${e instanceof Error ? e.stack : String(e)}`);
      res.writeHead(500).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
