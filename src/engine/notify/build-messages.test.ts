import { describe, expect, it } from "vitest";
import { SEVERITIES } from "../../core/detect/detector.js";
import { configSchema } from "../../core/config/schema.js";
import { dashboardLink, type DashboardPage } from "../../core/notify/message.js";
import type { BudgetStatus } from "../detect/budget-status.js";
import { budgetNotifications, notificationSeverity } from "./build-messages.js";

describe("notificationSeverity", () => {
  // anomaly severity → notification severity, one row per level
  const table = [
    ["low", "info"],
    ["medium", "warning"],
    ["high", "critical"],
    ["critical", "critical"],
  ] as const;

  it.each(table)("a %s anomaly is a %s notification", (anomaly, notification) => {
    expect(notificationSeverity(anomaly)).toBe(notification);
  });

  it("the table covers every anomaly severity", () => {
    expect(table.map(([a]) => a)).toEqual([...SEVERITIES]);
  });
});

describe("deep links in messages are dashboard paths with the item in the query string", () => {
  // page, state → link (no "#": the dashboard's router reads the path)
  const table: [DashboardPage, Record<string, string>, string][] = [
    ["anomalies", { anomaly: "0123456789abcdef" }, "https://c.example/anomalies?anomaly=0123456789abcdef"],
    ["teams", { team: "pay ments", month: "2026-10" }, "https://c.example/teams?team=pay+ments&month=2026-10"],
    ["overview", { budget: "a&b" }, "https://c.example/overview?budget=a%26b"],
    ["recommendations", { id: "12" }, "https://c.example/recommendations?id=12"],
    ["governance", { finding: "f-1" }, "https://c.example/governance?finding=f-1"],
    ["commitments", {}, "https://c.example/commitments"],
  ];
  it.each(table)("%s %j → %s", (page, state, link) => {
    expect(dashboardLink("https://c.example/", page, state)).toBe(link);
    expect(dashboardLink("https://c.example", page, state)).toBe(link);
  });

  it("a budget alert links to its budget on the overview", () => {
    const config = configSchema.parse({ detection: { budgets: [{ name: "platform.monthly", amount: "1000", period: "month", scope: { owner: "platform" } }] } });
    const status = { budget: "platform.monthly", newAlerts: ["80%"], periodStart: "2026-10-01", period: "month", actual: "800", amount: "1000", currency: "USD", daysLeft: 5, burn: 0.8, forecast: null } as unknown as BudgetStatus;
    const [n] = budgetNotifications(status, config, { dashboardUrl: "https://c.example" });
    expect(n!.team).toBe("platform");
    expect(n!.link).toBe("https://c.example/overview?budget=platform.monthly");
  });
});
