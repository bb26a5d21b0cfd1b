/**
 * Terraform plan JSON (`terraform show -json plan.out`) → normalized resources.
 *
 * Effective tags per resource, in this order of trust:
 *  1. `change.after.tags_all` when known (AWS provider ≥ 3.38: resource tags merged over provider default_tags);
 *     keys listed in `after_unknown.tags_all` are "known after apply" and reported unresolved.
 *  2. Otherwise the provider's `default_tags` from `configuration.provider_config` (constant values only; an
 *     expression is reported unresolved) merged under `change.after.tags`.
 * Managed resources only (data sources are skipped) and resources being destroyed are not checked.
 */
import { readFileSync } from "node:fs";
import { CostwiseError } from "../../core/errors.js";
import type { NormalizedResource, UnresolvedTags } from "../../core/governance/resource.js";
import { isTaggableType } from "../../core/governance/taggable.js";
import { lineCol, locateJsonError } from "./json-position.js";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export function readPlanFile(file: string): NormalizedResource[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new CostwiseError("NOT_FOUND", `cannot read plan ${file}: ${(e as Error).message}`, { location: { file }, cause: e });
  }
  return parsePlanJson(text, file);
}

export function parsePlanJson(text: string, file = "plan.json"): NormalizedResource[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const at = locateJsonError(text, (e as Error).message);
    throw new CostwiseError("BAD_INPUT", `${file}:${at.line}:${at.col}: not valid JSON: ${at.message} (expected the output of \`terraform show -json <planfile>\`)`, {
      location: { file, line: at.line, column: `col ${at.col}` },
    });
  }
  return planToResources(doc, file, text);
}

function bad(file: string, key: string, message: string): CostwiseError {
  return new CostwiseError("BAD_INPUT", `${file}: ${key}: ${message} (expected the output of \`terraform show -json <planfile>\`)`, { location: { file, column: key } });
}

export function planToResources(doc: unknown, file: string, text?: string): NormalizedResource[] {
  if (!isObj(doc)) throw bad(file, "(top level)", "expected a JSON object");
  if (typeof doc["format_version"] !== "string") throw bad(file, "format_version", "missing; this is not a Terraform plan JSON document");
  const changes = doc["resource_changes"];
  if (changes === undefined) return [];
  if (!Array.isArray(changes)) throw bad(file, "resource_changes", "expected an array");

  const lines = text ? addressLines(text) : new Map<string, number>();
  const configuration = isObj(doc["configuration"]) ? doc["configuration"] : {};
  const providerConfig = isObj(configuration["provider_config"]) ? configuration["provider_config"] : {};
  const rootModule = isObj(configuration["root_module"]) ? configuration["root_module"] : {};
  const defaultTagsCache = new Map<string, { tags: Record<string, string>; unresolved: UnresolvedTags[] }>();

  const out: NormalizedResource[] = [];
  changes.forEach((rc, i) => {
    const at = `resource_changes[${i}]`;
    if (!isObj(rc)) throw bad(file, at, "expected an object");
    const address = rc["address"];
    const type = rc["type"];
    if (typeof address !== "string") throw bad(file, `${at}.address`, "missing or not a string");
    if (typeof type !== "string") throw bad(file, `${at}.type`, "missing or not a string");
    if (rc["mode"] === "data") return;
    const change = rc["change"];
    if (!isObj(change)) throw bad(file, `${at}.change`, "missing or not an object");
    const actions = Array.isArray(change["actions"]) ? change["actions"].filter((a): a is string => typeof a === "string") : [];
    if (actions.length === 1 && actions[0] === "delete") return;
    const after = isObj(change["after"]) ? change["after"] : {};
    const afterUnknown = isObj(change["after_unknown"]) ? change["after_unknown"] : {};

    const unresolved: UnresolvedTags[] = [];
    const ownTags = stringMap(after["tags"], afterUnknown["tags"], "tags", unresolved);
    let tags: Record<string, string>;
    const tagsAll = after["tags_all"];
    if (isObj(tagsAll)) {
      const u2: UnresolvedTags[] = [];
      tags = stringMap(tagsAll, afterUnknown["tags_all"], "tags_all", u2);
      for (const u of u2) if (!unresolved.some((x) => x.key === u.key)) unresolved.push(u);
    } else {
      const providerKey = providerConfigKey(rootModule, rc);
      let dt = defaultTagsCache.get(providerKey);
      if (!dt) defaultTagsCache.set(providerKey, (dt = defaultTags(providerConfig[providerKey])));
      tags = { ...dt.tags, ...ownTags };
      for (const u of dt.unresolved) if (u.key === undefined || !Object.hasOwn(ownTags, u.key)) unresolved.push(u);
      if (afterUnknown["tags"] === true) unresolved.push({ expression: "tags", reason: "known only after apply" });
    }

    const attributes: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(after)) if (k !== "tags" && k !== "tags_all") attributes[k] = v;
    const line = lines.get(address);
    out.push({
      id: address,
      type,
      provider: typeof rc["provider_name"] === "string" ? rc["provider_name"] : "",
      origin: "terraform-plan",
      actions,
      taggable: isTaggableType(type),
      tags,
      ownTags,
      unresolved,
      attributes,
      location: { file, ...(line ? { line } : {}) },
    });
  });
  return out;
}

/** tags map from a plan value; unknown keys (after_unknown) and non-string values become unresolved. */
function stringMap(v: Json | undefined, unknown: Json | undefined, what: string, unresolved: UnresolvedTags[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObj(v)) {
    for (const [k, val] of Object.entries(v)) {
      if (typeof val === "string") out[k] = val;
      else if (val !== null) out[k] = String(val);
    }
  }
  if (isObj(unknown)) {
    for (const [k, u] of Object.entries(unknown)) {
      if (u === true) {
        delete out[k];
        unresolved.push({ key: k, expression: `${what}["${k}"]`, reason: "known only after apply" });
      }
    }
  }
  return out;
}

/** The provider_config key a resource uses: from its configuration block, else `<module>:<provider>` / `<provider>`. */
function providerConfigKey(root: Obj, rc: Obj): string {
  const moduleAddress = typeof rc["module_address"] === "string" ? rc["module_address"] : undefined;
  const type = String(rc["type"]);
  const name = String(rc["name"] ?? "");
  let mod: Obj | undefined = root;
  if (moduleAddress) {
    for (const m of moduleAddress.matchAll(/module\.([^.[]+)(\[[^\]]*\])?/g)) {
      const calls: Json | undefined = mod?.["module_calls"];
      const call: Json | undefined = isObj(calls) ? calls[m[1]!] : undefined;
      mod = isObj(call) && isObj(call["module"]) ? call["module"] : undefined;
    }
  }
  const resources = mod && Array.isArray(mod["resources"]) ? mod["resources"] : [];
  const cfg = resources.find((r) => isObj(r) && r["type"] === type && r["name"] === name);
  if (isObj(cfg) && typeof cfg["provider_config_key"] === "string") return cfg["provider_config_key"];
  const provider = type.split("_")[0]!;
  return moduleAddress ? `${moduleAddress}:${provider}` : provider;
}

function defaultTags(pc: Json | undefined): { tags: Record<string, string>; unresolved: UnresolvedTags[] } {
  const tags: Record<string, string> = {};
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
