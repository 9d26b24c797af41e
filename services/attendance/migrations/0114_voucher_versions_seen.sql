-- The newest change of each followed voucher (its version and feed sequence), kept apart from
-- the copy in `vouchers`: a change that alters nothing the copy keeps (vouchers telling back the
-- units attendance counted, after every session write) moves only this row, so following it
-- never locks the voucher's row, which a session write locks, nor makes that write decide
-- again. The copy's own `voucher_version` and `feed_sequence` stay those of the last change that
-- altered it. Portable SQL.
CREATE TABLE voucher_versions_seen (
    voucher_id      TEXT   NOT NULL PRIMARY KEY,
    voucher_version BIGINT NOT NULL,
    feed_sequence   BIGINT NOT NULL
);
INSERT INTO voucher_versions_seen (voucher_id, voucher_version, feed_sequence)
    SELECT id, voucher_version, feed_sequence FROM vouchers;
