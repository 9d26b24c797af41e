-- The usage feed `vouchers` follows: attendance is the only bookkeeper of a voucher's units
-- used. Portable SQL (SQLite and PostgreSQL): see DESIGN.md, Data.

-- `usage_feed`: the usage feed's sequence, taken with UPDATE … RETURNING in the transaction
-- that changed the count, so the row stays locked until commit and sequence order is commit
-- order (a reader resuming after a sequence never misses a change).
INSERT INTO attendance_counters (name, value) VALUES ('usage_feed', 0);

-- One row per change of a voucher's units used (hundredths), written in the same transaction
-- as the session, no-show, correction or void that moved it. `first_used_on`: the earliest
-- day with units counted (NULL when none are).
CREATE TABLE usage_changes (
    sequence       BIGINT NOT NULL PRIMARY KEY,
    voucher_id     TEXT   NOT NULL,
    units_used     BIGINT NOT NULL,
    first_used_on  TEXT,
    occurred_at    BIGINT NOT NULL
);
