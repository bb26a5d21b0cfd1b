/**
 * Applies approved remediation proposals to AWS and audits every change. Safety:
 *  - only proposals whose id is approved and that are not `blocked` are considered;
 *  - right before writing, the tag's current value is read back (EC2 DescribeTags / tagging API
 *    GetResources); if it differs from the proposal's `before` (someone changed it since the scan), the change
 *    is skipped, so an existing value is never overwritten unless the policy allowed it and it is still the
 *    value that was reviewed;
 *  - writes are additive: EC2 CreateTags for EC2 resources, tagging API TagResources for the others;
 *    nothing ever removes a tag;
 *  - each attempt (applied, skipped, failed) is a row in governance_audit: who, approval, resource, key,
 *    before, after, source, API, status.
 */
import { readFileSync } from "node:fs";
import { CreateTagsCommand, DescribeTagsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient, TagResourcesCommand } from "@aws-sdk/client-resource-groups-tagging-api";
import { parse as parseYaml } from "yaml";
import { CostwiseError } from "../../core/errors.js";
import type { Proposal } from "../../core/governance/remediation.js";
import { parseArn } from "../../core/governance/taggable.js";
import { awsError } from "../aws/client-config.js";
import type { AnalysisStore } from "../store/cost-store.js";
import { GOVERNANCE_AUDIT_TABLE } from "./tables.js";

export const CHANGE_STATUSES = ["applied", "skipped-changed", "failed"] as const;
export type ChangeStatus = (typeof CHANGE_STATUSES)[number];

export interface AppliedChange {
  proposal: Proposal;
  status: ChangeStatus;
  api: "ec2:CreateTags" | "tagging:TagResources";
  /** Value read back right before writing. */
  current: string | null;
  error?: string;
}

export interface ApplyOptions {
  actor: string;
  /** "flag --approve" or "file <path>": recorded in the audit. */
  approval: string;
  approvedIds: ReadonlySet<string> | "all";
  clientConfig: (region: string) => Record<string, unknown>;
  now?: Date;
}

/** Reads an approval file: YAML/JSON `approved: [ids]`, a list of ids, or one id per line (# comments). */
export function readApprovalFile(file: string): Set<string> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new CostwiseError("NOT_FOUND", `cannot read approval file ${file}: ${(e as Error).message}`, { location: { file } });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch {
    doc = undefined;
  }
  const list = Array.isArray(doc) ? doc : typeof doc === "object" && doc !== null && Array.isArray((doc as { approved?: unknown }).approved) ? (doc as { approved: unknown[] }).approved : undefined;
  const ids = list
    ? list.map((x) => String(x).trim())
    : text.split(/\r?\n/).map((l) => l.replace(/#.*$/, "").trim()).filter(Boolean);
  const bad = ids.find((id) => !/^[0-9a-f]{12}$/.test(id));
  if (bad !== undefined) throw new CostwiseError("BAD_INPUT", `${file}: "${bad}" is not a change id (12 hex characters, as listed by costwise policy remediate)`, { location: { file } });
  return new Set(ids);
}

export async function applyProposals(store: AnalysisStore, proposals: readonly Proposal[], opts: ApplyOptions): Promise<AppliedChange[]> {
  const todo = proposals.filter((p) => !p.blocked && (opts.approvedIds === "all" || opts.approvedIds.has(p.id)));
  const results: AppliedChange[] = [];
  const clients = new Map<string, { ec2: EC2Client; tagging: ResourceGroupsTaggingAPIClient }>();
  const clientsFor = (region: string) => {
    let c = clients.get(region);
    if (!c) {
      const cfg = opts.clientConfig(region);
      clients.set(region, (c = { ec2: new EC2Client(cfg), tagging: new ResourceGroupsTaggingAPIClient(cfg) }));
    }
    return c;
  };
  try {
    for (const p of todo) {
      const arn = p.arn ?? p.resourceId;
      const parsed = parseArn(arn);
      if (!parsed) {
        results.push({ proposal: p, status: "failed", api: "tagging:TagResources", current: null, error: `${arn} is not an ARN; only live resources can be tagged` });
        continue;
      }
      const { ec2, tagging } = clientsFor(parsed.region || "us-east-1");
      const isEc2 = parsed.service === "ec2";
      const api = isEc2 ? "ec2:CreateTags" : "tagging:TagResources";
      try {
        const current = isEc2 ? await ec2Tag(ec2, parsed.resourceId, p.tag) : await taggingTag(tagging, arn, p.tag);
        if (current !== p.before) {
          results.push({ proposal: p, status: "skipped-changed", api, current, error: `tag is now ${current === null ? "absent" : `"${current}"`}, not ${p.before === null ? "absent" : `"${p.before}"`} as reviewed` });
          continue;
        }
        if (isEc2) await ec2.send(new CreateTagsCommand({ Resources: [parsed.resourceId], Tags: [{ Key: p.tag, Value: p.after }] }));
        else {
          const out = await tagging.send(new TagResourcesCommand({ ResourceARNList: [arn], Tags: { [p.tag]: p.after } }));
          const failed = out.FailedResourcesMap?.[arn];
          if (failed) throw new Error(`${failed.ErrorCode ?? "error"}: ${failed.ErrorMessage ?? ""}`);
        }
        results.push({ proposal: p, status: "applied", api, current });
      } catch (e) {
        const msg = e instanceof CostwiseError ? e.message : awsError(isEc2 ? "EC2" : "Resource Groups Tagging API", isEc2 ? "CreateTags" : "TagResources", e).message;
        results.push({ proposal: p, status: "failed", api, current: null, error: msg });
      }
    }
  } finally {
    for (const c of clients.values()) {
      c.ec2.destroy();
      c.tagging.destroy();
    }
  }
  await audit(store, results, opts);
  return results;
}

async function ec2Tag(ec2: EC2Client, resourceId: string, key: string): Promise<string | null> {
  const out = await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: "resource-id", Values: [resourceId] }, { Name: "key", Values: [key] }] }));
  const t = (out.Tags ?? []).find((x) => x.Key === key);
  return t ? (t.Value ?? "") : null;
}

async function taggingTag(tagging: ResourceGroupsTaggingAPIClient, arn: string, key: string): Promise<string | null> {
  const out = await tagging.send(new GetResourcesCommand({ ResourceARNList: [arn] }));
  const m = (out.ResourceTagMappingList ?? []).find((x) => x.ResourceARN === arn);
  const t = (m?.Tags ?? []).find((x) => x.Key === key);
  return t ? (t.Value ?? "") : null;
}

async function audit(store: AnalysisStore, results: readonly AppliedChange[], opts: ApplyOptions): Promise<void> {
  if (results.length === 0) return;
  const ts = (opts.now ?? new Date()).toISOString();
  await store.transaction(async () => {
    for (const r of results) {
      const p = r.proposal;
      await store.run({
        sql: `INSERT INTO ${GOVERNANCE_AUDIT_TABLE} VALUES (?, ?::TIMESTAMP, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        params: [p.id, ts, opts.actor, opts.approval, p.resourceId, p.arn ?? null, p.tag, r.current ?? p.before, p.after, p.source, p.ruleId, r.api, r.status, r.error ?? null],
      });
    }
  });
}
