-- Issue 30: a social worker may read a client outside their caseload as a substitute
-- (sijaisuus) with a stated reason; every entry of such a read carries it, so an auditor lists
-- them (ListAuditEntries, substitute_reads_only). Empty for every other access.
ALTER TABLE platform_audit_log ADD COLUMN substitute_reason TEXT NOT NULL DEFAULT '';
