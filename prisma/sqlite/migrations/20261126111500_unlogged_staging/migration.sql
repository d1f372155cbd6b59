-- PostgreSQL's staging tables become UNLOGGED here; SQLite has no such thing (its staging writes skip fsync instead,
-- lib/sync/sqlite-writer.ts). Kept so both engines have the same migrations.
SELECT 1;
