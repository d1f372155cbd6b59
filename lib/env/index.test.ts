import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "./index";

const valid = {
  AUTH_SECRET: "x".repeat(40),
  AUTH_MICROSOFT_ENTRA_ID_ID: "4a1b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
  AUTH_MICROSOFT_ENTRA_ID_SECRET: "s3cret",
  ENTRA_TENANT_ID: "8c3dad1d-b6bc-4f8b-939b-8263372eced6",
};

describe("parseEnv", () => {
  it("derives the issuer and app id URI and applies Microsoft's defaults", () => {
    const env = parseEnv(valid);
    expect(env.DATABASE_URL).toBe("file:./data/recert.db");
    expect(env.ENTRA_AUTHORITY_HOST).toBe("https://login.microsoftonline.com");
    expect(env.GRAPH_BASE_URL).toBe("https://graph.microsoft.com");
    expect(env.AUTH_MICROSOFT_ENTRA_ID_ISSUER).toBe(
      "https://login.microsoftonline.com/8c3dad1d-b6bc-4f8b-939b-8263372eced6/v2.0",
    );
    expect(env.RECERT_APP_ID_URI).toBe("api://4a1b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d");
  });

  it("names every missing or malformed variable in one error", () => {
    try {
      parseEnv({ ENTRA_TENANT_ID: "contoso", DATABASE_URL: "mysql://x", GRAPH_BASE_URL: "ftp://graph" });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(EnvError);
      const msg = (e as Error).message;
      expect(msg).toContain("AUTH_SECRET is required");
      expect(msg).toContain("AUTH_MICROSOFT_ENTRA_ID_ID is required");
      expect(msg).toContain("ENTRA_TENANT_ID must be a GUID");
      expect(msg).toContain("DATABASE_URL must start with file:");
      expect(msg).toContain("GRAPH_BASE_URL must start with http");
    }
  });

  it("rejects an encryption key that is not 32 bytes", () => {
    expect(() => parseEnv({ ...valid, RECERT_ENCRYPTION_KEY: "c2hvcnQ=" })).toThrow(
      /RECERT_ENCRYPTION_KEY must be 32 bytes/,
    );
    expect(parseEnv({ ...valid, RECERT_ENCRYPTION_KEY: "ab".repeat(32) }).RECERT_ENCRYPTION_KEY).toHaveLength(64);
  });

  it("checks the time-stamp authority's URL and certificate fingerprint (#17)", () => {
    expect(() => parseEnv({ ...valid, REPORT_TSA_URL: "tsa.example.com" })).toThrow(
      /REPORT_TSA_URL must be an absolute URL/,
    );
    expect(() => parseEnv({ ...valid, REPORT_TSA_FINGERPRINT: "abc" })).toThrow(
      /REPORT_TSA_FINGERPRINT must be the SHA-256 of the authority's certificate/,
    );
    expect(
      parseEnv({ ...valid, REPORT_TSA_URL: "http://tsa.example.com/", REPORT_TSA_FINGERPRINT: "ab".repeat(32) }),
    ).toMatchObject({ REPORT_TSA_URL: "http://tsa.example.com", REPORT_TSA_FINGERPRINT: "ab".repeat(32) });
  });

  it("checks the notice channels (#18): a sender, a relay, an https webhook and a public URL for the links", () => {
    expect(parseEnv(valid).NOTIFY_MAIL).toBe("off");
    const on = { ...valid, RECERT_PUBLIC_URL: "https://recert.example.com" };
    expect(() => parseEnv({ ...on, NOTIFY_MAIL: "graph" })).toThrow(/NOTIFY_MAIL_FROM is required/);
    expect(() => parseEnv({ ...on, NOTIFY_MAIL: "smtp", NOTIFY_MAIL_FROM: "recert@contoso.com" })).toThrow(
      /NOTIFY_SMTP_URL is required/,
    );
    expect(() =>
      parseEnv({ ...on, NOTIFY_MAIL: "smtp", NOTIFY_MAIL_FROM: "recert@contoso.com", NOTIFY_SMTP_URL: "http://x" }),
    ).toThrow(/NOTIFY_SMTP_URL must start with smtp/);
    expect(() => parseEnv({ ...on, NOTIFY_MAIL: "pigeon" })).toThrow(/NOTIFY_MAIL must be off, graph or smtp/);
    expect(() => parseEnv({ ...on, NOTIFY_TEAMS_WEBHOOK_URL: "http://prod.example.com/hook?sig=s" })).toThrow(
      /must be https/,
    );
    expect(() => parseEnv({ ...on, NOTIFY_TEAMS_WEBHOOK_URL: "http://localhost:80@evil.example/hook" })).toThrow(
      /must be https/,
    );
    expect(() => parseEnv({ ...on, NOTIFY_TEAMS_WEBHOOK_URL: "HTTP://prod.example.com/hook" })).toThrow(
      /NOTIFY_TEAMS_WEBHOOK_URL/,
    );
    expect(parseEnv({ ...on, NOTIFY_TEAMS_WEBHOOK_URL: "http://127.0.0.1:8080/hook" }).NOTIFY_TEAMS_WEBHOOK_URL).toBe(
      "http://127.0.0.1:8080/hook",
    );
    expect(() => parseEnv({ ...valid, NOTIFY_MAIL: "graph", NOTIFY_MAIL_FROM: "recert@contoso.com" })).toThrow(
      /RECERT_PUBLIC_URL is required/,
    );
    expect(
      parseEnv({ ...on, NOTIFY_MAIL: "graph", NOTIFY_MAIL_FROM: "recert@contoso.com" }).NOTIFY_MAIL_PER_MINUTE,
    ).toBe(30);
  });

  it("treats empty strings as unset", () => {
    expect(parseEnv({ ...valid, GRAPH_BASE_URL: "" }).GRAPH_BASE_URL).toBe("https://graph.microsoft.com");
  });
});
