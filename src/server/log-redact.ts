/**
 * What the request log may show of a URL: the path and the query with every credential-like parameter's value
 * replaced by `[redacted]` (access_token, token, key, secret, password, signature, sig and names ending in them:
 * api_key, client_secret, X-Amz-Signature ...). Used by the server's pino `req` serializer; the Authorization and
 * Cookie headers are never serialized at all.
 *
 * Order of operations: split at the first `?` (a `#` never reaches the server); for each `&`-separated pair, decode
 * the name (a `%74oken` is still a token) and compare it case-insensitively; keep the pair's raw text when the name
 * is harmless, else write `name=[redacted]`. A pair that does not decode is redacted whole (it cannot be judged).
 *
 * Interim home: another helper is writing src/core/redact.ts (`redactUrl`); this moves there when it lands.
 */
const SECRET_PARAM = /(?:^|[-_.])(?:access[-_]?token|token|key|secret|password|passwd|pwd|signature|sig|credential|credentials|auth|authorization)$|^(?:apikey|api[-_]key|x-amz-signature|x-amz-credential|x-amz-security-token)$/i;

export const REDACTED = "[redacted]";

/** Whether a query parameter's name marks its value as a secret. */
export function isSecretParam(name: string): boolean {
  return SECRET_PARAM.test(name);
}

/** The URL (path + query, as the request line carries it) with secret query values redacted. */
export function redactRequestUrl(url: string): string {
  const q = url.indexOf("?");
  if (q < 0) return url;
  const path = url.slice(0, q);
  const pairs = url.slice(q + 1).split("&").map((pair) => {
    if (pair === "") return pair;
    const eq = pair.indexOf("=");
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    let name: string;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, " "));
    } catch {
      return REDACTED;
    }
    return isSecretParam(name.trim()) ? `${rawName}=${REDACTED}` : pair;
  });
  return `${path}?${pairs.join("&")}`;
}
