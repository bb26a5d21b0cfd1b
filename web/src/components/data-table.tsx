/**
 * The dashboard's one table: a header row from the columns, one body row per item, numeric columns
 * right-aligned, money columns rendered through <Money> (the exact decimal string in data-amount).
 */
import { Fragment, type Key, type ReactNode } from "react";
import { Money } from "./money.js";

/** An amount and its currency; null renders "–". */
export type MoneyValue = { amount: string | null | undefined; currency: string | null | undefined } | null;

type DataAttrs = Record<`data-${string}`, string>;

interface ColumnBase<T> {
  header: ReactNode;
  /** React key of the column (default: its position). */
  key?: string;
  /** Right-aligned (header and cells get class "num"); money columns always are. */
  num?: boolean;
  /** Extra class of the body cell. */
  className?: string | ((row: T) => string | undefined);
  title?: (row: T) => string | undefined;
  /** data-* attributes of the body cell. */
  data?: (row: T) => DataAttrs;
}

/** A column shows either `cell` (any content) or `money` (an amount: <Money> in a right-aligned cell, "–" for null). */
export type Column<T> = ColumnBase<T> & ({ cell: (row: T, index: number) => ReactNode; money?: never } | { money: (row: T) => MoneyValue; cell?: never });

export interface RowAttrs {
  className?: string;
  title?: string;
  onClick?: () => void;
  data?: DataAttrs;
}

export function DataTable<T>({
  rows,
  columns,
  rowKey,
  row,
  after,
  testId,
  small,
}: {
  rows: readonly T[];
  columns: readonly Column<T>[];
  rowKey: (row: T, index: number) => Key;
  /** Attributes of a body row. */
  row?: (row: T, index: number) => RowAttrs;
  /** A detail row under a row (spans every column), or null. */
  after?: (row: T, index: number) => ReactNode;
  testId?: string;
  small?: boolean;
}) {
  return (
    <table className={small ? "table small" : "table"} data-testid={testId}>
      <thead>
        <tr>
          {columns.map((c, i) => (
            <th key={c.key ?? i} className={c.num || c.money ? "num" : undefined}>
              {c.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => {
          const a = row?.(r, i);
          const detail = after?.(r, i);
          const tr = (
            <tr key={detail ? undefined : rowKey(r, i)} {...a?.data} title={a?.title} onClick={a?.onClick} className={a?.className}>
              {columns.map((c, j) => (
                <Cell key={c.key ?? j} column={c} row={r} index={i} />
              ))}
            </tr>
          );
          if (!detail) return tr;
          return (
            <Fragment key={rowKey(r, i)}>
              {tr}
              <tr className="detail">
                <td colSpan={columns.length}>{detail}</td>
              </tr>
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}

function Cell<T>({ column: c, row, index }: { column: Column<T>; row: T; index: number }) {
  const extra = typeof c.className === "function" ? c.className(row) : c.className;
  const className = [c.num || c.money ? "num" : "", extra ?? ""].filter(Boolean).join(" ") || undefined;
  let content: ReactNode;
  if (c.money) {
    const m = c.money(row);
    content = m === null ? "–" : <Money amount={m.amount} currency={m.currency} />;
  } else {
    content = c.cell(row, index);
  }
  return (
    <td className={className} title={c.title?.(row)} {...c.data?.(row)}>
      {content}
    </td>
  );
}
