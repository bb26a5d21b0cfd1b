/**
 * Review action items: add, list, change. A review of month M shows the items carried from earlier reviews
 * (raised before M and still open at the start of M, with their status now) and the items raised in M.
 */
import { CostwiseError } from "../../core/errors.js";
import { ACTION_ITEM_STATUSES, monthBounds, type ActionItem, type ActionItemStatus } from "../../core/review/model.js";
import { sql, type AnalysisStore } from "../store/cost-store.js";
import { col, readRow, readRows, type RowOf } from "../store/read-rows.js";
import { REVIEW_ITEMS_TABLE } from "./tables.js";

const SHAPE = {
  id: col.int,
  review_month: col.text,
  title: col.text,
  owner: col.text,
  due: col.day,
  status: col.text,
  note: col.text.nullable(),
  created: col.timestamp,
  updated: col.timestamp,
  closed: col.timestamp.nullable(),
};
const COLUMNS = `id, review_month, title, owner, strftime(due_date, '%Y-%m-%d') AS due, status, note,
  strftime(created_at, '%Y-%m-%dT%H:%M:%SZ') AS created, strftime(updated_at, '%Y-%m-%dT%H:%M:%SZ') AS updated, strftime(closed_at, '%Y-%m-%dT%H:%M:%SZ') AS closed`;

function toItem(r: RowOf<typeof SHAPE>): ActionItem {
  return { id: r.id, reviewMonth: r.review_month, title: r.title, owner: r.owner, dueDate: r.due, status: r.status as ActionItemStatus, note: r.note, createdAt: r.created, updatedAt: r.updated, closedAt: r.closed };
}

const ts = (d: Date): string => d.toISOString().slice(0, 19).replace("T", " ");

export function checkMonth(month: string, what = "month"): void {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new CostwiseError("USAGE", `${what} must be YYYY-MM (e.g. 2026-11), got "${month}"`);
}
function checkDay(day: string): void {
  const d = new Date(`${day}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== day) throw new CostwiseError("USAGE", `due date must be a real day YYYY-MM-DD, got "${day}"`);
}
function checkStatus(s: string): asserts s is ActionItemStatus {
  if (!(ACTION_ITEM_STATUSES as readonly string[]).includes(s)) throw new CostwiseError("USAGE", `status must be one of ${ACTION_ITEM_STATUSES.join(", ")}, got "${s}"`);
}
function checkText(v: string, what: string, max: number): void {
  if (v.trim() === "" || v.length > max) throw new CostwiseError("USAGE", `${what} must be 1–${max} characters`);
}

export async function addActionItem(store: AnalysisStore, i: { month: string; title: string; owner: string; dueDate: string; note?: string | undefined }, now = new Date()): Promise<ActionItem> {
  checkMonth(i.month, "review month");
  checkText(i.title, "title", 500);
  checkText(i.owner, "owner", 200);
  checkDay(i.dueDate);
  return store.transaction(async () => {
    const next = (await readRow(store, { n: col.int }, `SELECT (coalesce(max(id), 0) + 1)::INTEGER AS n FROM ${REVIEW_ITEMS_TABLE}`))!.n;
    await store.run(sql(`INSERT INTO ${REVIEW_ITEMS_TABLE} VALUES (?, ?, ?, ?, CAST(? AS DATE), 'open', ?, CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP), NULL)`, next, i.month, i.title.trim(), i.owner.trim(), i.dueDate, i.note ?? null, ts(now), ts(now)));
    return getActionItem(store, next);
  });
}

export async function getActionItem(store: AnalysisStore, id: number): Promise<ActionItem> {
  const r = await readRow(store, SHAPE, sql(`SELECT ${COLUMNS} FROM ${REVIEW_ITEMS_TABLE} WHERE id = ?`, id));
  if (!r) throw new CostwiseError("NOT_FOUND", `no action item ${id} (see costwise review items list)`);
  return toItem(r);
}

export interface ActionItemChange {
  status?: string | undefined;
  owner?: string | undefined;
  dueDate?: string | undefined;
  note?: string | undefined;
  title?: string | undefined;
}

export async function setActionItem(store: AnalysisStore, id: number, c: ActionItemChange, now = new Date()): Promise<ActionItem> {
  if (c.status !== undefined) checkStatus(c.status);
  if (c.owner !== undefined) checkText(c.owner, "owner", 200);
  if (c.title !== undefined) checkText(c.title, "title", 500);
  if (c.dueDate !== undefined) checkDay(c.dueDate);
  if (c.note !== undefined && c.note.length > 2000) throw new CostwiseError("USAGE", "note must be at most 2000 characters");
  return store.transaction(async () => {
    const cur = await getActionItem(store, id);
    const status = (c.status ?? cur.status) as ActionItemStatus;
    const closing = status === "done" || status === "dropped";
    await store.run(
      sql(
        `UPDATE ${REVIEW_ITEMS_TABLE} SET status = ?, owner = ?, title = ?, due_date = CAST(? AS DATE), note = ?, updated_at = CAST(? AS TIMESTAMP),
           closed_at = ${closing ? (cur.closedAt ? "closed_at" : "CAST(? AS TIMESTAMP)") : "NULL"} WHERE id = ?`,
        status,
        c.owner?.trim() ?? cur.owner,
        c.title?.trim() ?? cur.title,
        c.dueDate ?? cur.dueDate,
        c.note ?? cur.note,
        ts(now),
        ...(closing && !cur.closedAt ? [ts(now)] : []),
        id,
      ),
    );
    return getActionItem(store, id);
  });
}

export async function listActionItems(store: AnalysisStore, f: { month?: string; status?: string[]; owner?: string } = {}): Promise<ActionItem[]> {
  const where: string[] = [];
  const params: string[] = [];
  if (f.month) {
    checkMonth(f.month);
    where.push("review_month = ?");
    params.push(f.month);
  }
  for (const s of f.status ?? []) checkStatus(s);
  if (f.status?.length) {
    where.push(`status IN (${f.status.map(() => "?").join(", ")})`);
    params.push(...f.status);
  }
  if (f.owner) {
    where.push("owner = ?");
    params.push(f.owner);
  }
  const rows = await readRows(store, SHAPE, sql(`SELECT ${COLUMNS} FROM ${REVIEW_ITEMS_TABLE} ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY due_date, id`, ...params));
  return rows.map(toItem);
}

/** The items a review of `month` shows: carried (raised earlier, not closed before the month began) and raised in it. */
export async function reviewActionItems(store: AnalysisStore, month: string): Promise<{ carried: ActionItem[]; raised: ActionItem[] }> {
  checkMonth(month);
  const { start } = monthBounds(month);
  const carried = await readRows(store, SHAPE, sql(`SELECT ${COLUMNS} FROM ${REVIEW_ITEMS_TABLE} WHERE review_month < ? AND (closed_at IS NULL OR closed_at >= CAST(? AS TIMESTAMP)) ORDER BY due_date, id`, month, start));
  const raised = await readRows(store, SHAPE, sql(`SELECT ${COLUMNS} FROM ${REVIEW_ITEMS_TABLE} WHERE review_month = ? ORDER BY due_date, id`, month));
  return { carried: carried.map(toItem), raised: raised.map(toItem) };
}
