-- Issue 30: where the county's identity provider names social workers' teams
-- (SETELI_JWT_TEAM_CLAIM), a team shares its members' caseloads: a client registered or a
-- voucher issued by a member of the team is the team's. Empty: no team named.
ALTER TABLE clients ADD COLUMN created_by_team TEXT NOT NULL DEFAULT '';
ALTER TABLE vouchers ADD COLUMN issued_by_team TEXT NOT NULL DEFAULT '';
