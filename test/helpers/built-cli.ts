/**
 * Runs the BUILT `costwise` binary (bin/costwise.js → dist/) as its own process: for tests about what a real process
 * prints, exits with and leaves behind (stderr, stack traces, locks). `npm test` builds first; under CI a missing
 * build is a failure, never a skip.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");
export const BIN = join(ROOT, "bin/costwise.js");

/** True when dist/ holds `file` (default the CLI's entry); throws under CI=true when it does not. */
export function requireBuild(file = "dist/src/cli/main.js"): boolean {
  const built = existsSync(join(ROOT, file));
  if (!built && process.env["CI"] === "true") throw new Error("dist/ is missing: run npm run build (npm test does) before these tests");
  return built;
}

export interface BuiltRun {
  code: number;
  out: string;
  err: string;
}

/** Runs the built CLI in `cwd` with exactly `env`; resolves with its exit code and what it printed. */
export function builtCli(cwd: string, env: NodeJS.ProcessEnv, ...args: string[]): Promise<BuiltRun> {
  return new Promise((res) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      res({ code, out: stdout, err: stderr });
    });
  });
}
