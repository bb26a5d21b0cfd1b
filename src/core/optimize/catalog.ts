/**
 * The EC2 instance catalogue (vCPU, memory, architecture, on-demand price) and target-type selection (pure).
 * The engine reads the shipped CSV (data/ec2-catalog/) and hands the text to `parseCatalogCsv`.
 */
import { CostwiseError } from "../errors.js";
import { isDecimalString } from "../money.js";

export interface InstanceType {
  type: string;
  family: string;
  category: string;
  generation: number;
  size: string;
  vcpu: number;
  memoryMiB: number;
  arch: string;
  gpuCount: number;
  /** On-demand USD per hour (Linux, us-east-1), exact decimal string; null when the catalogue has none. */
  hourlyPrice: string | null;
}

const REQUIRED = ["instance_type", "family", "category", "generation", "size", "cpu", "memory", "arch", "gpu_count", "ondemand_usd_per_hour_us_east_1"] as const;

/** Parses the catalogue CSV (no quoted commas in it); errors name the file, row and column. */
export function parseCatalogCsv(text: string, file: string): Map<string, InstanceType> {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = (lines[0] ?? "").split(",");
  const idx: Record<string, number> = {};
  for (const col of REQUIRED) {
    const i = header.indexOf(col);
    if (i < 0) throw new CostwiseError("BAD_INPUT", `${file}: the header has no column "${col}"`, { location: { file, line: 1, column: col } });
    idx[col] = i;
  }
  const out = new Map<string, InstanceType>();
  for (let r = 1; r < lines.length; r++) {
    const cells = lines[r]!.split(",");
    const get = (c: (typeof REQUIRED)[number]): string => cells[idx[c]!] ?? "";
    const num = (c: (typeof REQUIRED)[number], allowEmpty = false): number => {
      const v = get(c);
      if (v === "" && allowEmpty) return 0;
      const n = Number(v);
      if (v === "" || !Number.isFinite(n)) {
        throw new CostwiseError("BAD_INPUT", `${file} row ${r}: column "${c}" should be a number, got ${JSON.stringify(v)}`, {
          location: { file, row: r, column: c },
        });
      }
      return n;
    };
    const price = get("ondemand_usd_per_hour_us_east_1");
    if (price !== "" && !isDecimalString(price)) {
      throw new CostwiseError("BAD_INPUT", `${file} row ${r}: column "ondemand_usd_per_hour_us_east_1" should be a decimal, got ${JSON.stringify(price)}`, {
        location: { file, row: r, column: "ondemand_usd_per_hour_us_east_1" },
      });
    }
    const t: InstanceType = {
      type: get("instance_type"),
      family: get("family"),
      category: get("category"),
      generation: num("generation", true),
      size: get("size"),
      vcpu: num("cpu"),
      memoryMiB: num("memory"),
      arch: get("arch"),
      gpuCount: num("gpu_count", true),
      hourlyPrice: price === "" ? null : price,
    };
    out.set(t.type, t);
  }
  return out;
}

export function isBurstable(t: InstanceType): boolean {
  return t.category === "t";
}

export interface TargetRequirement {
  /** vCPUs the target must have (observed peak share of current vCPUs, plus headroom). */
  vcpu: number;
  /** MiB the target must have; null when memory was not observed. */
  memoryMiB: number | null;
  allowBurstable: boolean;
}

export interface TargetChoice {
  target: InstanceType;
  /** Which tier found it: the same family, the same category (other generation), or any family. */
  tier: "same-family" | "same-category" | "other-family";
}

/**
 * The cheapest catalogue type that fits the requirement and costs less than `current`: first within the
 * same family (m5 -> m5.large), then the same category (m5 -> m6i), then any family; architecture and GPU
 * count always equal the current type's. Ties: fewer vCPU, then name. Null when nothing cheaper fits.
 */
export function chooseTarget(current: InstanceType, req: TargetRequirement, catalog: ReadonlyMap<string, InstanceType>): TargetChoice | null {
  if (current.hourlyPrice === null) return null;
  const curPrice = current.hourlyPrice;
  const fits = (t: InstanceType): boolean =>
    t.type !== current.type &&
    t.hourlyPrice !== null &&
    priceLess(t.hourlyPrice, curPrice) &&
    t.arch === current.arch &&
    t.gpuCount === current.gpuCount &&
    t.vcpu >= req.vcpu &&
    (req.memoryMiB === null || t.memoryMiB >= req.memoryMiB) &&
    (req.allowBurstable || isBurstable(current) || !isBurstable(t));
  const all = [...catalog.values()].filter(fits);
  const best = (list: InstanceType[]): InstanceType | null =>
    list.length === 0
      ? null
      : list.reduce((a, b) => {
          const c = comparePrice(a.hourlyPrice!, b.hourlyPrice!);
          if (c !== 0) return c < 0 ? a : b;
          if (a.vcpu !== b.vcpu) return a.vcpu < b.vcpu ? a : b;
          return a.type < b.type ? a : b;
        });
  const same = best(all.filter((t) => t.family === current.family));
  if (same) return { target: same, tier: "same-family" };
  const cat = best(all.filter((t) => t.category === current.category));
  if (cat) return { target: cat, tier: "same-category" };
  const any = best(all);
  return any ? { target: any, tier: "other-family" } : null;
}

function toScaled(s: string): bigint {
  const [i = "0", f = ""] = s.split(".");
  return BigInt(i) * 10n ** 12n + BigInt((f + "000000000000").slice(0, 12));
}
function comparePrice(a: string, b: string): number {
  const d = toScaled(a) - toScaled(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}
function priceLess(a: string, b: string): boolean {
  return comparePrice(a, b) < 0;
}
