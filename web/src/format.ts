/**
 * Display formatting. Money arrives as decimal strings and stays strings until here: Intl.NumberFormat
 * formats the decimal string itself (exact, no float rounding before display).
 */
const cache = new Map<string, Intl.NumberFormat>();

function nf(key: string, make: () => Intl.NumberFormat): Intl.NumberFormat {
  let f = cache.get(key);
  if (!f) {
    f = make();
    cache.set(key, f);
  }
  return f;
}

export const LOCALE = "en-US";

type Formattable = number & string; // Intl accepts decimal strings (ES2023 Intl.NumberFormat v3)

/** 1234.5 USD → "$1,234.50"; an unknown currency code falls back to "1,234.50 XYZ". */
export function money(amount: string | null | undefined, currency: string | null | undefined, opts: { compact?: boolean; maxDigits?: number } = {}): string {
  if (amount === null || amount === undefined) return "–";
  const cur = currency && /^[A-Z]{3}$/.test(currency) ? currency : null;
  if (!cur) return `${number(amount, 2)}${currency ? ` ${currency}` : ""}`;
  // maxDigits: more fraction digits than the currency's minor unit, for small per-unit amounts ($0.4213)
  const f = nf(`m:${cur}:${opts.compact ? 1 : 0}:${opts.maxDigits ?? ""}`, () =>
    new Intl.NumberFormat(
      LOCALE,
      opts.compact
        ? { style: "currency", currency: cur, notation: "compact", maximumFractionDigits: 1 }
        : opts.maxDigits !== undefined
          ? { style: "currency", currency: cur, maximumFractionDigits: opts.maxDigits }
          : { style: "currency", currency: cur },
    ),
  );
  return f.format(amount as Formattable);
}

export function number(value: string | number, digits = 0): string {
  const f = nf(`n:${digits}`, () => new Intl.NumberFormat(LOCALE, { minimumFractionDigits: digits, maximumFractionDigits: digits }));
  return f.format(value as Formattable);
}

export function percent(p: string | null | undefined): string {
  if (p === null || p === undefined) return "–";
  const n = Number(p);
  return `${n > 0 ? "+" : ""}${p}%`;
}

/** For charts only: a decimal string as a JS number (the edge where precision no longer matters). */
export function toChartNumber(amount: string | null | undefined): number {
  return amount === null || amount === undefined ? 0 : Number(amount);
}

export function sign(amount: string): -1 | 0 | 1 {
  if (/^-/.test(amount) && /[1-9]/.test(amount)) return -1;
  return /[1-9]/.test(amount) ? 1 : 0;
}

const SCALE = 10;
function toUnits(s: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s.trim());
  if (!m) return 0n;
  const frac = (m[3] ?? "").padEnd(SCALE, "0").slice(0, SCALE);
  const v = BigInt(m[2]! + frac);
  return m[1] ? -v : v;
}

/** Exact sum of decimal strings (BigInt at 10 decimals), as a decimal string. */
export function sumDecimals(values: readonly string[]): string {
  const u = values.reduce((a, v) => a + toUnits(v), 0n);
  const neg = u < 0n;
  const abs = (neg ? -u : u).toString().padStart(SCALE + 1, "0");
  return `${neg ? "-" : ""}${abs.slice(0, -SCALE)}.${abs.slice(-SCALE)}`;
}

/** A ratio as a decimal string ("0.9164", 1 = 100%) as a percentage ("91.6%"); Intl formats the string itself. */
export function ratioPercent(r: string | null | undefined, digits = 1): string {
  if (r === null || r === undefined || !/^-?\d+(\.\d+)?$/.test(r)) return "–";
  const f = nf(`r:${digits}`, () => new Intl.NumberFormat(LOCALE, { style: "percent", minimumFractionDigits: digits, maximumFractionDigits: digits }));
  return f.format(r as Formattable);
}

/** What the dashboard calls the allocation's unallocated bucket (the server flags its row `unallocated: true`). */
export const UNALLOCATED_LABEL = "Unallocated";

/** A showback owner as shown: its name, or "Unallocated" for the bucket no rule claimed. */
export function ownerLabel(o: { team: string; unallocated: boolean }): string {
  return o.unallocated ? UNALLOCATED_LABEL : o.team;
}
