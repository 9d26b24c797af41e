-- Client feedback on the county's form (REP-FEEDBACK, KTT 4: "asiakaspalautetta palvelun
-- päättyessä hyvinvointialueen määrittämällä asiakaspalautelomakkeella"). Portable SQL (SQLite
-- and PostgreSQL): see DESIGN.md, Data. Dates `YYYY-MM-DD`; instants microseconds UTC.

-- One answer per voucher (the primary key: a second is refused), given by its holder once the
-- service has ended. The voucher's service and provider are kept with it, so the county's
-- summary depends on nothing else. The client id is the audit subject; the comment is the
-- client's own words (shown only to the county).
CREATE TABLE client_feedback (
    voucher_id    TEXT   NOT NULL PRIMARY KEY REFERENCES vouchers (id),
    client_id     TEXT   NOT NULL,
    service_type  TEXT   NOT NULL,
    provider_id   TEXT   NOT NULL,
    form_version  TEXT   NOT NULL,
    comment       TEXT   NOT NULL,
    submitted_on  TEXT   NOT NULL,
    submitted_at  BIGINT NOT NULL
);

CREATE INDEX client_feedback_by_day ON client_feedback (submitted_on, service_type, provider_id);

-- Each question's answer, on the question's scale.
CREATE TABLE client_feedback_answers (
    voucher_id    TEXT   NOT NULL REFERENCES client_feedback (voucher_id),
    question_key  TEXT   NOT NULL,
    score         BIGINT NOT NULL,
    PRIMARY KEY (voucher_id, question_key)
);
