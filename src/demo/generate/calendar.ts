/** Billing-period arithmetic for the demo generator (UTC, whole months). */

export interface BillingMonth {
  /** 0-based position in the generated window. */
  readonly index: number;
  readonly year: number;
  /** 1..12 */
  readonly month: number;
  /** "2026-10" */
  readonly ym: string;
  readonly days: number;
  readonly hours: number;
  readonly startMs: number;
  readonly endMs: number;
  /** "2026-10-01T00:00:00Z" */
  readonly startIso: string;
  /** "2026-11-01T00:00:00Z" (exclusive) */
  readonly endIso: string;
  /** "20261001-20261101", the CUR billing-period folder name. */
  readonly folder: string;
  /** "20261001T000000.000Z", the CUR manifest's billingPeriod form. */
  readonly manifestStart: string;
  readonly manifestEnd: string;
}

const YM_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export function parseYearMonth(ym: string): { year: number; month: number } {
  const m = YM_RE.exec(ym);
  if (!m) throw new RangeError(`expected a month as YYYY-MM, got ${JSON.stringify(ym)}`);
  return { year: Number(m[1]), month: Number(m[2]) };
}

/** "2026-10-01T00:00:00Z" for a UTC instant on a whole second. */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + "Z";
}

/** "2026-10-01" */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function compact(ms: number): string {
  return isoDate(ms).replaceAll("-", "");
}

/** The `months` billing months ending with `endMonth` (inclusive), oldest first. */
export function billingWindow(endMonth: string, months: number): BillingMonth[] {
  const { year, month } = parseYearMonth(endMonth);
  const out: BillingMonth[] = [];
  for (let i = 0; i < months; i++) {
    const offset = months - 1 - i;
    const startMs = Date.UTC(year, month - 1 - offset, 1);
    const endMs = Date.UTC(year, month - offset, 1);
    const d = new Date(startMs);
    const y = d.getUTCFullYear();
    const mo = d.getUTCMonth() + 1;
    const hours = (endMs - startMs) / HOUR_MS;
    out.push({
      index: i,
      year: y,
      month: mo,
      ym: `${y}-${String(mo).padStart(2, "0")}`,
      days: hours / 24,
      hours,
      startMs,
      endMs,
      startIso: isoUtc(startMs),
      endIso: isoUtc(endMs),
      folder: `${compact(startMs)}-${compact(endMs)}`,
      manifestStart: `${compact(startMs)}T000000.000Z`,
      manifestEnd: `${compact(endMs)}T000000.000Z`,
    });
  }
  return out;
}
