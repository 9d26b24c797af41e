-- A draft given up (DiscardProviderDraft) frees its business id for a new registration while
-- its record and history stay: its `business_id` becomes `discarded/<provider id>` (no Y-tunnus
-- looks like it, and the unique constraint keeps holding), the business id it was registered
-- with moves here, from where the provider's views still read it. NULL for every other provider.
-- Portable SQL (SQLite and PostgreSQL): see DESIGN.md, Data.
ALTER TABLE providers ADD COLUMN discarded_business_id TEXT;
