-- The dates the start checklist counts from (PROC-START, PROC-COACH, KTT-STEWARD).
-- Portable SQL (SQLite and PostgreSQL): see DESIGN.md, Data. Dates are TEXT `YYYY-MM-DD`; NULL
-- when not (yet) known, as for every voucher chosen or accepted before this migration.

-- The day the client chose the pending or accepting provider (ChooseProvider): PROC-START
-- counts from it.
ALTER TABLE vouchers ADD COLUMN provider_chosen_on TEXT;
-- A start date agreed at the choice (replaces PROC-START's default limit).
ALTER TABLE vouchers ADD COLUMN agreed_start_on TEXT;
-- The day the provider accepted: the client–provider contract was made (KTT PROC-COACH).
ALTER TABLE vouchers ADD COLUMN accepted_on TEXT;
-- The day the responsible coach was named.
ALTER TABLE vouchers ADD COLUMN coach_named_on TEXT;
