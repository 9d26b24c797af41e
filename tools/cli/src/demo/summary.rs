//! What the demo did, and where its files are: the providers, vouchers and sessions it made,
//! the refusal it met, the reports, invoices and files, as JSON (`--json`) and as tables.

use std::path::PathBuf;

use chrono::NaiveDate;
use serde_json::{Value, json};
use seteli_api::attendance::v1 as apb;
use seteli_api::billing::v1 as bpb;
use seteli_api::common::v1::ServiceType;
use seteli_api::reporting::v1 as rpb;

use crate::actions::{self, Pulled};
use crate::failure::Refusal;

/// A provider of the demo.
#[derive(Debug, Clone)]
pub struct DemoProvider {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its state after approval.
    pub state: String,
}

/// A voucher of the demo.
#[derive(Debug, Clone)]
pub struct DemoVoucher {
    /// Its id.
    pub id: String,
    /// Its number.
    pub number: String,
    /// The client's (made-up) name.
    pub client: String,
    /// The service.
    pub service: ServiceType,
    /// The provider's id.
    pub provider_id: String,
    /// The provider's name.
    pub provider_name: String,
    /// First valid day.
    pub valid_from: NaiveDate,
    /// Last valid day.
    pub valid_until: NaiveDate,
}

/// A session the demo recorded, and what became of it.
#[derive(Debug, Clone)]
pub struct DemoSession {
    /// The voucher.
    pub voucher_id: String,
    /// The session.
    pub session_id: String,
    /// Its day.
    pub date: NaiveDate,
    /// Its status in the end (`RECORDED`, `NO_SHOW`, `CANCELLED_BY_PROVIDER`).
    pub status: String,
}

/// The session the rules refused.
#[derive(Debug, Clone)]
pub struct Rejected {
    /// The voucher.
    pub voucher_id: String,
    /// The day.
    pub date: NaiveDate,
    /// What the service answered.
    pub refusal: Refusal,
}

/// What the demo did, and where its files are.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Today, as the demo counted it.
    pub today: NaiveDate,
    /// The month walked (year, month).
    pub month: (i32, u32),
    /// The providers, approved.
    pub providers: Vec<DemoProvider>,
    /// The vouchers.
    pub vouchers: Vec<DemoVoucher>,
    /// The sessions recorded.
    pub sessions: Vec<DemoSession>,
    /// The refused session.
    pub rejected: Rejected,
    /// The no-show session's id.
    pub no_show: String,
    /// The session the provider cancelled.
    pub provider_cancelled: String,
    /// The session that replaced it.
    pub replacement: String,
    /// The Kela absence.
    pub absence: apb::Absence,
    /// The demo vouchers' report obligations in the end.
    pub obligations: Vec<rpb::Obligation>,
    /// The reports submitted.
    pub submitted_reports: Vec<String>,
    /// The invoices, approved.
    pub invoices: Vec<bpb::Invoice>,
    /// What the financial system pulled (every approved invoice not yet acknowledged).
    pub pulled: Vec<Pulled>,
    /// Report PDFs written.
    pub report_pdfs: Vec<PathBuf>,
    /// Kela absence notices written.
    pub kela_notices: Vec<PathBuf>,
    /// Steps the platform cannot take yet, said plainly.
    pub notes: Vec<String>,
}

pub(super) fn state_name(s: &str, prefix: &str) -> String {
    s.strip_prefix(prefix).unwrap_or(s).to_owned()
}

impl Summary {
    /// The obligations still overdue.
    pub fn overdue(&self) -> Vec<&rpb::Obligation> {
        self.obligations
            .iter()
            .filter(|o| o.status == rpb::ObligationStatus::Overdue as i32)
            .collect()
    }

