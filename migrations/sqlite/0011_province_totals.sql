-- The provinces' approved values summed per indicator and period, so that a national roll-up
-- reads one row per period instead of asking every province. Above all for an indicator only
-- communes report: finding that no province has it took a scan of all its commune values or a key
-- probe per province and period (35 ms for 60 months on PostgreSQL). Kept, like area_totals, in
-- the transaction that changes approved values of province-level units (data::refresh_province_totals).
CREATE TABLE province_totals (
    indicator_id  BIGINT  NOT NULL,
    period        TEXT    NOT NULL,
    n             BIGINT  NOT NULL,
    total         DOUBLE PRECISION NOT NULL,
    min_value     DOUBLE PRECISION NOT NULL,
    max_value     DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (indicator_id, period)
) WITHOUT ROWID;

INSERT INTO province_totals (indicator_id, period, n, total, min_value, max_value)
SELECT dv.indicator_id, dv.period, COUNT(*), SUM(dv.value), MIN(dv.value), MAX(dv.value)
FROM data_values dv JOIN units u ON u.id = dv.unit_id
WHERE u.level = 'province' AND dv.approved
GROUP BY dv.indicator_id, dv.period;
