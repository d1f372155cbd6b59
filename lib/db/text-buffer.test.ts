import { describe, expect, it } from "vitest";
import { TextBuffer } from "./text-buffer";

describe("TextBuffer", () => {
  it("holds exactly the UTF-8 of what was added, growing past its size, and starts again after take or clear", () => {
    const b = new TextBuffer(8);
    const parts = ["plain\t", "Zoë Ünïcödé\n", "🙂".repeat(50), "\u2028x", "y".repeat(1_000)];
    for (const p of parts) b.add(p);
    expect(b.full).toBe(true);
    expect(b.bytes).toBe(Buffer.byteLength(parts.join("")));
    const taken = b.take();
    expect(taken.toString("utf8")).toBe(parts.join(""));
    expect(b.bytes).toBe(0);
    b.add("next");
    // take() returned a copy: the reused buffer overwrote nothing of it.
    expect(taken.toString("utf8")).toBe(parts.join(""));
    expect(b.peek().toString()).toBe("next");
    b.clear();
    expect(b.full).toBe(false);
    expect(b.peek().length).toBe(0);
  });
});
