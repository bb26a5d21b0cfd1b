import { useState } from "react";
import { number } from "../format.js";

/** Long tables show this many rows, then "show more". */
export const PAGE_ROWS = 50;

/** How many rows a long table shows, and one more page of them. */
export function usePaging(): [shown: number, more: () => void] {
  const [shown, setShown] = useState(PAGE_ROWS);
  return [shown, () => setShown((n) => n + PAGE_ROWS)];
}

/** "Show 50 more [of 1,234]" under a long table, when rows are hidden. */
export function ShowMore({ shown, total, onMore, testId, ofTotal }: { shown: number; total: number; onMore: () => void; testId: string; ofTotal?: boolean }) {
  if (total <= shown) return null;
  return (
    <p>
      <button onClick={onMore} data-testid={testId}>
        Show {number(Math.min(PAGE_ROWS, total - shown))} more{ofTotal ? ` of ${number(total)}` : ""}
      </button>
    </p>
  );
}
