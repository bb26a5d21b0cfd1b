import { describe, expect, it } from "vitest";
import { UNALLOCATED } from "../allocation/model.js";
import { adfDocument, adfText, formatMoney, markdownBody, recommendationChange, type RemoteTicketState, type TicketItem } from "./model.js";

const open: RemoteTicketState = { state: "open", closedAs: null, reason: null };
const done: RemoteTicketState = { state: "closed", closedAs: "completed", reason: null };
const wont: RemoteTicketState = { state: "closed", closedAs: "not_planned", reason: "kept for DR" };

describe("what a ticket's state means for its recommendation", () => {
  // current status, state last read, state now → change (null: none)
  const table: [string, "open" | "closed" | null, RemoteTicketState, string | null][] = [
    ["open", "open", open, null],
    ["open", null, open, null],
    ["accepted", "open", open, null],
    ["open", "open", done, "done: T closed as completed"],
    ["accepted", "open", done, "done: T closed as completed"],
    ["done", "closed", done, null],
    ["open", "open", wont, "dismissed: T closed as won't do: kept for DR"],
    ["dismissed", "closed", wont, null],
    ["done", "closed", wont, "dismissed: T closed as won't do: kept for DR"],
    ["done", "closed", open, "open: T reopened"],
    ["dismissed", "closed", open, "open: T reopened"],
    // dismissed in costwise by hand while the ticket stayed open: the open ticket does not undo it
    ["dismissed", "open", open, null],
    ["done", "open", open, null],
  ];
  it.each(table)("%s, was %s, now %o → %s", (current, previous, remote, expected) => {
    const c = recommendationChange(current as never, previous, remote, "T");
    expect(c === null ? null : `${c.to}: ${c.reason}`).toBe(expected);
  });
  it("a won't-do without a reason still gives one (dismissing needs a reason)", () => {
    expect(recommendationChange("open", "open", { state: "closed", closedAs: "not_planned", reason: null }, "PLAT-3")).toEqual({ to: "dismissed", reason: "PLAT-3 closed as won't do" });
  });
});

const item: TicketItem = {
  key: "recommendation:rightsize:i-1",
  kind: "recommendation",
  ref: "7",
  team: UNALLOCATED,
  title: "t",
  what: "Rightsize i-1",
  why: ["CPU p99 12%", "Saving 1,234.57 USD a month"],
  resource: { id: "i-1", tags: { team: "payments", env: "prod" } },
  money: [{ label: "Monthly saving", amount: "1234.5650000000", currency: "USD" }],
  action: "resize i-1 to m5.large",
  link: "https://c.example/recommendations?id=7",
};

describe("ticket bodies", () => {
  it("money rounds half up on the decimal string", () => {
    expect(formatMoney("1234.565", "USD")).toBe("1,234.57 USD");
    expect(formatMoney("0.004", "EUR")).toBe("0.00 EUR");
    expect(formatMoney("-10", "USD")).toBe("-10.00 USD");
  });
  it("Markdown carries what, why, resource and sorted tags, money, action, link and the key marker", () => {
    const md = markdownBody(item, "2026-03-02");
    expect(md).toContain("**What:** Rightsize i-1");
    expect(md).toContain("- CPU p99 12%");
    expect(md).toContain("**Tags:** `env=prod`, `team=payments`");
    expect(md).toContain("**Owner:** unallocated");
    expect(md).toContain("| Monthly saving | 1,234.57 USD |");
    expect(md).toContain("**Action:** resize i-1 to m5.large");
    expect(md).toContain("[Open in costwise](https://c.example/recommendations?id=7)");
    expect(md.endsWith("<!-- costwise:ticket recommendation:rightsize:i-1 -->")).toBe(true);
  });
  it("ADF is a version 1 doc whose text holds the same facts; adfText reads it back", () => {
    const doc = adfDocument(item, "2026-03-02");
    expect([doc["type"], doc["version"]]).toEqual(["doc", 1]);
    const text = adfText(doc);
    for (const s of ["Rightsize i-1", "CPU p99 12%", "env=prod", "team=payments", "1,234.57 USD", "resize i-1 to m5.large"]) expect(text).toContain(s);
    expect(JSON.stringify(doc)).toContain('"href":"https://c.example/recommendations?id=7"');
  });
});
