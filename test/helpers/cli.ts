/**
 * Runs the real `costwise` command line in process (the same `main()` the binary runs: every command, the
 * global options, error reporting and exit codes) and returns what it printed.
 */
import { join } from "node:path";
import { afterEach, beforeEach, vi } from "vitest";
import { tempDir } from "./store.js";
import { main } from "../../src/cli/main.js";

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function runCli(...args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => (err.push(String(s)), true));
  try {
    const code = await main(["node", "costwise", ...args]);
    return { code, out: out.join(""), err: err.join("") };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

export interface CliOnTempStore {
  /** The test's own folder (removed after the test). */
  readonly dir: string;
  /** Everything the CLI printed since the test began (stdout: or since `clearOut()`). */
  readonly out: string;
  readonly err: string;
  /** Runs the CLI on the test's store (`<dir>/<storeFile>`); returns the exit code. */
  cli(...args: string[]): Promise<number>;
  /** Forgets what was printed on stdout so far. */
  clearOut(): void;
}

/** Per test: a fresh folder with its own store, and the CLI over it with its output accumulated. */
export function cliOnTempStore(storeFile = "c.duckdb"): CliOnTempStore {
  let folder: { dir: string; cleanup: () => void } | undefined;
  let out = "";
  let err = "";
  beforeEach(() => {
    folder = tempDir();
    out = "";
    err = "";
  });
  afterEach(() => {
    folder?.cleanup();
  });
  return {
    get dir() {
      return folder!.dir;
    },
    get out() {
      return out;
    },
    get err() {
      return err;
    },
    async cli(...args: string[]) {
      const r = await runCli("--store", join(folder!.dir, storeFile), ...args);
      out += r.out;
      err += r.err;
      return r.code;
    },
    clearOut() {
      out = "";
    },
  };
}
