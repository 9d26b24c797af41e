-- Caseloads (least privilege): the social worker who registered a client is responsible for
-- them until a voucher names another (its issuer). Clients registered before this migration
-- have none: they are in the caseload of the social workers who issued their vouchers, and
-- the county's administrators see them all. Portable SQL.
ALTER TABLE clients ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
