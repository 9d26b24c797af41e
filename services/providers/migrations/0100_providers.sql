-- The provider registry. Portable SQL (SQLite and PostgreSQL): see DESIGN.md, Data.

CREATE TABLE providers (
    id                   TEXT   NOT NULL PRIMARY KEY,
    name                 TEXT   NOT NULL,
    business_id          TEXT   NOT NULL UNIQUE,
    legal_form           TEXT   NOT NULL,
    contact_name         TEXT   NOT NULL,
    contact_email        TEXT   NOT NULL,
    contact_phone        TEXT   NOT NULL,
    contact_address      TEXT   NOT NULL,
    iban                 TEXT   NOT NULL,
    bic                  TEXT   NOT NULL,
    einvoice_address     TEXT   NOT NULL,
    supplier_number      TEXT   NOT NULL,
    uses_subcontractors  BIGINT NOT NULL,
    state                TEXT   NOT NULL,
    state_reasons        TEXT   NOT NULL,
    version              BIGINT NOT NULL,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);
CREATE INDEX providers_state_name ON providers (state, name, id);
CREATE INDEX providers_name ON providers (name, id);

CREATE TABLE provider_sites (
    id              TEXT             NOT NULL PRIMARY KEY,
    provider_id     TEXT             NOT NULL REFERENCES providers (id),
    kind            TEXT             NOT NULL,
    name            TEXT             NOT NULL,
    street_address  TEXT             NOT NULL,
    postal_code     TEXT             NOT NULL,
    municipality    TEXT             NOT NULL,
    latitude        DOUBLE PRECISION NOT NULL,
    longitude       DOUBLE PRECISION NOT NULL
);
CREATE INDEX provider_sites_provider ON provider_sites (provider_id);
CREATE INDEX provider_sites_position ON provider_sites (latitude, longitude);

CREATE TABLE provider_offerings (
    provider_id       TEXT   NOT NULL REFERENCES providers (id),
    service_type      TEXT   NOT NULL,
    unit_price_cents  BIGINT NOT NULL,
    max_group_size    BIGINT NOT NULL,
    PRIMARY KEY (provider_id, service_type)
);
CREATE INDEX provider_offerings_service ON provider_offerings (service_type);

CREATE TABLE provider_staff (
    id               TEXT NOT NULL PRIMARY KEY,
    provider_id      TEXT NOT NULL REFERENCES providers (id),
    name             TEXT NOT NULL,
    role             TEXT NOT NULL,
    qualification    TEXT NOT NULL,
    register_number  TEXT NOT NULL
);
CREATE INDEX provider_staff_provider ON provider_staff (provider_id);

CREATE TABLE provider_documents (
    id              TEXT NOT NULL PRIMARY KEY,
    provider_id     TEXT NOT NULL REFERENCES providers (id),
    kind            TEXT NOT NULL,
    issued_on       TEXT NOT NULL,
    expires_on      TEXT,
    file_reference  TEXT NOT NULL
);
CREATE INDEX provider_documents_provider ON provider_documents (provider_id);

CREATE TABLE provider_soteri_classes (
    provider_id   TEXT   NOT NULL REFERENCES providers (id),
    soteri_class  BIGINT NOT NULL,
    PRIMARY KEY (provider_id, soteri_class)
);

CREATE TABLE provider_history (
    id             TEXT   NOT NULL PRIMARY KEY,
    provider_id    TEXT   NOT NULL REFERENCES providers (id),
    occurred_at    BIGINT NOT NULL,
    actor_subject  TEXT   NOT NULL,
    actor_role     TEXT   NOT NULL,
    organisation   TEXT   NOT NULL,
    action         TEXT   NOT NULL,
    summary        TEXT   NOT NULL,
    request_id     TEXT   NOT NULL
);
CREATE INDEX provider_history_provider ON provider_history (provider_id, occurred_at, id);
