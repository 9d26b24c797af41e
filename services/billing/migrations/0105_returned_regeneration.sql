-- A returned document is generated again in place (issue 25): its items released in
-- `attendance` first, so that the provider corrects or voids the sessions, then billed anew.
-- `release_round` counts the returns (each asks attendance to release the items the document
-- then holds); `items_released` is the round attendance has been told of. A document's items
-- are marked again (`items_marked`, back to 0 at a return) only once its release is told, and
-- never while it is RETURNED: the order billing tells attendance in is the order it happened.
-- The body of a RETURNED document is replaced when it is generated again (same id, same
-- number); once approved it never changes.
ALTER TABLE invoices ADD COLUMN release_round BIGINT NOT NULL DEFAULT 0;
ALTER TABLE invoices ADD COLUMN items_released BIGINT NOT NULL DEFAULT 0;
