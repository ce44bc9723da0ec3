-- Each indicator declares its value rule: value_type (integer = a count, whole), decimals (the
-- precision a value may carry), lower_bound (none: may be negative) and, since this migration,
-- upper_bound (none: only the limit of every value, ±10^15, applies). Values breaking the rule
-- are refused on every way in. Reported shares in percent (percent, not negative, no formula)
-- are 0–100, as in the shipped catalogue.
ALTER TABLE indicators ADD COLUMN upper_bound DOUBLE PRECISION;
UPDATE indicators SET upper_bound = 100
 WHERE value_type = 'percent' AND lower_bound = 0 AND formula IS NULL;
