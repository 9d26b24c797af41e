-- Nothing lost at the end, but never after the last month is paid for (RULES.md §10): the first
-- day of the latest month of a voucher whose invoice billing has approved (MarkItemsInvoiced
-- with `approved`). Attendance's own; the vouchers feed never touches it. Portable SQL.
ALTER TABLE vouchers ADD COLUMN approved_month TEXT;
