-- data_values' references to indicators, units and submissions, checked once per statement.
--
-- PostgreSQL checks a foreign key row by row: for every row written, a query on the parent table
-- and a lock on the parent row. data_values takes its rows by the hundred thousand (a bulk
-- request, an approval), and those checks were three quarters of the cost of each insert. The
-- same rule is enforced here set-based: after each statement that writes data_values, one
-- anti-join of the distinct ids it wrote against each parent table. A violation fails the statement, and
-- so its transaction, with SQLSTATE 23503 (foreign_key_violation), as the constraints did.
--
-- The parents' side is kept too: deleting a unit, indicator or submission that values still refer
-- to is refused. Parent ids never change (no code updates them), so updates of them are not
-- checked. (SQLite keeps its declared foreign keys: its checks are index probes inside the
-- engine and cost little.)
ALTER TABLE data_values
    DROP CONSTRAINT data_values_indicator_id_fkey,
    DROP CONSTRAINT data_values_unit_id_fkey,
    DROP CONSTRAINT data_values_submission_id_fkey;

CREATE FUNCTION data_values_check_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing BIGINT;
BEGIN
    SELECT n.id INTO missing FROM (SELECT DISTINCT indicator_id AS id FROM new_rows) n
        WHERE NOT EXISTS (SELECT 1 FROM indicators p WHERE p.id = n.id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'data_values: indicator % does not exist', missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    SELECT n.id INTO missing FROM (SELECT DISTINCT unit_id AS id FROM new_rows) n
        WHERE NOT EXISTS (SELECT 1 FROM units p WHERE p.id = n.id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'data_values: unit % does not exist', missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    SELECT n.id INTO missing FROM (SELECT DISTINCT submission_id AS id FROM new_rows) n
        WHERE n.id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM submissions p WHERE p.id = n.id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'data_values: submission % does not exist', missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER data_values_references_on_insert AFTER INSERT ON data_values
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION data_values_check_references();
CREATE TRIGGER data_values_references_on_update AFTER UPDATE ON data_values
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION data_values_check_references();

-- TG_ARGV[0]: the data_values column that refers to the table the trigger is on.
CREATE FUNCTION data_values_keep_parents() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing BIGINT;
BEGIN
    EXECUTE format(
        'SELECT o.id FROM old_rows o WHERE EXISTS (SELECT 1 FROM data_values d WHERE d.%I = o.id) LIMIT 1',
        TG_ARGV[0]) INTO missing;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION '%: row % is still referred to by data_values', TG_TABLE_NAME, missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER data_values_keep_indicators AFTER DELETE ON indicators
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION data_values_keep_parents('indicator_id');
CREATE TRIGGER data_values_keep_units AFTER DELETE ON units
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION data_values_keep_parents('unit_id');
CREATE TRIGGER data_values_keep_submissions AFTER DELETE ON submissions
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION data_values_keep_parents('submission_id');
