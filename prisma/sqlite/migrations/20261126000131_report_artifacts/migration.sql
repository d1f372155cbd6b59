-- CreateTable
CREATE TABLE "ReportArtifact" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "campaignId" TEXT NOT NULL,
    "stage" TEXT NOT NULL,
    "file" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "content" BLOB NOT NULL,
    "createdAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "ReportArtifact_campaignId_stage_file_key" ON "ReportArtifact"("campaignId", "stage", "file");


-- Stored evidence is append-only too (#17).
CREATE TRIGGER "ReportArtifact_no_update" BEFORE UPDATE ON "ReportArtifact"
BEGIN SELECT RAISE(ABORT, 'ReportArtifact is append-only: rows cannot be changed'); END;
CREATE TRIGGER "ReportArtifact_no_delete" BEFORE DELETE ON "ReportArtifact"
BEGIN SELECT RAISE(ABORT, 'ReportArtifact is append-only: rows cannot be deleted'); END;
