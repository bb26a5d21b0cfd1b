/**
 * Terraform plan JSON (`terraform show -json plan.out`) → planned resources for the estimate (pure: the caller
 * reads the file and parses the JSON).
 *
 * Order of operations per `resource_changes[]` entry:
 *  1. managed resources only (data sources are read, not billed); `no-op` and `read` changes are dropped;
 *  2. the action: create, delete, update, or replace (`["delete","create"]` / `["create","delete"]`);
 *  3. the region: the resource's own `region` attribute (AWS provider 6), else the `region` constant of the
 *     provider configuration it uses (its `provider_config_key`, else `<module>:<provider>`, walking up to the root
 *     provider), else `defaultRegion` (--region), else null (its components are reported unpriced);
 *  4. tags: `tags_all` when known, else `tags` (after the change; before, for a delete); list-form autoscaling
 *     tags (`[{key, value}]`) are read as a map;
 *  5. the cloud id (`id`, else `arn`) when the plan knows it (updates and deletes), for estimate-vs-actual.
 */
import type { PlanAction, PlannedResource } from "./model.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export interface PlanProblem {
  path: string;
  message: string;
}

export function planAction(actions: readonly string[]): PlanAction | null {
  const has = (a: string): boolean => actions.includes(a);
  if (has("create") && has("delete")) return "replace";
  if (has("create")) return "create";
  if (has("delete")) return "delete";
  if (has("update")) return "update";
  return null;
}

export function planToPlanned(doc: unknown, file: string, defaultRegion: string | null): { resources: PlannedResource[]; problems: PlanProblem[] } {
  const problems: PlanProblem[] = [];
  if (!isObj(doc) || typeof doc["format_version"] !== "string") {
    return { resources: [], problems: [{ path: "format_version", message: "missing; this is not a Terraform plan JSON document (expected the output of `terraform show -json <planfile>`)" }] };
  }
  const changes = doc["resource_changes"];
  if (changes === undefined) return { resources: [], problems };
  if (!Array.isArray(changes)) return { resources: [], problems: [{ path: "resource_changes", message: "expected an array" }] };
  const configuration = isObj(doc["configuration"]) ? doc["configuration"] : {};
  const providerConfig = isObj(configuration["provider_config"]) ? configuration["provider_config"] : {};
  const root = isObj(configuration["root_module"]) ? configuration["root_module"] : {};
  const regionCache = new Map<string, string | null>();

  const out: PlannedResource[] = [];
  changes.forEach((rc, i) => {
    if (!isObj(rc)) {
      problems.push({ path: `resource_changes[${i}]`, message: "expected an object" });
      return;
    }
    if (rc["mode"] === "data") return;
    const address = rc["address"];
    const type = rc["type"];
    const change = rc["change"];
    if (typeof address !== "string" || typeof type !== "string" || !isObj(change)) {
      problems.push({ path: `resource_changes[${i}]`, message: "needs address, type and change" });
      return;
    }
    const actions = Array.isArray(change["actions"]) ? change["actions"].filter((a): a is string => typeof a === "string") : [];
    const action = planAction(actions);
    if (action === null) return;
    const before = isObj(change["before"]) ? change["before"] : null;
    const after = action === "delete" ? null : isObj(change["after"]) ? change["after"] : {};
    const side = after ?? before ?? {};
    const provider = type.split("_")[0]!;
    let region = typeof side["region"] === "string" && side["region"] ? side["region"] : null;
    if (!region) {
      const key = configKey(root, rc, provider);
      if (!regionCache.has(key)) regionCache.set(key, providerRegion(providerConfig, key, provider));
      region = regionCache.get(key) ?? defaultRegion;
    }
    const id = (before && typeof before["id"] === "string" ? before["id"] : null) ?? (before && typeof before["arn"] === "string" ? before["arn"] : null);
    out.push({ file, address, type, provider, action, before, after, region, tags: tagsOf(side), cloudId: id });
  });
  return { resources: out, problems };
}

/** Effective tags of one side of a change: tags_all when it is a map, else tags (map or autoscaling list form). */
export function tagsOf(side: Obj): Record<string, string> {
  // autoscaling groups: `tag` blocks (AWS provider ≥ 4) or the legacy list-form `tags`, both [{key, value, ...}]
  const pick = isObj(side["tags_all"]) ? side["tags_all"] : side["tags"] !== undefined && side["tags"] !== null ? side["tags"] : side["tag"];
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (isObj(pick)) {
    for (const [k, v] of Object.entries(pick)) if (v !== null && v !== undefined) out[k] = String(v);
  } else if (Array.isArray(pick)) {
    for (const t of pick) if (isObj(t) && typeof t["key"] === "string" && t["value"] !== null && t["value"] !== undefined) out[t["key"]] = String(t["value"]);
  }
  return { ...out };
}

function configKey(root: Obj, rc: Obj, provider: string): string {
  const moduleAddress = typeof rc["module_address"] === "string" ? rc["module_address"] : undefined;
  let mod: Obj | undefined = root;
  if (moduleAddress) {
    for (const m of moduleAddress.matchAll(/module\.([^.[]+)(\[[^\]]*\])?/g)) {
      const calls: unknown = mod?.["module_calls"];
      const call: unknown = isObj(calls) ? calls[m[1]!] : undefined;
      mod = isObj(call) && isObj(call["module"]) ? call["module"] : undefined;
    }
  }
  const resources = mod && Array.isArray(mod["resources"]) ? mod["resources"] : [];
  const cfg = resources.find((r) => isObj(r) && r["type"] === rc["type"] && r["name"] === rc["name"]);
  if (isObj(cfg) && typeof cfg["provider_config_key"] === "string") return cfg["provider_config_key"];
  return moduleAddress ? `${moduleAddress}:${provider}` : provider;
}

/** The region constant of a provider configuration, walking from the module's key up to the root provider. */
function providerRegion(pc: Obj, key: string, provider: string): string | null {
  const keys = [key];
  const colon = key.lastIndexOf(":");
  if (colon > 0) {
    const name = key.slice(colon + 1);
    const parts = key.slice(0, colon).split(".");
    // module.a.module.b:aws -> module.a:aws -> aws ; also the legacy "a.b:aws" spelling (terraform 0.12)
    for (let n = parts.length - 2; n > 0; n -= 2) keys.push(`${parts.slice(0, n).join(".")}:${name}`);
    keys.push(name);
  }
  keys.push(provider);
  for (const k of keys) {
    const cfg = pc[k];
    const exprs = isObj(cfg) && isObj(cfg["expressions"]) ? cfg["expressions"] : undefined;
    const r = exprs?.["region"];
    if (isObj(r) && typeof r["constant_value"] === "string" && r["constant_value"]) return r["constant_value"];
  }
  return null;
}
