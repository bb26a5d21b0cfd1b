/**
 * A local Jira Cloud REST API v3 for the ticket tests, answering with the shapes of Atlassian's published
 * examples (REST v3 reference: Create issue → {id, key, self, transition}; Get issue → {id, key, self, fields:
 * {status: {…, statusCategory: {key}}, resolution, comment: {comments, maxResults, total, startAt}}}; Get
 * project → {id, key, name, issueTypes, components, …}; errors → {errorMessages: [...], errors: {field: msg}}).
 * It checks what Jira checks: Basic auth (email:API token), the project key exists, the issue type belongs to
 * the project, labels have no spaces, components exist, and the description is an ADF document (version 1,
 * type doc, every node typed, text nodes with text). A request it refuses is recorded in `rejected`.
 * It can answer 429 with Retry-After, or be down (503).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

type Json = Record<string, unknown>;

export interface JiraFakeIssue {
  id: string;
  key: string;
  project: string;
  summary: string;
  description: Json;
  labels: string[];
  components: string[];
  statusCategory: "new" | "indeterminate" | "done";
  resolution: string | null;
  comments: string[];
}

export interface JiraFake {
  url: string;
  email: string;
  token: string;
  projects: Record<string, { id: string; issueTypes: string[]; components: string[] }>;
  issues: JiraFakeIssue[];
  requests: { method: string; path: string; body: unknown; status: number }[];
  rejected: string[];
  /** Retry-After seconds answered with 429 to the next requests, one per request. */
  rateLimits: number[];
  down: boolean;
  resolve(key: string, resolution: string, comment?: string): void;
  reopen(key: string): void;
  stop(): Promise<void>;
}

const STATUS = {
  new: { name: "To Do", id: "10000", categoryId: 2, colorName: "blue-gray", categoryName: "To Do" },
  indeterminate: { name: "In Progress", id: "3", categoryId: 4, colorName: "yellow", categoryName: "In Progress" },
  done: { name: "Done", id: "10001", categoryId: 3, colorName: "green", categoryName: "Done" },
} as const;

const RESOLUTIONS: Record<string, string> = { Done: "10000", "Won't Do": "10001", Duplicate: "10002", "Cannot Reproduce": "10003" };

/** ADF: every node has a type, text nodes a string text, content an array of nodes. */
function adfProblems(node: unknown, at = "description"): string[] {
  if (node === null || typeof node !== "object") return [`${at}: not an object`];
  const n = node as Json;
  const out: string[] = [];
  if (typeof n["type"] !== "string") out.push(`${at}: node without type`);
  if (n["type"] === "text" && typeof n["text"] !== "string") out.push(`${at}: text node without text`);
  if (n["content"] !== undefined) {
    if (!Array.isArray(n["content"])) out.push(`${at}.content: not an array`);
    else n["content"].forEach((c, i) => out.push(...adfProblems(c, `${at}.content[${i}]`)));
  }
  return out;
}

