-- The start facts of a followed voucher (from the vouchers feed): a first session on an
-- ASSIGNED voucher starts the service, so it is checked like a start (PROC-START, PROC-COACH,
-- KTT-STEWARD).
ALTER TABLE vouchers ADD COLUMN provider_chosen_on TEXT;
ALTER TABLE vouchers ADD COLUMN agreed_start_on TEXT;
ALTER TABLE vouchers ADD COLUMN accepted_on TEXT;
ALTER TABLE vouchers ADD COLUMN steward_notified_on TEXT;
