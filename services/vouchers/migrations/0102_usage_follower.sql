-- How far attendance's usage feed (`seteli.attendance.v1` ListUsageChanges) has been applied:
-- attendance is the only bookkeeper of a voucher's units used, this service shows its count.
-- Moved in the same transaction as the vouchers it changed: a restart resumes after it, never
-- losing nor repeating a change. Portable SQL (SQLite and PostgreSQL): see DESIGN.md, Data.
CREATE TABLE feed_cursors (
    name             TEXT   NOT NULL PRIMARY KEY,
    last_sequence    BIGINT NOT NULL,
    changes_applied  BIGINT NOT NULL
);
INSERT INTO feed_cursors (name, last_sequence, changes_applied) VALUES ('attendance_usage', 0, 0);
