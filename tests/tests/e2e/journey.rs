//! The whole voucher journey through the public gRPC APIs, all five services on port 0: the
//! month `make demo` walks (`seteli_cli::demo`, the same code), then every outcome checked
//! through the services' own APIs — approvals, the refused session's rule and Finnish message,
//! the no-show, the provider's cancellation and its replacement, the Kela absence and its
//! notice, the overdue and the late reports and their PDFs, the invoices' lines and totals, the financial system's exactly-once
//! pull and its Finvoice and UBL files. Runs on SQLite, and on PostgreSQL with
//! `SETELI_TEST_POSTGRES`.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{Datelike, NaiveDate, Weekday};
use seteli_api::attendance::v1 as apb;
use seteli_api::billing::v1 as bpb;
use seteli_api::common::v1::ServiceType;
use seteli_api::reporting::v1 as rpb;
use seteli_cli::demo::{self, Summary};
use seteli_tests::fixtures::*;

async fn walk_the_month() -> (Env, Summary, tempfile::TempDir) {
    let env = Env::builder().services(&Svc::ALL).start().await;
    let out = tempfile::tempdir().expect("tempdir");
    let summary = demo::run(
        &cli_platform(&env),
        &demo::Options {
            out: out.path().to_path_buf(),
            feed_wait: Duration::from_secs(20),
            progress: false,
        },
    )
    .await
    .unwrap_or_else(|e| panic!("the demo month failed: {e:#}"));
    (env, summary, out)
}

fn weekdays(first: NaiveDate, day: Weekday) -> Vec<NaiveDate> {
    first
        .iter_days()
        .take_while(|d| d.month() == first.month())
        .filter(|d| d.weekday() == day)
        .collect()
}

async fn session(env: &Env, id: &str) -> apb::Session {
    read_session(env, &env.admin(), id)
        .await
        .expect("get session")
}

