import type { ReactNode } from "react";

/** A row of tiles: three columns, or as many as fit (`wrap`). */
export function Tiles({ wrap, testId, children }: { wrap?: boolean; testId?: string; children: ReactNode }) {
  return (
    <div className={wrap ? "tiles wrap" : "tiles"} data-testid={testId}>
      {children}
    </div>
  );
}

/** One headline number: label, value (its data-* attributes carry the exact value), an optional line under it. */
export function Tile({
  label,
  value,
  sub,
  off,
  testId,
  valueAttrs,
}: {
  label: ReactNode;
  value: ReactNode;
  sub?: ReactNode;
  /** Dimmed: the figure is not available. */
  off?: boolean;
  testId?: string;
  valueAttrs?: { "data-testid"?: string; "data-value"?: string | number; "data-amount"?: string };
}) {
  return (
    <div className={off ? "tile off" : "tile"} data-testid={testId}>
      <div className="tile-label">{label}</div>
      <div className="tile-value" {...valueAttrs}>
        {value}
      </div>
      {sub !== undefined && sub !== null ? <div className="tile-sub">{sub}</div> : null}
    </div>
  );
}
