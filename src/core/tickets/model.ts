/**
 * Tickets (pure): what an item owners should act on looks like, the body a ticket carries (Markdown for GitHub,
 * Atlassian Document Format for Jira), and what a ticket's state means for the item it was filed for.
 * The engine (src/engine/tickets) collects items from the store, files them, and reads their state back.
 */
import { UNALLOCATED } from "../allocation/model.js";
import type { RecommendationStatus } from "../optimize/recommendation-model.js";

export const TICKET_ITEM_KINDS = ["recommendation", "governance", "anomaly", "commitment"] as const;
export type TicketItemKind = (typeof TICKET_ITEM_KINDS)[number];

/** One thing that should be a ticket, with every figure its body shows. */
export interface TicketItem {
  /** The dedupe key: one ticket per key, ever (e.g. "recommendation:idle-instance:i-0abc"). */
  key: string;
  kind: TicketItemKind;
  /** The item's id in costwise (recommendation id, finding id, anomaly id, commitment id). */
  ref: string;
  /** The owning team; UNALLOCATED when none. */
  team: string;
  title: string;
  /** What it is, one or two sentences. */
  what: string;
  /** Why: figures and root cause, one line each. */
  why: string[];
  resource: { id: string | null; tags: Record<string, string> };
  /** The money, each with its label (e.g. "Monthly saving"), as an exact decimal string. */
  money: { label: string; amount: string; currency: string }[];
  /** The exact action to take. */
  action: string;
  /** Deep link into the dashboard. */
  link: string;
}

/** A ticket's state as the tracker reports it, reduced to what costwise acts on. */
export interface RemoteTicketState {
  state: "open" | "closed";
  /** How it was closed: done, or won't do (GitHub not_planned / duplicate; a Jira won't-do resolution). */
  closedAs: "completed" | "not_planned" | null;
  /** Why, as the tracker says it (resolution name, state reason, the last comment); null: nothing said. */
  reason: string | null;
}

/** Money for people: thousands separators and 2 decimals, rounded half up on the decimal string (no float). */
export function formatMoney(amount: string, currency: string): string {
  const neg = amount.startsWith("-");
  const [intPart = "0", frac = ""] = (neg ? amount.slice(1) : amount).split(".");
  let cents = BigInt(intPart || "0") * 100n + BigInt((frac + "00").slice(0, 2));
  if (Number((frac + "000").charAt(2)) >= 5) cents += 1n;
  const whole = (cents / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${neg ? "-" : ""}${whole}.${(cents % 100n).toString().padStart(2, "0")} ${currency}`;
}

/** The hidden marker that ties a GitHub issue body to its item (found again if the store lost the link). */
export function bodyMarker(key: string): string {
  return `<!-- costwise:ticket ${key} -->`;
}

function tagLine(tags: Record<string, string>): string {
  const keys = Object.keys(tags).sort();
  return keys.length === 0 ? "(none)" : keys.map((k) => `\`${k}=${tags[k]}\``).join(", ");
}