#[tokio::test]
async fn a_month_of_the_journey_from_providers_to_the_financial_systems_files() {
    let (env, s, out) = walk_the_month().await;
    let first = ymd(s.month.0, s.month.1, 1);

    // Three providers, all approved.
    assert_eq!(s.providers.len(), 3);
    assert!(
        s.providers.iter().all(|p| p.state == "APPROVED"),
        "{:?}",
        s.providers
    );
    // Five vouchers over KTT and SK, each accepted by its provider.
    let services: Vec<ServiceType> = s.vouchers.iter().map(|v| v.service).collect();
    assert!(services.contains(&ServiceType::KttIndividual));
    assert!(services.contains(&ServiceType::SkGroup));
    for v in &s.vouchers {
        let voucher = get_voucher(&env, &v.id).await;
        assert_eq!(voucher.provider_id, v.provider_id);
        assert_eq!(voucher.responsible_coach, "Olli Ohjaaja");
    }

    // The refused session: an SK group session of 3.5 h, CAP-SESSION-LENGTH, with the Finnish
    // message, and nothing recorded for it.
    let r = &s.rejected.refusal;
    assert_eq!(r.code, "FAILED_PRECONDITION", "{r:?}");
    assert_eq!(r.rule_ids(), ["CAP-SESSION-LENGTH"], "{r:?}");
    assert!(
        r.message_fi
            .as_deref()
            .is_some_and(|m| m.contains("CAP-SESSION-LENGTH") && m.len() > 20),
        "{r:?}"
    );
    assert!(r.request_id.is_some(), "{r:?}");
    let eero = &s.rejected.voucher_id;
    let eeros = sessions_of(&env, &env.admin(), eero)
        .await
        .expect("sessions");
    let refused_day = seteli_cli::actions::date(s.rejected.date);
    assert!(!eeros.is_empty());
    assert!(
        eeros
            .iter()
            .all(|x| x.details.as_ref().and_then(|d| d.date) != refused_day),
        "the refused session was recorded"
    );

    // The no-show, the provider's cancellation and the session that replaced it.
    assert_eq!(
        session(&env, &s.no_show).await.status,
        apb::SessionStatus::NoShow as i32
    );
    let cancelled = session(&env, &s.provider_cancelled).await;
    assert_eq!(
        cancelled.status,
        apb::SessionStatus::CancelledByProvider as i32
    );
    let c = cancelled.cancellation.expect("cancellation");
    assert!(c.substitute_unsuitable && !c.documentation.is_empty());
    assert_eq!(c.replacement_session_id, s.replacement);
    let replacement = session(&env, &s.replacement).await;
    assert_eq!(replacement.status, apb::SessionStatus::Recorded as i32);
    assert_eq!(replacement.replaces_session_id, s.provider_cancelled);

    // The Kela absence: a KTT client's own illness, listed on the voucher.
    assert_eq!(s.absence.reason, apb::AbsenceReason::OwnIllness as i32);
    let kaisa = s
        .vouchers
        .iter()
        .find(|v| v.id == s.absence.voucher_id)
        .expect("the absent client's voucher");
    assert_eq!(kaisa.service, ServiceType::KttIndividual);
    let absences = list_absences(&env, &env.admin(), of_voucher(&kaisa.id))
        .await
        .expect("absences")
        .absences;
    assert_eq!(absences.len(), 1);
    assert_eq!(absences[0].id, s.absence.id);

    // Reports: the unwritten KTT interim report is overdue; the submitted ones are submitted,
    // late exactly when submitted after their due date (the KTT interim ones always: due two
    // weeks ago).
    let lauri = &s.vouchers[4];
    let overdue: Vec<&str> = s.overdue().iter().map(|o| o.id.as_str()).collect();
    assert_eq!(
        overdue,
        [format!("{}/REP-INTERIM", lauri.id)],
        "{:?}",
        s.obligations
    );
    assert_eq!(s.submitted_reports.len(), 4);
    for id in &s.submitted_reports {
        let o = s
            .obligations
            .iter()
            .find(|o| &o.id == id)
            .expect("obligation");
        assert_eq!(o.status, rpb::ObligationStatus::Submitted as i32, "{o:?}");
        let (due, submitted) = (
            seteli_cli::actions::naive(o.due_on.as_ref()).expect("due"),
            seteli_cli::actions::naive(o.submitted_on.as_ref()).expect("submitted"),
        );
        assert_eq!(o.late, submitted > due, "{o:?}");
        if o.rule == "REP-INTERIM" {
            assert!(o.late, "{o:?}");
        }
    }
    // What reporting says now agrees.
    let report = get_report(&env, &env.admin(), &s.submitted_reports[0])
        .await
        .expect("report");
    assert_eq!(
        report.obligation.expect("obligation").report_state,
        rpb::ReportState::Submitted as i32
    );

    // Each submitted report's printable PDF (REP-DELIVERY), as its provider fetched it.
    assert_eq!(s.report_pdfs.len(), 4, "{:?}", s.report_pdfs);
    for f in &s.report_pdfs {
        assert!(f.starts_with(out.path().join("reports")), "{}", f.display());
        let pdf = std::fs::read(f).expect("report PDF");
        assert!(
            pdf.starts_with(b"%PDF-") && pdf.len() > 500,
            "{}",
            f.display()
        );
    }

    // Kela's absence notices (ABS-KELA) of the KTT clients' periods in the month, as PDFs; the
    // absent client's notice shows the day absent for her own illness, the benefit kept.
    assert!(s.kela_notices.len() >= 3, "{:?}", s.kela_notices);
    for f in &s.kela_notices {
        assert!(f.starts_with(out.path().join("kela")), "{}", f.display());
        assert!(
            std::fs::read(f).expect("Kela PDF").starts_with(b"%PDF-"),
            "{}",
            f.display()
        );
    }
    let ill_day = seteli_cli::actions::naive(s.absence.date.as_ref()).expect("absence day");
    assert!(
        s.kela_notices
            .iter()
            .any(|f| f.to_string_lossy().contains(&kaisa.number)),
        "{:?}",
        s.kela_notices
    );
    let notice = get_kela_notice(
        &env,
        &env.admin(),
        &kaisa.id,
        seteli_cli::actions::date(ill_day),
    )
    .await
    .expect("Kela notice");
    let day = notice
        .days
        .iter()
        .find(|d| d.date == seteli_cli::actions::date(ill_day))
        .expect("the day of illness on the notice");
    assert_eq!(day.status, rpb::KelaDayStatus::Absent as i32, "{day:?}");
    assert_eq!(
        day.reason,
        rpb::KelaAbsenceReason::OwnIllness as i32,
        "{day:?}"
    );
    assert!(day.benefit_kept, "{day:?}");
    assert!(
        notice.absent_days >= 1 && notice.present_days >= 1,
        "{notice:?}"
    );

    // Invoices: one per provider, each line the realised units and the allowed no-show at the
    // provider's own price.
    assert_eq!(s.invoices.len(), 3);
    let count = |day| i64::try_from(weekdays(first, day).len()).expect("count");
    // (voucher index, realised and no-show hundredths of an hour, provider's price in cents):
    // KTT sessions of 2 h, SK group sessions of 1.5 h.
    let expected: [(usize, i64, i64, i64); 5] = [
        (0, 200 * (count(Weekday::Tue) - 2 + 1), 100, 6000),
        (1, 150 * count(Weekday::Thu), 0, 3000),
        (2, 200 * (count(Weekday::Wed) - 1), 0, 6200),
        (3, 150 * count(Weekday::Fri), 0, 3200),
        (4, 200 * count(Weekday::Mon), 0, 5800),
    ];
    let mut totals: BTreeMap<String, i64> = BTreeMap::new();
    for (i, realised, no_show, cents) in expected {
        let v = &s.vouchers[i];
        let invoice = s
            .invoices
            .iter()
            .find(|inv| inv.provider_id == v.provider_id)
            .expect("the provider's invoice");
        assert_eq!(invoice.state, bpb::InvoiceState::Approved as i32);
        assert_eq!(
            (invoice.year, invoice.month),
            (s.month.0, i32::try_from(s.month.1).expect("month"))
        );
        let line = invoice
            .lines
            .iter()
            .find(|l| l.voucher_id == v.id)
            .unwrap_or_else(|| panic!("no line of {} on {}", v.number, invoice.invoice_number));
        assert_eq!(line.voucher_number, v.number);
        assert_eq!(
            line.realised_units.as_ref().map(|u| u.hundredths),
            Some(realised),
            "{line:?}"
        );
        assert_eq!(
            line.no_show_units
                .as_ref()
                .map(|u| u.hundredths)
                .unwrap_or(0),
            no_show,
            "{line:?}"
        );
        assert_eq!(line.unit_price.as_ref().map(|m| m.cents), Some(cents));
        let amount = (realised + no_show) * cents / 100;
        assert_eq!(
            line.amount.as_ref().map(|m| m.cents),
            Some(amount),
            "{line:?}"
        );
        *totals.entry(invoice.id.clone()).or_default() += amount;
    }
    for invoice in &s.invoices {
        assert_eq!(
            invoice.total.as_ref().map(|m| m.cents),
            totals.get(&invoice.id).copied(),
            "{}",
            invoice.invoice_number
        );
    }

    // The financial system pulled each approved invoice once, with a Finvoice and a UBL file,
    // and acknowledged it: exported, and never pulled again.
    assert_eq!(s.pulled.len(), 3);
    for p in &s.pulled {
        assert_eq!(
            p.ack,
            Some(bpb::AckOutcome::Acknowledged),
            "{}",
            p.invoice.invoice_number
        );
        assert_eq!(p.files.len(), 2);
        for f in &p.files {
            assert!(f.starts_with(out.path()), "{}", f.display());
            let xml = std::fs::read_to_string(f).expect("e-invoice file");
            assert!(xml.contains(&p.invoice.invoice_number), "{}", f.display());
            assert!(
                xml.contains("<Finvoice") || xml.contains("<Invoice"),
                "{}",
                f.display()
            );
        }
        let now = invoice(&env, &env.admin(), &p.invoice.id)
            .await
            .expect("invoice");
        assert_eq!(now.state, bpb::InvoiceState::Exported as i32);
    }
    // Every file the financial system pulled passes the official schemas and the official EN
    // 16931 and Peppol BIS 3.0 rules with no fatal finding, as `make demo` checks its own.
    let files: Vec<std::path::PathBuf> = s.pulled.iter().flat_map(|p| p.files.clone()).collect();
    let report = seteli_tests::einvoice::validate_einvoices(&files);
    assert_eq!(
        report.ubl_checked,
        s.pulled.len(),
        "one UBL invoice per pull"
    );
    let again = seteli_cli::actions::pull_invoices(
        &cli_platform(&env),
        &[bpb::ExportFormat::Finvoice30],
        &out.path().join("again"),
        true,
        |_| {},
    )
    .await
    .expect("second pull");
    assert!(again.is_empty(), "acknowledged invoices came again");
}
