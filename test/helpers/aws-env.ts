/** Test credentials for the standard AWS chain (env), so connectors are exercised exactly as in production. */
export const TEST_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE";
export const TEST_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

export function useTestAwsEnv(): void {
  process.env["AWS_ACCESS_KEY_ID"] = TEST_ACCESS_KEY_ID;
  process.env["AWS_SECRET_ACCESS_KEY"] = TEST_SECRET_ACCESS_KEY;
  delete process.env["AWS_SESSION_TOKEN"];
  delete process.env["AWS_PROFILE"];
  process.env["AWS_REGION"] = "us-east-1";
  // never read the developer's own ~/.aws files
  process.env["AWS_CONFIG_FILE"] = "/nonexistent/aws-config";
  process.env["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/aws-credentials";
}

/** Queues Cost Explorer results in moto: each distinct request takes the next one. */
export async function queueCostExplorerResults(endpoint: string, results: unknown[]): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/static/ce/cost-and-usage-results`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ results }),
  });
  if (res.status !== 201) throw new Error(`moto refused the Cost Explorer results: ${res.status} ${await res.text()}`);
}
