-- Validation rules (quy tắc kiểm tra): left formula, comparison, right formula. An 'error' rule
-- blocks a submission; a 'warning' rule needs an explanation to submit.
CREATE TABLE validation_rules (
    id        INTEGER PRIMARY KEY,
    code      TEXT NOT NULL UNIQUE,
    name_vi   TEXT NOT NULL,
    name_en   TEXT NOT NULL,
    left_expr TEXT NOT NULL,
    op        TEXT NOT NULL CHECK (op IN ('<', '<=', '>', '>=', '==', '!=')),
    right_expr TEXT NOT NULL,
    severity  TEXT NOT NULL CHECK (severity IN ('error', 'warning'))
);
