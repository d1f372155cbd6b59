/** GET /api/v1/openapi.json — the evidence API's OpenAPI 3.1 document (public). */
export function GET(req: Request) {
  const origin = new URL(req.url).origin;
  const err = { $ref: "#/components/schemas/Error" };
  const errors = {
    "401": { description: "No token, or an invalid, expired, foreign or wrong-audience token", content: { "application/json": { schema: err } } },
    "403": { description: "The calling application lacks the Recert.Auditor app role", content: { "application/json": { schema: err } } },
  };
  const doc = {
    openapi: "3.1.0",
    info: { title: "Recert evidence API", version: "1.0.0", description: "Signed access-review evidence for GRC tools. Authenticate with an Entra access token obtained by client credentials (scope `<Recert application ID URI>/.default`); the calling app needs the Recert.Auditor app role." },
    servers: [{ url: origin }],
    security: [{ entra: [] }],
    components: {
      securitySchemes: { entra: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "Entra-issued access token (client credentials) with the Recert.Auditor role" } },
      schemas: {
        Error: { type: "object", properties: { error: { type: "string" }, error_description: { type: "string" } }, required: ["error"] },
        Campaign: {
          type: "object",
          properties: { id: { type: "string", format: "uuid" }, name: { type: "string" }, status: { type: "string", enum: ["active", "closed", "applied"] }, startAt: { type: "string", format: "date-time" }, endAt: { type: "string", format: "date-time" }, items: { type: "integer" }, decided: { type: "integer" }, applied: { type: "object" }, reports: { type: "object", properties: { pdf: { type: "string" }, csv: { type: "string" }, json: { type: "string" } } } },
        },
        AuditEvent: {
          type: "object",
          properties: { seq: { type: "integer" }, at: { type: "string", format: "date-time" }, actorType: { type: "string" }, actorId: { type: ["string", "null"] }, actorName: { type: ["string", "null"] }, action: { type: "string" }, targetType: { type: "string" }, targetId: { type: "string" }, before: {}, after: {}, context: {}, prevHash: { type: "string" }, hash: { type: "string" } },
        },
      },
    },
    paths: {
      "/api/v1/campaigns": { get: { summary: "List campaigns", responses: { "200": { description: "Campaigns", content: { "application/json": { schema: { type: "object", properties: { campaigns: { type: "array", items: { $ref: "#/components/schemas/Campaign" } } } } } } }, ...errors } } },
      "/api/v1/campaigns/{id}/{file}": {
        get: {
          summary: "Download a signed report (PDF with an embedded CMS signature; CSV/JSON with a .jws manifest), or a closed campaign's evidence package (evidence.zip; 409 while the campaign is open)",
          parameters: [
            { name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } },
            { name: "file", in: "path", required: true, schema: { type: "string", enum: ["report.pdf", "report.csv", "report.json", "report.csv.jws", "report.json.jws", "evidence.zip"] } },
          ],
          responses: { "200": { description: "The file", content: { "application/pdf": {}, "text/csv": {}, "application/json": {}, "application/jose": {}, "application/zip": {} } }, "404": { description: "No such campaign or file", content: { "application/json": { schema: err } } }, ...errors },
        },
      },
      "/api/v1/audit": {
        get: {
          summary: "The audit log in sequence order",
          parameters: [
            { name: "after", in: "query", schema: { type: "integer", minimum: 0 } },
            { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 5000 } },
          ],
          responses: { "200": { description: "Events and the next page", content: { "application/json": { schema: { type: "object", properties: { events: { type: "array", items: { $ref: "#/components/schemas/AuditEvent" } }, next: { type: ["string", "null"] } } } } } }, ...errors },
        },
      },
    },
  };
  return Response.json(doc, { headers: { "cache-control": "public, max-age=3600" } });
}
