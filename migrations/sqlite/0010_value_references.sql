-- PostgreSQL checks data_values' references once per statement from this version on (see
-- migrations/postgres/0010_value_references.sql). SQLite keeps its declared foreign keys: its
-- checks are index probes inside the engine and cost little. Nothing to change here; the file
-- keeps both histories at the same version numbers.
SELECT 1;
