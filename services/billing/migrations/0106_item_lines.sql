-- The line of its document each item is on: a voucher has a line per unit price when the
-- provider's price changed between its items' dates (PROV-PRICE, VOUCHER-VALUE), so the voucher
-- no longer names the line. NULL on items written before: their voucher's only line.
-- Portable SQL (SQLite and PostgreSQL): see DESIGN.md, Data.
ALTER TABLE invoice_items ADD COLUMN line_number BIGINT;
