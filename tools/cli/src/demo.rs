//! `seteli demo` (`make demo`): one realistic month of the voucher journey, against the running
//! platform, through the same calls the commands make.
//!
//! The platform runs on the real clock, so the dates are chosen relative to today: the month
//! walked is last month (closed, so it can be invoiced). Three providers (two associations
//! offering KTT individual coaching and SK group coaching, one company offering KTT individual
//! coaching only, as KTT-COMPANY allows) are registered and approved; five clients get
//! vouchers — KTT vouchers whose three months end a week from today (so their interim report,
//! REP-INTERIM, due three weeks before the end, is overdue), SK group vouchers of the two
//! months that ended with last month (their final report, REP-FINAL, is owed). Last month's
//! sessions are recorded, with:
//!
//! - a session the rules refuse (an SK group session of 3.5 h: CAP-SESSION-LENGTH), its rule
//!   and Finnish message shown;
//! - a no-show (the client did not come: BILL-NO-SHOW, billable once a month);
//! - a provider's cancellation with its replacement session (BILL-PROVIDER-CANCEL);
//! - a KTT absence for Kela (ABS-KELA: own illness);
//!
//! then reports are written and submitted (one KTT interim report left overdue), invoices
//! generated, submitted and approved, and pulled by the financial system, whose Finvoice 3.0
//! and UBL files are written under `--out`, with the submitted reports' PDFs and the KTT
//! clients' Kela absence notices of last month. Every name and identity code is made up; every
//! run adds new ones, so the demo can run again on the same platform.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{Datelike, NaiveDate, Weekday};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};
use seteli_api::attendance::v1 as apb;
use seteli_api::billing::v1 as bpb;
use seteli_api::common::v1::ServiceType;
use seteli_api::providers::v1 as ppb;
use seteli_api::reporting::v1 as rpb;
use seteli_api::vouchers::v1 as vpb;

use crate::actions::{self, Pulled, today};
use crate::conn::Platform;
use crate::failure::{Refusal, status_of};

/// How the demo runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where the report PDFs, Kela notices and e-invoices go.
    pub out: PathBuf,
    /// How long to wait for one service to follow another's feed.
    pub feed_wait: Duration,
    /// Show a progress bar.
    pub progress: bool,
}

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

