/**
 * Terraform plan JSON (`terraform show -json plan.out`) → normalized resources.
 *
 * Order of operations per resource change:
 *  1. Data sources and pure deletes are not checked; they are returned in `skipped` with the reason.
 *  2. Taggability comes from the plan itself: the resource takes tags when `tags` or `tags_all` (autoscaling
 *     groups: `tag`/`tags`) is present in `change.after` or `change.after_unknown`, whatever its value (even
 *     null). The curated list (core/governance/taggable.ts) is only for .tf input.
 *  3. Own tags: `after.tags` as a map, or the autoscaling list form `tags: [{key, value, propagate_at_launch}]`
 *     and `tag` blocks. Keys whose value is in `after_unknown` are "known after apply".
 *  4. Effective tags, in this order of trust:
 *     a. `after.tags_all` when it is a map (AWS provider ≥ 3.38: own tags merged over provider default_tags);
 *        keys listed in `after_unknown.tags_all` are "known after apply" (unresolved, not missing, not pass).
 *     b. `after_unknown.tags_all: true` (wholly unknown at plan time): the provider's constant `default_tags`
 *        merged under the own tags; every other key is "known after apply" (one keyless unresolved part).
 *     c. Otherwise the provider's `default_tags` from `configuration.provider_config` (constant values only; an
 *        expression is reported unresolved) merged under the own tags. Autoscaling groups never get
 *        default_tags (the AWS provider does not apply them).
 *  5. Location: the address's line in the plan JSON when the plan is pretty-printed; `source` is the resource's
 *     declaration in the .tf files when the plan's `configuration` names the module (root, or a local `source`)
 *     and a .tf file in that directory declares it (the root module is the plan file's directory unless
 *     `configDir` says otherwise).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { CostwiseError } from "../../core/errors.js";
import type { NormalizedResource, SkippedResource, SourceLocation, UnresolvedTags } from "../../core/governance/resource.js";
import { lineCol, locateJsonError } from "./json-position.js";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export interface PlanReadOptions {
  /** Directory of the root module's .tf files, to point findings at declarations (default: the plan's directory). */
  configDir?: string;
}

export interface PlanReadResult {
  resources: NormalizedResource[];
  /** Resource changes not checked (data sources, deletes), with the reason. */
  skipped: SkippedResource[];
}

export function readPlanFile(file: string, opts: PlanReadOptions = {}): NormalizedResource[] {
  return readPlan(file, opts).resources;
}

export function readPlan(file: string, opts: PlanReadOptions = {}): PlanReadResult {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new CostwiseError("NOT_FOUND", `cannot read plan ${file}: ${(e as Error).message}`, { location: { file }, cause: e });
  }
  return parsePlan(text, file, { configDir: opts.configDir ?? dirname(file) });
}

export function parsePlanJson(text: string, file = "plan.json", opts: PlanReadOptions = {}): NormalizedResource[] {
  return parsePlan(text, file, opts).resources;
}

export function parsePlan(text: string, file = "plan.json", opts: PlanReadOptions = {}): PlanReadResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const at = locateJsonError(text, (e as Error).message);
    throw new CostwiseError("BAD_INPUT", `${file}:${at.line}:${at.col}: not valid JSON: ${at.message} (expected the output of \`terraform show -json <planfile>\`)`, {
      location: { file, line: at.line, column: `col ${at.col}` },
    });
  }
  return planToResult(doc, file, text, opts);
}

function bad(file: string, key: string, message: string): CostwiseError {
  return new CostwiseError("BAD_INPUT", `${file}: ${key}: ${message} (expected the output of \`terraform show -json <planfile>\`)`, { location: { file, column: key } });
}

export function planToResources(doc: unknown, file: string, text?: string, opts: PlanReadOptions = {}): NormalizedResource[] {
  return planToResult(doc, file, text, opts).resources;
}

/** A map with no prototype: a `__proto__` tag key is an ordinary key, `toString` is not a tag. */
export function tagMap(): Record<string, string> {
  return Object.create(null) as Record<string, string>;
}

const TAG_ATTRS = ["tags", "tags_all"] as const;
const ASG = "aws_autoscaling_group";

