/** Loads the shipped EC2 instance catalogue (data/ec2-catalog/, source in its SOURCE.md). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseCatalogCsv, type InstanceType } from "../../core/optimize/instance-catalog.js";
import { packageRoot } from "../mapping/lookups.js";

export const CATALOG_FILE = "data/ec2-catalog/ec2_instances_us_east_1.csv";

let cached: Map<string, InstanceType> | undefined;

/** The catalogue keyed by instance type; `file` reads another CSV of the same layout instead. */
export function loadCatalog(file?: string): Map<string, InstanceType> {
  if (file) return parseCatalogCsv(readFileSync(file, "utf8"), file);
  cached ??= parseCatalogCsv(readFileSync(join(packageRoot(), CATALOG_FILE), "utf8"), CATALOG_FILE);
  return cached;
}
