/**
 * `costwise mappings`: how each source format becomes FOCUS, column by column, for review.
 */
import type { Command } from "commander";
import {

  coverageTable,
  describeMapping,
  renderCoverageMarkdown,
  renderCoverageText,
  renderMappingMarkdown,
  renderMappingsDoc,
  renderMappingText,
} from "../../engine/mapping/describe.js";
import { MAPPINGS, SOURCE_FORMATS, isSourceFormat } from "../../engine/mapping/registry.js";
import { globalOptions, stdio, usageError } from "../context.js";
import { renderTable } from "../table.js";

interface MappingsCliOptions {
  markdown?: boolean;
  format?: string;
}

const OUTPUT_FORMATS = ["text", "md", "json"] as const;

export function mappings(format: string | undefined, opts: MappingsCliOptions, cmd: Command) {
  const g = globalOptions(cmd);
  const output = opts.format ?? "text";
  if (!(OUTPUT_FORMATS as readonly string[]).includes(output)) throw usageError(`unknown --format ${output}: use one of ${OUTPUT_FORMATS.join(", ")}`);
  const json = g.json || output === "json";
  if (format === undefined) {
    const descs = SOURCE_FORMATS.map((f) => describeMapping(MAPPINGS[f]));
    const coverage = coverageTable(SOURCE_FORMATS.map((f) => MAPPINGS[f]));
    if (output === "md" && !opts.markdown) return stdio.out(renderCoverageMarkdown(coverage));
    if (json) {
      return stdio.json(
        descs.map((d) => ({ id: d.id, title: d.title, fileKinds: d.fileKinds, focusVersion: d.focusVersion, ...d.summary })),
      );
    }
    if (opts.markdown) return stdio.out(renderMappingsDoc(descs, SOURCE_FORMATS.map((f) => MAPPINGS[f])).trimEnd());
    stdio.out(
      renderTable(
        ["format", "title", "file kinds", "FOCUS columns produced", "raw SQL uses"],
        descs.map((d) => [d.id, d.title, d.fileKinds.join(", "), `${d.summary.focusProduced} of ${d.summary.focusColumns}`, String(d.summary.rawSqlUses)]),
        { rightAlign: [4] },
      ),
    );
    stdio.out(`\ncoverage of the FOCUS columns per source (--format md for Markdown):\n\n${renderCoverageText(coverage)}`);
    return stdio.out("\nshow one with `costwise mappings <format>` (--format md for Markdown, --json for JSON)");
  }
  if (!isSourceFormat(format)) {
    throw usageError(`unknown source format "${format}": known formats are ${SOURCE_FORMATS.join(", ")}`);
  }
  const desc = describeMapping(MAPPINGS[format]);
  if (json) return stdio.json(desc);
  stdio.out((opts.markdown || output === "md" ? renderMappingMarkdown(desc) : renderMappingText(desc, Math.max(80, process.stdout.columns ?? 100))).trimEnd());
}
