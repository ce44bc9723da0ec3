-- A dashboard's audience may be a scope (issue 12): signed-in readers whose grants cover the unit
-- bearing the code in `audience_scope` ('scope:40' on the form).
ALTER TABLE ops_dashboards ADD COLUMN audience_scope TEXT;
ALTER TABLE ops_dashboards DROP CONSTRAINT ops_dashboards_audience_check;
ALTER TABLE ops_dashboards ADD CONSTRAINT ops_dashboards_audience_check
    CHECK (audience IN ('public', 'signed_in', 'role', 'scope'));
ALTER TABLE ops_dashboards ADD CONSTRAINT ops_dashboards_audience_scope_check
    CHECK ((audience = 'scope') = (audience_scope IS NOT NULL));
