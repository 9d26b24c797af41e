-- The billing service. Portable SQL (SQLite and PostgreSQL): see DESIGN.md, Data.
-- Units are hundredths; money cents; dates `YYYY-MM-DD`; months `YYYY-MM`; instants
-- microseconds UTC; booleans 0/1.

-- Counters taken with a conditional UPDATE … RETURNING inside the transaction that uses them:
-- `invoice_number` (invoice numbers) and `export_sequence` (the financial system's pull order,
-- assigned at approval: the row lock is held to the commit, so the order is the commit order).
CREATE TABLE billing_counters (
    name   TEXT   NOT NULL PRIMARY KEY,
    value  BIGINT NOT NULL
);
INSERT INTO billing_counters (name, value) VALUES ('invoice_number', 100000);
INSERT INTO billing_counters (name, value) VALUES ('export_sequence', 0);

-- One row per provider, bumped by every generation: generations of one provider run one
-- after the other, so an item is never billed by two at once.
CREATE TABLE provider_locks (
    provider_id  TEXT   NOT NULL PRIMARY KEY,
    n            BIGINT NOT NULL
);

-- A provider's month, generated once: the invoice and credit note made for it (NULL: none).
CREATE TABLE generations (
    provider_id     TEXT   NOT NULL,
    period          TEXT   NOT NULL,
    invoice_id      TEXT,
    credit_note_id  TEXT,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (provider_id, period)
);

-- Invoices and credit notes. `body` is the protobuf Invoice (base64) as generated: lines,
-- parties, references and totals never change; the columns hold what does (state and its
-- facts) and what lists query.
CREATE TABLE invoices (
    id               TEXT   NOT NULL PRIMARY KEY,
    invoice_number   BIGINT NOT NULL UNIQUE,
    kind             TEXT   NOT NULL,
    provider_id      TEXT   NOT NULL,
    period           TEXT   NOT NULL,
    state            TEXT   NOT NULL,
    total_cents      BIGINT NOT NULL,
    returned_reason  TEXT   NOT NULL,
    export_id        TEXT   NOT NULL,
    approved_at      BIGINT NOT NULL,
    export_sequence  BIGINT,
    paid_on          TEXT,
    items_marked     BIGINT NOT NULL,
    version          BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    body             TEXT   NOT NULL
);
CREATE UNIQUE INDEX invoices_export_sequence ON invoices (export_sequence);
CREATE INDEX invoices_provider ON invoices (provider_id, created_at);
CREATE INDEX invoices_pull ON invoices (state, export_sequence);
CREATE INDEX invoices_unmarked ON invoices (items_marked);

-- What each document billed (credited) per attendance item: the ids of what it bills.
CREATE TABLE invoice_items (
    invoice_id   TEXT   NOT NULL REFERENCES invoices (id),
    item_id      TEXT   NOT NULL,
    voucher_id   TEXT   NOT NULL,
    kind         TEXT   NOT NULL,
    item_date    TEXT   NOT NULL,
    units        BIGINT NOT NULL,
    cents        BIGINT NOT NULL,
    PRIMARY KEY (invoice_id, item_id)
);
CREATE INDEX invoice_items_item ON invoice_items (item_id);

-- Net billed per item (invoiced − credited), kept with each document in its transaction.
CREATE TABLE item_totals (
    item_id      TEXT   NOT NULL PRIMARY KEY,
    provider_id  TEXT   NOT NULL,
    voucher_id   TEXT   NOT NULL,
    kind         TEXT   NOT NULL,
    item_date    TEXT   NOT NULL,
    units        BIGINT NOT NULL,
    cents        BIGINT NOT NULL
);
CREATE INDEX item_totals_provider ON item_totals (provider_id, item_date);

-- Net billed per voucher (the caps: never more units or money than the voucher has).
CREATE TABLE voucher_totals (
    voucher_id   TEXT   NOT NULL PRIMARY KEY,
    provider_id  TEXT   NOT NULL,
    units        BIGINT NOT NULL,
    cents        BIGINT NOT NULL
);
CREATE INDEX voucher_totals_provider ON voucher_totals (provider_id);

-- The terms of a voucher as `vouchers` answered GetVoucher (they never change once issued):
-- number, service, price snapshot, grant and value.
CREATE TABLE voucher_terms (
    voucher_id        TEXT   NOT NULL PRIMARY KEY,
    voucher_number    TEXT   NOT NULL,
    service_type      TEXT   NOT NULL,
    unit_price_cents  BIGINT NOT NULL,
    units_granted     BIGINT NOT NULL,
    value_cents       BIGINT NOT NULL
);
