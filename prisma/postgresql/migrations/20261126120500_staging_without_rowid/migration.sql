-- SQLite's staging tables become WITHOUT ROWID here; PostgreSQL's are heaps with a primary key, made UNLOGGED in
-- 20261126111500_unlogged_staging. Kept so both engines have the same migrations.
SELECT 1;