    /// As JSON, for `--json`.
    pub fn to_json(&self) -> Value {
        let date = |d: NaiveDate| d.to_string();
        json!({
            "today": date(self.today),
            "month": format!("{}-{:02}", self.month.0, self.month.1),
            "providers": self.providers.iter().map(|p| json!({
                "id": p.id, "name": p.name, "state": p.state,
            })).collect::<Vec<_>>(),
            "vouchers": self.vouchers.iter().map(|v| json!({
                "id": v.id, "number": v.number, "client": v.client,
                "service": state_name(v.service.as_str_name(), "SERVICE_TYPE_"),
                "provider_id": v.provider_id, "provider": v.provider_name,
                "valid_from": date(v.valid_from), "valid_until": date(v.valid_until),
            })).collect::<Vec<_>>(),
            "sessions": self.sessions.iter().map(|s| json!({
                "voucher_id": s.voucher_id, "session_id": s.session_id,
                "date": date(s.date), "status": s.status,
            })).collect::<Vec<_>>(),
            "rejected_session": {
                "voucher_id": self.rejected.voucher_id,
                "date": date(self.rejected.date),
                "refusal": self.rejected.refusal.to_json(),
            },
            "no_show": self.no_show,
            "provider_cancelled": self.provider_cancelled,
            "replacement": self.replacement,
            "kela_absence": {
                "id": self.absence.id,
                "voucher_id": self.absence.voucher_id,
                "date": actions::naive(self.absence.date.as_ref()).map(date),
                "reason": apb::AbsenceReason::try_from(self.absence.reason)
                    .map(|r| state_name(r.as_str_name(), "ABSENCE_REASON_")).unwrap_or_default(),
            },
            "obligations": self.obligations.iter().map(|o| json!({
                "id": o.id, "rule": o.rule,
                "voucher_number": self.vouchers.iter().find(|v| v.id == o.voucher_id)
                    .map(|v| v.number.clone()),
                "client": self.vouchers.iter().find(|v| v.id == o.voucher_id)
                    .map(|v| v.client.clone()),
                "due_on": actions::naive(o.due_on.as_ref()).map(date),
                "status": rpb::ObligationStatus::try_from(o.status)
                    .map(|s| state_name(s.as_str_name(), "OBLIGATION_STATUS_")).unwrap_or_default(),
                "late": o.late,
            })).collect::<Vec<_>>(),
            "submitted_reports": self.submitted_reports,
            "invoices": self.invoices.iter().map(|i| json!({
                "id": i.id, "number": i.invoice_number, "provider_id": i.provider_id,
                "seller": i.seller.as_ref().map(|s| s.name.clone()),
                "state": bpb::InvoiceState::try_from(i.state)
                    .map(|s| state_name(s.as_str_name(), "INVOICE_STATE_")).unwrap_or_default(),
                "total_cents": i.total.as_ref().map(|m| m.cents).unwrap_or_default(),
                "lines": i.lines.len(),
            })).collect::<Vec<_>>(),
            "pulled": self.pulled.iter().map(|p| json!({
                "invoice_id": p.invoice.id, "number": p.invoice.invoice_number,
                "files": p.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
                "acknowledged": p.ack.map(|a| state_name(a.as_str_name(), "ACK_OUTCOME_")),
            })).collect::<Vec<_>>(),
            "report_pdfs": self.report_pdfs.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
            "kela_notices": self.kela_notices.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
            "notes": self.notes,
        })
    }

