-- Why a service ended (an interruption or a cancellation) and why the chosen provider declined,
-- as codes (issue 30): the change feed carries these, never the free-text reasons beside them.
-- The stored codes are the contract's names without their prefix (`CLIENT_MOVED`, `NO_PLACE`);
-- '' is none: a voucher that did not end or decline so, or did before the codes were recorded.
-- Portable SQL (SQLite and PostgreSQL).
ALTER TABLE vouchers ADD COLUMN end_reason_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE vouchers ADD COLUMN declined_reason_kind TEXT NOT NULL DEFAULT '';