export function planToResult(doc: unknown, file: string, text?: string, opts: PlanReadOptions = {}): PlanReadResult {
  if (!isObj(doc)) throw bad(file, "(top level)", "expected a JSON object");
  if (typeof doc["format_version"] !== "string") throw bad(file, "format_version", "missing; this is not a Terraform plan JSON document");
  const changes = doc["resource_changes"];
  if (changes === undefined) return { resources: [], skipped: [] };
  if (!Array.isArray(changes)) throw bad(file, "resource_changes", "expected an array");

  const lines = text && isMultiLine(text) ? addressLines(text) : new Map<string, number>();
  const configuration = isObj(doc["configuration"]) ? doc["configuration"] : {};
  const providerConfig = isObj(configuration["provider_config"]) ? configuration["provider_config"] : {};
  const rootModule = isObj(configuration["root_module"]) ? configuration["root_module"] : {};
  const defaultTagsCache = new Map<string, { tags: Record<string, string>; unresolved: UnresolvedTags[] }>();
  const declarations = new Declarations(opts.configDir);

  const out: NormalizedResource[] = [];
  const skipped: SkippedResource[] = [];
  changes.forEach((rc, i) => {
    const at = `resource_changes[${i}]`;
    if (!isObj(rc)) throw bad(file, at, "expected an object");
    const address = rc["address"];
    const type = rc["type"];
    if (typeof address !== "string") throw bad(file, `${at}.address`, "missing or not a string");
    if (typeof type !== "string") throw bad(file, `${at}.type`, "missing or not a string");
    if (rc["mode"] === "data") {
      skipped.push({ id: address, type, file, reason: "data-source", message: "data source (read, not created)" });
      return;
    }
    const change = rc["change"];
    if (!isObj(change)) throw bad(file, `${at}.change`, "missing or not an object");
    const actions = Array.isArray(change["actions"]) ? change["actions"].filter((a): a is string => typeof a === "string") : [];
    if (actions.length === 1 && actions[0] === "delete") {
      skipped.push({ id: address, type, file, reason: "deleted", message: "being destroyed" });
      return;
    }
    const after = isObj(change["after"]) ? change["after"] : {};
    const afterUnknown = isObj(change["after_unknown"]) ? change["after_unknown"] : {};

    // 2. taggability from the plan
    const tagAttrs: string[] = type === ASG ? [...TAG_ATTRS, "tag"] : [...TAG_ATTRS];
    const taggable = tagAttrs.some((a) => Object.hasOwn(after, a) || Object.hasOwn(afterUnknown, a));

    // 3. own tags
    const unresolved: UnresolvedTags[] = [];
    const ownTags = tagMap();
    if (Array.isArray(after["tags"]) || Array.isArray(afterUnknown["tags"])) keyValueList(after["tags"], afterUnknown["tags"], "tags", ownTags, unresolved);
    else mapInto(after["tags"], afterUnknown["tags"], "tags", ownTags, unresolved);
    if (type === ASG && (after["tag"] !== undefined || afterUnknown["tag"] !== undefined)) keyValueList(after["tag"], afterUnknown["tag"], "tag", ownTags, unresolved);

    // 4. effective tags
    let tags: Record<string, string>;
    const tagsAll = after["tags_all"];
    if (isObj(tagsAll)) {
      tags = tagMap();
      const u2: UnresolvedTags[] = [];
      mapInto(tagsAll, afterUnknown["tags_all"], "tags_all", tags, u2);
      for (const u of u2) if (!unresolved.some((x) => x.key === u.key)) unresolved.push(u);
      // a key the resource sets itself but whose merged value is unknown stays unresolved, not present
      for (const u of unresolved) if (u.key !== undefined) delete tags[u.key];
    } else {
      const dt = type === ASG ? { tags: tagMap(), unresolved: [] } : providerDefaultTags(rootModule, providerConfig, rc, defaultTagsCache);
      tags = Object.assign(tagMap(), dt.tags, ownTags);
      for (const u of dt.unresolved) if (u.key === undefined || !Object.hasOwn(ownTags, u.key)) unresolved.push(u);
      if (afterUnknown["tags_all"] === true) {
        unresolved.push({ expression: "tags_all", reason: "tags_all is known only after apply", afterApply: true });
      }
    }

    // no prototype: an attribute named `__proto__` in a hostile plan stays data
    const attributes = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of Object.entries(after)) if (!tagAttrs.includes(k)) attributes[k] = v;
    const line = lines.get(address);
    const source = declarations.find(rootModule, rc);
    const provider = typeof rc["provider_name"] === "string" ? rc["provider_name"] : "";
    out.push({
      id: address,
      type,
      provider,
      origin: "terraform-plan",
      actions,
      taggable,
      taggableFrom: "plan",
      tags,
      ownTags,
      unresolved,
      attributes,
      location: { file, ...(line ? { line } : {}) },
      ...(source ? { source } : {}),
    });
  });
  return { resources: out, skipped };
}

