-- The usage feed and the alert feed are no longer numbered from the `usage_feed` and
-- `alert_feed` counter rows, which every session write (and every alert) had to lock until its
-- commit (issue 15: 87 % of the waits of a session write under load). They are numbered as the
-- voucher feed is (`seteli_platform::feed::published`): SQLite takes `MAX(sequence) + 1` (its
-- writers are serialised anyway); PostgreSQL numbers a change by its transaction id (shifted
-- left 16 bits, plus the change's ordinal in the transaction) plus the offset below, and
-- readers stop below the oldest transaction still running. Sequences keep increasing along
-- each feed, so followers resume where they were.
--
-- `*_xid_offset` (PostgreSQL only) is added to the transaction id; it is 0 unless the service
-- found a feed's head above the cluster's transaction ids at start (a restore into another
-- cluster) and raised it.
INSERT INTO attendance_counters (name, value) VALUES ('usage_feed_xid_offset', 0);
INSERT INTO attendance_counters (name, value) VALUES ('alert_feed_xid_offset', 0);
-- Removing the old counters fences an older release still running beside this one (a rolling
-- update): its writes fail ("no rows returned") instead of appending changes numbered below
-- sequences followers have already passed. To roll back, put them back first:
-- INSERT INTO attendance_counters (name, value)
--   SELECT 'usage_feed', COALESCE(MAX(sequence), 0) FROM usage_changes;
-- INSERT INTO attendance_counters (name, value)
--   SELECT 'alert_feed', COALESCE(MAX(sequence), 0) FROM alert_changes;
DELETE FROM attendance_counters WHERE name IN ('usage_feed', 'alert_feed');
