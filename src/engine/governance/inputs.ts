/**
 * Collects the resources a pre-deploy check runs on from the paths a user gives: `*.json` files are Terraform
 * plan JSON, `*.tf` files and directories are Terraform configuration (all .tf files of a directory form one
 * module). Produces the normalized resource document (`costwise policy export-input`).
 */
import { statSync } from "node:fs";
import { CostwiseError } from "../../core/errors.js";
import type { NormalizedResource, ResourceDocument, ResourceOrigin, SkippedResource } from "../../core/governance/resource.js";
import { readPlan } from "./terraform-plan.js";

export interface CheckInput {
  document: ResourceDocument;
  notes: string[];
  /** Resource changes the plans hold but no check applies to (data sources, deletes), with the reason. */
  skipped: SkippedResource[];
}

export interface CheckInputOptions {
  /** Root module directory for plan files (to find .tf declarations); default: each plan's own directory. */
  configDir?: string;
}

export async function loadCheckInput(paths: string[], opts: CheckInputOptions = {}): Promise<CheckInput> {
  if (paths.length === 0) throw new CostwiseError("USAGE", "give at least one Terraform plan JSON file, .tf file or directory");
  const resources: NormalizedResource[] = [];
  const notes: string[] = [];
  const skipped: SkippedResource[] = [];
  const origins = new Set<ResourceOrigin>();
  const hcl: string[] = [];
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      throw new CostwiseError("NOT_FOUND", `${p} does not exist`, { location: { file: p } });
    }
    if (isDir || p.endsWith(".tf")) hcl.push(p);
    else if (p.endsWith(".json")) {
      const plan = readPlan(p, opts.configDir !== undefined ? { configDir: opts.configDir } : {});
      resources.push(...plan.resources);
      skipped.push(...plan.skipped);
      origins.add("terraform-plan");
    } else throw new CostwiseError("USAGE", `${p}: expected a plan JSON file (terraform show -json plan.out > plan.json), a .tf file or a directory`);
  }
  if (hcl.length) {
    // imported here, not up front: its HCL parser (@cdktf/hcl2json, a Go/wasm build) takes about a second to load
    // and a check of plan JSON alone does not need it
    const { readTerraformFiles } = await import("./terraform-hcl.js");
    const r = await readTerraformFiles(hcl);
    if (r.files.length === 0) notes.push(`no .tf files in ${hcl.join(", ")}`);
    resources.push(...r.resources);
    notes.push(...r.notes);
    origins.add("terraform-hcl");
  }
  const origin: ResourceOrigin = origins.size === 1 ? [...origins][0]! : "terraform-plan";
  return { document: { schema: "costwise.governance.input/v1", origin, sources: paths, resources }, notes, skipped };
}
