-- Issue 30: the team of the voucher's social worker (the voucher feed's `social_worker_team`),
-- where the county's identity provider names teams: the team shares the caseload.
ALTER TABLE vouchers ADD COLUMN social_worker_team TEXT NOT NULL DEFAULT '';
