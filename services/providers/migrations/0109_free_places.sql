-- The free places a provider declares for each service it offers (vapaat paikat), with the day it
-- declared them: what the public comparison and a client choosing a provider are shown. Unset
-- (NULL) until declared; SetOffering without them clears them. Nothing decides a rule by them.
-- Two nullable columns, so a release before them keeps reading and writing the table. Portable
-- SQL (SQLite and PostgreSQL): see DESIGN.md, Data.
ALTER TABLE provider_offerings ADD COLUMN free_places BIGINT;
ALTER TABLE provider_offerings ADD COLUMN free_places_on TEXT;