const AFTER_APPLY = "known only after apply";

/** A tags map from a plan value into `into`; unknown keys (after_unknown) and a wholly unknown map are unresolved. */
function mapInto(v: Json | undefined, unknown: Json | undefined, what: string, into: Record<string, string>, unresolved: UnresolvedTags[]): void {
  if (isObj(v)) {
    for (const [k, val] of Object.entries(v)) {
      if (typeof val === "string") into[k] = val;
      else if (val !== null) into[k] = String(val);
    }
  }
  if (unknown === true) unresolved.push({ expression: what, reason: `${what} is ${AFTER_APPLY}`, afterApply: true });
  else if (isObj(unknown)) {
    for (const [k, u] of Object.entries(unknown)) {
      if (u === true) {
        delete into[k];
        unresolved.push({ key: k, expression: `${what}["${k}"]`, reason: AFTER_APPLY, afterApply: true });
      }
    }
  }
}

/** Autoscaling groups: `[{key, value, propagate_at_launch}]` (the `tags` list and `tag` blocks). */
function keyValueList(v: Json | undefined, unknown: Json | undefined, what: string, into: Record<string, string>, unresolved: UnresolvedTags[]): void {
  if (unknown === true) {
    unresolved.push({ expression: what, reason: `${what} is ${AFTER_APPLY}`, afterApply: true });
    return;
  }
  const items = Array.isArray(v) ? v : [];
  const unknownItems = Array.isArray(unknown) ? unknown : [];
  items.forEach((item, i) => {
    const u = unknownItems[i];
    if (u === true || (isObj(u) && u["key"] === true)) {
      unresolved.push({ expression: `${what}[${i}]`, reason: `tag key ${AFTER_APPLY}`, afterApply: true });
      return;
    }
    if (!isObj(item) || typeof item["key"] !== "string") return;
    const key = item["key"];
    if (isObj(u) && u["value"] === true) {
      unresolved.push({ key, expression: `${what}[${i}].value`, reason: AFTER_APPLY, afterApply: true });
      return;
    }
    const val = item["value"];
    if (typeof val === "string") into[key] = val;
    else if (val !== null && val !== undefined) into[key] = String(val);
  });
}

function providerDefaultTags(
  rootModule: Obj,
  providerConfig: Obj,
  rc: Obj,
  cache: Map<string, { tags: Record<string, string>; unresolved: UnresolvedTags[] }>,
): { tags: Record<string, string>; unresolved: UnresolvedTags[] } {
  const providerKey = providerConfigKey(rootModule, rc);
  let dt = cache.get(providerKey);
  if (!dt) cache.set(providerKey, (dt = defaultTags(providerConfig[providerKey])));
  return dt;
}

/** Module configuration for a module address (`module.a.module.b[0]`), following `module_calls`. */
function moduleConfig(root: Obj, moduleAddress: string | undefined): { mod: Obj | undefined; sources: string[] } {
  let mod: Obj | undefined = root;
  const sources: string[] = [];
  if (moduleAddress) {
    for (const m of moduleAddress.matchAll(/module\.([^.[]+)(\[[^\]]*\])?/g)) {
      const calls: Json | undefined = mod?.["module_calls"];
      const call: Json | undefined = isObj(calls) ? calls[m[1]!] : undefined;
      sources.push(isObj(call) && typeof call["source"] === "string" ? call["source"] : "");
      mod = isObj(call) && isObj(call["module"]) ? call["module"] : undefined;
    }
  }
  return { mod, sources };
}

/** Where each `resource "type" "name"` is declared in a module directory's .tf files, read once per directory. */
class Declarations {
  private byDir = new Map<string, Map<string, SourceLocation>>();
  constructor(private readonly rootDir: string | undefined) {}

