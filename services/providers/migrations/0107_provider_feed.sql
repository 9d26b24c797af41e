-- The registry's change feed (ListProviderChanges): every change of a provider that the services
-- following the registry see (name and details, approval state, offerings) appends the provider
-- as it then is, in the change's own transaction. `vouchers` and `attendance` follow it and decide
-- PROVIDER-NOT-APPROVED and CAP-GROUP-SIZE from their copy, never asking the registry on a
-- request's path. Portable SQL (SQLite and PostgreSQL): see DESIGN.md, Data.
--
-- Numbered as the voucher feed is (seteli_platform::feed::published): SQLite `MAX(sequence) + 1`;
-- PostgreSQL the transaction id (shifted left 16 bits, plus the change's ordinal) plus the offset
-- `provider_feed_xid_offset` below, and readers stop below the oldest transaction still running.
CREATE TABLE provider_changes (
    sequence       BIGINT NOT NULL PRIMARY KEY,
    provider_id    TEXT   NOT NULL,
    version        BIGINT NOT NULL,
    action         TEXT   NOT NULL,
    occurred_at    BIGINT NOT NULL,
    actor_subject  TEXT   NOT NULL,
    actor_role     TEXT   NOT NULL,
    organisation   TEXT   NOT NULL,
    request_id     TEXT   NOT NULL,
    -- The provider after the change (seteli.providers.v1.Provider, its feed view), as stored by
    -- seteli_platform::convert::store_message.
    snapshot       TEXT   NOT NULL
);
CREATE INDEX provider_changes_provider ON provider_changes (provider_id, sequence);

CREATE TABLE provider_counters (
    name   TEXT   NOT NULL PRIMARY KEY,
    value  BIGINT NOT NULL
);
INSERT INTO provider_counters (name, value) VALUES ('provider_feed_xid_offset', 0);

-- Providers registered before the feed get their first entry (`FeedStart`) when the service
-- starts (ops::feed::publish_unfed): the entry carries the provider encoded as the contract
-- says, which SQL cannot write.
