/**
 * Channels: resolving their secrets (environment or file, never logged) and sending one notification.
 * A send either succeeds, fails in a way worth retrying (network error, timeout, 429, 5xx, SMTP 4xx), or fails
 * for good (other 4xx, SMTP 5xx): the outbox decides what to do with each.
 */
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { createTransport } from "nodemailer";
import type { ChannelConfig } from "../../core/config/sections/notify.js";
import { CostwiseError } from "../../core/errors.js";
import { renderHtml, renderSlack, renderTeams, renderText, type Notification } from "../../core/notify/message.js";
import { barChartPng } from "../../core/notify/png-chart.js";

export type SendOutcome = { ok: true } | { ok: false; retry: boolean; error: string; retryAfterMs?: number };

export interface ResolvedChannel {
  name: string;
  config: ChannelConfig;
  /** Secrets by field: webhookUrl, url, secret, password. */
  secrets: Record<string, string>;
}

/** Reads a `<field>Env` / `<field>File` secret. Throws BAD_CONFIG naming the channel and key (never the value). */
function secret(name: string, c: Record<string, unknown>, field: string, env: NodeJS.ProcessEnv, required: boolean): string | undefined {
  const envKey = c[`${field}Env`] as string | undefined;
  const fileKey = c[`${field}File`] as string | undefined;
  const where = `notify.channels.${name}`;
  if (envKey && fileKey) throw new CostwiseError("BAD_CONFIG", `${where}: give ${field}Env or ${field}File, not both`);
  if (envKey) {
    const v = env[envKey];
    if (v === undefined || v === "") throw new CostwiseError("BAD_CONFIG", `${where}.${field}Env: the environment variable ${envKey} is not set`);
    return v.trim();
  }
  if (fileKey) {
    try {
      return readFileSync(fileKey, "utf8").trim();
    } catch {
      throw new CostwiseError("BAD_CONFIG", `${where}.${field}File: cannot read ${fileKey}`);
    }
  }
  if (required) throw new CostwiseError("BAD_CONFIG", `${where}: ${field}Env or ${field}File is required`);
  return undefined;
}

export function resolveChannel(name: string, config: ChannelConfig, env: NodeJS.ProcessEnv = process.env): ResolvedChannel {
  const c = config as unknown as Record<string, unknown>;
  const secrets: Record<string, string> = {};
  const put = (k: string, v: string | undefined) => {
    if (v !== undefined) secrets[k] = v;
  };
  switch (config.type) {
    case "slack":
    case "teams":
      put("webhookUrl", secret(name, c, "webhookUrl", env, true));
      if (!/^https?:\/\//.test(secrets["webhookUrl"]!)) throw new CostwiseError("BAD_CONFIG", `notify.channels.${name}: the webhook URL from ${String(c["webhookUrlEnv"] ?? c["webhookUrlFile"])} is not an http(s) URL`);
      break;
    case "webhook":
      put("url", config.url ?? secret(name, c, "url", env, true));
      put("secret", secret(name, c, "secret", env, false));
      break;
    case "email":
      put("password", secret(name, c["smtp"] as Record<string, unknown>, "password", env, false));
      break;
  }
  return { name, config, secrets };
}

/** The HMAC-SHA256 signature header value for a webhook body: `t=<unix seconds>,v1=<hex>` over `<t>.<body>`. */
export function signWebhook(secretKey: string, body: string, timestamp: number): string {
  const mac = createHmac("sha256", secretKey).update(`${timestamp}.${body}`).digest("hex");
  return `t=${timestamp},v1=${mac}`;
}

async function postJson(url: string, payload: unknown, headers: Record<string, string>, timeoutMs: number): Promise<SendOutcome> {
  const body = JSON.stringify(payload);
  let res: Response;
  try {
    res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body, signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const name = e instanceof Error ? e.name : "Error";
    return { ok: false, retry: true, error: name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : `network error (${name})` };
  }
  await res.text().catch(() => "");
  if (res.ok) return { ok: true };
  const retryAfter = Number(res.headers.get("retry-after"));
  const retry = res.status === 429 || res.status >= 500;
  return { ok: false, retry, error: `HTTP ${res.status}`, ...(retry && Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}) };
}

export interface SendContext {
  /** Deduplication key, sent as `Idempotency-Key` so receivers can drop a redelivery after a crash. */
  key: string;
  now: Date;
  timeoutMs?: number;
}

export async function send(ch: ResolvedChannel, n: Notification, ctx: SendContext): Promise<SendOutcome> {
  const timeoutMs = ctx.timeoutMs ?? 10_000;
  const idem = { "idempotency-key": ctx.key };
  switch (ch.config.type) {
    case "slack":
      return postJson(ch.secrets["webhookUrl"]!, renderSlack(n), idem, timeoutMs);
    case "teams":
      return postJson(ch.secrets["webhookUrl"]!, renderTeams(n), idem, timeoutMs);
    case "webhook": {
      const payload = { version: 1, deliveredAt: ctx.now.toISOString(), notification: n };
      const body = JSON.stringify(payload);
      const headers: Record<string, string> = { ...idem, "x-costwise-event": n.kind };
      if (ch.secrets["secret"]) headers["x-costwise-signature"] = signWebhook(ch.secrets["secret"], body, Math.floor(ctx.now.getTime() / 1000));
      // send the exact bytes that were signed
      let res: Response;
      try {
        res = await fetch(ch.secrets["url"]!, { method: "POST", headers: { "content-type": "application/json", ...headers }, body, signal: AbortSignal.timeout(timeoutMs) });
      } catch (e) {
        return { ok: false, retry: true, error: `network error (${e instanceof Error ? e.name : "Error"})` };
      }
      await res.text().catch(() => "");
      if (res.ok) return { ok: true };
      return { ok: false, retry: res.status === 429 || res.status >= 500, error: `HTTP ${res.status}` };
    }
    case "email": {
      const smtp = ch.config.smtp;
      const transport = createTransport({
        host: smtp.host,
        port: smtp.port,
        secure: smtp.secure,
        ...(smtp.user ? { auth: { user: smtp.user, pass: ch.secrets["password"] ?? "" } } : {}),
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
        tls: { rejectUnauthorized: process.env["COSTWISE_SMTP_INSECURE"] !== "1" },
      });
      const png = n.chart ? barChartPng(n.chart.values, { highlightLast: n.chart.highlightLast ?? false }) : undefined;
      try {
        await transport.sendMail({
          from: ch.config.from,
          to: ch.config.to.join(", "),
          subject: n.title,
          text: renderText(n),
          html: renderHtml(n, png !== undefined),
          headers: { "X-Costwise-Key": ctx.key },
          attachments: [
            ...(png ? [{ filename: "chart.png", content: png, cid: "chart", contentType: "image/png" }] : []),
            ...(n.attachments ?? []).map((a) => ({ filename: a.filename, content: Buffer.from(a.base64, "base64"), contentType: a.contentType })),
          ],
        });
        return { ok: true };
      } catch (e) {
        const code = (e as { responseCode?: number }).responseCode;
        const retry = code === undefined || code < 500;
        return { ok: false, retry, error: code ? `SMTP ${code}` : `SMTP error (${(e as { code?: string }).code ?? "connection"})` };
      } finally {
        transport.close();
      }
    }
  }
}
