-- The provider registry as this service follows it (`seteli.providers.v1` ListProviderChanges,
-- seteli_platform::followed_providers): whether a provider may work (PROVIDER-NOT-APPROVED) and
-- what it offers are decided from this copy, never asked of the registry on a request's path.
-- Each page of the feed is applied in one transaction with the cursor row below; a provider's
-- row keeps the highest version the feed has shown. Portable SQL (SQLite and PostgreSQL): see
-- DESIGN.md, Data.
CREATE TABLE followed_providers (
    id             TEXT   NOT NULL PRIMARY KEY,
    name           TEXT   NOT NULL,
    -- The contract's ProviderState without its prefix: APPROVED, SUSPENDED, ...
    state          TEXT   NOT NULL,
    version        BIGINT NOT NULL,
    feed_sequence  BIGINT NOT NULL
);

-- The offerings of the provider's version above: its own unit price in force, and the largest
-- group it takes (CAP-GROUP-SIZE; 0 for a service without groups).
CREATE TABLE followed_provider_offerings (
    provider_id       TEXT   NOT NULL,
    service_type      TEXT   NOT NULL,
    unit_price_cents  BIGINT NOT NULL,
    max_group_size    BIGINT NOT NULL,
    PRIMARY KEY (provider_id, service_type)
);

INSERT INTO feed_cursors (name, last_sequence, changes_applied) VALUES ('providers', 0, 0);
