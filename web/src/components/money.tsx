import { money, percent, sign } from "../format.js";

/** An amount, formatted for its currency; the exact decimal string rides along in data-amount. */
export function Money({ amount, currency, testId, compact }: { amount: string | null | undefined; currency: string | null | undefined; testId?: string; compact?: boolean }) {
  return (
    <span className="money" data-amount={amount ?? ""} data-currency={currency ?? ""} data-testid={testId}>
      {money(amount, currency, compact ? { compact } : {})}
    </span>
  );
}

export function Change({ amount, pct, currency, testId }: { amount: string; pct: string | null; currency: string | null; testId?: string }) {
  const s = sign(amount);
  return (
    <span className={`change ${s > 0 ? "up" : s < 0 ? "down" : ""}`} data-amount={amount} data-testid={testId}>
      {s > 0 ? "▲ " : s < 0 ? "▼ " : ""}
      {money(amount, currency)} ({percent(pct)})
    </span>
  );
}

/** Amounts in several currencies: "$1.00 + €2.00", "–" when there are none. */
export function Amounts({ list, testId }: { list: { currency: string | null; amount: string }[]; testId?: string }) {
  if (list.length === 0) return <span data-testid={testId}>–</span>;
  return (
    <span data-testid={testId}>
      {list.map((x, i) => (
        <span key={x.currency ?? ""}>
          {i > 0 ? " + " : ""}
          <Money amount={x.amount} currency={x.currency} />
        </span>
      ))}
    </span>
  );
}
