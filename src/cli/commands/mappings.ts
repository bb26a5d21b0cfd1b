/**
 * `costwise mappings`: how each source format becomes FOCUS, column by column, for review.
 */
import type { Command } from "commander";
import { describeMapping, renderMappingMarkdown, renderMappingsDoc, renderMappingText } from "../../engine/mapping/describe.js";
import { MAPPINGS, SOURCE_FORMATS, isSourceFormat } from "../../engine/mapping/registry.js";
import { globalOptions, stdio, usageError } from "../context.js";
import { renderTable } from "../table.js";

interface MappingsCliOptions {
  markdown?: boolean;
}

export function registerMappings(program: Command): void {
  program
    .command("mappings")
    .argument("[format]", `a source format (${SOURCE_FORMATS.join(", ")})`)
    .summary("list source formats, or show how one becomes FOCUS, column by column")
    .description(
      "Without a format, list the source formats costwise reads. With one, print its mapping to FOCUS 1.2: " +
        "for every FOCUS column (and costwise's x_ columns) the rule in plain words and the source columns " +
        "it reads, the audited raw-SQL uses with their reasons, the row checks and the control total.",
    )
    .option("--markdown", "print Markdown (without a format: the whole reference page, docs/mappings.md)", false)
    .addHelpText(
      "after",
      ["", "Examples:", "  costwise mappings", "  costwise mappings aws-cur", "  costwise mappings aws-cur --json", "  costwise mappings --markdown > docs/mappings.md"].join("\n"),
    )
    .action((format: string | undefined, opts: MappingsCliOptions, cmd: Command) => {
      const g = globalOptions(cmd);
      if (format === undefined) {
        const descs = SOURCE_FORMATS.map((f) => describeMapping(MAPPINGS[f]));
        if (g.json) {
          return stdio.json(
            descs.map((d) => ({ id: d.id, title: d.title, fileKinds: d.fileKinds, focusVersion: d.focusVersion, ...d.summary })),
          );
        }
        if (opts.markdown) return stdio.out(renderMappingsDoc(descs).trimEnd());
        stdio.out(
          renderTable(
            ["format", "title", "file kinds", "FOCUS columns produced", "raw SQL uses"],
            descs.map((d) => [d.id, d.title, d.fileKinds.join(", "), `${d.summary.focusProduced} of ${d.summary.focusColumns}`, String(d.summary.rawSqlUses)]),
            { rightAlign: [4] },
          ),
        );
        return stdio.out("\nshow one with `costwise mappings <format>` (--markdown for Markdown, --json for JSON)");
      }
      if (!isSourceFormat(format)) {
        throw usageError(`unknown source format "${format}": known formats are ${SOURCE_FORMATS.join(", ")}`);
      }
      const desc = describeMapping(MAPPINGS[format]);
      if (g.json) return stdio.json(desc);
      stdio.out((opts.markdown ? renderMappingMarkdown(desc) : renderMappingText(desc, Math.max(80, process.stdout.columns ?? 100))).trimEnd());
    });
}
