-- Agreed sessions (sovittu aika, RULES.md §10 "realised, not planned"): a session dated after
-- today reserves units without using them until its day has come. A voucher's count keeps the
-- two apart with the day it was made ('' before this migration: made again once), so the
-- recount finds the vouchers whose agreed sessions have come due; the usage feed carries both.
ALTER TABLE vouchers ADD COLUMN units_reserved BIGINT NOT NULL DEFAULT 0;
ALTER TABLE vouchers ADD COLUMN counted_on TEXT NOT NULL DEFAULT '';
ALTER TABLE usage_changes ADD COLUMN units_reserved BIGINT NOT NULL DEFAULT 0;
