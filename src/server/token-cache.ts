/**
 * Whether requests need a token: always with `auth: tokens`; with `auto`, once an active token exists. Re-read at
 * most once a second, so a token created or revoked elsewhere applies quickly; a token created or revoked through
 * the server itself (the CLI beside it, routes/admin.ts) applies at once (`tokensChanged`).
 *
 * A revoked token is refused at once in any case: every request verifies its token against the tokens table
 * (auth.ts); only the "are tokens needed at all" answer is cached here.
 */
import { activeTokenCount } from "../engine/auth/tokens.js";
import type { ReaderPool } from "../engine/store/duckdb/reader-pool.js";

const FORGET = new WeakMap<() => Promise<boolean>, () => void>();

export function tokensRequiredCheck(auth: "auto" | "tokens" | undefined, readers: ReaderPool, maxAgeMs = 1000): () => Promise<boolean> {
  let cached: { at: number; value: boolean } | undefined;
  const check = async (): Promise<boolean> => {
    if (auth === "tokens") return true;
    if (cached && Date.now() - cached.at < maxAgeMs) return cached.value;
    const value = (await readers.use((s) => activeTokenCount(s))) > 0;
    cached = { at: Date.now(), value };
    return value;
  };
  FORGET.set(check, () => {
    cached = undefined;
  });
  return check;
}

/** Drops the cached answer of a check made by `tokensRequiredCheck`: the next request re-reads the tokens table. */
export function tokensChanged(check: () => Promise<boolean>): void {
  FORGET.get(check)?.();
}
