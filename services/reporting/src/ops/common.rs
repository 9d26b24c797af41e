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

/// The audit entry of `caller`'s access to client `client_id`'s data by `action`, for the
/// purpose the caller's role has.
pub(super) fn client_access<'a>(
    caller: &Caller,
    client_id: &'a str,
    action: &'a str,
) -> Access<'a> {
    Access {
        subject_kind: CLIENT,
        subject_id: client_id,
        action,
        purpose: access::purpose(caller),
    }
}

/// The audit entry of an access to a report's text.
pub(super) fn report_access<'a>(
    caller: &Caller,
    o: &'a ObligationRow,
    action: &'a str,
) -> Access<'a> {
    client_access(caller, &o.client_id, action)
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

/// What a change of report `o` ends with in its transaction: `caller`'s access to its text
/// audited as `action` under `request`, and the report as it now is, as of `today`, decorated.
pub(super) async fn audited_report(
    conn: &mut AnyConnection,
    (caller, request): (&Caller, &str),
    o: &ObligationRow,
    action: &str,
    today: NaiveDate,
) -> AppResult<pb::Report> {
    seteli_platform::audit::record(
        &mut *conn,
        caller,
        request,
        report_access(caller, o, action),
    )
    .await?;
    let mut report = wire::to_report(o, today);
    decorate(conn, o, &mut report).await?;
    Ok(report)
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
#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use seteli_rules::calendar::DeadlineRoll;

    use super::*;
    use crate::testing::d;

    fn micros(y: i32, m: u32, day: u32, h: u32, min: u32) -> i64 {
        Utc.with_ymd_and_hms(y, m, day, h, min, 0)
            .single()
            .expect("an instant")
            .timestamp_micros()
    }

    #[test]
    fn a_followed_change_was_told_when_recorded_unless_that_is_later_than_now() {
        let now = micros(2026, 4, 7, 9, 0);
        let clock = Clock::fixed(Utc.timestamp_micros(now).single().expect("an instant"));
        let earlier = micros(2026, 4, 6, 15, 30);
        assert_eq!(told_at(&clock, earlier), earlier);
        // An upstream clock ahead of ours, or no time recorded: now.
        assert_eq!(told_at(&clock, micros(2026, 4, 7, 9, 5)), now);
        assert_eq!(told_at(&clock, 0), now);
    }

    #[test]
    fn the_day_of_an_instant_is_the_finnish_day() {
        // 22:30 UTC on 31 March is 01:30 on 1 April in Helsinki (EEST, UTC+3).
        assert_eq!(day_of(micros(2026, 3, 31, 22, 30)), d(2026, 4, 1));
        assert_eq!(day_of(micros(2026, 3, 31, 20, 30)), d(2026, 3, 31));
    }

    #[test]
    fn without_delay_is_the_next_business_day() {
        let cfg = ProcessConfig::default();
        // Tuesday → Wednesday; Friday → Monday; Maundy Thursday 2026 → the Tuesday after Easter.
        assert_eq!(due_after(d(2026, 3, 10), &cfg), d(2026, 3, 11));
        assert_eq!(due_after(d(2026, 3, 13), &cfg), d(2026, 3, 16));
        assert_eq!(due_after(d(2026, 4, 2), &cfg), d(2026, 4, 7));
        let two_days = ProcessConfig {
            notify_within_business_days: 2,
            roll: DeadlineRoll::NextBusinessDay,
            ..cfg
        };
        assert_eq!(due_after(d(2026, 3, 10), &two_days), d(2026, 3, 12));
    }

    #[test]
    fn a_notice_told_after_its_due_day_is_late() {
        let cfg = ProcessConfig::default();
        let friday = d(2026, 3, 13);
        for kind in [
            RuleNotice::Change,
            RuleNotice::Interruption,
            RuleNotice::Damage,
        ] {
            assert!(!told_late(kind, friday, friday, &cfg), "{kind:?}");
            assert!(!told_late(kind, friday, d(2026, 3, 16), &cfg), "{kind:?}");
            assert!(told_late(kind, friday, d(2026, 3, 17), &cfg), "{kind:?}");
        }
    }
}
