-- The voucher service. Portable SQL (SQLite and PostgreSQL): see DESIGN.md, Data.

-- Counters taken with a conditional UPDATE … RETURNING inside the transaction that uses them:
-- `voucher_feed` (change feed sequence), `ceiling_price` (recording order of prices) and
-- `voucher_number:<year>` (voucher numbers, created on first use).
CREATE TABLE voucher_counters (
    name   TEXT   NOT NULL PRIMARY KEY,
    value  BIGINT NOT NULL
);
INSERT INTO voucher_counters (name, value) VALUES ('voucher_feed', 0);
INSERT INTO voucher_counters (name, value) VALUES ('ceiling_price', 0);

-- Clients. `identity_code` is personal data: never logged, masked in lists.
CREATE TABLE clients (
    id                    TEXT             NOT NULL PRIMARY KEY,
    identity_code         TEXT             NOT NULL UNIQUE,
    identity_code_masked  TEXT             NOT NULL,
    birth_date            TEXT             NOT NULL,
    name                  TEXT             NOT NULL,
    home_municipality     TEXT             NOT NULL,
    home_latitude         DOUBLE PRECISION NOT NULL,
    home_longitude        DOUBLE PRECISION NOT NULL,
    contact_phone         TEXT             NOT NULL,
    contact_email         TEXT             NOT NULL,
    contact_address       TEXT             NOT NULL,
    version               BIGINT           NOT NULL,
    -- Bumped by every IssueVoucher for the client: the row lock that serialises the overlap
    -- check (VOUCHER-EXTENSION) of concurrent decisions for one client.
    issue_lock            BIGINT           NOT NULL,
    created_at            BIGINT           NOT NULL,
    updated_at            BIGINT           NOT NULL
);
CREATE INDEX clients_name ON clients (name, id);

-- Ceiling prices: a row per change, never updated. In force on a date: the latest
-- `effective_from` on or before it; for equal dates, the latest recorded (`seq`).
CREATE TABLE ceiling_prices (
    id                TEXT   NOT NULL PRIMARY KEY,
    service_type      TEXT   NOT NULL,
    effective_from    TEXT   NOT NULL,
    unit_price_cents  BIGINT NOT NULL,
    seq               BIGINT NOT NULL UNIQUE,
    recorded_at       BIGINT NOT NULL,
    actor_subject     TEXT   NOT NULL,
    actor_role        TEXT   NOT NULL,
    organisation      TEXT   NOT NULL,
    request_id        TEXT   NOT NULL
);
CREATE INDEX ceiling_prices_service ON ceiling_prices (service_type, effective_from, seq);

-- Vouchers. Units are hundredths of an hour or day; money is cents; dates YYYY-MM-DD.
CREATE TABLE vouchers (
    id                       TEXT             NOT NULL PRIMARY KEY,
    voucher_number           TEXT             NOT NULL UNIQUE,
    client_id                TEXT             NOT NULL REFERENCES clients (id),
    service_type             TEXT             NOT NULL,
    state                    TEXT             NOT NULL,
    decision_date            TEXT             NOT NULL,
    valid_from               TEXT             NOT NULL,
    valid_until              TEXT             NOT NULL,
    units_granted            BIGINT           NOT NULL,
    units_used               BIGINT           NOT NULL,
    weekly_cap               BIGINT,
    unit_price_cents         BIGINT           NOT NULL,
    value_cents              BIGINT           NOT NULL,
    rulebook_code            TEXT             NOT NULL,
    rulebook_version         TEXT             NOT NULL,
    rulebook_effective_from  TEXT             NOT NULL,
    distance_exemption       BIGINT           NOT NULL,
    continues_voucher_id     TEXT,
    -- The whole decision as recorded (protobuf ServiceDecision, base64): its eligibility facts
    -- are read only to show the decision, never queried.
    decision                 TEXT             NOT NULL,
    provider_id              TEXT,
    provider_name            TEXT             NOT NULL,
    provider_distance_km     DOUBLE PRECISION NOT NULL,
    responsible_coach        TEXT             NOT NULL,
    steward_notified_on      TEXT,
    declined_reason          TEXT             NOT NULL,
    started_on               TEXT,
    ended_on                 TEXT,
    end_reason               TEXT             NOT NULL,
    issued_by                TEXT             NOT NULL,
    version                  BIGINT           NOT NULL,
    created_at               BIGINT           NOT NULL,
    updated_at               BIGINT           NOT NULL
);
CREATE INDEX vouchers_client ON vouchers (client_id, service_type);
CREATE INDEX vouchers_provider ON vouchers (provider_id, created_at);
CREATE INDEX vouchers_state ON vouchers (state, valid_until);
CREATE INDEX vouchers_created ON vouchers (created_at, id);

-- The change feed: a row per voucher change, `sequence` from the `voucher_feed` counter taken
-- in the same transaction, so commit order is sequence order.
CREATE TABLE voucher_changes (
    sequence       BIGINT NOT NULL PRIMARY KEY,
    voucher_id     TEXT   NOT NULL,
    provider_id    TEXT,
    kind           TEXT   NOT NULL,
    occurred_at    BIGINT NOT NULL,
    actor_subject  TEXT   NOT NULL,
    actor_role     TEXT   NOT NULL,
    organisation   TEXT   NOT NULL,
    request_id     TEXT   NOT NULL,
    snapshot       TEXT   NOT NULL
);
CREATE INDEX voucher_changes_provider ON voucher_changes (provider_id, sequence);
