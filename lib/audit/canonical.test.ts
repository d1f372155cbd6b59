import { describe, expect, it } from "vitest";
import { canonicalJson, chainHash, GENESIS_HASH } from "./canonical";

describe("canonicalJson", () => {
  it("sorts keys at every depth and drops undefined", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: undefined }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"z":1}]},"b":1}',
    );
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });
  it("escapes strings like JSON and rejects NaN", () => {
    expect(canonicalJson({ s: 'x"\n<' })).toBe('{"s":"x\\"\\n<"}');
    expect(() => canonicalJson({ n: Number.NaN })).toThrow();
  });
});

describe("chainHash", () => {
  const e = {
    seq: 1,
    at: "2026-11-22T10:00:00.000Z",
    actorType: "user",
    actorId: "u",
    actorName: "U",
    action: "campaign.create",
    targetType: "campaign",
    targetId: "c1",
    before: null,
    after: { name: "Q4" },
    context: null,
  };
  it("depends on the previous hash and on every field", () => {
    const h = chainHash(GENESIS_HASH, e);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(chainHash(GENESIS_HASH, { ...e })).toBe(h);
    expect(chainHash("1".repeat(64), e)).not.toBe(h);
    expect(chainHash(GENESIS_HASH, { ...e, after: { name: "Q1" } })).not.toBe(h);
    expect(chainHash(GENESIS_HASH, { ...e, seq: 2 })).not.toBe(h);
  });
});
