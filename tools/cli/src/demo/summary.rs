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
