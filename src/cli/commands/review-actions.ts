/** `costwise review` and `costwise review items …` (see ./review.ts). */
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { REVIEW_FORMATS, type ReviewFormat } from "../../core/review/model.js";
import { addActionItem, listActionItems, setActionItem } from "../../engine/review/action-items.js";
import { renderReview, reviewMonth } from "../../engine/review/render-review.js";
import { globalOptions, stdio, usageError, withStore } from "../context.js";
import { renderTable } from "../table.js";
import { dayOption, monthOption } from "./date-options.js";

export async function render(opts: { month?: string; format: string; out?: string; save: boolean }, cmd: Command) {
  const g = globalOptions(cmd);
  monthOption(opts.month, "--month");
  if (!(REVIEW_FORMATS as readonly string[]).includes(opts.format)) throw usageError(`--format must be one of ${REVIEW_FORMATS.join(", ")}, got "${opts.format}"`);
  const format = opts.format as ReviewFormat;
  const base = g.workspace.config.notify?.dashboardUrl;
  const link = base ? `${base.replace(/\/$/, "")}/reviews?month=` : undefined;
  const r = await withStore(g, async (store) => {
    const month = await reviewMonth(store, opts.month);
    return renderReview(store, g.workspace, month, format, { save: opts.save, ...(link ? { link: link + month } : {}) });
  });
  const out = opts.out ?? (format === "pdf" ? `review-${r.data.month}.pdf` : undefined);
  if (out) {
    writeFileSync(out, r.content);
    if (g.json) return stdio.json({ month: r.data.month, format, file: out, review: r.data });
    return stdio.out(`review ${r.data.month} (${format}) written to ${out}`);
  }
  if (g.json) return stdio.json(r.data);
  process.stdout.write(String(r.content));
}

export async function itemsAdd(opts: { title: string; owner: string; due: string; month?: string; note?: string }, cmd: Command) {
  const g = globalOptions(cmd);
  monthOption(opts.month, "--month");
  dayOption(opts.due, "--due");
  const item = await withStore(g, async (store) => addActionItem(store, { month: await reviewMonth(store, opts.month), title: opts.title, owner: opts.owner, dueDate: opts.due, note: opts.note }));
  if (g.json) return stdio.json({ item });
  stdio.out(`action item #${item.id} raised in review ${item.reviewMonth}: ${item.title} (${item.owner}, due ${item.dueDate})`);
}

export async function itemsList(opts: { month?: string; status?: string; owner?: string }, cmd: Command) {
  const g = globalOptions(cmd);
  monthOption(opts.month, "--month");
  const items = await withStore(g, (store) => listActionItems(store, { ...(opts.month ? { month: opts.month } : {}), ...(opts.status ? { status: [opts.status] } : {}), ...(opts.owner ? { owner: opts.owner } : {}) }));
  if (g.json) return stdio.json({ items });
  if (items.length === 0) return stdio.out("no action items (costwise review items add --title … --owner … --due YYYY-MM-DD)");
  stdio.out(renderTable(["id", "review", "action item", "owner", "due", "status", "note"], items.map((i) => [String(i.id), i.reviewMonth, i.title, i.owner, i.dueDate, i.status, i.note ?? ""]), { rightAlign: [0] }));
}

export async function itemsSet(id: string, opts: { status?: string; owner?: string; due?: string; title?: string; note?: string }, cmd: Command) {
  const g = globalOptions(cmd);
  if (!/^\d{1,9}$/.test(id)) throw usageError(`action item id must be a number, got "${id}"`);
  dayOption(opts.due, "--due");
  if (!opts.status && !opts.owner && !opts.due && !opts.title && opts.note === undefined) throw usageError("nothing to change: pass --status, --owner, --due, --title or --note");
  const item = await withStore(g, (store) => setActionItem(store, Number(id), { status: opts.status, owner: opts.owner, dueDate: opts.due, title: opts.title, note: opts.note }));
  if (g.json) return stdio.json({ item });
  stdio.out(`action item #${item.id}: ${item.status} · ${item.owner} · due ${item.dueDate}`);
}
