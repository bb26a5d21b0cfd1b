import { describe, expect, it } from "vitest";
import { SEVERITIES } from "../../core/detect/detector.js";
import { notificationSeverity } from "./build-messages.js";

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
