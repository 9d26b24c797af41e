-- A social worker's ListVouchers (their caseload: `issued_by`, or their team's) is a page
-- newest first. Without an index that starts with the caseload, PostgreSQL walks every voucher
-- of the county backwards by `created_at` and drops the others' (measured: 10,000 vouchers of
-- 100 social workers, 2,073 rows read and dropped for a page of 21, 2.57 ms; with the index
-- 21 rows, 0.49 ms), a cost that grows with the county's vouchers. Both columns are indexed
-- in the page's order, so the planner may also combine them for a team.
CREATE INDEX vouchers_issued_by ON vouchers (issued_by, created_at, id);
CREATE INDEX vouchers_issued_by_team ON vouchers (issued_by_team, created_at, id);
