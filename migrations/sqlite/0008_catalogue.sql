-- Catalogue: definitions and source of each indicator, disaggregations (a child indicator is one
-- option of one dimension of its parent, e.g. POPULATION_MALE = POPULATION by sex: male), and
-- targets per year and unit (chỉ tiêu kế hoạch). Validity dates (valid_from, valid_to) exist since 0003.
ALTER TABLE indicators ADD COLUMN definition_vi TEXT;
ALTER TABLE indicators ADD COLUMN definition_en TEXT;
ALTER TABLE indicators ADD COLUMN source TEXT;
ALTER TABLE indicators ADD COLUMN parent_code TEXT;
ALTER TABLE indicators ADD COLUMN dimension TEXT;
ALTER TABLE indicators ADD COLUMN dim_option TEXT;
CREATE UNIQUE INDEX indicators_breakdown ON indicators (parent_code, dimension, dim_option);

-- A target (chỉ tiêu kế hoạch) of an indicator for a year, national (unit_code 'VN') or for a
-- province (its code, resolved at the end of that year).
CREATE TABLE indicator_targets (
    indicator_id INTEGER NOT NULL REFERENCES indicators(id),
    unit_code    TEXT    NOT NULL,
    year         INTEGER NOT NULL,
    value        REAL    NOT NULL,
    updated_at   INTEGER NOT NULL,
    updated_by   TEXT    NOT NULL,
    PRIMARY KEY (indicator_id, unit_code, year)
);
