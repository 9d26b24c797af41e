-- VOUCHER-EXTENSION on the followed copy: the voucher a voucher continues (from the decision
-- the vouchers feed carries). A continuation with the same provider owes no new start
-- (PROC-START, RULES.md §10). Portable SQL.
ALTER TABLE vouchers ADD COLUMN continues_voucher_id TEXT;
