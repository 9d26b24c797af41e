//! The month walked: how the demo runs, the month it picks (last month, closed), and its
//! phases in order under one progress bar.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{Datelike, NaiveDate};
use indicatif::{ProgressBar, ProgressStyle};

use super::made_up::seed;
use super::summary::Summary;
use super::{invoices, reports, sessions, setup, vouchers};
use crate::actions::today;
use crate::conn::Platform;

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

/// The first day of the month walked: the one before `today`'s (closed, so it can be
/// invoiced).
fn month_walked(today: NaiveDate) -> anyhow::Result<NaiveDate> {
    NaiveDate::from_ymd_opt(today.year(), today.month(), 1)
        .and_then(|d| d.checked_sub_months(chrono::Months::new(1)))
        .context("last month")
}

/// Runs the month against `p`; see [`crate::demo`].
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
    let month_first = month_walked(t)?;
    let notes: Vec<String> = Vec::new();

    bar.set_message("ceiling prices");
    setup::ceiling_prices(p).await?;
    step("providers");
    let s = seed();
    let providers = setup::providers(p, s).await?;

    step("clients and vouchers");
    let vouchers = vouchers::clients_and_vouchers(p, &providers, s, t, month_first).await?;

    step("sessions");
    let sessions::Sessions {
        sessions,
        rejected,
        no_show,
        provider_cancelled,
        replacement,
        absence,
    } = sessions::sessions(p, &vouchers, month_first).await?;

    step("reports");
    let reports::Reports {
        obligations,
        submitted_reports,
        report_pdfs,
    } = reports::reports(p, &vouchers, &o.out, o.feed_wait).await?;

    step("Kela notices");
    let kela_notices =
        reports::kela_notices(p, &vouchers, &o.out, o.feed_wait, month_first).await?;

    step("invoices");
    let invoices = invoices::invoices(p, &providers, month_first).await?;

    step("financial system pull");
    let pulled = invoices::pull(p, &o.out, &bar).await?;
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
        replacement,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a calendar day")
    }

    #[test]
    fn the_month_walked_is_last_month() {
        assert_eq!(month_walked(day(2026, 3, 15)).ok(), Some(day(2026, 2, 1)));
        assert_eq!(month_walked(day(2026, 3, 1)).ok(), Some(day(2026, 2, 1)));
        assert_eq!(month_walked(day(2024, 3, 31)).ok(), Some(day(2024, 2, 1)));
    }

    #[test]
    fn in_january_the_month_walked_is_last_years_december() {
        assert_eq!(month_walked(day(2026, 1, 31)).ok(), Some(day(2025, 12, 1)));
    }
}
