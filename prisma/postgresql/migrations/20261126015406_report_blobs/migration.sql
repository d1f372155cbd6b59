-- CreateTable
CREATE TABLE "ReportBlob" (
    "sha256" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "content" BYTEA NOT NULL,

    CONSTRAINT "ReportBlob_pkey" PRIMARY KEY ("sha256")
);


-- Out of line, uncompressed: the PDF is compressed already, and pglz over a 56 MB JSON costs more than it saves.
ALTER TABLE "ReportBlob" ALTER COLUMN "content" SET STORAGE EXTERNAL;

-- Stored evidence is append-only (#17).
CREATE TRIGGER "ReportBlob_append_only" BEFORE UPDATE OR DELETE ON "ReportBlob"
  FOR EACH ROW EXECUTE FUNCTION "recert_append_only"();
CREATE TRIGGER "ReportBlob_no_truncate" BEFORE TRUNCATE ON "ReportBlob"
  FOR EACH STATEMENT EXECUTE FUNCTION "recert_append_only"();
