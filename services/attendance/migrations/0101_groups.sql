-- Groups (KTT 2.2.2, SK 4.2.2, SK 5): open or closed, a maximum size, an announced start that
-- SK-GROUP-MIN-FILL may delay, and the client vouchers enrolled in them. Portable SQL.

CREATE TABLE coaching_groups (
    id               TEXT   NOT NULL PRIMARY KEY,
    provider_id      TEXT   NOT NULL,
    service_type     TEXT   NOT NULL,
    name             TEXT   NOT NULL,
    mode             TEXT   NOT NULL,
    max_size         BIGINT NOT NULL,
    announced_start  TEXT   NOT NULL,
    start_on         TEXT   NOT NULL,
    schedule         TEXT   NOT NULL,
    state            TEXT   NOT NULL,
    decision_reason  TEXT   NOT NULL,
    version          BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX coaching_groups_provider ON coaching_groups (provider_id, start_on, id);
CREATE INDEX coaching_groups_start ON coaching_groups (start_on, id);

-- One row per voucher and group; a withdrawn enrolment stays (with its dates) and may be
-- enrolled again.
CREATE TABLE group_enrolments (
    group_id           TEXT   NOT NULL REFERENCES coaching_groups (id),
    voucher_id         TEXT   NOT NULL REFERENCES vouchers (id),
    client_id          TEXT   NOT NULL,
    joins_on           TEXT   NOT NULL,
    state              TEXT   NOT NULL,
    enrolled_on        TEXT   NOT NULL,
    withdrawn_on       TEXT,
    withdrawal_reason  TEXT   NOT NULL,
    PRIMARY KEY (group_id, voucher_id)
);
CREATE INDEX group_enrolments_voucher ON group_enrolments (voucher_id);
