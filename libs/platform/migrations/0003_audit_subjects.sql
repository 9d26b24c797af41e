-- Issue 15/14: a list or feed read is one audit entry naming every subject it showed; each of
-- them is a row here, so an auditor asking about one subject finds the entry. Append-only like
-- the log (Database::protect_audit_log).
CREATE TABLE platform_audit_subject (
    entry_id    TEXT NOT NULL,
    subject_id  TEXT NOT NULL,
    PRIMARY KEY (subject_id, entry_id)
);

-- The accesses a change recorded (JSON), kept with its answer so a replay of the answer is
-- recorded for the same subjects. NULL: stored by a release that did not keep them.
ALTER TABLE platform_idempotency ADD COLUMN audited TEXT;
