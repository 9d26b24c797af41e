-- Notices to social workers, Kela absence notices (ABS-KELA) and what they need from the feeds.
-- Portable SQL (SQLite and PostgreSQL): see DESIGN.md, Data. Dates `YYYY-MM-DD`; instants
-- microseconds UTC; booleans 0/1.

-- How far attendance's alert feed (`seteli.attendance.v1` ListAlertChanges) has been applied,
-- moved in the same transaction as the notices it made.
INSERT INTO feed_cursors (name, last_sequence, changes_applied) VALUES ('attendance_alerts', 0, 0);

-- One row per notice to a social worker. `source_key` is what made it (`alert:<alert id>`,
-- `interrupted:<voucher id>`, `told:<notice id>`): a change applied twice makes one notice.
-- "Without delay" is measured by `due_on` against `told_on` (`late`).
CREATE TABLE notices (
    id                    TEXT   NOT NULL PRIMARY KEY,
    source_key            TEXT   NOT NULL UNIQUE,
    kind                  TEXT   NOT NULL,
    rule                  TEXT   NOT NULL,
    voucher_id            TEXT   NOT NULL,
    client_id             TEXT   NOT NULL,
    provider_id           TEXT   NOT NULL,
    social_worker         TEXT   NOT NULL,
    subject_id            TEXT   NOT NULL,
    situation_change      TEXT   NOT NULL,
    occurred_on           TEXT   NOT NULL,
    due_on                TEXT   NOT NULL,
    told_at               BIGINT NOT NULL,
    told_on               TEXT   NOT NULL,
    late                  BIGINT NOT NULL,
    told_by_subject       TEXT   NOT NULL,
    told_by_role          TEXT   NOT NULL,
    told_by_organisation  TEXT   NOT NULL,
    message_en            TEXT   NOT NULL,
    message_fi            TEXT   NOT NULL,
    details               TEXT   NOT NULL,
    state                 TEXT   NOT NULL,
    acknowledged_at       BIGINT NOT NULL,
    ack_subject           TEXT   NOT NULL,
    ack_role              TEXT   NOT NULL,
    ack_organisation      TEXT   NOT NULL,
    ack_note              TEXT   NOT NULL,
    version               BIGINT NOT NULL
);
CREATE INDEX notices_worker ON notices (social_worker, told_at, id);
CREATE INDEX notices_provider ON notices (provider_id, told_at, id);
CREATE INDEX notices_voucher ON notices (voucher_id);

-- What a Kela absence notice needs of a followed voucher beyond `vouchers`: its number and
-- when the service started (the two-week periods count from it). Written from the voucher feed
-- in the transaction that moves its cursor.
CREATE TABLE voucher_starts (
    voucher_id      TEXT   NOT NULL PRIMARY KEY,
    voucher_number  TEXT   NOT NULL,
    started_on      TEXT,
    feed_sequence   BIGINT NOT NULL
);

-- Kela absence notices (TT3) marked sent: one per voucher and two-week period.
CREATE TABLE kela_notices_sent (
    voucher_id        TEXT   NOT NULL,
    period_from       TEXT   NOT NULL,
    sent_on           TEXT   NOT NULL,
    late              BIGINT NOT NULL,
    sent_at           BIGINT NOT NULL,
    sent_by_subject   TEXT   NOT NULL,
    sent_by_role      TEXT   NOT NULL,
    sent_by_organisation TEXT NOT NULL,
    PRIMARY KEY (voucher_id, period_from)
);
