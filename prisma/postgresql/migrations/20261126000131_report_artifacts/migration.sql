-- CreateTable
CREATE TABLE "ReportArtifact" (
    "id" SERIAL NOT NULL,
    "campaignId" TEXT NOT NULL,
    "stage" TEXT NOT NULL,
    "file" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "content" BYTEA NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ReportArtifact_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ReportArtifact_campaignId_stage_file_key" ON "ReportArtifact"("campaignId", "stage", "file");


-- Stored evidence is append-only too (#17).
CREATE TRIGGER "ReportArtifact_append_only" BEFORE UPDATE OR DELETE ON "ReportArtifact"
  FOR EACH ROW EXECUTE FUNCTION "recert_append_only"();
CREATE TRIGGER "ReportArtifact_no_truncate" BEFORE TRUNCATE ON "ReportArtifact"
  FOR EACH STATEMENT EXECUTE FUNCTION "recert_append_only"();
