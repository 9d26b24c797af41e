-- The voucher's version in the change last applied. The voucher feed is numbered by
-- transaction id, so two changes of one voucher can stand in it in the other order than they
-- were made (a transaction that took its id first may wait for the voucher's lock and commit
-- second); the change with the higher version wins, then the later sequence (issue 15). 0 for
-- vouchers followed before this migration: their next change applies.
ALTER TABLE vouchers ADD COLUMN voucher_version BIGINT NOT NULL DEFAULT 0;
