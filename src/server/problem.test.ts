import { describe, expect, it } from "vitest";
import { CostwiseError } from "../core/errors.js";
import { toProblem } from "./problem.js";

describe("problem bodies carry no secret", () => {
  // what a user's mistake may quote back                         → must not leave the process
  const cases: Array<[string, string]> = [
    ["clickhouse url http://alice:hunter2@ch.internal:8123 is bad", "hunter2"],
    ["token cw_12_0123456789abcdef0123456789abcdef is revoked", "cw_12_0123456789abcdef0123456789abcdef"],
    ["header Authorization: Basic YWxpY2U6aHVudGVyMg== refused", "YWxpY2U6aHVudGVyMg=="],
  ];
  for (const [message, secret] of cases) {
    it(`redacts ${secret.slice(0, 12)}… in the detail and in problems`, () => {
      const err = new CostwiseError("BAD_INPUT", message, { details: { problems: [{ path: "x", message }] } });
      const { body, internal } = toProblem(err, "/api/v1/x", "req-1");
      expect(internal).toBe(false);
      expect(body.detail).toContain("redacted");
      expect(JSON.stringify(body)).not.toContain(secret);
    });
  }
});
