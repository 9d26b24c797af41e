-- Delivery of reports (REP-DELIVERY) and the closing checklist of a voucher (REP-FEEDBACK,
-- ARCHIVE). Portable SQL (SQLite and PostgreSQL): see DESIGN.md, Data. Dates `YYYY-MM-DD`;
-- instants microseconds UTC.

-- One row per step recorded as done, set once (the obligation or voucher row is locked while
-- a mark is added, so two marks of the same step cannot both pass the check):
-- - a report's delivery: `report_id` is the report (obligation) id, `item` CLIENT_COPY_GIVEN
--   or DELIVERED_TO_COUNTY;
-- - a voucher's closing items: `report_id` is '', `item` PROVIDER_FEEDBACK_FORM,
--   CLIENT_FEEDBACK_COLLECTED or ARCHIVED_TO_COUNTY.
CREATE TABLE done_marks (
    voucher_id       TEXT   NOT NULL REFERENCES vouchers (id),
    report_id        TEXT   NOT NULL,
    item             TEXT   NOT NULL,
    done_on          TEXT   NOT NULL,
    recorded_at      BIGINT NOT NULL,
    by_subject       TEXT   NOT NULL,
    by_role          TEXT   NOT NULL,
    by_organisation  TEXT   NOT NULL,
    note             TEXT   NOT NULL,
    PRIMARY KEY (voucher_id, report_id, item)
);
