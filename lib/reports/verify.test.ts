import { describe, expect, it } from "vitest";
import { signatureDer, verifyManifest, verifyPdf } from "./verify";

describe("the signature inside a PDF's /Contents", () => {
  it("keeps a signature whose last byte is 0x00 (one in 256 signatures), dropping only the padding", () => {
    const short = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00]);
    expect(signatureDer(Buffer.concat([short, Buffer.alloc(40)]))).toEqual(short);
    const body = Buffer.alloc(300, 7);
    body[299] = 0;
    const long = Buffer.concat([Buffer.from([0x30, 0x82, 0x01, 0x2c]), body]);
    expect(signatureDer(Buffer.concat([long, Buffer.alloc(1000)]))).toEqual(long);
  });
  it("leaves anything that is not a DER sequence to the parser, which rejects it", () => {
    const junk = Buffer.from("not a signature");
    expect(signatureDer(junk)).toEqual(junk);
  });
});

describe("crafted input", () => {
  it("is an invalid file, never a crash: a manifest whose x5c is not a certificate, a PDF whose signature is junk", async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    for (const x5c of [[123], ["not base64!"], ["AAAA"]]) {
      const jws = `${b64({ alg: "RS256", x5c })}.${b64({ file: "x" })}.AAAA`;
      expect(await verifyManifest(Buffer.from("x"), jws)).toMatchObject({ verdict: "invalid" });
    }
    const pdf = Buffer.from("%PDF-1.7\n/ByteRange [0 10 20 5] /Contents <3003020100>\n");
    expect(verifyPdf(pdf).verdict).toBe("invalid");
  });
});
