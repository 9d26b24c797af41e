-- Nothing lost at the end, but never after the last month is paid for (RULES.md §10): the
-- months of a voucher (their first days) that an invoice billing approved holds
-- (MarkItemsInvoiced with `approved`). A table of its own, written without touching the
-- followed voucher's row, so marking (which holds the client's lock) never waits for a voucher
-- lock that a session write holds before the client's. Portable SQL.
CREATE TABLE approved_months (
    voucher_id  TEXT NOT NULL,
    month       TEXT NOT NULL,
    PRIMARY KEY (voucher_id, month)
);
