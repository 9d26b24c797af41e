//! The demo's reports and Kela notices: the obligations followed from the vouchers, the reports
//! written and submitted (Lauri's interim report left overdue) with their PDFs, and the KTT
//! clients' Kela absence notices of the month walked.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use chrono::NaiveDate;
use seteli_api::common::v1::ServiceType;
use seteli_api::reporting::v1 as rpb;

use super::summary::DemoVoucher;
use crate::actions;
use crate::conn::Platform;

/// What the reports phase came to.
#[derive(Debug, Clone)]
pub(super) struct Reports {
    /// The demo vouchers' report obligations in the end.
    pub obligations: Vec<rpb::Obligation>,
    /// The reports submitted.
    pub submitted_reports: Vec<String>,
    /// Report PDFs written.
    pub report_pdfs: Vec<PathBuf>,
}

/// Phase 5, reports on `vouchers` (the fifth, Lauri's, left unwritten), waiting at most
/// `feed_wait` for their obligations; the PDFs written under `out`.
pub(super) async fn reports(
    p: &Platform,
    vouchers: &[DemoVoucher],
    out: &Path,
    feed_wait: Duration,
) -> anyhow::Result<Reports> {
    let ours = |o: &rpb::Obligation| vouchers.iter().any(|v| v.id == o.voucher_id);
    actions::eventually(
        "the report obligations of every demo voucher",
        feed_wait,
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
            &out.join("reports"),
            &format!("{}-{rule}.pdf", v.number),
            &pdf.content,
        )?);
    }
    Ok(Reports {
        obligations,
        submitted_reports,
        report_pdfs,
    })
}

/// Phase 6, the Kela absence notices of the KTT `vouchers` that touch the month starting on
/// `month_first`, waiting at most `feed_wait` for them; written under `out`.
pub(super) async fn kela_notices(
    p: &Platform,
    vouchers: &[DemoVoucher],
    out: &Path,
    feed_wait: Duration,
    month_first: NaiveDate,
) -> anyhow::Result<Vec<PathBuf>> {
    let mut kela_notices = Vec::new();
    for v in vouchers
        .iter()
        .filter(|v| v.service == ServiceType::KttIndividual)
    {
        let notices =
            actions::eventually("the Kela notices of a KTT voucher", feed_wait, || async {
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
                &out.join("kela"),
                &format!("{}-{from}.pdf", v.number),
                &pdf.content,
            )?);
        }
    }
    Ok(kela_notices)
}
