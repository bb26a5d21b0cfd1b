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

// ─── readable money: hourly commitments and unit prices ──────────────────────────────────────────

/** An hourly commitment, in the currency's minor-unit digits: "20.4232840000" USD → "$20.42/hour". */
export function hourly(amount: string | null | undefined, currency: string | null | undefined): string {
  if (amount === null || amount === undefined) return "–";
  return `${money(amount, currency)}/hour`;
}

/** Significant digits of every unit price the dashboard shows (cost per order, per hour, ...). */
export const UNIT_PRICE_DIGITS = 4;

/**
 * A unit price with a fixed number of significant digits, so a column reads alike: "0.389" → "$0.3890",
 * "0.39491" → "$0.3949", "12.5" → "$12.50", "1234.5" → "$1,235".
 */
export function unitPrice(amount: string | null | undefined, currency: string | null | undefined): string {
  if (amount === null || amount === undefined) return "–";
  const cur = currency && /^[A-Z]{3}$/.test(currency) ? currency : null;
  const sig = { minimumSignificantDigits: UNIT_PRICE_DIGITS, maximumSignificantDigits: UNIT_PRICE_DIGITS };
  if (!cur) {
    const f = nf(`u:n`, () => new Intl.NumberFormat(LOCALE, sig));
    return `${f.format(amount as Formattable)}${currency ? ` ${currency}` : ""}`;
  }
  const f = nf(`u:${cur}`, () => new Intl.NumberFormat(LOCALE, { style: "currency", currency: cur, ...sig }));
  return f.format(amount as Formattable);
}

// ─── readable names: commitment types and Savings Plan plans ─────────────────────────────────────

const PLAN_FAMILIES: Record<string, string> = {
  compute: "Compute Savings Plan",
  "ec2-instance": "EC2 Instance Savings Plan",
  sagemaker: "SageMaker Savings Plan",
  database: "Database Savings Plan",
};
const UPFRONT: Record<string, string> = { no: "no upfront", partial: "partial upfront", all: "all upfront" };

/**
 * A Savings Plan plan id as words: "ec2-instance-3y-no-upfront" → "EC2 Instance Savings Plan, 3 years, no upfront".
 * An id of another shape is shown with its dashes as spaces (never dropped).
 */
export function planName(plan: string | null | undefined): string {
  if (!plan) return "–";
  const m = /^(.+)-(\d+)y-(no|partial|all)-upfront$/.exec(plan);
  const family = m ? PLAN_FAMILIES[m[1]!] : undefined;
  if (!m || !family) return words(plan);
  const years = Number(m[2]);
  return `${family}, ${years} ${years === 1 ? "year" : "years"}, ${UPFRONT[m[3]!]!}`;
}

const TYPE_NAMES: Record<string, string> = {
  savingsplan: "Savings Plan",
  savingsplans: "Savings Plan",
  computesavingsplans: "Compute Savings Plan",
  ec2instancesavingsplans: "EC2 Instance Savings Plan",
  sagemakersavingsplans: "SageMaker Savings Plan",
  reservation: "Reservation",
  reservedinstance: "Reserved Instance",
  reservedinstances: "Reserved Instance",
  ri: "Reserved Instance",
  sp: "Savings Plan",
};

/** A commitment type as words: "ComputeSavingsPlans" → "Compute Savings Plan", "reserved-instance" → "Reserved Instance". */
export function commitmentTypeName(type: string | null | undefined): string {
  if (!type) return "–";
  const known = TYPE_NAMES[type.toLowerCase().replace(/[^a-z0-9]/g, "")];
  return known ?? words(type);
}

/** "ec2-instance_foo" / "fooBar" → "ec2 instance foo" / "foo Bar": separators and camel humps as spaces. */
function words(s: string): string {
  return s
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .replace(/[-_]+/g, " ")
    .trim();
}

// ─── time: where charts stop ─────────────────────────────────────────────────────────────────────

/** "2025-03-31" + n days, as "YYYY-MM-DD" (UTC calendar arithmetic). */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day.slice(0, 10)}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Points of a daily or monthly series split at the last complete day:
 * - a day is complete when it is on or before `lastCompleteDay`;
 * - a month is complete when its last day is (the month of `lastCompleteDay` is complete only when
 *   that day is its last day);
 * - `complete` keeps the complete points in order, `arriving` the rest (days still being billed);
 * - no `lastCompleteDay` (nothing known): every point is complete.
 */
export function splitAtComplete<P extends { period: string }>(points: readonly P[], lastCompleteDay: string | null | undefined, grain: "day" | "month" = "day"): { complete: P[]; arriving: P[] } {
  if (!lastCompleteDay) return { complete: [...points], arriving: [] };
  const endOf = (p: string) => (grain === "day" ? p.slice(0, 10) : addDays(monthAfter(p), -1));
  const complete: P[] = [];
  const arriving: P[] = [];
  for (const p of points) (endOf(p.period) <= lastCompleteDay ? complete : arriving).push(p);
  return { complete, arriving };
}

/** The first day of the month after the one `day` is in ("2025-02-14" → "2025-03-01"). */
export function monthAfter(day: string): string {
  const y = Number(day.slice(0, 4));
  const m = Number(day.slice(5, 7));
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, "0")}-01`;
}

// ─── readable recommendations ────────────────────────────────────────────────────────────────────

/** "savings-plan" → "Savings plan", "unused-eip" → "Unused Elastic IP": a recommendation type as words. */
export function recommendationTypeName(type: string): string {
  const w = words(type).replace(/\beip\b/gi, "Elastic IP").replace(/\bebs\b/gi, "EBS");
  return w.charAt(0).toUpperCase() + w.slice(1);
}

/** "Buy a" / "Buy an": the article before a name ("an EC2 …", "a Compute …"). */
function article(name: string): string {
  return /^[AEIOU]/.test(name) ? "an" : "a";
}

/**
 * A recommendation's action as a sentence. A Savings Plan purchase ("buy a ec2-instance-3y-no-upfront Savings Plan
 * of $20.423/hour", target "20.4232840000/h") reads "Buy an EC2 Instance Savings Plan, 3 years, no upfront:
 * $20.42/hour"; any other action is shown as written, with its target config when the action does not name it.
 */
export function recommendationAction(r: { action: string; targetConfig: string | null; currency: string | null }): string {
  const m = /^buy an? (\S+) Savings Plan\b/i.exec(r.action);
  if (m) {
    const name = planName(m[1]!);
    const amount = /^(\d+(?:\.\d+)?)\/h(?:our)?$/.exec(r.targetConfig ?? "")?.[1];
    return `Buy ${article(name)} ${name}${amount ? `: ${hourly(amount, r.currency)}` : ""}`;
  }
  return `${r.action}${r.targetConfig && !r.action.includes(r.targetConfig) ? ` → ${r.targetConfig}` : ""}`;
}
