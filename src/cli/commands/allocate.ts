/**
 * `costwise allocate`: apply the allocation rules (costwise.yaml `allocation:`, or its rules file) to all
 * loaded history, rebuilding `cost_allocation` in one transaction; `--preview` shows exactly what money a
 * rule change would move between owners, without writing anything.
 */
import type { Command } from "commander";
import { lazyAction } from "./lazy-action.js";

const EXAMPLES = `
Examples:
  # apply the rules in costwise.yaml (allocation:) to every loaded bill
  costwise allocate

  # what would this rules file change? exact money per owner and rule, nothing written
  costwise allocate --preview --rules allocation-rules.next.yaml

  # apply that file instead of the configured rules
  costwise allocate --rules allocation-rules.next.yaml
`;

export function registerAllocate(program: Command): void {
  program
    .command("allocate")
    .description("give every cost an owner: apply allocation rules, shared-cost splits and Kubernetes reconciliation to all loaded history")
    .option("--preview", "compare the rules with the applied allocation and show the money each owner would gain or lose; writes nothing")
    .option("--rules <file>", "a rules file (YAML with rules: [...]) to use instead of the configured rules")
    .addHelpText("after", EXAMPLES)
    .action(lazyAction(() => import("./allocate-actions.js"), "allocate"));
}
