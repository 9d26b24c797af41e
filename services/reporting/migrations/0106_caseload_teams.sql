-- Issue 30: the team of the voucher's social worker (the voucher feed's `social_worker_team`),
-- where the county's identity provider names teams: the team shares the caseload of the
-- voucher's obligations, reports, notices and Kela notices.
ALTER TABLE vouchers ADD COLUMN social_worker_team TEXT NOT NULL DEFAULT '';
