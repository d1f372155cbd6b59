import { describe, expect, it } from "vitest";
import { searchText, stripNul } from "./index";

describe("input hygiene", () => {
  it("removes NUL characters at any depth and leaves everything else as it was", () => {
    expect(stripNul({ a: "x\0y", b: ["\0", { c: "z\0" }], n: 3, d: null, t: true })).toEqual({
      a: "xy",
      b: ["", { c: "z" }],
      n: 3,
      d: null,
      t: true,
    });
    const date = new Date(0);
    expect(stripNul({ date }).date).toBe(date);
  });
  it("a search box never fails: too long, wrong type or NUL-laden input becomes a usable string", () => {
    const s = searchText(10);
    expect(s.parse("  ab\0c ")).toBe("abc");
    expect(s.parse("x".repeat(11))).toBe("");
    expect(s.parse(42)).toBe("");
    expect(s.parse(undefined)).toBe("");
  });
});