/** The ticket body in GitHub-flavoured Markdown: what, why, resource and tags, money, action, link. */
export function markdownBody(item: TicketItem, asOf: string): string {
  const lines = [
    `**What:** ${item.what}`,
    "",
    "**Why**",
    ...item.why.map((w) => `- ${w}`),
    "",
    `**Resource:** ${item.resource.id === null ? "(none)" : `\`${item.resource.id}\``}`,
    `**Tags:** ${tagLine(item.resource.tags)}`,
    `**Owner:** ${item.team === UNALLOCATED ? "unallocated" : item.team}`,
    "",
    "| | amount |",
    "|---|---:|",
    ...item.money.map((m) => `| ${m.label} | ${formatMoney(m.amount, m.currency)} |`),
    "",
    `**Action:** ${item.action}`,
    "",
    `[Open in costwise](${item.link})`,
    "",
    `_Figures as of ${asOf}; costwise updates this description when they change. Close as completed when done, as not planned (with a comment saying why) when it will not be done._`,
    bodyMarker(item.key),
  ];
  return lines.join("\n");
}

/** An Atlassian Document Format node (the subset tickets use). */
export type AdfNode = { type: string; text?: string; attrs?: Record<string, unknown>; marks?: { type: string; attrs?: Record<string, unknown> }[]; content?: AdfNode[] };

const text = (t: string, marks?: AdfNode["marks"]): AdfNode => (marks ? { type: "text", text: t, marks } : { type: "text", text: t });
const para = (...content: AdfNode[]): AdfNode => ({ type: "paragraph", content });
const strong = (t: string): AdfNode => text(t, [{ type: "strong" }]);
const code = (t: string): AdfNode => text(t, [{ type: "code" }]);

/** The same body as a Jira Cloud REST v3 description (ADF document). */
export function adfBody(item: TicketItem, asOf: string): AdfNode {
  const tagKeys = Object.keys(item.resource.tags).sort();
  return {
    type: "doc",
    content: [
      para(strong("What: "), text(item.what)),
      para(strong("Why")),
      { type: "bulletList", content: item.why.map((w) => ({ type: "listItem", content: [para(text(w))] })) },
      para(strong("Resource: "), item.resource.id === null ? text("(none)") : code(item.resource.id)),
      para(strong("Tags: "), ...(tagKeys.length === 0 ? [text("(none)")] : tagKeys.flatMap((k, i) => [...(i > 0 ? [text(", ")] : []), code(`${k}=${item.resource.tags[k]}`)]))),
      para(strong("Owner: "), text(item.team === UNALLOCATED ? "unallocated" : item.team)),
      { type: "bulletList", content: item.money.map((m) => ({ type: "listItem", content: [para(strong(`${m.label}: `), text(formatMoney(m.amount, m.currency)))] })) },
      para(strong("Action: "), text(item.action)),
      para(text("Open in costwise", [{ type: "link", attrs: { href: item.link } }])),
      para(text(`Figures as of ${asOf}; costwise updates this description when they change. Resolve as Done when done, as Won't Do (with a comment saying why) when it will not be done. costwise key: ${item.key}`, [{ type: "em" }])),
    ],
  };
}

/** The document as Jira takes it (`version: 1` on the root). */
export function adfDocument(item: TicketItem, asOf: string): Record<string, unknown> {
  return { version: 1, ...adfBody(item, asOf) };
}

/** Plain text of an ADF document (a comment's words, for a dismissal reason). */
export function adfText(node: unknown): string {
  if (node === null || typeof node !== "object") return "";
  const n = node as { type?: unknown; text?: unknown; content?: unknown };
  if (typeof n.text === "string") return n.text;
  const parts = Array.isArray(n.content) ? n.content.map(adfText) : [];
  return parts.join(n.type === "doc" ? "\n" : "").trim();
}

export interface StatusChange {
  to: RecommendationStatus;
  reason: string;
}

/**
 * What a ticket's state means for its recommendation. Order of checks:
 * 1. closed as completed → `done` (unless already done);
 * 2. closed as not planned / won't do → `dismissed` with the tracker's reason (unless already dismissed);
 * 3. open again after costwise saw it closed (`previous` closed), while the recommendation is done or dismissed
 *    → `open` (reopened);
 * 4. otherwise nothing: an open ticket leaves the recommendation as its owner set it in costwise.
 */
export function recommendationChange(current: RecommendationStatus, previous: RemoteTicketState["state"] | null, remote: RemoteTicketState, ticketRef: string): StatusChange | null {
  if (remote.state === "closed") {
    if (remote.closedAs === "not_planned") {
      if (current === "dismissed") return null;
      return { to: "dismissed", reason: `${ticketRef} closed as won't do${remote.reason ? `: ${remote.reason}` : ""}` };
    }
    if (current === "done") return null;
    return { to: "done", reason: `${ticketRef} closed as completed${remote.reason ? `: ${remote.reason}` : ""}` };
  }
  if (previous === "closed" && (current === "done" || current === "dismissed")) return { to: "open", reason: `${ticketRef} reopened` };
  return null;
}