export async function startJiraFake(o: { projects: Record<string, { issueTypes?: string[]; components?: string[] }>; email?: string; token?: string }): Promise<JiraFake> {
  let server: Server;
  let nextId = 10000;
  const fake: JiraFake = {
    url: "",
    email: o.email ?? "costwise-bot@example.com",
    token: o.token ?? "jira_fake_api_token",
    projects: Object.fromEntries(Object.entries(o.projects).map(([k, p], i) => [k, { id: String(10000 + i), issueTypes: p.issueTypes ?? ["Task", "Bug", "Story"], components: p.components ?? [] }])),
    issues: [],
    requests: [],
    rejected: [],
    rateLimits: [],
    down: false,
    resolve(key, resolution, comment) {
      const i = fake.issues.find((x) => x.key === key)!;
      i.statusCategory = "done";
      i.resolution = resolution;
      if (comment) i.comments.push(comment);
    },
    reopen(key) {
      const i = fake.issues.find((x) => x.key === key)!;
      i.statusCategory = "new";
      i.resolution = null;
    },
    stop: () => new Promise((r) => server.close(() => r())),
  };

  const errors = (messages: string[], fields: Record<string, string> = {}) => ({ errorMessages: messages, errors: fields });
  const user = (self: string) => ({
    self: `${fake.url}/rest/api/3/user?accountId=5b10a2844c20165700ede21g`,
    accountId: "5b10a2844c20165700ede21g",
    accountType: "atlassian",
    emailAddress: fake.email,
    avatarUrls: { "48x48": `${self}/avatar/48` },
    displayName: "costwise bot",
    active: true,
    timeZone: "Etc/UTC",
    locale: "en_US",
  });
  const adfComment = (text: string) => ({ type: "doc", version: 1, content: [{ type: "paragraph", content: [{ type: "text", text }] }] });

  function issueJson(i: JiraFakeIssue, fields: string[] | null): Json {
    const s = STATUS[i.statusCategory];
    const all: Json = {
      summary: i.summary,
      description: i.description,
      labels: i.labels,
      status: {
        self: `${fake.url}/rest/api/3/status/${s.id}`,
        description: "",
        iconUrl: `${fake.url}/images/icons/statuses/generic.png`,
        name: s.name,
        id: s.id,
        statusCategory: { self: `${fake.url}/rest/api/3/statuscategory/${s.categoryId}`, id: s.categoryId, key: i.statusCategory, colorName: s.colorName, name: s.categoryName },
      },
      resolution: i.resolution === null ? null : { self: `${fake.url}/rest/api/3/resolution/${RESOLUTIONS[i.resolution] ?? "10099"}`, id: RESOLUTIONS[i.resolution] ?? "10099", description: "", name: i.resolution },
      comment: {
        comments: i.comments.map((c, k) => ({ self: `${fake.url}/rest/api/3/issue/${i.id}/comment/${20000 + k}`, id: String(20000 + k), author: user(fake.url), body: adfComment(c), created: "2026-01-01T10:00:00.000+0000", updated: "2026-01-01T10:00:00.000+0000", jsdPublic: true })),
        maxResults: i.comments.length,
        total: i.comments.length,
        startAt: 0,
      },
    };
    return {
      expand: "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
      id: i.id,
      self: `${fake.url}/rest/api/3/issue/${i.id}`,
      key: i.key,
      fields: fields === null ? all : Object.fromEntries(fields.filter((f) => f in all).map((f) => [f, all[f]])),
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const u = new URL(req.url ?? "/", "http://x");
    const method = req.method ?? "GET";
    let body: unknown = undefined;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const rec = { method, path: u.pathname + u.search, body, status: 0 };
    fake.requests.push(rec);
    const send = (status: number, b?: unknown, headers: Record<string, string> = {}) => {
      rec.status = status;
      res.writeHead(status, { "content-type": "application/json;charset=UTF-8", ...headers });
      res.end(b === undefined ? undefined : JSON.stringify(b));
    };
    if (fake.down) return send(503, errors(["Service unavailable"]));
    const wait = fake.rateLimits.shift();
    if (wait !== undefined) return send(429, errors(["Rate limit exceeded."]), { "retry-after": String(wait), "x-ratelimit-limit": "100", "x-ratelimit-remaining": "0" });
    if (req.headers["authorization"] !== `Basic ${Buffer.from(`${fake.email}:${fake.token}`).toString("base64")}`) {
      rec.status = 401;
      res.writeHead(401, { "content-type": "text/plain" });
      return res.end("Client must be authenticated to access this resource.");
    }
    const reject = (status: number, messages: string[], fields: Record<string, string> = {}) => {
      fake.rejected.push(`${method} ${u.pathname}: ${[...messages, ...Object.entries(fields).map(([k, v]) => `${k}: ${v}`)].join("; ")}`);
      return send(status, errors(messages, fields));
    };
    let m: RegExpExecArray | null;
    if (method === "GET" && u.pathname === "/rest/api/3/myself") return send(200, user(fake.url));
    if (method === "GET" && (m = /^\/rest\/api\/3\/project\/([^/]+)$/.exec(u.pathname))) {
      const key = decodeURIComponent(m[1]!);
      const p = fake.projects[key];
      if (!p) return send(404, errors([`No project could be found with key '${key}'.`]));
      return send(200, {
        expand: "description,lead,issueTypes,url,projectKeys,permissions,insight",
        self: `${fake.url}/rest/api/3/project/${p.id}`,
        id: p.id,
        key,
        name: `${key} project`,
        projectTypeKey: "software",
        simplified: false,
        style: "classic",
        isPrivate: false,
        issueTypes: p.issueTypes.map((name, k) => ({ self: `${fake.url}/rest/api/3/issuetype/${3 + k}`, id: String(3 + k), description: "", iconUrl: "", name, subtask: false, avatarId: 1 })),
        components: p.components.map((name, k) => ({ self: `${fake.url}/rest/api/3/component/${100 + k}`, id: String(100 + k), name, isAssigneeTypeValid: false })),
      });
    }
    if (method === "POST" && u.pathname === "/rest/api/3/issue") {
      const f = ((body as Json | undefined)?.["fields"] ?? {}) as Json;
      const projectKey = (f["project"] as Json | undefined)?.["key"];
      const p = typeof projectKey === "string" ? fake.projects[projectKey] : undefined;
      const fieldErrors: Record<string, string> = {};
      if (!p) fieldErrors["project"] = "Specify a valid project ID or key";
      const type = (f["issuetype"] as Json | undefined)?.["name"];
      if (p && (typeof type !== "string" || !p.issueTypes.includes(type))) fieldErrors["issuetype"] = "Specify an issue type";
      if (typeof f["summary"] !== "string" || f["summary"] === "") fieldErrors["summary"] = "You must specify a summary of the issue.";
      else if ((f["summary"] as string).length > 255) fieldErrors["summary"] = "Summary must be less than 255 characters.";
      const desc = f["description"] as Json | undefined;
      if (desc !== undefined) {
        const probs = desc["type"] !== "doc" || desc["version"] !== 1 ? ["description: not an ADF document (type doc, version 1)"] : adfProblems(desc);
        if (probs.length) fieldErrors["description"] = `Operation value must be an Atlassian Document (${probs[0]})`;
      }
      const labels = (f["labels"] as unknown[] | undefined) ?? [];
      if (labels.some((l) => typeof l !== "string" || /\s/.test(l))) fieldErrors["labels"] = "The label must not contain spaces.";
      const comps = ((f["components"] as Json[] | undefined) ?? []).map((c) => String(c["name"]));
      const badComp = comps.find((c) => p && !p.components.includes(c));
      if (badComp) fieldErrors["components"] = `Component name '${badComp}' is not valid`;
      if (Object.keys(fieldErrors).length) return reject(400, [], fieldErrors);
      const id = String(nextId++);
      const key = `${projectKey as string}-${fake.issues.filter((i) => i.project === projectKey).length + 1}`;
      fake.issues.push({ id, key, project: projectKey as string, summary: f["summary"] as string, description: desc ?? {}, labels: labels as string[], components: comps, statusCategory: "new", resolution: null, comments: [] });
      return send(201, { id, key, self: `${fake.url}/rest/api/3/issue/${id}`, transition: { status: 200, errorCollection: { errorMessages: [], errors: {} } } });
    }
    if ((m = /^\/rest\/api\/3\/issue\/([^/]+)\/(comment|transitions)$/.exec(u.pathname))) {
      // add comment (REST v3: 201 with the comment), get transitions ({transitions: [{id, name, to: status}]}), do a transition (204)
      const ref = decodeURIComponent(m[1]!);
      const i = fake.issues.find((x) => x.key === ref || x.id === ref);
      if (!i) return send(404, errors(["Issue does not exist or you do not have permission to see it."]));
      const b = (body ?? {}) as Json;
      if (m[2] === "comment" && method === "POST") {
        const probs = adfProblems(b["body"], "body");
        if (probs.length) return reject(400, [], { comment: `Comment body must be an Atlassian Document (${probs[0]})` });
        const plain = (n: unknown): string => (n && typeof n === "object" ? (typeof (n as Json)["text"] === "string" ? ((n as Json)["text"] as string) : (((n as Json)["content"] as unknown[] | undefined) ?? []).map(plain).join("")) : "");
        i.comments.push(plain(b["body"]));
        return send(201, { self: `${fake.url}/rest/api/3/issue/${i.id}/comment/${20000 + i.comments.length - 1}`, id: String(20000 + i.comments.length - 1), author: user(fake.url), body: b["body"], created: "2026-01-01T10:00:00.000+0000", updated: "2026-01-01T10:00:00.000+0000", jsdPublic: true });
      }
      const transitions = [
        { id: "11", name: "To Do", to: STATUS.new },
        { id: "21", name: "In Progress", to: STATUS.indeterminate },
        { id: "31", name: "Done", to: STATUS.done },
      ].map((t) => ({ id: t.id, name: t.name, hasScreen: false, isGlobal: true, isInitial: false, isAvailable: true, isConditional: false, to: { self: `${fake.url}/rest/api/3/status/${t.to.id}`, description: "", iconUrl: "", name: t.to.name, id: t.to.id, statusCategory: { self: `${fake.url}/rest/api/3/statuscategory/${t.to.categoryId}`, id: t.to.categoryId, key: t.id === "11" ? "new" : t.id === "21" ? "indeterminate" : "done", colorName: t.to.colorName, name: t.to.categoryName } } }));
      if (m[2] === "transitions" && method === "GET") return send(200, { expand: "transitions", transitions });
      if (m[2] === "transitions" && method === "POST") {
        const t = transitions.find((x) => x.id === (b["transition"] as Json | undefined)?.["id"]);
        if (!t) return reject(400, ["Transition id is not valid for this issue."]);
        const resolution = ((b["fields"] as Json | undefined)?.["resolution"] as Json | undefined)?.["name"];
        if (resolution !== undefined && (typeof resolution !== "string" || !(resolution in RESOLUTIONS))) return reject(400, [], { resolution: `Resolution '${String(resolution)}' is not valid` });
        i.statusCategory = t.to.statusCategory.key as JiraFakeIssue["statusCategory"];
        i.resolution = i.statusCategory === "done" ? ((resolution as string | undefined) ?? "Done") : null;
        rec.status = 204;
        res.writeHead(204);
        return res.end();
      }
    }
    if ((m = /^\/rest\/api\/3\/issue\/([^/]+)$/.exec(u.pathname))) {
      const ref = decodeURIComponent(m[1]!);
      const i = fake.issues.find((x) => x.key === ref || x.id === ref);
      if (!i) return send(404, errors(["Issue does not exist or you do not have permission to see it."]));
      if (method === "GET") return send(200, issueJson(i, u.searchParams.get("fields")?.split(",") ?? null));
      if (method === "PUT") {
        const f = ((body as Json | undefined)?.["fields"] ?? {}) as Json;
        if (f["description"] !== undefined) {
          const probs = adfProblems(f["description"]);
          if (probs.length) return reject(400, [], { description: `Operation value must be an Atlassian Document (${probs[0]})` });
          i.description = f["description"] as Json;
        }
        if (typeof f["summary"] === "string") i.summary = f["summary"];
        rec.status = 204;
        res.writeHead(204);
        return res.end();
      }
    }
    return reject(404, [`no such resource in the fake: ${method} ${u.pathname}`]);
  }

  server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      fake.rejected.push(`fake crashed: ${e instanceof Error ? e.stack : String(e)}`);
      res.writeHead(500).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
