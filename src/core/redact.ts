/**
 * The one redactor: every error path (the CLI's error reporter, the API's problem responses, job run records,
 * notification delivery errors, connector and store errors) passes its text through `redactSecrets` before it is
 * printed, answered or stored. Pure: strings in, strings out.
 *
 * Order of operations in `redactSecrets` (each step sees the output of the one before):
 *   1. values the caller knows are secret (a password it holds), verbatim and in their URL-encoded and base64
 *      forms (and `user:password` in base64, the Basic credential) → `[redacted]`
 *   2. URLs with credentials: `scheme://user:password@host` → `scheme://user:[redacted]@host`
 *   3. HTTP authorization: `Basic|Bearer|Digest|Token|Negotiate <credential>` → `<scheme> [redacted]`; then an
 *      `Authorization:` / `"authorization": "…"` whose value names no scheme → `[redacted]`
 *   4. costwise API tokens `cw_<id>_<secret>` → `cw_[redacted]`
 *   5. `name=value` pairs whose name marks a secret (password, pwd, access_token, token, secret, sig, signature,
 *      AccountKey, SharedAccessKey, X-Amz-Signature …, as in query strings and connection strings) →
 *      `name=[redacted]`; the value ends at `&`, `;`, whitespace or a quote
 *   6. `"password": "…"` / `password: …` (JSON, YAML, client dumps) for the unambiguous names → `[redacted]`
 *   7. AWS access key ids (`AKIA…`/`ASIA…`) → `[redacted-key]`; 40-character AWS secret access keys (base64
 *      alphabet, mixed case and a digit, standing alone) → `[redacted]`
 * Text without any of these is returned unchanged.
 */

export const REDACTED = "[redacted]";

/** Names whose `name=value` value is a secret (query strings, connection strings, SAS tokens). */
const SECRET_PAIR =
  /\b((?:[A-Za-z0-9_-]*[_.-])?(?:password|passwd|pwd|access[_-]?token|refresh[_-]?token|id[_-]?token|token|secret|client[_-]?secret|(?:secret[_-]?)?access[_-]?key|api[_-]?key|apikey|sig|signature|credential|AccountKey|SharedAccessKey|SharedAccessSignature|X-Amz-Signature|X-Amz-Security-Token|X-Amz-Credential))(\s*=\s*)(?!\[redacted)("[^"]*"|'[^']*'|[^&;\s"'<>]+)/gi;

/** Names whose `name: value` (JSON, YAML) value is a secret: only names that cannot mean anything else. */
const SECRET_FIELD =
  /((?:^|[\s{,(])["']?(?:password|passwd|secret|secretAccessKey|secret_access_key|aws_secret_access_key|access_token|client_secret|api_key|apiKey|AccountKey|sessionToken|session_token)["']?\s*:\s*)(?!\[redacted)("[^"]*"|'[^']*'|[^\s,}'"]+)/gi;

const AUTH_SCHEME = /\b(Basic|Bearer|Digest|Token|Negotiate)(\s+)(?!\[redacted)[A-Za-z0-9._~+/=:-]+/g;
const AUTH_HEADER = /(\bauthorization["']?\s*[:=]\s*["']?)(?!\s*(?:Basic|Bearer|Digest|Token|Negotiate)\b|\[redacted)[^\s"',;]+/gi;
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/?#]*):([^\s@/?#]*)@/gi;
const CW_TOKEN = /\bcw_[A-Za-z0-9]+_[A-Za-z0-9_-]+/g;
const AWS_KEY_ID = /\b(?:AKIA|ASIA)[A-Z0-9]{12,}\b/g;
const AWS_SECRET = /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;

/** Base64 of a UTF-8 string (no Buffer: core is plain ECMAScript). */
function base64(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** `[redacted]`, in the quotes the value had. */
function keepQuotes(value: string): string {
  const q = value[0];
  return q === '"' || q === "'" ? `${q}${REDACTED}${q}` : REDACTED;
}

export interface RedactOptions {
  /** Values known to be secret (a password, a key): redacted wherever they appear, whatever their shape. */
  secrets?: readonly (string | undefined)[];
  /** With `secrets`: a user name, so that base64(`user:password`) (an HTTP Basic credential) is redacted too. */
  user?: string | undefined;
}

/** `text` with anything that looks like a secret replaced by `[redacted]` (see the order of operations above). */
export function redactSecrets(text: string, options: RedactOptions = {}): string {
  let out = text;
  const known = (options.secrets ?? []).filter((s): s is string => typeof s === "string" && s.length >= 3);
  for (const s of known) {
    const forms = new Set([s, encodeURIComponent(s), base64(s), base64(`${options.user ?? ""}:${s}`)]);
    for (const f of forms) out = out.split(f).join(REDACTED);
  }
  out = out.replace(URL_USERINFO, (_m, scheme: string, user: string, pass: string) => (pass === "" ? `${scheme}${user}:@` : `${scheme}${user}:${REDACTED}@`));
  out = out.replace(AUTH_SCHEME, (_m, scheme: string, space: string) => `${scheme}${space}${REDACTED}`);
  out = out.replace(AUTH_HEADER, (_m, head: string) => `${head}${REDACTED}`);
  out = out.replace(CW_TOKEN, `cw_${REDACTED}`);
  out = out.replace(SECRET_PAIR, (_m, name: string, eq: string, value: string) => `${name}${eq}${keepQuotes(value)}`);
  out = out.replace(SECRET_FIELD, (_m, head: string, value: string) => `${head}${keepQuotes(value)}`);
  out = out.replace(AWS_KEY_ID, "[redacted-key]");
  out = out.replace(AWS_SECRET, (m) => (/[A-Z]/.test(m) && /[a-z]/.test(m) && /[0-9]/.test(m) ? REDACTED : m));
  return out;
}

/** Query parameter names whose values are secrets (`access_token`, `api_key`, `sig`, `X-Amz-Signature` …). */
const SECRET_PARAM =
  /(?:^|[-_.])(?:access[-_]?token|token|key|secret|password|passwd|pwd|signature|sig|credential|credentials|auth|authorization)$|^(?:apikey|api[-_]key|x-amz-signature|x-amz-credential|x-amz-security-token)$/i;

/** Whether a query parameter's name marks its value as a secret. */
export function isSecretParam(name: string): boolean {
  return SECRET_PARAM.test(name);
}

/**
 * A URL (absolute, or the path + query of a request line) safe to print: the password of `user:password@` and the
 * values of secret query parameters replaced by `[redacted]`; everything else kept as written.
 *
 * Order of operations: cut the fragment (kept as is) and the query at the first `?`; in the part before it, redact
 * the userinfo's password; for each `&`-separated pair of the query, decode the name (`%74oken` is still a token)
 * and redact the value when the name is a secret's; a name that does not decode redacts its pair whole.
 */
export function redactUrl(url: string): string {
  const hash = url.indexOf("#");
  const fragment = hash < 0 ? "" : url.slice(hash);
  const rest = hash < 0 ? url : url.slice(0, hash);
  const q = rest.indexOf("?");
  const base = (q < 0 ? rest : rest.slice(0, q)).replace(URL_USERINFO, (_m, scheme: string, user: string, pass: string) =>
    pass === "" ? `${scheme}${user}:@` : `${scheme}${user}:${REDACTED}@`,
  );
  if (q < 0) return base + fragment;
  const pairs = rest
    .slice(q + 1)
    .split("&")
    .map((pair) => {
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
  return `${base}?${pairs.join("&")}${fragment}`;
}
