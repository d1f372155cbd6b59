-- CreateTable
CREATE TABLE "ReportBlob" (
    "sha256" TEXT NOT NULL PRIMARY KEY,
    "size" INTEGER NOT NULL,
    "content" BLOB NOT NULL
);


-- Stored evidence is append-only (#17).
CREATE TRIGGER "ReportBlob_no_update" BEFORE UPDATE ON "ReportBlob"
BEGIN SELECT RAISE(ABORT, 'ReportBlob is append-only: rows cannot be changed'); END;
CREATE TRIGGER "ReportBlob_no_delete" BEFORE DELETE ON "ReportBlob"
BEGIN SELECT RAISE(ABORT, 'ReportBlob is append-only: rows cannot be deleted'); END;
