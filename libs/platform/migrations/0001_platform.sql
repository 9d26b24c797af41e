-- Platform tables present in every service's database. Portable SQL (SQLite and PostgreSQL).

-- A mutation's first answer, by caller and request id (DESIGN.md, Contracts).
CREATE TABLE platform_idempotency (
    caller        TEXT   NOT NULL,
    request_id    TEXT   NOT NULL,
    request_hash  TEXT   NOT NULL,
    response      TEXT,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (caller, request_id)
);

-- Every read or write of personal data (client-data act 703/2023).
CREATE TABLE platform_audit_log (
    id             TEXT   NOT NULL PRIMARY KEY,
    occurred_at    BIGINT NOT NULL,
    actor_subject  TEXT   NOT NULL,
    actor_role     TEXT   NOT NULL,
    organisation   TEXT   NOT NULL,
    subject_kind   TEXT   NOT NULL,
    subject_id     TEXT   NOT NULL,
    action         TEXT   NOT NULL,
    purpose        TEXT   NOT NULL,
    request_id     TEXT   NOT NULL
);
CREATE INDEX platform_audit_log_subject ON platform_audit_log (subject_id, occurred_at);
CREATE INDEX platform_audit_log_time ON platform_audit_log (occurred_at, id);
