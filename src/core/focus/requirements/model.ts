/**
 * The FinOps Foundation's machine-readable FOCUS requirements model (the JSON the official focus_validator runs,
 * e.g. model-1.2.json: ModelRules, CheckFunctions, ApplicabilityCriteria), parsed into typed values. Pure: the
 * caller reads the file; problems come back as values with the JSON path that is wrong.
 *
 * Order of operations in parseRequirementsModel:
 *  1. the top level must hold Details and ModelRules objects (ApplicabilityCriteria and CheckFunctions optional);
 *  2. every rule: Type (Static|Dynamic), ValidationCriteria with Keyword, Requirement and Condition (`{}` = none);
 *  3. every check node: a CheckFunction this module knows, with the arguments that function takes;
 *  4. every CheckModelRule reference names a rule of the model.
 */

export const CHECK_FUNCTIONS = [
  "AND",
  "OR",
  "CheckModelRule",
  "ColumnPresent",
  "CheckDistinctCount",
  "FormatKeyValue",
  "CheckValue",
  "CheckNotValue",
  "CheckNotSameValue",
  "CheckSameValue",
  "CheckDecimalValue",
  "CheckGreaterOrEqualThanValue",
  "CheckNationalCurrency",
  "TypeDecimal",
  "TypeString",
  "TypeDateTime",
  "FormatDateTime",
  "FormatNumeric",
  "FormatString",
  "FormatUnit",
  "FormatCurrency",
  "ColumnByColumnEqualsColumnValue",
] as const;
export type CheckFunctionName = (typeof CHECK_FUNCTIONS)[number];

/** A constant in a check: the model uses strings, numbers and null (null = "is NULL"). */
export type CheckConstant = string | number | null;

export type CheckNode =
  | { fn: "AND" | "OR"; items: CheckNode[] }
  | { fn: "CheckModelRule"; ruleId: string }
  | { fn: "ColumnPresent"; column: string }
  | { fn: "CheckDistinctCount"; columnA: string; columnB: string; expected: number }
  | { fn: "CheckValue" | "CheckNotValue"; column: string; value: CheckConstant }
  | { fn: "CheckGreaterOrEqualThanValue"; column: string; value: number }
  | { fn: "CheckSameValue" | "CheckNotSameValue"; columnA: string; columnB: string }
  | { fn: "ColumnByColumnEqualsColumnValue"; columnA: string; columnB: string; result: string }
  | {
      fn:
        | "FormatKeyValue"
        | "CheckDecimalValue"
        | "CheckNationalCurrency"
        | "TypeDecimal"
        | "TypeString"
        | "TypeDateTime"
        | "FormatDateTime"
        | "FormatNumeric"
        | "FormatString"
        | "FormatUnit"
        | "FormatCurrency";
      column: string;
    };

export const RULE_KEYWORDS = ["MUST", "MUST NOT", "SHOULD", "SHOULD NOT", "RECOMMENDED", "MAY", "OPTIONAL"] as const;
export type RuleKeyword = (typeof RULE_KEYWORDS)[number];

export interface ModelRule {
  id: string;
  /** Composite, Presence, Nullability, Type, Format, Validation (the model's "Function"). */
  function: string;
  /** The column, attribute or dataset the rule is about. */
  reference: string;
  entityType: string;
  /** Static rules are decidable from the dataset; Dynamic ones need knowledge outside it. */
  type: "Static" | "Dynamic";
  keyword: RuleKeyword;
  mustSatisfy: string;
  applicabilityCriteria: string[];
  /** What each row (or the dataset) must satisfy; undefined for Dynamic rules, which the model leaves empty (`{}`). */
  requirement?: CheckNode;
  /** Rows the requirement applies to; undefined = every row. */
  condition?: CheckNode;
}

export interface RequirementsModel {
  modelVersion: string;
  focusVersion: string;
  /** Applicability criterion id -> description. */
  applicabilityCriteria: Record<string, string>;
  /** Rules in model order. */
  rules: ModelRule[];
  byId: Map<string, ModelRule>;
}

