import { describe, expect, it } from "vitest";
import { redactSecrets, redactUrl } from "./redact.js";

// base64("default:hunter2-pw") = ZGVmYXVsdDpodW50ZXIyLXB3
const AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

describe("redactSecrets", () => {
  // input → output, written by hand
  const table: [string, string][] = [
    ["nothing secret here: 42 rows in focus_costs", "nothing secret here: 42 rows in focus_costs"],
    ["Authorization: Basic ZGVmYXVsdDpodW50ZXIyLXB3", "Authorization: Basic [redacted]"],
    ['{"authorization":"Basic ZGVmYXVsdDpodW50ZXIyLXB3","x":1}', '{"authorization":"Basic [redacted]","x":1}'],
    ["authorization: Bearer eyJhbGciOi.J9eyJzd.WIiOi", "authorization: Bearer [redacted]"],
    ["Authorization: cw_ab12_SeCrEt-xyz", "Authorization: [redacted]"],
    ["token cw_ab12cd_Zk3mN9pQ-rs_t was revoked", "token cw_[redacted] was revoked"],
    ["GET /api/v1/costs?access_token=cw_a1_b2c3&month=2026-01", "GET /api/v1/costs?access_token=[redacted]&month=2026-01"],
    ["GET /x?access_token=opaque123&month=2026-01", "GET /x?access_token=[redacted]&month=2026-01"],
    ["login failed: password=hunter2 user=bob", "login failed: password=[redacted] user=bob"],
    ["Server=db;User Id=sa;Password=Pa55;Database=c", "Server=db;User Id=sa;Password=[redacted];Database=c"],
    ["aws_secret_access_key=" + AWS_SECRET, "aws_secret_access_key=[redacted]"],
    ["key id AKIAIOSFODNN7EXAMPLE and secret " + AWS_SECRET, "key id [redacted-key] and secret [redacted]"],
    ['{"secretAccessKey":"abc/def+ghi"}', '{"secretAccessKey":"[redacted]"}'],
    [
      "https://acct.blob.core.windows.net/c/f.csv?sv=2022-11-02&se=2026-01-01&sig=AbC%2Bd%3D&sp=r",
      "https://acct.blob.core.windows.net/c/f.csv?sv=2022-11-02&se=2026-01-01&sig=[redacted]&sp=r",
    ],
    [
      "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=Eby8vdM02x==;EndpointSuffix=core.windows.net",
      "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=[redacted];EndpointSuffix=core.windows.net",
    ],
    ["cannot reach http://default:hunter2@127.0.0.1:8123/?q=1", "cannot reach http://default:[redacted]@127.0.0.1:8123/?q=1"],
    ["postgres://app:s3cr%40t@db:5432/x failed", "postgres://app:[redacted]@db:5432/x failed"],
    ["mongodb+srv://u:p@cluster0/x", "mongodb+srv://u:[redacted]@cluster0/x"],
    ["X-Amz-Signature=abcdef0123&X-Amz-Date=20260101", "X-Amz-Signature=[redacted]&X-Amz-Date=20260101"],
    // a git sha (40 hex, no upper case) and ordinary words stay
    ["commit 0123456789abcdef0123456789abcdef01234567", "commit 0123456789abcdef0123456789abcdef01234567"],
    ["3 tokens: created 2026-01-02, the token id is ab12", "3 tokens: created 2026-01-02, the token id is ab12"],
    ["column BilledCost: expected a decimal", "column BilledCost: expected a decimal"],
  ];
  it.each(table)("%s", (input, output) => {
    expect(redactSecrets(input)).toBe(output);
  });

  it("redacts known secrets verbatim, URL-encoded and as the base64 Basic credential", () => {
    const pw = "hunter2-pw";
    const text = `echo: hunter2-pw / hunter2-pw encoded / ZGVmYXVsdDpodW50ZXIyLXB3 raw (no scheme word)`;
    const out = redactSecrets(text, { secrets: [pw], user: "default" });
    expect(out).toBe("echo: [redacted] / [redacted] encoded / [redacted] raw (no scheme word)");
    expect(redactSecrets("p%40ss failed", { secrets: ["p@ss"] })).toBe("[redacted] failed");
  });

  it("is idempotent", () => {
    for (const [input] of table) expect(redactSecrets(redactSecrets(input))).toBe(redactSecrets(input));
  });
});

describe("redactUrl", () => {
  const table: [string, string][] = [
    ["/api/v1/costs?month=2026-01", "/api/v1/costs?month=2026-01"],
    ["/api/v1/costs?access_token=cw_a_b&month=2026-01", "/api/v1/costs?access_token=[redacted]&month=2026-01"],
    ["/x?%74oken=abc", "/x?%74oken=[redacted]"],
    ["/x?api_key=1&client_secret=2&sig=3&X-Amz-Signature=4&page=2", "/x?api_key=[redacted]&client_secret=[redacted]&sig=[redacted]&X-Amz-Signature=[redacted]&page=2"],
    ["/x?%E0%A4%A=1", "/x?[redacted]"],
    ["http://default:pw@127.0.0.1:8123/?database=x", "http://default:[redacted]@127.0.0.1:8123/?database=x"],
    ["http://127.0.0.1:8123", "http://127.0.0.1:8123"],
    ["https://h/p?password=x#frag", "https://h/p?password=[redacted]#frag"],
  ];
  it.each(table)("%s", (input, output) => {
    expect(redactUrl(input)).toBe(output);
  });
});