    /// For people: what happened, in tables.
    pub fn human(&self) -> String {
        use crate::output::{Fmt, rows};
        let v = self.to_json();
        let list = |k: &str| v[k].as_array().cloned().unwrap_or_default();
        let mut s = format!(
            "Seteli demo: {} walked (today is {})\n\nProviders\n{}\n\nVouchers\n{}\n",
            v["month"].as_str().unwrap_or_default(),
            self.today,
            rows(
                &list("providers"),
                &[
                    ("name", "name", Fmt::Text),
                    ("state", "state", Fmt::Text),
                    ("id", "id", Fmt::Text)
                ]
            ),
            rows(
                &list("vouchers"),
                &[
                    ("number", "number", Fmt::Text),
                    ("client", "client", Fmt::Text),
                    ("service", "service", Fmt::Text),
                    ("provider", "provider", Fmt::Text),
                    ("valid", "valid_from", Fmt::Text),
                    ("until", "valid_until", Fmt::Text),
                ]
            ),
        );
        let count = |status: &str| self.sessions.iter().filter(|x| x.status == status).count();
        s.push_str(&format!(
            "\nSessions: {} recorded, {} no-show, {} cancelled by the provider (replaced)\n",
            count("RECORDED"),
            count("NO_SHOW"),
            count("CANCELLED_BY_PROVIDER"),
        ));
        s.push_str(&format!(
            "Refused session on {}:\n{}\n",
            self.rejected.date,
            self.rejected.refusal.human()
        ));
        s.push_str(&format!(
            "Kela absence: {} ({})\n",
            v["kela_absence"]["date"].as_str().unwrap_or_default(),
            v["kela_absence"]["reason"].as_str().unwrap_or_default()
        ));
        s.push_str(&format!(
            "\nReports\n{}\n",
            rows(
                &list("obligations"),
                &[
                    ("voucher", "voucher_number", Fmt::Text),
                    ("client", "client", Fmt::Text),
                    ("rule", "rule", Fmt::Text),
                    ("due", "due_on", Fmt::Text),
                    ("status", "status", Fmt::Text),
                    ("late", "late", Fmt::Text),
                ]
            )
        ));
        s.push_str(&format!(
            "\nInvoices (approved, then pulled by the financial system)\n{}\n",
            rows(
                &list("invoices"),
                &[
                    ("number", "number", Fmt::Text),
                    ("seller", "seller", Fmt::Text),
                    ("lines", "lines", Fmt::Text),
                    ("total (cents)", "total_cents", Fmt::Text),
                ]
            )
        ));
        s.push_str("\nFiles\n");
        for p in &self.pulled {
            for f in &p.files {
                s.push_str(&format!("  {}\n", f.display()));
            }
        }
        for f in self.report_pdfs.iter().chain(&self.kela_notices) {
            s.push_str(&format!("  {}\n", f.display()));
        }
        for n in &self.notes {
            s.push_str(&format!("note: {n}\n"));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use seteli_api::common::v1::Money;

    use super::*;
    use crate::failure::BrokenRule;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a calendar day")
    }

    fn session(id: &str, status: &str) -> DemoSession {
        DemoSession {
            voucher_id: "v-1".into(),
            session_id: id.into(),
            date: day(2026, 2, 3),
            status: status.into(),
        }
    }

    fn obligation(id: &str, status: rpb::ObligationStatus) -> rpb::Obligation {
        rpb::Obligation {
            id: id.into(),
            voucher_id: "v-1".into(),
            rule: "REP-INTERIM".into(),
            due_on: actions::date(day(2026, 3, 1)),
            status: status as i32,
            ..Default::default()
        }
    }

    fn summary() -> Summary {
        Summary {
            today: day(2026, 3, 10),
            month: (2026, 2),
            providers: vec![DemoProvider {
                id: "p-1".into(),
                name: "Kuopion Kuntoutuspolku ry".into(),
                state: "APPROVED".into(),
            }],
            vouchers: vec![DemoVoucher {
                id: "v-1".into(),
                number: "PS-2026-000001".into(),
                client: "Aino Asiakas".into(),
                service: ServiceType::KttIndividual,
                provider_id: "p-1".into(),
                provider_name: "Kuopion Kuntoutuspolku ry".into(),
                valid_from: day(2025, 12, 18),
                valid_until: day(2026, 3, 17),
            }],
            sessions: vec![
                session("s-1", "RECORDED"),
                session("s-2", "NO_SHOW"),
                session("s-3", "CANCELLED_BY_PROVIDER"),
                session("s-4", "RECORDED"),
            ],
            rejected: Rejected {
                voucher_id: "v-2".into(),
                date: day(2026, 2, 3),
                refusal: Refusal {
                    code: "FAILED_PRECONDITION".into(),
                    message: "refused".into(),
                    rules: vec![BrokenRule {
                        id: "CAP-SESSION-LENGTH".into(),
                        section: "SK 4.2.2".into(),
                        description: String::new(),
                    }],
                    fields: Vec::new(),
                    message_fi: None,
                    reason: None,
                    request_id: None,
                },
            },
            no_show: "s-2".into(),
            provider_cancelled: "s-3".into(),
            replacement: "s-4".into(),
            absence: apb::Absence {
                id: "a-1".into(),
                voucher_id: "v-1".into(),
                date: actions::date(day(2026, 2, 11)),
                reason: apb::AbsenceReason::OwnIllness as i32,
                ..Default::default()
            },
            obligations: vec![
                obligation("o-1", rpb::ObligationStatus::Overdue),
                obligation("o-2", rpb::ObligationStatus::Submitted),
            ],
            submitted_reports: vec!["v-1/REP-INTERIM".into()],
            invoices: vec![bpb::Invoice {
                id: "i-1".into(),
                invoice_number: "2026-000042".into(),
                provider_id: "p-1".into(),
                state: bpb::InvoiceState::Approved as i32,
                total: Some(Money { cents: 12_000 }),
                lines: vec![Default::default(), Default::default()],
                ..Default::default()
            }],
            pulled: vec![Pulled {
                invoice: bpb::Invoice {
                    id: "i-1".into(),
                    invoice_number: "2026-000042".into(),
                    ..Default::default()
                },
                files: vec![PathBuf::from("out/invoices/2026-000042-finvoice.xml")],
                ack: Some(bpb::AckOutcome::Acknowledged),
            }],
            report_pdfs: vec![PathBuf::from("out/reports/PS-2026-000001-REP-INTERIM.pdf")],
            kela_notices: vec![PathBuf::from("out/kela/PS-2026-000001-2026-02-02.pdf")],
            notes: vec!["a step the platform cannot take yet".into()],
        }
    }

    #[test]
    fn a_state_name_drops_its_prefix_when_it_has_it() {
        assert_eq!(
            state_name("PROVIDER_STATE_APPROVED", "PROVIDER_STATE_"),
            "APPROVED"
        );
        assert_eq!(state_name("APPROVED", "PROVIDER_STATE_"), "APPROVED");
    }

    #[test]
    fn only_the_overdue_obligations_are_overdue() {
        let s = summary();
        let ids: Vec<_> = s.overdue().iter().map(|o| o.id.as_str()).collect();
        assert_eq!(ids, ["o-1"]);
    }

    #[test]
    fn the_json_names_enums_without_prefixes_and_joins_the_vouchers() {
        let v = summary().to_json();
        assert_eq!(v["today"], "2026-03-10");
        assert_eq!(v["month"], "2026-02");
        assert_eq!(v["vouchers"][0]["service"], "KTT_INDIVIDUAL");
        assert_eq!(v["vouchers"][0]["valid_until"], "2026-03-17");
        assert_eq!(v["sessions"].as_array().map(Vec::len), Some(4));
        assert_eq!(v["rejected_session"]["voucher_id"], "v-2");
        assert_eq!(
            v["rejected_session"]["refusal"]["rules"][0]["id"],
            "CAP-SESSION-LENGTH"
        );
        assert_eq!(v["kela_absence"]["date"], "2026-02-11");
        assert_eq!(v["kela_absence"]["reason"], "OWN_ILLNESS");
        assert_eq!(v["obligations"][0]["voucher_number"], "PS-2026-000001");
        assert_eq!(v["obligations"][0]["client"], "Aino Asiakas");
        assert_eq!(v["obligations"][0]["due_on"], "2026-03-01");
        assert_eq!(v["obligations"][0]["status"], "OVERDUE");
        assert_eq!(v["obligations"][1]["status"], "SUBMITTED");
        assert_eq!(v["invoices"][0]["state"], "APPROVED");
        assert_eq!(v["invoices"][0]["total_cents"], 12_000);
        assert_eq!(v["invoices"][0]["lines"], 2);
        assert_eq!(v["pulled"][0]["acknowledged"], "ACKNOWLEDGED");
        assert_eq!(
            v["pulled"][0]["files"][0],
            "out/invoices/2026-000042-finvoice.xml"
        );
        assert_eq!(v["notes"][0], "a step the platform cannot take yet");
    }

    #[test]
    fn for_people_it_counts_the_sessions_and_lists_every_file() {
        let h = summary().human();
        assert!(
            h.starts_with("Seteli demo: 2026-02 walked (today is 2026-03-10)\n"),
            "{h}"
        );
        assert!(
            h.contains(
                "\nSessions: 2 recorded, 1 no-show, 1 cancelled by the provider (replaced)\n"
            ),
            "{h}"
        );
        assert!(h.contains("Refused session on 2026-02-03:\nrefused: FAILED_PRECONDITION"));
        assert!(
            h.contains("Kela absence: 2026-02-11 (OWN_ILLNESS)\n"),
            "{h}"
        );
        for f in [
            "  out/invoices/2026-000042-finvoice.xml\n",
            "  out/reports/PS-2026-000001-REP-INTERIM.pdf\n",
            "  out/kela/PS-2026-000001-2026-02-02.pdf\n",
        ] {
            assert!(h.contains(f), "{f} in {h}");
        }
        assert!(
            h.ends_with("note: a step the platform cannot take yet\n"),
            "{h}"
        );
        for column in ["Kuopion Kuntoutuspolku ry", "PS-2026-000001", "REP-INTERIM"] {
            assert!(h.contains(column), "{column} in {h}");
        }
    }
}
