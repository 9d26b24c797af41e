-- The price history of each offering (PROV-PRICE, VOUCHER-VALUE): every price the provider set,
-- with the first day it is in force, so a session is billed at the price in force on its date.
-- `provider_offerings.unit_price_cents` stays the price in force today (searches and the
-- approval rules read it). Rows stay when an offering is removed: the sessions delivered under
-- it are still billed at them. Portable SQL (SQLite and PostgreSQL): see DESIGN.md, Data.
CREATE TABLE provider_offering_prices (
    provider_id       TEXT   NOT NULL REFERENCES providers (id),
    service_type      TEXT   NOT NULL,
    effective_from    TEXT   NOT NULL,
    unit_price_cents  BIGINT NOT NULL,
    set_at            BIGINT NOT NULL,
    PRIMARY KEY (provider_id, service_type, effective_from)
);

-- Offerings set before prices had dates start their history on 2024-01-01, the first day a
-- rulebook of ours is in force (KTT): no session of the system is earlier.
INSERT INTO provider_offering_prices (provider_id, service_type, effective_from, unit_price_cents, set_at)
SELECT provider_id, service_type, '2024-01-01', unit_price_cents, 0 FROM provider_offerings;
