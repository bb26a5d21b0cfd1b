/**
 * Deterministic randomness for the demo generator.
 *
 * Everything random in the demo is a pure function of (seed, what, which): a stateless integer hash, so
 * that one resource's attributes never depend on how many random numbers were drawn before it, and
 * the same seed gives byte-identical output on every machine. Only integer ops (Math.imul, shifts) and
 * plain float division are used, which are exact and identical across platforms.
 */

/** A 32-bit hash (murmur3-style mixing) of a list of 32-bit integers. */
export function hash32(...xs: readonly number[]): number {
  let h = 0x9747b28c | 0;
  for (const x of xs) {
    let k = Math.imul(x | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= xs.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uniform number in [0, 1) derived from the inputs. */
export function unit(...xs: readonly number[]): number {
  return hash32(...xs) / 4294967296;
}

/** An integer in [lo, hi] (inclusive) derived from the inputs. */
export function intBetween(lo: number, hi: number, ...xs: readonly number[]): number {
  return lo + (hash32(...xs) % (hi - lo + 1));
}

/** Pick one element of a non-empty list. */
export function pick<T>(list: readonly T[], ...xs: readonly number[]): T {
  const v = list[hash32(...xs) % list.length];
  if (v === undefined) throw new RangeError("pick from an empty list");
  return v;
}

/** A stable 32-bit number for a string (FNV-1a), to feed names into hash32. */
export function strHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** `n` lowercase hex characters derived from the inputs. */
export function hex(n: number, ...xs: readonly number[]): string {
  let out = "";
  let i = 0;
  while (out.length < n) {
    out += hash32(...xs, 0x5eed + i).toString(16).padStart(8, "0");
    i++;
  }
  return out.slice(0, n);
}

/** A version-4-shaped UUID derived from the inputs. */
export function uuid(...xs: readonly number[]): string {
  const h = hex(32, ...xs);
  const variant = ((parseInt(h[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/**
 * A small sequential generator (mulberry32) for streams of values where order is the identity, such
 * as line item ids within one file.
 */
export class SeqRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  nextU32(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** 40 hex characters, the shape of a legacy CUR identity/LineItemId. */
  lineItemId(): string {
    let s = "";
    for (let i = 0; i < 5; i++) {
      const v = this.nextU32();
      s += HEX_BYTE[v >>> 24]! + HEX_BYTE[(v >>> 16) & 0xff]! + HEX_BYTE[(v >>> 8) & 0xff]! + HEX_BYTE[v & 0xff]!;
    }
    return s;
  }
}
