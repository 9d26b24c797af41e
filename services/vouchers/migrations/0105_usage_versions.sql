-- The usage version of the last usage change applied to the voucher (attendance's
-- `UsageChange.usage_version`). Two changes of one voucher can stand in attendance's feed in
-- the other order than they were made (its sequence is numbered by transaction id), so a change
-- with a version at or below this one is older than what the voucher shows and is skipped
-- (issue 15). 0: none applied with a version yet.
ALTER TABLE vouchers ADD COLUMN usage_version BIGINT NOT NULL DEFAULT 0;
