/**
 * Whether requests need a token: always with `auth: tokens`; with `auto`, once an active token exists. Re-read at
 * most once a second, so a token created or revoked elsewhere applies quickly.
 */
import { activeTokenCount } from "../engine/auth/tokens.js";
import type { ReaderPool } from "../engine/store/duckdb/reader-pool.js";

export function tokensRequiredCheck(auth: "auto" | "tokens" | undefined, readers: ReaderPool, maxAgeMs = 1000): () => Promise<boolean> {
  let cached: { at: number; value: boolean } | undefined;
  return async () => {
    if (auth === "tokens") return true;
    if (cached && Date.now() - cached.at < maxAgeMs) return cached.value;
    const value = (await readers.use((s) => activeTokenCount(s))) > 0;
    cached = { at: Date.now(), value };
    return value;
  };
}
