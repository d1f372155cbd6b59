import { describe, expect, it } from "vitest";
import { ZAuditQuery } from "./browse";

describe("audit filters from a URL", () => {
  it("drops what is not a real day or a known shape instead of failing the page", () => {
    const q = ZAuditQuery.parse({
      from: "2026-02-30",
      to: "2026-99-99",
      action: "<script>",
      page: "-4",
      actor: "x".repeat(5_000),
    });
    expect(q).toEqual({ from: "", to: "", action: "", actor: "", target: "", page: 1 });
    expect(ZAuditQuery.parse({ from: "2026-02-28", to: "2028-02-29" })).toMatchObject({
      from: "2026-02-28",
      to: "2028-02-29",
    });
  });
});
