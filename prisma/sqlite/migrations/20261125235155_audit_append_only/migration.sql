-- CreateTable
CREATE TABLE "AuditCheckpoint" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "seq" INTEGER NOT NULL,
    "headHash" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "reason" TEXT NOT NULL,
    "jws" TEXT NOT NULL
);

-- CreateIndex
CREATE INDEX "AuditCheckpoint_seq_idx" ON "AuditCheckpoint"("seq");


-- Append-only evidence (#17): the database itself refuses to change or remove audit events and checkpoints.
-- (A test that tampers on purpose drops these triggers first and says so.)
CREATE TRIGGER "AuditEvent_no_update" BEFORE UPDATE ON "AuditEvent"
BEGIN SELECT RAISE(ABORT, 'AuditEvent is append-only: rows cannot be changed'); END;
CREATE TRIGGER "AuditEvent_no_delete" BEFORE DELETE ON "AuditEvent"
BEGIN SELECT RAISE(ABORT, 'AuditEvent is append-only: rows cannot be deleted'); END;
CREATE TRIGGER "AuditCheckpoint_no_update" BEFORE UPDATE ON "AuditCheckpoint"
BEGIN SELECT RAISE(ABORT, 'AuditCheckpoint is append-only: rows cannot be changed'); END;
CREATE TRIGGER "AuditCheckpoint_no_delete" BEFORE DELETE ON "AuditCheckpoint"
BEGIN SELECT RAISE(ABORT, 'AuditCheckpoint is append-only: rows cannot be deleted'); END;
