-- The reminders' round (services::engine::reminders): dossiers in processing by appointment,
-- over every agency.
CREATE INDEX svc_dossiers_due ON svc_dossiers (status, due_date, id);
