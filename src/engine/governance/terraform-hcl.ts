/**
 * .tf files → normalized resources, without running Terraform. Parses HCL with `@cdktf/hcl2json`, then resolves
 * statically: the AWS provider's `default_tags` (per alias, picked by the resource's `provider =`), the
 * resource's `tags` (map attribute, legacy `tags {}` block, autoscaling `tag {}` blocks and `tags = [{key,value}]`),
 * `merge()` / `tomap()` / `map()` of literal maps, and `local.*` that are literals. What cannot be resolved
 * (variables, other resources, data sources, module outputs, functions, conditionals) is reported as
 * unresolved with the expression and the reason. A directory is one module: all its .tf files share
 * locals, variables and providers; child modules are not followed (listed in `notes`).
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { parse as parseHcl } from "@cdktf/hcl2json";
import { CostwiseError } from "../../core/errors.js";
import type { NormalizedResource, UnresolvedTags } from "../../core/governance/resource.js";
import { isTaggableType } from "../../core/governance/taggable.js";
import { fromHclJson, type Scope, type Val } from "./hcl-expr.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export interface HclScanResult {
  resources: NormalizedResource[];
  files: string[];
  notes: string[];
}

/** `paths`: .tf files and/or directories (their *.tf files, not recursive). */
export async function readTerraformFiles(paths: string[]): Promise<HclScanResult> {
  const files: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new CostwiseError("NOT_FOUND", `${p} does not exist`, { location: { file: p } });
    }
    if (st.isDirectory()) {
      for (const f of readdirSync(p).sort()) if (f.endsWith(".tf")) files.push(join(p, f));
    } else files.push(p);
  }
  const parsed: { file: string; text: string; json: Obj }[] = [];
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    parsed.push({ file, text, json: await parseTfText(text, file) });
  }
  return resolveModule(parsed);
}

/** Parses one .tf text; a syntax error becomes a CostwiseError naming file:line:col and what HCL expected. */
export async function parseTfText(text: string, file: string): Promise<Obj> {
  try {
    return (await parseHcl(file, text)) as Obj;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    // "parse config: [file:3,6-4,1: Invalid expression; Expected the start of an expression, ...]"
    const m = /:(\d+),(\d+)(?:-\d+(?:,\d+)?)?: ([^\]]*)\]?\s*$/.exec(msg);
    const line = m ? Number(m[1]) : undefined;
    const col = m ? Number(m[2]) : undefined;
    const what = m ? m[3]!.trim() : msg.replace(/^parse config:\s*/, "");
    throw new CostwiseError("BAD_INPUT", `${file}${line ? `:${line}:${col}` : ""}: not valid HCL: ${what}`, {
      location: { file, ...(line ? { line } : {}), ...(col ? { column: `col ${col}` } : {}) },
      cause: e,
    });
  }
}

export function resolveModule(parsed: { file: string; text: string; json: Obj }[]): HclScanResult {
  const locals: Obj = {};
  const variables: Obj = {};
  const providers: { alias: string | undefined; block: Obj }[] = [];
  const notes: string[] = [];
  for (const { json } of parsed) {
    for (const l of asArray(json["locals"])) if (isObj(l)) Object.assign(locals, l);
    if (isObj(json["variable"])) for (const [name, blocks] of Object.entries(json["variable"])) variables[name] = asArray(blocks)[0];
    if (isObj(json["provider"])) {
      for (const block of asArray(json["provider"]["aws"])) if (isObj(block)) providers.push({ alias: typeof block["alias"] === "string" ? block["alias"] : undefined, block });
    }
    if (isObj(json["module"])) {
      for (const [name, blocks] of Object.entries(json["module"])) {
        const src = asArray(blocks).find(isObj)?.["source"];
        notes.push(`module "${name}"${typeof src === "string" ? ` (${src})` : ""} is not followed: check the plan JSON to include its resources`);
      }
    }
  }
  const scope: Scope = {
    local: (name) => locals[name],
    variableDefault: (name) => (isObj(variables[name]) ? (variables[name] as Obj)["default"] : undefined),
  };
  const defaultTagsByAlias = new Map<string, { tags: Record<string, string>; unresolved: UnresolvedTags[] }>();
  for (const p of providers) {
    const dt = asArray(p.block["default_tags"]).find(isObj);
    const tags: Record<string, string> = Object.create(null) as Record<string, string>;
    const unresolved: UnresolvedTags[] = [];
    if (dt && dt["tags"] !== undefined) collectTags(fromHclJson(dt["tags"], scope), tags, unresolved, "provider default_tags: ");
    defaultTagsByAlias.set(p.alias ?? "", { tags, unresolved });
  }

  const resources: NormalizedResource[] = [];
  for (const { file, text, json } of parsed) {
    const res = json["resource"];
    if (!isObj(res)) continue;
    for (const [type, byName] of Object.entries(res)) {
      if (!isObj(byName)) continue;
      for (const [name, blocks] of Object.entries(byName)) {
        const body = asArray(blocks).find(isObj) ?? {};
        // no prototype: a `__proto__` tag key is kept as a key (plain `{}` would swallow it)
        const own: Record<string, string> = Object.create(null) as Record<string, string>;
        const unresolved: UnresolvedTags[] = [];
        for (const attr of ["tags", "tags_all"]) {
          const raw = body[attr];
          if (raw === undefined) continue;
          // legacy block form `tags { ... }` arrives as a list of one object
          if (Array.isArray(raw) && raw.every(isObj) && !raw.some((o) => "key" in o)) {
            for (const o of raw) collectTags(fromHclJson(o, scope), own, unresolved, "");
          } else if (Array.isArray(raw)) {
            collectKeyValueList(fromHclJson(raw, scope), own, unresolved);
          } else collectTags(fromHclJson(raw, scope), own, unresolved, "");
        }
        if (type === "aws_autoscaling_group" && body["tag"] !== undefined) collectKeyValueList(fromHclJson(asArray(body["tag"]), scope), own, unresolved);

        let tags = own;
        // the AWS provider does not apply default_tags to autoscaling groups (they use `tag` blocks)
        if (type.startsWith("aws_") && type !== "aws_autoscaling_group") {
          const alias = providerAlias(body["provider"]);
          const dt = defaultTagsByAlias.get(alias ?? "");
          if (alias !== undefined && !dt) unresolved.push({ expression: `provider = aws.${alias}`, reason: `provider alias "${alias}" is not declared in these files; its default_tags are unknown` });
          if (dt) {
            tags = Object.assign(Object.create(null) as Record<string, string>, dt.tags, own);
            for (const u of dt.unresolved) if (u.key === undefined || !Object.hasOwn(own, u.key)) unresolved.push(u);
          }
        }
        const attributes: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(body)) {
          if (k === "tags" || k === "tags_all" || k === "tag") continue;
          const val = fromHclJson(v, scope);
          attributes[k] = toPlain(val);
        }
        const line = declarationLine(text, type, name);
        resources.push({
          id: `${type}.${name}`,
          type,
          provider: type.split("_")[0]!,
          origin: "terraform-hcl",
          actions: [],
          taggable: isTaggableType(type),
          taggableFrom: "list",
          tags,
          ownTags: own,
          unresolved,
          attributes,
          location: { file, ...(line ? { line } : {}) },
        });
      }
    }
  }
  return { resources, files: parsed.map((p) => p.file), notes };
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined ? [] : [v];
}

