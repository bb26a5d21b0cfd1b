/** The demo generator's options, their defaults (fixed, so output never depends on the clock) and their checks. */

export const GRANULARITIES = ["daily", "hourly"] as const;
export type Granularity = (typeof GRANULARITIES)[number];

export interface DemoOptions {
  /** Default 42. */
  seed?: number;
  /** Number of billing months, ending with `endMonth`. Default 12. */
  months?: number;
  /** Last billing month, "YYYY-MM". Default "2026-10" (fixed, so output never depends on the clock). */
  endMonth?: string;
  /** Charge period of AWS usage lines. Default "daily". The FOCUS export is always daily. */
  granularity?: Granularity;
  /** Size knob: multiplies fleet sizes and resource counts (row count scales about linearly). Default 1. */
  scale?: number;
  /** CUR report name. Default "costwise-demo". */
  reportName?: string;
}

export const DEMO_DEFAULTS = {
  seed: 42,
  months: 12,
  endMonth: "2026-10",
  granularity: "daily" as Granularity,
  scale: 1,
  reportName: "costwise-demo",
} as const;

/** The options with their defaults filled in; a RangeError names the first bad one. */
export function validateOptions(options: DemoOptions): Required<DemoOptions> {
  const o = { ...DEMO_DEFAULTS, ...stripUndefined(options) } as Required<DemoOptions>;
  if (!Number.isSafeInteger(o.seed)) throw new RangeError(`seed must be an integer, got ${o.seed}`);
  if (!Number.isInteger(o.months) || o.months < 1 || o.months > 60) throw new RangeError(`months must be an integer in 1..60, got ${o.months}`);
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(o.endMonth)) throw new RangeError(`endMonth must be YYYY-MM, got ${JSON.stringify(o.endMonth)}`);
  if (!(GRANULARITIES as readonly string[]).includes(o.granularity)) throw new RangeError(`granularity must be daily or hourly, got ${JSON.stringify(o.granularity)}`);
  if (!(typeof o.scale === "number" && o.scale >= 0.05 && o.scale <= 50)) throw new RangeError(`scale must be a number in 0.05..50, got ${o.scale}`);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(o.reportName)) throw new RangeError(`reportName must be 1-64 letters, digits, '-' or '_', got ${JSON.stringify(o.reportName)}`);
  return o;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
