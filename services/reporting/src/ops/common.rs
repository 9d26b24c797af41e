//! What several capabilities share: the audit entry of a report's text and a report's view with
//! what delivery knows of it (reports, delivery); every page of a listing read from another
//! service (Kela notices, the follow-up); and when a notice was told and by when it was due —
//! "without delay" (RULES.md §6) — for the notices made by the voucher feed, the alert feed
//! and the provider's user alike.

use chrono::{DateTime, NaiveDate};
use seteli_api::reporting::v1 as pb;
use seteli_platform::audit::Access;
use seteli_platform::auth::Caller;
use seteli_platform::clock::{Clock, finnish_date};
use seteli_platform::{AppError, AppResult};
use seteli_rules::calendar::{add_business_days, roll_deadline};
use seteli_rules::process::{NoticeKind as RuleNotice, ProcessConfig, check_notice};
use sqlx::AnyConnection;

use crate::access;
use crate::model::ObligationRow;
use crate::store;
use crate::wire;

/// Subject kind of every audit entry this service writes.
pub(super) const CLIENT: &str = "client";

/// The audit entry of an access to a report's text.
pub(super) fn report_access<'a>(
    caller: &Caller,
    o: &'a ObligationRow,
    action: &'a str,
) -> Access<'a> {
    Access {
        subject_kind: CLIENT,
        subject_id: &o.client_id,
        action,
        purpose: access::purpose(caller),
    }
}

/// Adds what delivery knows to a report's view: its delivery marks (REP-DELIVERY), and for an
/// SK interim report the earlier periods' dated sections (REP-INTERIM-SK).
pub(super) async fn decorate(
    conn: &mut AnyConnection,
    o: &ObligationRow,
    report: &mut pb::Report,
) -> AppResult<()> {
    let marks = store::voucher_marks(conn, &o.voucher_id).await?;
    report.delivery = Some(wire::to_delivery(&marks, &o.id));
    report.earlier_sections = store::earlier_sections(conn, o)
        .await?
        .iter()
        .map(wire::to_dated_section)
        .collect();
    Ok(())
}

/// Every page of a listing read from another service: `page(token)` reads the page at `token`
/// (empty: the first) and answers its items and the next page's token (empty: none). After
/// `max_pages` pages with more to come, answers `too_many()` instead.
pub(super) async fn every_page<T, F, Fut>(
    max_pages: usize,
    mut page: F,
    too_many: impl FnOnce() -> AppError,
) -> AppResult<Vec<T>>
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = AppResult<(Vec<T>, String)>>,
{
    let mut out = Vec::new();
    let mut token = String::new();
    for _ in 0..max_pages {
        let (items, next) = page(token).await?;
        out.extend(items);
        if next.is_empty() {
            return Ok(out);
        }
        token = next;
    }
    Err(too_many())
}

// ------------------------------------------------------------------------------ notice timing

/// When a change recorded upstream at `recorded_at` (microseconds, the upstream's clock)
/// reached the inbox, by this service's `clock`: the earlier of that and now.
pub(super) fn told_at(clock: &Clock, recorded_at: i64) -> i64 {
    let now = clock.now_micros();
    if recorded_at > 0 {
        recorded_at.min(now)
    } else {
        now
    }
}

/// The Finnish day of an instant in microseconds.
pub(super) fn day_of(micros: i64) -> NaiveDate {
    DateTime::from_timestamp_micros(micros)
        .map(finnish_date)
        .unwrap_or_default()
}

/// By when a notice of something that happened on `occurred_on` is due: "without delay", as
/// `seteli_rules::process::check_notice` counts it.
pub(super) fn due_after(occurred_on: NaiveDate, cfg: &ProcessConfig) -> NaiveDate {
    roll_deadline(
        add_business_days(occurred_on, cfg.notify_within_business_days),
        cfg.roll,
    )
}

/// Whether a notice told on `told_on` of what happened on `occurred_on` was late, by the rule
/// of `kind` (NOTIFY-CHANGE, PROC-INTERRUPT, PROV-DAMAGE-NOTICE).
pub(super) fn told_late(
    kind: RuleNotice,
    occurred_on: NaiveDate,
    told_on: NaiveDate,
    cfg: &ProcessConfig,
) -> bool {
    // NOTIFY-CHANGE / PROC-INTERRUPT / PROV-DAMAGE-NOTICE: "without delay"
    !check_notice(kind, occurred_on, Some(told_on), told_on, cfg).is_empty()
}
