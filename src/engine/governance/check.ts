/**
 * One pre-deploy tag check, as `costwise policy check` and `costwise pr-check` run it: load the policy, read
 * the plans / .tf files, evaluate, and add the resource changes the readers left out (data sources, deletes) to
 * the skipped list so every resource of the input is accounted for (checked or skipped, with the reason).
 *
 * Order of operations:
 *  1. policy (a problem → CostwiseError BAD_CONFIG with every problem located; a missing file → USAGE, exit 2)
 *  2. inputs (plans keyed by file + address; .tf modules)
 *  3. evaluatePolicy, then skipped = readers' skipped + evaluation's skipped, summary.skipped updated
 */
import { evaluatePolicy, type EvaluationResult } from "../../core/governance/evaluate.js";
import { loadCheckInput, type CheckInput } from "./inputs.js";
import { loadPolicyFile, type LoadedPolicy } from "./load-policy.js";

export interface PolicyCheckOptions {
  /** "Today" for exemption expiry (default: now). */
  now?: Date;
  /** Root module directory for plan files (default: each plan's directory). */
  configDir?: string;
}

export interface PolicyCheckRun {
  policy: LoadedPolicy;
  input: CheckInput;
  result: EvaluationResult;
}

/** Runs a tag check on plan JSON files, .tf files or directories; `policy` is a file path or an already loaded policy. */
export async function runPolicyCheck(paths: string[], policy: string | LoadedPolicy, opts: PolicyCheckOptions = {}): Promise<PolicyCheckRun> {
  const loaded = typeof policy === "string" ? loadPolicyFile(policy) : policy;
  const input = await loadCheckInput(paths, opts.configDir !== undefined ? { configDir: opts.configDir } : {});
  const result = evaluatePolicy(loaded.compiled, input.document.resources, { now: opts.now ?? new Date() });
  if (input.skipped.length) {
    result.skipped = [...input.skipped, ...result.skipped];
    result.summary.skipped = result.skipped.length;
  }
  return { policy: loaded, input, result };
}
