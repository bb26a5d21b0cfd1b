/**
 * The normalized resource document every governance check runs on, whatever it came from (a Terraform plan,
 * .tf files, or a live cloud scan). `costwise policy export-input` writes exactly this shape, so OPA/Conftest
 * users can evaluate their own Rego against the same input.
 */

export const RESOURCE_ORIGINS = ["terraform-plan", "terraform-hcl", "aws-runtime"] as const;
export type ResourceOrigin = (typeof RESOURCE_ORIGINS)[number];

export interface SourceLocation {
  file: string;
  /** 1-based line of the resource's declaration, when known. */
  line?: number;
  column?: number;
}

/** A part of a resource's tags that could not be resolved statically (a variable, a function, an unknown value). */
export interface UnresolvedTags {
  /** The tag key whose value is unknown; absent when not even the keys are known (e.g. `tags = var.tags`). */
  key?: string;
  /** The expression as written, e.g. `var.env` or `merge(var.tags, {...})`. */
  expression: string;
  reason: string;
  /** The plan says the value is computed during apply (`after_unknown`): "known after apply", not a static limit. */
  afterApply?: boolean;
}

/** Why a resource was not held to any tag rule (reported, never silent). */
export const SKIP_REASONS = ["not-taggable", "not-in-taggable-list", "no-rule-matches", "deleted", "data-source"] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export interface SkippedResource {
  id: string;
  type: string;
  /** The input file the resource came from (plan JSON or .tf). */
  file?: string;
  reason: SkipReason;
  message: string;
}

export interface NormalizedResource {
  /** Stable identity: Terraform address (`module.db.aws_db_instance.this[0]`) or the cloud ARN / id. */
  id: string;
  /** Terraform resource type (`aws_instance`) or a runtime type (`ec2:instance`, mapped to Terraform names where known). */
  type: string;
  /** Terraform-style name of the type used by policies (`aws_instance`); equals `type` for Terraform inputs. */
  provider: string;
  origin: ResourceOrigin;
  /** Plan actions (create, update, no-op, delete, read) for plan inputs; empty otherwise. */
  actions: string[];
  /** Whether the type takes tags at all (see taggable.ts); untaggable resources are not held to tag rules. */
  taggable: boolean;
  /**
   * Where `taggable` comes from: "plan" when the plan itself shows a `tags`/`tags_all` (or autoscaling `tag`)
   * attribute or its absence (exact), "list" for the curated list in taggable.ts (.tf and runtime input).
   * Absent means "list".
   */
  taggableFrom?: "plan" | "list";
  /** Effective tags: provider default_tags merged under the resource's own tags (resource wins). */
  tags: Record<string, string>;
  /** Tags the resource sets itself, before default_tags (informational). */
  ownTags: Record<string, string>;
  unresolved: UnresolvedTags[];
  /** Other attributes, for CEL rules (`resource.attributes.instance_type`). Plain JSON. */
  attributes: Record<string, unknown>;
  location?: SourceLocation;
  /**
   * Plan input: the resource's declaration in the .tf files, when the plan's `configuration` names the module
   * (root or a local `source`) and a .tf file there declares it. SARIF points here.
   */
  source?: SourceLocation;
  /** Runtime only: account, region, ARN. */
  account?: string;
  region?: string;
  arn?: string;
}

export interface ResourceDocument {
  /** Shape version of this document. */
  schema: "costwise.governance.input/v1";
  origin: ResourceOrigin;
  sources: string[];
  resources: NormalizedResource[];
}
