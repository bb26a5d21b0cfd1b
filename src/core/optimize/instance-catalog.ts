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
  const curPrice = toScaled(current.hourlyPrice);
  const fits = (t: InstanceType): boolean =>
    t.type !== current.type &&
    t.arch === current.arch &&
    t.gpuCount === current.gpuCount &&
    t.vcpu >= req.vcpu &&
    (req.memoryMiB === null || t.memoryMiB >= req.memoryMiB) &&
    (req.allowBurstable || isBurstable(current) || !isBurstable(t));
  // the catalogue sorted by (price, vCPU, name) once: the first fit in a tier is that tier's best
  let sameCategory: InstanceType | null = null;
  let any: InstanceType | null = null;
  for (const { t, price } of byPrice(catalog)) {
    if (price >= curPrice) break;
    if (!fits(t)) continue;
    if (t.family === current.family) return { target: t, tier: "same-family" };
    if (sameCategory === null && t.category === current.category) sameCategory = t;
    any ??= t;
  }
  if (sameCategory) return { target: sameCategory, tier: "same-category" };
  return any ? { target: any, tier: "other-family" } : null;
}

const sortedCache = new WeakMap<ReadonlyMap<string, InstanceType>, { t: InstanceType; price: bigint }[]>();
function byPrice(catalog: ReadonlyMap<string, InstanceType>): { t: InstanceType; price: bigint }[] {
  let list = sortedCache.get(catalog);
  if (!list) {
    list = [...catalog.values()]
      .filter((t) => t.hourlyPrice !== null)
      .map((t) => ({ t, price: toScaled(t.hourlyPrice!) }))
      .sort((a, b) => (a.price < b.price ? -1 : a.price > b.price ? 1 : a.t.vcpu - b.t.vcpu || (a.t.type < b.t.type ? -1 : a.t.type > b.t.type ? 1 : 0)));
    sortedCache.set(catalog, list);
  }
  return list;
}

function toScaled(s: string): bigint {
  const [i = "0", f = ""] = s.split(".");
  return BigInt(i) * 10n ** 12n + BigInt((f + "000000000000").slice(0, 12));
}
