-- The attendance service. Portable SQL (SQLite and PostgreSQL): see DESIGN.md, Data.
-- Units and hours are hundredths; dates `YYYY-MM-DD`; clock times `HH:MM`; instants
-- microseconds UTC; booleans 0/1.

-- Counters taken with a conditional UPDATE … RETURNING inside the transaction that uses them:
-- `alert_feed` (the alert change feed's sequence).
CREATE TABLE attendance_counters (
    name   TEXT   NOT NULL PRIMARY KEY,
    value  BIGINT NOT NULL
);
INSERT INTO attendance_counters (name, value) VALUES ('alert_feed', 0);

-- How far the voucher feed (`seteli.vouchers.v1` ListVoucherChanges) has been applied. Moved
-- in the same transaction as the vouchers it changed: a restart resumes after it, never
-- losing nor repeating a change.
CREATE TABLE feed_cursors (
    name             TEXT   NOT NULL PRIMARY KEY,
    last_sequence    BIGINT NOT NULL,
    changes_applied  BIGINT NOT NULL
);
INSERT INTO feed_cursors (name, last_sequence, changes_applied) VALUES ('vouchers', 0, 0);

-- Vouchers as followed from the feed (the voucher's terms, state, provider and coach), plus
-- attendance's own count of the units used.
CREATE TABLE vouchers (
    id                 TEXT   NOT NULL PRIMARY KEY,
    client_id          TEXT   NOT NULL,
    provider_id        TEXT   NOT NULL,
    service_type       TEXT   NOT NULL,
    state              TEXT   NOT NULL,
    decision_date      TEXT   NOT NULL,
    valid_from         TEXT   NOT NULL,
    valid_until        TEXT   NOT NULL,
    units_granted      BIGINT NOT NULL,
    weekly_cap         BIGINT,
    responsible_coach  TEXT   NOT NULL,
    social_worker      TEXT   NOT NULL,
    ended_on           TEXT,
    voucher_version    BIGINT NOT NULL,
    feed_sequence      BIGINT NOT NULL,
    units_used         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX vouchers_client ON vouchers (client_id);
CREATE INDEX vouchers_provider ON vouchers (provider_id);

-- One row per client: bumped by every change of a client's sessions, the lock that makes the
-- checks across the client's vouchers (COACHING-NOT-DURING-WORK, per-person CAP-WEEKLY) run
-- one after the other.
CREATE TABLE client_locks (
    client_id  TEXT   NOT NULL PRIMARY KEY,
    n          BIGINT NOT NULL
);

-- Sessions. `details` is the protobuf SessionDetails (base64) as last recorded; the columns
-- are what the rules and lists query.
CREATE TABLE sessions (
    id                   TEXT   NOT NULL PRIMARY KEY,
    voucher_id           TEXT   NOT NULL REFERENCES vouchers (id),
    client_id            TEXT   NOT NULL,
    provider_id          TEXT   NOT NULL,
    service_type         TEXT   NOT NULL,
    session_date         TEXT   NOT NULL,
    start_time           TEXT,
    end_time             TEXT,
    hours                BIGINT NOT NULL,
    units                BIGINT NOT NULL,
    modality             TEXT   NOT NULL,
    kind                 TEXT   NOT NULL,
    excursion            BIGINT NOT NULL,
    status               TEXT   NOT NULL,
    details              TEXT   NOT NULL,
    cancellation         TEXT,
    replaces_session_id  TEXT,
    invoice_id           TEXT,
    invoiced_units       BIGINT,
    invoiced_kind        TEXT,
    corrected_after_invoicing BIGINT NOT NULL,
    version              BIGINT NOT NULL,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);
CREATE INDEX sessions_voucher ON sessions (voucher_id, session_date, id);
CREATE INDEX sessions_client ON sessions (client_id, session_date);
CREATE INDEX sessions_provider ON sessions (provider_id, session_date);

-- Every revision of a session: history stays.
CREATE TABLE session_history (
    session_id     TEXT   NOT NULL,
    version        BIGINT NOT NULL,
    action         TEXT   NOT NULL,
    reason         TEXT   NOT NULL,
    details        TEXT   NOT NULL,
    at             BIGINT NOT NULL,
    actor_subject  TEXT   NOT NULL,
    actor_role     TEXT   NOT NULL,
    organisation   TEXT   NOT NULL,
    request_id     TEXT   NOT NULL,
    PRIMARY KEY (session_id, version)
);

-- KTT absences and days with no service arranged; one per voucher and day.
CREATE TABLE absences (
    id                     TEXT   NOT NULL PRIMARY KEY,
    voucher_id             TEXT   NOT NULL REFERENCES vouchers (id),
    client_id              TEXT   NOT NULL,
    absence_date           TEXT   NOT NULL,
    kind                   TEXT   NOT NULL,
    reason                 TEXT   NOT NULL,
    notes                  TEXT   NOT NULL,
    certificate_delivered  BIGINT NOT NULL,
    certificate_first_day  BIGINT NOT NULL,
    created_at             BIGINT NOT NULL,
    UNIQUE (voucher_id, absence_date)
);

-- Alerts: what a rule asks someone to do, by a date. `dedup_key` makes raising idempotent
-- (one alert per rule and occasion).
CREATE TABLE alerts (
    id             TEXT   NOT NULL PRIMARY KEY,
    dedup_key      TEXT   NOT NULL UNIQUE,
    rule_id        TEXT   NOT NULL,
    audience       TEXT   NOT NULL,
    voucher_id     TEXT   NOT NULL,
    client_id      TEXT   NOT NULL,
    provider_id    TEXT   NOT NULL,
    social_worker  TEXT   NOT NULL,
    message_en     TEXT   NOT NULL,
    message_fi     TEXT   NOT NULL,
    due_on         TEXT   NOT NULL,
    state          TEXT   NOT NULL,
    subject_id     TEXT   NOT NULL,
    resolution     TEXT   NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX alerts_provider ON alerts (provider_id, due_on, id);
CREATE INDEX alerts_social_worker ON alerts (social_worker, due_on, id);

-- The alert change feed `reporting` follows.
CREATE TABLE alert_changes (
    sequence  BIGINT NOT NULL PRIMARY KEY,
    alert_id  TEXT   NOT NULL,
    kind      TEXT   NOT NULL,
    snapshot  TEXT   NOT NULL
);
