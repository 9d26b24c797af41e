-- The reporting service. Portable SQL (SQLite and PostgreSQL): see DESIGN.md, Data.
-- Dates `YYYY-MM-DD`; instants microseconds UTC; booleans 0/1.

-- How far the voucher feed (`seteli.vouchers.v1` ListVoucherChanges) has been applied. Moved
-- in the same transaction as the obligations it changed: a restart resumes after it, never
-- losing nor repeating a change; the row is the lock that keeps replicas apart.
CREATE TABLE feed_cursors (
    name             TEXT   NOT NULL PRIMARY KEY,
    last_sequence    BIGINT NOT NULL,
    changes_applied  BIGINT NOT NULL
);
INSERT INTO feed_cursors (name, last_sequence, changes_applied) VALUES ('vouchers', 0, 0);

-- Vouchers as followed from the feed: what report obligations depend on.
CREATE TABLE vouchers (
    id                    TEXT   NOT NULL PRIMARY KEY,
    client_id             TEXT   NOT NULL,
    provider_id           TEXT   NOT NULL,
    social_worker         TEXT   NOT NULL,
    service_type          TEXT   NOT NULL,
    state                 TEXT   NOT NULL,
    valid_from            TEXT   NOT NULL,
    valid_until           TEXT   NOT NULL,
    ended_on              TEXT,
    continues_voucher_id  TEXT   NOT NULL,
    feed_sequence         BIGINT NOT NULL
);
CREATE INDEX vouchers_continues ON vouchers (continues_voucher_id);

-- One row per report obligation (`<voucher id>/<rule id>`), with its report. `active` 0: no
-- longer owed (kept when its report was submitted).
CREATE TABLE obligations (
    id                    TEXT   NOT NULL PRIMARY KEY,
    voucher_id            TEXT   NOT NULL REFERENCES vouchers (id),
    client_id             TEXT   NOT NULL,
    provider_id           TEXT   NOT NULL,
    social_worker         TEXT   NOT NULL,
    service_type          TEXT   NOT NULL,
    kind                  TEXT   NOT NULL,
    rule                  TEXT   NOT NULL,
    due_on                TEXT   NOT NULL,
    active                BIGINT NOT NULL,
    report_state          TEXT   NOT NULL,
    goals_and_attainment  TEXT   NOT NULL,
    changes               TEXT   NOT NULL,
    means_with_examples   TEXT   NOT NULL,
    follow_up_plan        TEXT   NOT NULL,
    notes                 TEXT   NOT NULL,
    submitted_on          TEXT,
    late                  BIGINT NOT NULL,
    revision_reason       TEXT   NOT NULL,
    version               BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);
CREATE INDEX obligations_voucher ON obligations (voucher_id);
CREATE INDEX obligations_provider ON obligations (provider_id, due_on, id);
CREATE INDEX obligations_worker ON obligations (social_worker, due_on, id);