function providerAlias(v: unknown): string | undefined {
  if (typeof v !== "string") return undefined;
  const m = /^\$\{\s*aws\.([A-Za-z0-9_-]+)\s*\}$/.exec(v) ?? /^aws\.([A-Za-z0-9_-]+)$/.exec(v);
  return m?.[1];
}

function collectTags(v: Val, into: Record<string, string>, unresolved: UnresolvedTags[], prefix: string): void {
  if (v.t === "unknown") {
    unresolved.push({ expression: `${prefix}${v.expr}`, reason: v.reason });
    return;
  }
  if (v.t !== "obj") {
    unresolved.push({ expression: prefix || "tags", reason: "tags is not a map" });
    return;
  }
  for (const [k, val] of v.entries) {
    if (val.t === "str") into[k] = val.v;
    else if (val.t === "num" || val.t === "bool") into[k] = String(val.v);
    else if (val.t === "unknown") unresolved.push({ key: k, expression: `${prefix}${val.expr}`, reason: val.reason });
    else unresolved.push({ key: k, expression: `${prefix}${k}`, reason: "value is not a string" });
  }
  for (const u of v.unknownParts) unresolved.push({ expression: `${prefix}${u.expr}`, reason: u.reason });
}

/** `[{ key = "a", value = "b" }, ...]` (autoscaling groups). */
function collectKeyValueList(v: Val, into: Record<string, string>, unresolved: UnresolvedTags[]): void {
  if (v.t === "unknown") {
    unresolved.push({ expression: v.expr, reason: v.reason });
    return;
  }
  if (v.t !== "list") return;
  for (const item of v.items) {
    if (item.t !== "obj") continue;
    const k = item.entries.get("key");
    const val = item.entries.get("value");
    if (k?.t === "str" && val?.t === "str") into[k.v] = val.v;
    else if (k?.t === "str") unresolved.push({ key: k.v, expression: val?.t === "unknown" ? val.expr : "value", reason: val?.t === "unknown" ? val.reason : "value not known" });
    else unresolved.push({ expression: k?.t === "unknown" ? k.expr : "key", reason: "tag key is not known statically" });
  }
}

function toPlain(v: Val): unknown {
  switch (v.t) {
    case "str":
    case "num":
    case "bool":
      return v.v;
    case "null":
      return null;
    case "list":
      return v.items.map(toPlain);
    case "obj":
      return Object.fromEntries([...v.entries].map(([k, x]) => [k, toPlain(x)]));
    case "unknown":
      return `\${${v.expr}}`;
  }
}

function declarationLine(text: string, type: string, name: string): number | undefined {
  const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const re = new RegExp(`^\\s*resource\\s+"?${esc(type)}"?\\s+"?${esc(name)}"?\\s*\\{`, "m");
  const m = re.exec(text);
  if (!m) return undefined;
  let line = 1;
  for (let i = 0; i < m.index + m[0].search(/\S/); i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

export { basename };