export interface ModelProblem {
  /** JSON path of the offending value, e.g. `ModelRules["BilledCost-C-001-M"].ValidationCriteria.Keyword`. */
  path: string;
  message: string;
}

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Parses the model JSON (already JSON.parse'd). Returns the model only when there is no problem. */
export function parseRequirementsModel(json: Json): { value?: RequirementsModel; problems: ModelProblem[] } {
  const problems: ModelProblem[] = [];
  const fail = (path: string, message: string): void => void problems.push({ path, message });
  if (!isObject(json)) return { problems: [{ path: "$", message: "expected a JSON object" }] };
  const details = json["Details"];
  const rulesJson = json["ModelRules"];
  if (!isObject(details)) fail("Details", "expected an object with ModelVersion and FOCUSVersion");
  if (!isObject(rulesJson)) fail("ModelRules", "expected an object of rules keyed by rule id");
  if (problems.length > 0) return { problems };
  const d = details as Record<string, Json>;
  const criteria: Record<string, string> = {};
  const critJson = json["ApplicabilityCriteria"];
  if (isObject(critJson)) {
    for (const [k, v] of Object.entries(critJson)) criteria[k] = isObject(v) && typeof v["Description"] === "string" ? v["Description"] : "";
  }

  const rules: ModelRule[] = [];
  for (const [id, r] of Object.entries(rulesJson as Record<string, Json>)) {
    const at = `ModelRules[${JSON.stringify(id)}]`;
    if (!isObject(r)) {
      fail(at, "expected an object");
      continue;
    }
    const vc = r["ValidationCriteria"];
    if (!isObject(vc)) {
      fail(`${at}.ValidationCriteria`, "expected an object");
      continue;
    }
    const type = r["Type"];
    if (type !== "Static" && type !== "Dynamic") fail(`${at}.Type`, `expected "Static" or "Dynamic", got ${JSON.stringify(type)}`);
    const keyword = vc["Keyword"];
    if (typeof keyword !== "string" || !(RULE_KEYWORDS as readonly string[]).includes(keyword)) {
      fail(`${at}.ValidationCriteria.Keyword`, `expected one of ${RULE_KEYWORDS.join(", ")}, got ${JSON.stringify(keyword)}`);
    }
    const reqJson = vc["Requirement"];
    const emptyDynamic = type === "Dynamic" && isObject(reqJson) && Object.keys(reqJson).length === 0;
    const requirement = emptyDynamic ? undefined : parseNode(reqJson, `${at}.ValidationCriteria.Requirement`, fail);
    const condJson = vc["Condition"];
    const condition =
      condJson === undefined || condJson === null || (isObject(condJson) && Object.keys(condJson).length === 0)
        ? undefined
        : parseNode(condJson, `${at}.ValidationCriteria.Condition`, fail);
    const applic = r["ApplicabilityCriteria"];
    const applicabilityCriteria = Array.isArray(applic) ? applic.filter((x): x is string => typeof x === "string") : [];
    if ((!requirement && !emptyDynamic) || (type !== "Static" && type !== "Dynamic")) continue;
    rules.push({
      id,
      function: typeof r["Function"] === "string" ? r["Function"] : "",
      reference: typeof r["Reference"] === "string" ? r["Reference"] : "",
      entityType: typeof r["EntityType"] === "string" ? r["EntityType"] : "",
      type,
      keyword: keyword as RuleKeyword,
      mustSatisfy: typeof vc["MustSatisfy"] === "string" ? vc["MustSatisfy"] : "",
      applicabilityCriteria,
      ...(requirement ? { requirement } : {}),
      ...(condition ? { condition } : {}),
    });
  }
  const byId = new Map(rules.map((r) => [r.id, r]));
  for (const r of rules) {
    for (const ref of r.requirement ? referencedRules(r.requirement) : []) {
      if (!byId.has(ref)) fail(`ModelRules[${JSON.stringify(r.id)}]`, `CheckModelRule names ${JSON.stringify(ref)}, which the model does not hold`);
    }
  }
  if (problems.length > 0) return { problems };
  return {
    value: {
      modelVersion: String(d["ModelVersion"] ?? ""),
      focusVersion: String(d["FOCUSVersion"] ?? ""),
      applicabilityCriteria: criteria,
      rules,
      byId,
    },
    problems,
  };
}

/**
 * One check node. Two spellings found in model-1.2.json are read as the validator reads them: a condition written
 * as `{"AND": {check}}` (a one-item AND), and `CheckCondition` in place of `ColumnName`.
 */
function parseNode(j: Json, path: string, fail: (path: string, message: string) => void): CheckNode | undefined {
  if (!isObject(j)) {
    fail(path, "expected a check object with CheckFunction");
    return undefined;
  }
  const fn = j["CheckFunction"];
  if (fn === undefined && Object.keys(j).length === 1 && (j["AND"] !== undefined || j["OR"] !== undefined)) {
    const op = j["AND"] !== undefined ? "AND" : "OR";
    const inner = j[op];
    const items = Array.isArray(inner) ? inner : [inner];
    return parseNode({ CheckFunction: op, Items: items }, path, fail);
  }
  const str = (key: string): string | undefined => {
    const v = key === "ColumnName" && j[key] === undefined ? j["CheckCondition"] : j[key];
    if (typeof v === "string" && v.length > 0) return v;
    fail(`${path}.${key}`, `${String(fn)} needs ${key} (a non-empty string)`);
    return undefined;
  };
  const constant = (key: string): CheckConstant | undefined => {
    const v = j[key];
    if (v === null || typeof v === "string" || typeof v === "number") return v;
    fail(`${path}.${key}`, `${String(fn)} needs ${key} (a string, number or null)`);
    return undefined;
  };
  switch (fn) {
    case "AND":
    case "OR": {
      const items = j["Items"];
      if (!Array.isArray(items) || items.length === 0) {
        fail(`${path}.Items`, `${fn} needs a non-empty Items list`);
        return undefined;
      }
      const parsed = items.map((x, i) => parseNode(x, `${path}.Items[${i}]`, fail));
      if (parsed.some((x) => x === undefined)) return undefined;
      return { fn, items: parsed as CheckNode[] };
    }
    case "CheckModelRule": {
      const ruleId = str("ModelRuleId");
      return ruleId === undefined ? undefined : { fn, ruleId };
    }
    case "CheckDistinctCount": {
      const a = str("ColumnAName");
      const b = str("ColumnBName");
      const n = j["ExpectedCount"];
      if (typeof n !== "number" || !Number.isInteger(n) || n < 0) fail(`${path}.ExpectedCount`, "expected a whole number");
      return a && b && typeof n === "number" ? { fn, columnA: a, columnB: b, expected: n } : undefined;
    }
    case "CheckValue":
    case "CheckNotValue": {
      const column = str("ColumnName");
      const value = constant("Value");
      return column === undefined || value === undefined ? undefined : { fn, column, value };
    }
    case "CheckGreaterOrEqualThanValue": {
      const column = str("ColumnName");
      const value = j["Value"];
      if (typeof value !== "number") fail(`${path}.Value`, "expected a number");
      return column === undefined || typeof value !== "number" ? undefined : { fn, column, value };
    }
    case "CheckSameValue":
    case "CheckNotSameValue": {
      const a = str("ColumnAName");
      const b = str("ColumnBName");
      return a && b ? { fn, columnA: a, columnB: b } : undefined;
    }
    case "ColumnByColumnEqualsColumnValue": {
      const a = str("ColumnAName");
      const b = str("ColumnBName");
      const result = str("ResultColumnName");
      return a && b && result ? { fn, columnA: a, columnB: b, result } : undefined;
    }
    case "ColumnPresent":
    case "FormatKeyValue":
    case "CheckDecimalValue":
    case "CheckNationalCurrency":
    case "TypeDecimal":
    case "TypeString":
    case "TypeDateTime":
    case "FormatDateTime":
    case "FormatNumeric":
    case "FormatString":
    case "FormatUnit":
    case "FormatCurrency": {
      const column = str("ColumnName");
      return column === undefined ? undefined : { fn, column };
    }
    default:
      fail(`${path}.CheckFunction`, `unknown check function ${JSON.stringify(fn)} (known: ${CHECK_FUNCTIONS.join(", ")})`);
      return undefined;
  }
}

/** The rule ids a check tree references through CheckModelRule, in order. */
export function referencedRules(n: CheckNode): string[] {
  if (n.fn === "CheckModelRule") return [n.ruleId];
  if (n.fn === "AND" || n.fn === "OR") return n.items.flatMap(referencedRules);
  return [];
}

/** The columns a check tree reads (not through references), in first-mention order. */
export function nodeColumns(n: CheckNode): string[] {
  const out: string[] = [];
  const add = (c: string): void => {
    if (!out.includes(c)) out.push(c);
  };
  const walk = (x: CheckNode): void => {
    if (x.fn === "AND" || x.fn === "OR") return x.items.forEach(walk);
    if (x.fn === "CheckModelRule") return;
    if ("column" in x) add(x.column);
    if ("columnA" in x) {
      add(x.columnA);
      add(x.columnB);
    }
    if ("result" in x) add(x.result);
  };
  walk(n);
  return out;
}

/** MUST and MUST NOT rules decide conformance; the others are advice. */
export function isMandatoryKeyword(k: RuleKeyword): boolean {
  return k === "MUST" || k === "MUST NOT";
}
