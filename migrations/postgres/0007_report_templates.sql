-- Report templates for every reporting unit (Decree 09/2019): ministries report national figures
-- on a national unit ('nation', code VN), provinces and communes their own. A template names the
-- agency that reports it when that is a ministry; a report records the agency it was filed for.

ALTER TABLE units DROP CONSTRAINT units_level_check;
ALTER TABLE units ADD CONSTRAINT units_level_check
    CHECK (level IN ('nation', 'province', 'district', 'commune'));

-- The country as a reporting unit: where ministries' national figures are stored.
INSERT INTO units (code, level, kind, name, name_search)
    VALUES ('VN', 'nation', 'nation', 'Việt Nam', 'viet nam');

-- Who reports a template: for national templates, the ministry (agency) responsible.
ALTER TABLE report_templates ADD COLUMN agency_id BIGINT REFERENCES agencies(id);
-- Working days before the deadline when reminders start.
ALTER TABLE report_templates ADD COLUMN remind_days BIGINT NOT NULL DEFAULT 2;
-- The agency a report was filed for (a ministry's national report).
ALTER TABLE submissions ADD COLUMN agency_id BIGINT REFERENCES agencies(id);
