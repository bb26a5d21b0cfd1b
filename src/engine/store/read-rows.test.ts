import { describe, expect, it } from "vitest";
import { CostwiseError } from "../../core/errors.js";
import { col, decodeRows, readRows } from "./read-rows.js";
import { DuckDbStore } from "./duckdb/duckdb-store.js";

describe("readRows", () => {
  it("decodes DuckDB's JSON-safe values into one type per codec", async () => {
    const store = await DuckDbStore.open(":memory:");
    try {
      const rows = await readRows(
        store,
        { cost: col.money, n: col.int, ratio: col.num, day: col.day, name: col.text, ok: col.bool, tags: col.stringMap, missing: col.text.nullable() },
        `SELECT 12.3400::DECIMAL(38,10) AS cost, 9007199254740991::BIGINT AS n, 0.25::DOUBLE AS ratio,
                TIMESTAMP '2026-01-02 03:04:05' AS day, 'a' AS name, true AS ok, MAP {'team': 'x', 'env': NULL} AS tags, NULL AS missing`,
      );
      expect(rows).toEqual([{ cost: "12.3400000000", n: 9007199254740991, ratio: 0.25, day: "2026-01-02", name: "a", ok: true, tags: { team: "x" }, missing: null }]);
    } finally {
      await store.close();
    }
  });

  // value from a driver → what the codec gives, or the error it raises
  const table: [codec: keyof typeof col, value: unknown, expected: unknown][] = [
    ["money", "-0.0100000000", "-0.0100000000"],
    ["money", 12.5, "12.5"], // ClickHouse JSON may send numbers
    ["money", "12,5", Error],
    ["int", "42", 42],
    ["int", "9007199254740993", Error], // past 2^53: would be rounded
    ["int", 1.5, Error],
    ["num", "0.5", 0.5],
    ["num", "", Error],
    ["bool", 1, true],
    ["bool", "0", false],
    ["bool", "yes", Error],
    ["day", "2026-12-07T00:00:00Z", "2026-12-07"],
    ["day", "Dec 7", Error],
    ["text", 7, "7"],
    ["stringMap", '{"a":"1","b":null}', { a: "1" }],
    ["stringMap", [{ key: "k", value: "v" }], { k: "v" }],
  ];
  it.each(table)("col.%s of %j", (codec, value, expected) => {
    const decode = () => decodeRows({ v: col[codec] }, [{ v: value }])[0]!.v;
    if (expected === Error) expect(decode).toThrow(CostwiseError);
    else expect(decode()).toEqual(expected);
  });

  it("names the row and column of a value that does not fit", () => {
    expect(() => decodeRows({ a: col.text, b: col.int }, [{ a: "x", b: 1 }, { a: "y", b: "many" }])).toThrow(/row 2, column b: expected an integer/);
  });
});
