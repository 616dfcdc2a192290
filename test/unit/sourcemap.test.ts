import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { shiftFirstSegment, shiftInlineSourceMap } from "../../src/sourcemap.js";

const inline = (map: object): string => `//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString("base64")}`;
const mapOf = (code: string): { mappings: string } => JSON.parse(Buffer.from(/base64,(\S+)$/.exec(code)![1]!, "base64").toString());

describe("inline source maps follow line 1", () => {
  test("the first segment's generated column moves by the shift; the rest of the line is relative to it", () => {
    // "AAAA" = column 0; "sBAAA" = column 22 after shifting.
    assert.equal(shiftFirstSegment("AAAA,EAAE;AACA", 22), "sBAAA,EAAE;AACA");
    assert.equal(shiftFirstSegment("sBAAA,EAAE", -22), "AAAA,EAAE");
  });

  test("a map with no mapping on line 1 is left alone", () => {
    assert.equal(shiftFirstSegment(";AACA", 10), ";AACA");
    assert.equal(shiftFirstSegment("", 10), "");
  });

  test("code with an inline map gets the adjusted map; code without one is returned as is", () => {
    const code = `x();\n${inline({ version: 3, sources: ["a.ts"], mappings: "AAAA;AACA" })}`;
    assert.equal(mapOf(shiftInlineSourceMap(code, 75)).mappings, "2EAAA;AACA");
    assert.equal(shiftInlineSourceMap("x();\n", 75), "x();\n");
    assert.equal(shiftInlineSourceMap(code, 0), code);
  });
});
