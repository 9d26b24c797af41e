-- The change feed is no longer numbered from the `voucher_feed` counter row, which every voucher
-- mutation had to lock until its commit (issue 15). SQLite numbers a change `MAX(sequence) + 1`
-- (its writers are serialised anyway); PostgreSQL numbers it by its transaction id (shifted left
-- 16 bits, plus the change's ordinal in the transaction) plus the offset below, and readers stop
-- below the oldest transaction still running (`store::append_change`). Sequences keep
-- increasing along the feed, so followers resume where they were.
--
-- `voucher_feed_xid_offset` (PostgreSQL only) is added to the transaction id; it is 0 unless the
-- service found the feed's head above the cluster's transaction ids at start (the first start
-- after the counter, or a restore into another cluster) and raised it.
INSERT INTO voucher_counters (name, value) VALUES ('voucher_feed_xid_offset', 0);
-- Removing the old counter fences an older release still running beside this one (a rolling
-- update): its mutations fail ("counter voucher_feed is missing") instead of appending changes
-- numbered below sequences followers have already passed. To roll back, put it back first:
-- INSERT INTO voucher_counters (name, value)
--   SELECT 'voucher_feed', COALESCE(MAX(sequence), 0) FROM voucher_changes;
DELETE FROM voucher_counters WHERE name = 'voucher_feed';
