-- Faster ingestion.
--
-- 1. data_values loses updated_at and updated_by: nothing read them, and who changed a value
--    when is kept, with the old and new figure and the reason, in value_changes (one row per
--    change set) and on the submission.
ALTER TABLE data_values DROP COLUMN updated_at;
ALTER TABLE data_values DROP COLUMN updated_by;

-- 2. data_values loses its second index, on (unit_id, period). Every report's indicators are
--    known from its template, so a report's values are found through the primary key
--    (indicator_id, period, unit_id) — one lookup per indicator — and each insert touches one
--    B-tree instead of two: bulk ingestion writes twice as fast.
DROP INDEX data_values_unit;

-- 3. Each unit's approved values over time, packed into one row: the history the outlier check
--    compares a new value with. Reading a batch's history from data_values cost about five rows
--    per value written, and moving rows out of the database costs more than writing them; here it
--    is one row per unit of the batch. Kept in the transaction that approves, corrects or
--    un-approves values (reporting::series), never rebuilt in batch.
--    points: 17-byte records sorted by (indicator, period) — indicator id (u32 LE), period kind
--    (1 byte), period ordinal (i32 LE), value (f64 LE bits, exact). Filled from existing data when
--    the application first starts on it.
CREATE TABLE unit_series (
    unit_id BIGINT PRIMARY KEY,
    points  BYTEA  NOT NULL
);
-- Packed doubles do not compress: store them out of line without trying.
ALTER TABLE unit_series ALTER COLUMN points SET STORAGE EXTERNAL;
