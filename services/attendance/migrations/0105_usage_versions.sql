-- A voucher's usage changes carry a version that increases with every change of its units,
-- in the order the changes were made. The feed's sequence orders the feed, but since it is
-- numbered by transaction id (0104), two changes of one voucher can stand in the feed in the
-- other order than they were committed: a transaction that took its id first may wait for the
-- voucher's lock and commit second. A follower keeps the change with the highest version
-- (issue 15). 0 marks changes stored before this migration: a follower applies them as before.
ALTER TABLE vouchers ADD COLUMN usage_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE usage_changes ADD COLUMN usage_version BIGINT NOT NULL DEFAULT 0;