  find(root: Obj, rc: Obj): SourceLocation | undefined {
    if (this.rootDir === undefined) return undefined;
    const moduleAddress = typeof rc["module_address"] === "string" ? rc["module_address"] : undefined;
    const { sources } = moduleConfig(root, moduleAddress);
    let dir = this.rootDir;
    for (const s of sources) {
      // only local module sources name a directory we can read; a registry or git module has no file here
      if (!s.startsWith("./") && !s.startsWith("../")) return undefined;
      dir = join(dir, s);
    }
    return this.index(dir).get(`${String(rc["type"])}.${String(rc["name"] ?? "")}`);
  }

  private index(dir: string): Map<string, SourceLocation> {
    let idx = this.byDir.get(dir);
    if (idx) return idx;
    idx = new Map();
    this.byDir.set(dir, idx);
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((f) => f.endsWith(".tf")).sort();
    } catch {
      return idx;
    }
    const re = /^[ \t]*resource[ \t]+"?([A-Za-z0-9_-]+)"?[ \t]+"?([A-Za-z0-9_-]+)"?[ \t]*\{/gm;
    for (const name of names) {
      const file = join(dir, name);
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch {
        continue;
      }
      let line = 1;
      let pos = 0;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        const start = m.index + m[0].search(/\S/);
        for (let i = pos; i < start; i++) if (text.charCodeAt(i) === 10) line++;
        pos = start;
        const key = `${m[1]}.${m[2]}`;
        if (!idx.has(key)) idx.set(key, { file, line });
      }
    }
    return idx;
  }
}

/** The provider_config key a resource uses: from its configuration block, else `<module>:<provider>` / `<provider>`. */
function providerConfigKey(root: Obj, rc: Obj): string {
  const moduleAddress = typeof rc["module_address"] === "string" ? rc["module_address"] : undefined;
  const type = String(rc["type"]);
  const name = String(rc["name"] ?? "");
  const { mod } = moduleConfig(root, moduleAddress);
  const resources = mod && Array.isArray(mod["resources"]) ? mod["resources"] : [];
  const cfg = resources.find((r) => isObj(r) && r["type"] === type && r["name"] === name);
  if (isObj(cfg) && typeof cfg["provider_config_key"] === "string") return cfg["provider_config_key"];
  const provider = type.split("_")[0]!;
  return moduleAddress ? `${moduleAddress}:${provider}` : provider;
}

function defaultTags(pc: Json | undefined): { tags: Record<string, string>; unresolved: UnresolvedTags[] } {
  const tags = tagMap();
  const unresolved: UnresolvedTags[] = [];
  const exprs = isObj(pc) && isObj(pc["expressions"]) ? pc["expressions"] : undefined;
  const dt = exprs?.["default_tags"];
  const block = Array.isArray(dt) ? dt[0] : dt;
  const t = isObj(block) ? block["tags"] : undefined;
  if (!isObj(t)) return { tags, unresolved };
  if (isObj(t["constant_value"])) {
    for (const [k, v] of Object.entries(t["constant_value"])) if (typeof v === "string") tags[k] = v;
  } else if (Array.isArray(t["references"])) {
    unresolved.push({ expression: `provider default_tags (${t["references"].join(", ")})`, reason: "default_tags refer to variables or other values the plan does not resolve" });
  }
  return { tags, unresolved };
}

/** Whether the text has more than a couple of lines (a pretty-printed plan), so lines say something. */
function isMultiLine(text: string): boolean {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0 && n < 3; i = text.indexOf("\n", i + 1)) n++;
  return n >= 3;
}

/** Line of each `"address": "..."` in resource_changes (first occurrence after the resource_changes key). */
function addressLines(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const start = text.indexOf('"resource_changes"');
  if (start < 0) return out;
  const re = /"address"\s*:\s*"((?:[^"\\]|\\.)*)"/g;
  re.lastIndex = start;
  let line = lineCol(text, start).line;
  let pos = start;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    for (let i = pos; i < m.index; i++) if (text.charCodeAt(i) === 10) line++;
    pos = m.index;
    let addr: string;
    try {
      addr = JSON.parse(`"${m[1]}"`) as string;
    } catch {
      continue;
    }
    if (!out.has(addr)) out.set(addr, line);
  }
  return out;
}
