/**
 * Runtime compliance: lists live AWS resources with their tags and normalizes them for the same policy
 * evaluation as Terraform. Sources per region:
 *  - Resource Groups Tagging API `GetResources` (every service; only resources that carry or carried tags),
 *  - EC2 `DescribeInstances` and `DescribeVolumes` (also the untagged ones, with attributes for CEL rules).
 * Records are joined by ARN; EC2's view wins for attributes. Terminated instances and deleted volumes are skipped.
 */
import { DescribeInstancesCommand, DescribeVolumesCommand, EC2Client, type Tag } from "@aws-sdk/client-ec2";
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import type { NormalizedResource } from "../../core/governance/resource.js";
import { isTaggableType, parseArn, terraformTypeForArn } from "../../core/governance/taggable.js";
import { awsClientConfig, awsError, type AwsOptions } from "../aws/client-config.js";

export interface RuntimeScanOptions {
  regions: string[];
  aws?: Omit<AwsOptions, "region">;
  /** Account id for ARNs of resources whose API does not say (volumes); default: learnt from instances/ARNs. */
  accountId?: string;
  /** Client config override (tests pass moto's). */
  clientConfig?: (region: string) => Record<string, unknown>;
}

const tagsOf = (tags: Tag[] | undefined): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? "";
  return out;
};

export async function scanAws(opts: RuntimeScanOptions): Promise<NormalizedResource[]> {
  const byArn = new Map<string, NormalizedResource>();
  for (const region of opts.regions) {
    const config = opts.clientConfig ? opts.clientConfig(region) : awsClientConfig({ ...(opts.aws ?? {}), region });
    const ec2 = new EC2Client(config);
    const tagging = new ResourceGroupsTaggingAPIClient(config);
    try {
      let account = opts.accountId;
      const put = (r: NormalizedResource): void => {
        const prev = byArn.get(r.arn!);
        byArn.set(r.arn!, prev ? { ...prev, ...r, tags: { ...prev.tags, ...r.tags }, ownTags: { ...prev.ownTags, ...r.ownTags } } : r);
      };

      // tagging API: every tagged resource of every service
      let token: string | undefined;
      do {
        let page;
        try {
          page = await tagging.send(new GetResourcesCommand({ ResourcesPerPage: 100, ...(token ? { PaginationToken: token } : {}) }));
        } catch (e) {
          throw awsError("Resource Groups Tagging API", "GetResources", e);
        }
        for (const m of page.ResourceTagMappingList ?? []) {
          if (!m.ResourceARN) continue;
          const p = parseArn(m.ResourceARN);
          account ??= p?.account || undefined;
          const type = terraformTypeForArn(m.ResourceARN);
          const tags: Record<string, string> = {};
          for (const t of m.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? "";
          put(awsRuntimeResource(m.ResourceARN, type, tags, {}, p?.account || account, p?.region || region));
        }
        token = page.PaginationToken || undefined;
      } while (token);

      // EC2 instances (also untagged)
      let next: string | undefined;
      do {
        let page;
        try {
          page = await ec2.send(new DescribeInstancesCommand({ MaxResults: 1000, ...(next ? { NextToken: next } : {}) }));
        } catch (e) {
          throw awsError("EC2", "DescribeInstances", e);
        }
        for (const res of page.Reservations ?? []) {
          account ??= res.OwnerId;
          for (const i of res.Instances ?? []) {
            if (!i.InstanceId || i.State?.Name === "terminated") continue;
            const arn = `arn:aws:ec2:${region}:${res.OwnerId ?? account ?? ""}:instance/${i.InstanceId}`;
            put(
              awsRuntimeResource(arn, "aws_instance", tagsOf(i.Tags), {
                instance_id: i.InstanceId,
                instance_type: i.InstanceType ?? null,
                state: i.State?.Name ?? null,
                availability_zone: i.Placement?.AvailabilityZone ?? null,
                image_id: i.ImageId ?? null,
                launch_time: i.LaunchTime ? i.LaunchTime.toISOString() : null,
              }, res.OwnerId ?? account, region),
            );
          }
        }
        next = page.NextToken || undefined;
      } while (next);

      // EBS volumes (also untagged)
      next = undefined;
      do {
        let page;
        try {
          page = await ec2.send(new DescribeVolumesCommand({ MaxResults: 500, ...(next ? { NextToken: next } : {}) }));
        } catch (e) {
          throw awsError("EC2", "DescribeVolumes", e);
        }
        for (const v of page.Volumes ?? []) {
          if (!v.VolumeId || v.State === "deleting" || v.State === "deleted") continue;
          const arn = `arn:aws:ec2:${region}:${account ?? ""}:volume/${v.VolumeId}`;
          put(
            awsRuntimeResource(arn, "aws_ebs_volume", tagsOf(v.Tags), {
              volume_id: v.VolumeId,
              size: v.Size ?? null,
              volume_type: v.VolumeType ?? null,
              state: v.State ?? null,
              availability_zone: v.AvailabilityZone ?? null,
              attached_instance: v.Attachments?.[0]?.InstanceId ?? null,
            }, account, region),
          );
        }
        next = page.NextToken || undefined;
      } while (next);
    } finally {
      ec2.destroy();
      tagging.destroy();
    }
  }
  return [...byArn.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** An AWS resource as the runtime scan records it (also used for the demo's estate read from its bill). */
export function awsRuntimeResource(arn: string, type: string, tags: Record<string, string>, attributes: Record<string, unknown>, account: string | undefined, region: string | undefined): NormalizedResource {
  return {
    id: arn,
    arn,
    type,
    provider: "aws",
    origin: "aws-runtime",
    actions: [],
    taggable: isTaggableType(type),
    tags,
    ownTags: tags,
    unresolved: [],
    attributes,
    ...(account ? { account } : {}),
    ...(region ? { region } : {}),
  };
}

/** The short id a bill uses for a resource (`i-0abc`, `vol-0abc`, a bucket name), else the ARN itself. */
export function billingResourceId(arn: string): string {
  const p = parseArn(arn);
  if (!p) return arn;
  if (p.service === "ec2" || p.service === "s3") return p.resourceId;
  return arn;
}