fn state_name(s: &str, prefix: &str) -> String {
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

/// A number from fresh randomness (the demo's names and codes differ every run).
fn seed() -> u32 {
    let b = uuid::Uuid::new_v4().into_bytes();
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

fn business_id(seed: u32) -> anyhow::Result<String> {
    (0..50)
        .find_map(|i| {
            let body = format!("{:07}", (seed.wrapping_add(i)) % 9_000_000 + 1_000_000);
            seteli_rules::ids::format_y_tunnus(&body).ok()
        })
        .context("no valid Y-tunnus near the seed")
}

fn hetu(seed: u32, n: u32) -> anyhow::Result<String> {
    let birth = NaiveDate::from_ymd_opt(
        1985 + (seed % 15) as i32,
        1 + n % 12,
        1 + (seed / 7 + n) % 28,
    )
    .context("birth date")?;
    let individual = u16::try_from(2 + (seed / 13 + n * 37) % 897).unwrap_or(2);
    Ok(seteli_rules::ids::format_hetu(birth, individual)?)
}

/// The weekdays `day` of the month starting on `first`.
fn weekdays(first: NaiveDate, day: Weekday) -> Vec<NaiveDate> {
    first
        .iter_days()
        .take_while(|d| d.month() == first.month())
        .filter(|d| d.weekday() == day)
        .collect()
}

/// Kuopio market square.
const KUOPIO: (f64, f64) = (62.8924, 27.6770);
/// Siilinjärvi centre.
const SIILINJARVI: (f64, f64) = (63.0745, 27.6600);

/// Runs the month against `p`; see the module documentation.
pub async fn run(p: &Platform, o: &Options) -> anyhow::Result<Summary> {
    let bar = if o.progress {
        let b = ProgressBar::new(10);
        b.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    } else {
        ProgressBar::hidden()
    };
    let step = |msg: &str| {
        bar.inc(1);
        bar.set_message(msg.to_owned());
    };
    let t = today();
    let month_first = NaiveDate::from_ymd_opt(t.year(), t.month(), 1)
        .and_then(|d| d.checked_sub_months(chrono::Months::new(1)))
        .context("last month")?;
    let notes: Vec<String> = Vec::new();

    // 1. The county's ceiling prices (a dev platform seeds them; set them when missing).
    bar.set_message("ceiling prices");
    for (service, from, cents) in [
        (
            ServiceType::KttIndividual,
            NaiveDate::from_ymd_opt(2024, 1, 1),
            6500,
        ),
        (
            ServiceType::SkGroup,
            NaiveDate::from_ymd_opt(2026, 1, 1),
            3500,
        ),
    ] {
        if actions::ceiling_price(p, service).await?.is_none() {
            actions::set_ceiling_price(p, service, from.context("date")?, cents).await?;
        }
    }

    // 2. Providers: registered with everything an approval needs, submitted, approved.
    step("providers");
    let s = seed();
    let specs = [
        (
            "Kuopion Kuntoutuspolku ry",
            ppb::LegalForm::Association,
            "Kuopio",
            KUOPIO,
            vec![
                (ServiceType::KttIndividual, 6000, 0),
                (ServiceType::SkGroup, 3000, 8),
            ],
        ),
        (
            "Siilinjärven Osallisuussäätiö sr",
            ppb::LegalForm::Foundation,
            "Siilinjärvi",
            SIILINJARVI,
            vec![
                (ServiceType::KttIndividual, 6200, 0),
                (ServiceType::SkGroup, 3200, 10),
            ],
        ),
        (
            "Valmennus Virta Oy",
            ppb::LegalForm::Company,
            "Kuopio",
            KUOPIO,
            vec![(ServiceType::KttIndividual, 5800, 0)],
        ),
    ];
    let mut providers = Vec::new();
    for (i, (name, form, town, at, offerings)) in specs.into_iter().enumerate() {
        let spec = actions::ProviderSpec {
            name: name.into(),
            business_id: business_id(s.wrapping_add(u32::try_from(i).unwrap_or(0) * 101))?,
            legal_form: form,
            municipality: town.into(),
            at,
            offerings,
        };
        let submitted = actions::register_provider(p, &spec)
            .await
            .with_context(|| format!("registering {name}"))?;
        let approved = actions::approve_provider(p, &submitted.id).await?;
        providers.push(DemoProvider {
            id: approved.id,
            name: name.into(),
            state: state_name(
                ppb::ProviderState::try_from(approved.state)
                    .map(|s| s.as_str_name())
                    .unwrap_or_default(),
                "PROVIDER_STATE_",
            ),
        });
    }

    // 3. Clients and their vouchers: chosen and accepted.
    step("clients and vouchers");
    // KTT: three months ending a week from today (REP-INTERIM is due three weeks before the end:
    // overdue by now). SK group: the two months that ended with last month (REP-FINAL owed).
    let ktt_from = (t + chrono::Duration::days(8))
        .checked_sub_months(chrono::Months::new(3))
        .context("KTT start")?;
    let ktt_until = seteli_rules::terms::validity_end(ktt_from, 3);
    let sk_from = month_first
        .checked_sub_months(chrono::Months::new(1))
        .context("SK start")?;
    let sk_until = seteli_rules::terms::validity_end(sk_from, 2);
    let people = [
        ("Aino Asiakas", 0usize, ServiceType::KttIndividual),
        ("Eero Esimerkki", 0, ServiceType::SkGroup),
        ("Kaisa Koivu", 1, ServiceType::KttIndividual),
        ("Mikko Mänty", 1, ServiceType::SkGroup),
        ("Lauri Lehto", 2, ServiceType::KttIndividual),
    ];
    let mut vouchers = Vec::new();
    for (n, (name, pi, service)) in people.into_iter().enumerate() {
        let provider = &providers[pi];
        let (town, at) = if pi == 1 {
            ("Siilinjärvi", SIILINJARVI)
        } else {
            ("Kuopio", KUOPIO)
        };
        let client = actions::add_client(
            p,
            vpb::ClientDetails {
                identity_code: hetu(s, u32::try_from(n).unwrap_or(0))?,
                name: name.into(),
                home_municipality: town.into(),
                home_coordinates: Some(seteli_api::common::v1::Coordinates {
                    latitude: at.0,
                    longitude: at.1,
                }),
                contact: Some(vpb::ClientContact {
                    phone: "+358 40 765 4321".into(),
                    ..Default::default()
                }),
            },
        )
        .await
        .with_context(|| format!("adding client {name}"))?;
        let ktt = service == ServiceType::KttIndividual;
        let (from, until, units) = if ktt {
            (ktt_from, ktt_until, 30.0)
        } else {
            (sk_from, sk_until, 40.0)
        };
        let v = actions::issue_voucher(
            p,
            actions::decision(
                &client.id,
                service,
                (from, until),
                units,
                "AS-2026-0042",
                "PTA-2026-77",
            ),
        )
        .await
        .with_context(|| format!("issuing {name}'s voucher"))?;
        actions::choose_provider(p, &v.id, &provider.id, None).await?;
        actions::accept_voucher(p, &provider.id, &v.id, "Olli Ohjaaja", Some(from)).await?;
        vouchers.push(DemoVoucher {
            id: v.id,
            number: v.voucher_number,
            client: name.into(),
            service,
            provider_id: provider.id.clone(),
            provider_name: provider.name.clone(),
            valid_from: from,
            valid_until: until,
        });
    }

    // 4. Last month's sessions, with a refusal, a no-show, a provider's cancellation.
    step("sessions");
    let mut sessions = Vec::new();
    let by_weekday = [
        Weekday::Tue,
        Weekday::Thu,
        Weekday::Wed,
        Weekday::Fri,
        Weekday::Mon,
    ];
    let record = |v: &DemoVoucher, on: NaiveDate, ktt: bool| {
        let details = if ktt {
            actions::session_at(on, (9, 0), (11, 0))
        } else {
            apb::SessionDetails {
                participants: 5,
                ..actions::session_at(on, (12, 0), (13, 30))
            }
        };
        let (provider, voucher) = (v.provider_id.clone(), v.id.clone());
        async move {
            let r = actions::record_session(p, &provider, &voucher, details, None)
                .await
                .with_context(|| format!("recording a session on {on}"))?;
            let s = r.session.context("no session")?;
            Ok::<_, anyhow::Error>(DemoSession {
                voucher_id: voucher,
                session_id: s.id,
                date: on,
                status: "RECORDED".into(),
            })
        }
    };
    for (v, day) in vouchers.iter().zip(by_weekday) {
        let ktt = v.service == ServiceType::KttIndividual;
        for on in weekdays(month_first, day) {
            sessions.push(record(v, on, ktt).await?);
        }
    }
    // Kaisa (KTT) was ill on one of her days: an absence for Kela instead of that session.
    let kaisa = &vouchers[2];
    let ill_day = weekdays(month_first, Weekday::Wed)[1];
    if let Some(i) = sessions
        .iter()
        .position(|s| s.voucher_id == kaisa.id && s.date == ill_day)
    {
        let s = sessions.remove(i);
        p.attendance()?
            .void_session(p.request(
                crate::conn::Role::ProviderUser,
                Some(&kaisa.provider_id),
                apb::VoidSessionRequest {
                    request_id: crate::conn::request_id(),
                    session_id: s.session_id,
                    reason: "Asiakas oli sairaana: kirjattu poissaoloksi.".into(),
                },
            )?)
            .await
            .context("VoidSession")?;
    }
    let absence = actions::record_absence(
        p,
        &kaisa.provider_id,
        apb::RecordAbsenceRequest {
            voucher_id: kaisa.id.clone(),
            date: actions::date(ill_day),
            kind: apb::AbsenceKind::Absent as i32,
            reason: apb::AbsenceReason::OwnIllness as i32,
            notes: "Flunssa, ilmoitti aamulla puhelimitse.".into(),
            ..Default::default()
        },
    )
    .await?
    .absence
    .context("no absence")?;

    // Eero's (SK group) session of 3.5 h: a group session lasts at most 3 h (CAP-SESSION-LENGTH;
    // with his weekly 1.5 h it stays within the 5 h a week, CAP-WEEKLY).
    let eero = &vouchers[1];
    let long_day = weekdays(month_first, Weekday::Tue)[0];
    let refused = actions::record_session(
        p,
        &eero.provider_id,
        &eero.id,
        apb::SessionDetails {
            participants: 5,
            ..actions::session_at(long_day, (9, 0), (12, 30))
        },
        None,
    )
    .await
    .err()
    .context("a 3.5-hour SK group session was accepted")?;
    let rejected = Rejected {
        voucher_id: eero.id.clone(),
        date: long_day,
        refusal: status_of(&refused)
            .map(Refusal::of)
            .with_context(|| format!("the refusal was not a gRPC status: {refused:#}"))?,
    };

    // Aino (KTT) did not come on her second Tuesday: a no-show.
    let aino = &vouchers[0];
    let second_tuesday = weekdays(month_first, Weekday::Tue)[1];
    let no_show = sessions
        .iter_mut()
        .find(|s| s.voucher_id == aino.id && s.date == second_tuesday)
        .context("Aino's second Tuesday")?;
    actions::cancel_session(
        p,
        &aino.provider_id,
        &no_show.session_id,
        apb::Cancellation {
            by: apb::CancelledBy::Client as i32,
            ..Default::default()
        },
    )
    .await?;
    no_show.status = "NO_SHOW".into();
    let no_show = no_show.session_id.clone();

    // Aino's coach fell ill before her third Tuesday; no substitute suits her: the provider
    // cancels, tells her at once and agrees Thursday instead.
    let third_tuesday = weekdays(month_first, Weekday::Tue)[2];
    let thursday = third_tuesday + chrono::Duration::days(2);
    let replaced_index = sessions
        .iter()
        .position(|s| s.voucher_id == aino.id && s.date == third_tuesday)
        .context("Aino's third Tuesday")?;
    let replacement = actions::record_session(
        p,
        &aino.provider_id,
        &aino.id,
        actions::session_at(thursday, (9, 0), (11, 0)),
        Some(&sessions[replaced_index].session_id),
    )
    .await?
    .session
    .context("no session")?;
    let the_day_before = third_tuesday - chrono::Duration::days(1);
    actions::cancel_session(
        p,
        &aino.provider_id,
        &sessions[replaced_index].session_id,
        apb::Cancellation {
            by: apb::CancelledBy::Provider as i32,
            cancelled_on: actions::date(the_day_before),
            substitute_unsuitable: true,
            client_told_on: actions::date(the_day_before),
            replacement_session_id: replacement.id.clone(),
            documentation: "Valmentaja sairastui; sijainen ei sovi asiakkaalle. Asiakkaalle \
                            ilmoitettu puhelimitse, uusi aika torstaina."
                .into(),
        },
    )
    .await?;
    sessions[replaced_index].status = "CANCELLED_BY_PROVIDER".into();
    let provider_cancelled = sessions[replaced_index].session_id.clone();
    sessions.push(DemoSession {
        voucher_id: aino.id.clone(),
        session_id: replacement.id.clone(),
        date: thursday,
        status: "RECORDED".into(),
    });

    // 5. Reports: the obligations follow the vouchers; Lauri's interim report is left overdue.
    step("reports");
    let ours = |o: &rpb::Obligation| vouchers.iter().any(|v| v.id == o.voucher_id);
    actions::eventually(
        "the report obligations of every demo voucher",
        o.feed_wait,
        || async {
            let all =
                actions::list_obligations(p, None, rpb::ObligationStatus::Unspecified).await?;
            let known = vouchers
                .iter()
                .all(|v| all.obligations.iter().any(|o| o.voucher_id == v.id));
            Ok(known.then_some(()))
        },
    )
    .await?;
    let sections = |interim: bool| rpb::ReportSections {
        goals_and_attainment: "Tavoite: säännöllinen päivärytmi ja työelämävalmiudet. \
                               Osallistunut sovitusti."
            .into(),
        changes: "Osallistuminen on vakiintunut; aamut sujuvat paremmin.".into(),
        means_with_examples: "Yksilöohjaus ja ryhmätehtävät, esim. kahvilan vuorot.".into(),
        follow_up_plan: if interim {
            "Jatketaan nykyisellä suunnitelmalla.".into()
        } else {
            "Jatkuu työkokeiluna; sosiaalityöntekijä sopii seuraavat askeleet.".into()
        },
        notes: String::new(),
    };
    let lauri = &vouchers[4];
    let mut submitted_reports = Vec::new();
    for v in vouchers.iter().filter(|v| v.id != lauri.id) {
        let rule = if v.service == ServiceType::KttIndividual {
            "REP-INTERIM"
        } else {
            "REP-FINAL"
        };
        let report = format!("{}/{rule}", v.id);
        actions::save_report(p, &v.provider_id, &report, sections(rule == "REP-INTERIM")).await?;
        actions::submit_report(p, &v.provider_id, &report).await?;
        submitted_reports.push(report);
    }
    let obligations: Vec<rpb::Obligation> =
        actions::list_obligations(p, None, rpb::ObligationStatus::Unspecified)
            .await?
            .obligations
            .into_iter()
            .filter(|o| ours(o))
            .collect();
    // The printable PDF of each submitted report, as the provider's user fetches it for the
    // client's paper copy and the county (REP-DELIVERY).
    let mut report_pdfs = Vec::new();
    for report in &submitted_reports {
        let v = vouchers
            .iter()
            .find(|v| report.starts_with(&v.id))
            .context("the report's voucher")?;
        let pdf = actions::report_pdf(p, Some(&v.provider_id), report).await?;
        let rule = report.rsplit('/').next().unwrap_or("report");
        report_pdfs.push(actions::write_file(
            &o.out.join("reports"),
            &format!("{}-{rule}.pdf", v.number),
            &pdf.content,
        )?);
    }

    // 6. Kela absence notices (ABS-KELA) of the KTT clients' two-week periods that touch last
    // month, as their providers print them; Kaisa's shows her day of illness.
    step("Kela notices");
    let mut kela_notices = Vec::new();
    for v in vouchers
        .iter()
        .filter(|v| v.service == ServiceType::KttIndividual)
    {
        let notices =
            actions::eventually("the Kela notices of a KTT voucher", o.feed_wait, || async {
                let n = actions::list_kela_notices(
                    p,
                    Some(&v.provider_id),
                    Some(&v.id),
                    rpb::KelaNoticeStatus::Unspecified,
                )
                .await?
                .notices;
                Ok((!n.is_empty()).then_some(n))
            })
            .await?;
        for n in notices {
            let (Some(from), Some(until)) = (
                actions::naive(n.period_from.as_ref()),
                actions::naive(n.period_until.as_ref()),
            ) else {
                continue;
            };
            if until < month_first
                || from
                    > month_first
                        .checked_add_months(chrono::Months::new(1))
                        .unwrap_or(from)
                        - chrono::Duration::days(1)
            {
                continue;
            }
            let pdf = actions::kela_notice_pdf(p, Some(&v.provider_id), &v.id, from).await?;
            kela_notices.push(actions::write_file(
                &o.out.join("kela"),
                &format!("{}-{from}.pdf", v.number),
                &pdf.content,
            )?);
        }
    }

    // 7. Invoices of last month: generated by each provider, submitted, approved by the county.
    step("invoices");
    let mut invoices = Vec::new();
    for provider in &providers {
        let generated = actions::generate_invoice(
            p,
            &provider.id,
            month_first.year(),
            month_first.month(),
            false,
        )
        .await
        .with_context(|| format!("generating {}'s invoice", provider.name))?;
        let invoice = generated.invoice.context("no invoice")?;
        actions::submit_invoice(p, &provider.id, &invoice.id).await?;
        invoices.push(actions::approve_invoice(p, &invoice.id).await?);
    }

    // 8. The financial system pulls the approved invoices and writes the e-invoices.
    step("financial system pull");
    let invoice_dir = o.out.join("invoices");
    let pulled = actions::pull_invoices(
        p,
        &[
            bpb::ExportFormat::Finvoice30,
            bpb::ExportFormat::PeppolBis30,
        ],
        &invoice_dir,
        true,
        |i| bar.set_message(format!("pulled {}", i.invoice_number)),
    )
    .await?;
    step("summary");
    bar.finish_and_clear();
    Ok(Summary {
        today: t,
        month: (month_first.year(), month_first.month()),
        providers,
        vouchers,
        sessions,
        rejected,
        no_show,
        provider_cancelled,
        replacement: replacement.id,
        absence,
        obligations,
        submitted_reports,
        invoices,
        pulled,
        report_pdfs,
        kela_notices,
        notes,
    })
}
