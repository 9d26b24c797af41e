-- Units reserved by sessions agreed for a later day (sovittu aika, RULES.md §10), as attendance
-- counts them on its usage feed beside the units used (issue 24).
ALTER TABLE vouchers ADD COLUMN units_reserved BIGINT NOT NULL DEFAULT 0;
