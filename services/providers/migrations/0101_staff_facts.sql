-- The facts of a staff member the staff rules need (PROV-STAFF-SOCIAL, PROV-STAFF-COACH).
-- Portable SQL (SQLite and PostgreSQL): see DESIGN.md, Data. An older release that does not
-- know the columns still inserts staff: the defaults are what it meant.

-- 1 when `county_admin` accepted the member's other social-science degree (case by case).
ALTER TABLE provider_staff ADD COLUMN degree_accepted_by_county BIGINT NOT NULL DEFAULT 0;

-- 1 when the member does individual or group coaching client work, 0 when not; NULL when not
-- stated (presumed from the qualification by `seteli_rules::provider::StaffRecord::from`).
ALTER TABLE provider_staff ADD COLUMN does_coaching BIGINT;
