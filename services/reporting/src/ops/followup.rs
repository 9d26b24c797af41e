//! The county's follow-up of a period: per service and provider, the vouchers valid on some day
//! of it, units granted and used, the reports due in it (overdue, submitted late), and the
//! no-show and absence rates — as data and as CSV.
//!
//! The voucher figures come from `seteli.attendance.v1` ListVoucherActivity (attendance keeps
//! sessions, absences and the units used), read with this service's own attendance token
//! (`SETELI_ATTENDANCE_FEED_TOKEN`) when it has one, else the caller's; the report figures
//! from this service's obligations. Figures only, no client data: nothing is audited.
//!
//! Small cells are suppressed (issue 30): a figure counted from fewer than
//! [`MIN_CLIENTS_PER_FIGURE`] distinct clients could point at a person ("the one SK group client
//! of provider X had 9 absences"). A row's clients are the distinct clients of its vouchers
//! (read from the followed voucher copy; a voucher not followed yet counts no client, so it
//! errs towards suppressing) and of its reports due. Rows under the threshold are shown as
//! `suppressed` with their figures zeroed; when a service's suppressed rows together hold fewer
//! clients than that, its smallest shown rows are suppressed too, so the total minus the rows
//! shown does not give them away. Totals sum every row, suppressed ones included, and are
//! themselves suppressed under the threshold. See [`suppress_small_cells`].
//!
//! - vouchers: valid on some day of the period, placed with a provider, not cancelled;
//! - no-show rate: no-shows ÷ (realised sessions + no-shows) in the period;
//! - absence rate: recorded absences ÷ (realised sessions + no-shows + absences);
//! - reports overdue: due in the period, not handed in, and the due date has passed today.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use seteli_api::attendance::v1 as apb;
use seteli_api::reporting::v1 as pb;
use seteli_platform::auth::Role;
use seteli_platform::convert::{PbEnum, store_date, to_date};
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};
use seteli_rules::ServiceType;

use super::common::every_page;
use super::voucher_feed::catch_up;
use crate::access;
use crate::app::App;
use crate::store;
use crate::wire;

/// The longest period, in days after its first day.
const MAX_PERIOD_DAYS: i64 = 366;

/// Attendance pages read at most (1000 vouchers each).
const MAX_PAGES: usize = 1000;

/// The fewest distinct clients a follow-up figure (a row or a total) is shown for: fewer could
/// identify a person. Five is the usual threshold of Finnish social and health statistics
/// (THL, Findata's small-cell rule).
pub const MIN_CLIENTS_PER_FIGURE: usize = 5;

/// What a follow-up asks for.
#[derive(Debug, Clone)]
struct Query {
    from: NaiveDate,
    until: NaiveDate,
    service: Option<ServiceType>,
    provider_id: String,
}

fn query(
    from: Option<&seteli_api::common::v1::Date>,
    until: Option<&seteli_api::common::v1::Date>,
    service: i32,
    provider_id: &str,
) -> AppResult<Query> {
    let (from, until) = period(("period_from", from), ("period_until", until))?;
    Ok(Query {
        from,
        until,
        service: wire::optional_enum::<ServiceType>("service_type", service)?,
        provider_id: provider_id.trim().to_owned(),
    })
}

/// A period of the county's follow-up, its two days named by their request fields: both
/// required, the last not before the first and at most [`MAX_PERIOD_DAYS`] after it.
pub(super) fn period(
    (from_field, from): (&str, Option<&seteli_api::common::v1::Date>),
    (until_field, until): (&str, Option<&seteli_api::common::v1::Date>),
) -> AppResult<(NaiveDate, NaiveDate)> {
    let from = wire::required_day(from_field, from)?;
    let until = wire::required_day(until_field, until)?;
    if until < from || (until - from).num_days() > MAX_PERIOD_DAYS {
        return Err(AppError::invalid(
            until_field,
            format!("not before {from_field}, at most 366 days after it"),
        ));
    }
    Ok((from, until))
}

/// Every voucher's activity in the period, from attendance.
async fn activity(app: &App, ctx: &Ctx, q: &Query) -> AppResult<Vec<apb::VoucherActivity>> {
    let caller_reads = ctx.caller.role == Role::CountyAdmin;
    let as_whom = match app.attendance.service_ctx() {
        Some(own) => own,
        None if caller_reads => ctx,
        None => {
            return Err(AppError::Unavailable(
                "the follow-up's figures need SETELI_ATTENDANCE_FEED_TOKEN; ask the county's \
                 administrator"
                    .into(),
            ));
        }
    };
    let read = |page_token| async move {
        let page = app
            .attendance
            .client
            .call(
                as_whom,
                apb::ListVoucherActivityRequest {
                    period_from: Some(to_date(q.from)),
                    period_until: Some(to_date(q.until)),
                    page_size: 1000,
                    page_token,
                },
                |mut c, r| async move { c.list_voucher_activity(r).await },
            )
            .await?;
        Ok((page.vouchers, page.next_page_token))
    };
    every_page(MAX_PAGES, read, || {
        AppError::Unavailable("too many vouchers in the period for one follow-up".into())
    })
    .await
}

/// A share as a rate (0 when there is nothing to share).
fn rate(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        0.0
    } else {
        // Counts far below 2^52: exact as f64.
        #[allow(clippy::cast_precision_loss)]
        let r = part as f64 / whole as f64;
        r
    }
}

/// Fills the rates of a row from its counts.
fn with_rates(mut r: pb::FollowUpRow) -> pb::FollowUpRow {
    r.sessions_arranged = r.sessions_realised + r.no_shows;
    r.no_show_rate = rate(r.no_shows, r.sessions_arranged);
    r.absence_rate = rate(r.absences, r.sessions_arranged + r.absences);
    r
}

/// Adds `b`'s counts to `a`.
fn add(a: &mut pb::FollowUpRow, b: &pb::FollowUpRow) {
    a.vouchers += b.vouchers;
    a.units_granted_hundredths += b.units_granted_hundredths;
    a.units_used_hundredths += b.units_used_hundredths;
    a.units_used_total_hundredths += b.units_used_total_hundredths;
    a.sessions_realised += b.sessions_realised;
    a.no_shows += b.no_shows;
    a.absences += b.absences;
    a.reports_due += b.reports_due;
    a.reports_overdue += b.reports_overdue;
    a.reports_submitted_late += b.reports_submitted_late;
}

/// The position of a service in the catalogue (rows are ordered by it).
fn order(s: ServiceType) -> usize {
    ServiceType::ALL
        .iter()
        .position(|x| *x == s)
        .unwrap_or(usize::MAX)
}

/// A row being summed and the distinct clients counted in it.
type Cell = (pb::FollowUpRow, BTreeSet<String>);

/// The rows being summed, by service (catalogue order) and provider.
type Rows = BTreeMap<(usize, String), Cell>;

/// The row of `service` and `provider_id`, new when there is none yet.
fn row<'a>(rows: &'a mut Rows, service: ServiceType, provider_id: &str) -> &'a mut Cell {
    rows.entry((order(service), provider_id.to_owned()))
        .or_insert_with(|| {
            let r = pb::FollowUpRow {
                service_type: service.to_pb(),
                provider_id: provider_id.to_owned(),
                ..Default::default()
            };
            (r, BTreeSet::new())
        })
}

/// `r` as shown when suppressed: which row it is, and no figures.
fn suppressed(r: &pb::FollowUpRow) -> pb::FollowUpRow {
    pb::FollowUpRow {
        service_type: r.service_type,
        provider_id: r.provider_id.clone(),
        suppressed: true,
        ..Default::default()
    }
}

/// Suppresses the small cells of `rows` (in order: by service, then provider) and sums them per
/// service: the rows and the service totals as shown (see the module's doc).
fn suppress_small_cells(rows: Vec<Cell>) -> (Vec<pb::FollowUpRow>, Vec<pb::FollowUpRow>) {
    let mut by_service: BTreeMap<i32, Vec<Cell>> = BTreeMap::new();
    let mut services = Vec::new();
    for (r, clients) in rows {
        if !by_service.contains_key(&r.service_type) {
            services.push(r.service_type);
        }
        by_service
            .entry(r.service_type)
            .or_default()
            .push((with_rates(r), clients));
    }
    let (mut shown, mut totals) = (Vec::new(), Vec::new());
    for service in services {
        let cells = by_service.remove(&service).unwrap_or_default();
        let mut total = pb::FollowUpRow {
            service_type: service,
            ..Default::default()
        };
        let mut everyone = BTreeSet::new();
        for (r, clients) in &cells {
            add(&mut total, r);
            everyone.extend(clients.iter().cloned());
        }
        let mut hide: Vec<bool> = cells
            .iter()
            .map(|(_, c)| c.len() < MIN_CLIENTS_PER_FIGURE)
            .collect();
        // Secondary suppression: the hidden rows together must hide at least the threshold.
        loop {
            let hidden: BTreeSet<&String> = cells
                .iter()
                .zip(&hide)
                .filter(|(_, h)| **h)
                .flat_map(|((_, c), _)| c)
                .collect();
            if hidden.is_empty() || hidden.len() >= MIN_CLIENTS_PER_FIGURE {
                break;
            }
            let smallest = cells
                .iter()
                .zip(&hide)
                .enumerate()
                .filter(|(_, (_, h))| !**h)
                .min_by_key(|(_, ((_, c), _))| c.len())
                .map(|(i, _)| i);
            match smallest {
                Some(i) => hide[i] = true,
                None => break,
            }
        }
        for ((r, _), h) in cells.iter().zip(&hide) {
            shown.push(if *h { suppressed(r) } else { r.clone() });
        }
        let total = with_rates(total);
        totals.push(if everyone.len() < MIN_CLIENTS_PER_FIGURE {
            suppressed(&total)
        } else {
            total
        });
    }
    (shown, totals)
}

/// The follow-up of `q` as of `ctx.today()`.
async fn follow_up(app: &App, ctx: &Ctx, q: &Query) -> AppResult<pb::GetFollowUpResponse> {
    let wanted = |service: ServiceType, provider_id: &str| {
        q.service.is_none_or(|s| s == service)
            && (q.provider_id.is_empty() || q.provider_id == provider_id)
            && !provider_id.is_empty()
    };
    let mut rows: Rows = BTreeMap::new();
    let activity = activity(app, ctx, q).await?;
    let clients = {
        let read = async || {
            let mut conn = app.db.pool().acquire().await?;
            store::voucher_clients(&mut conn).await
        };
        let known = read().await?;
        if activity.iter().all(|a| known.contains_key(&a.voucher_id)) {
            known
        } else {
            // A voucher not followed yet counts no client; catch up once to count it.
            if let Err(e) = catch_up(app).await {
                tracing::debug!(error = %e, "catching up on demand failed");
            }
            read().await?
        }
    };
    for a in activity {
        let Some(service) = ServiceType::from_pb(a.service_type) else {
            continue;
        };
        if a.voucher_state == "CANCELLED" || !wanted(service, &a.provider_id) {
            continue;
        }
        let units = |u: Option<&apb::Units>| u.map_or(0, |u| u.hundredths);
        let (r, counted) = row(&mut rows, service, &a.provider_id);
        if let Some(client) = clients.get(&a.voucher_id) {
            counted.insert(client.clone());
        }
        r.vouchers += 1;
        r.units_granted_hundredths += units(a.units_granted.as_ref());
        r.units_used_hundredths += units(a.units_realised.as_ref());
        r.units_used_total_hundredths += units(a.units_used.as_ref());
        r.sessions_realised += a.sessions_realised;
        r.no_shows += a.no_shows;
        r.absences += a.absences;
    }
    let today = ctx.today();
    let reports = {
        let mut conn = app.db.pool().acquire().await?;
        store::reports_due_between(&mut conn, q.from, q.until).await?
    };
    for d in reports {
        if !wanted(d.service, &d.provider_id) {
            continue;
        }
        let (r, counted) = row(&mut rows, d.service, &d.provider_id);
        counted.insert(d.client_id);
        r.reports_due += 1;
        if !d.handed_in && d.due_on < today {
            r.reports_overdue += 1;
        }
        if d.handed_in && d.late {
            r.reports_submitted_late += 1;
        }
    }
    let (rows, service_totals) = suppress_small_cells(rows.into_values().collect());
    Ok(pb::GetFollowUpResponse {
        period_from: Some(to_date(q.from)),
        period_until: Some(to_date(q.until)),
        rows,
        service_totals,
    })
}

/// GetFollowUp.
pub async fn get_follow_up(
    app: &App,
    ctx: Ctx,
    req: pb::GetFollowUpRequest,
) -> AppResult<pb::GetFollowUpResponse> {
    let q = asked(&ctx, &req)?;
    follow_up(app, &ctx, &q).await
}

/// The follow-up `req` asks for, when the caller may read follow-ups.
fn asked(ctx: &Ctx, req: &pb::GetFollowUpRequest) -> AppResult<Query> {
    ctx.caller.require(access::FOLLOW_UP_READERS)?;
    query(
        req.period_from.as_ref(),
        req.period_until.as_ref(),
        req.service_type,
        &req.provider_id,
    )
}

/// The CSV header row.
pub const CSV_HEADER: [&str; 17] = [
    "service_type",
    "service_name_fi",
    "provider_id",
    "vouchers",
    "units_granted",
    "units_used_in_period",
    "units_used_total",
    "sessions_arranged",
    "sessions_realised",
    "no_shows",
    "absences",
    "no_show_rate",
    "absence_rate",
    "reports_due",
    "reports_overdue",
    "reports_submitted_late",
    "suppressed",
];

/// Hundredths as a decimal with two places, e.g. `1250` → `12.50`.
fn hundredths(h: i64) -> String {
    let sign = if h < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", (h / 100).abs(), (h % 100).abs())
}

/// The follow-up's rows as CSV (UTF-8, comma-separated, the header first).
pub fn to_csv(rows: &[pb::FollowUpRow]) -> AppResult<Vec<u8>> {
    let fail =
        |e: csv::Error| AppError::Internal(anyhow::anyhow!("writing the follow-up CSV: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_HEADER).map_err(fail)?;
    for r in rows {
        let service = ServiceType::from_pb(r.service_type);
        let mut record = vec![
            service.map(|s| s.code()).unwrap_or_default().to_owned(),
            service.map(|s| s.name_fi()).unwrap_or_default().to_owned(),
            r.provider_id.clone(),
        ];
        record.extend([
            r.vouchers.to_string(),
            hundredths(r.units_granted_hundredths),
            hundredths(r.units_used_hundredths),
            hundredths(r.units_used_total_hundredths),
            r.sessions_arranged.to_string(),
            r.sessions_realised.to_string(),
            r.no_shows.to_string(),
            r.absences.to_string(),
            format!("{:.4}", r.no_show_rate),
            format!("{:.4}", r.absence_rate),
            r.reports_due.to_string(),
            r.reports_overdue.to_string(),
            r.reports_submitted_late.to_string(),
        ]);
        if r.suppressed {
            // Not shown is not zero: the figure columns stay empty.
            record.truncate(3);
            record.resize(CSV_HEADER.len() - 1, String::new());
        }
        record.push(r.suppressed.to_string());
        w.write_record(&record).map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("writing the follow-up CSV: {e}")))
}

/// ExportFollowUpCsv.
pub async fn export_follow_up_csv(
    app: &App,
    ctx: Ctx,
    req: pb::ExportFollowUpCsvRequest,
) -> AppResult<pb::ExportFollowUpCsvResponse> {
    // The export asks the same as GetFollowUp.
    let pb::ExportFollowUpCsvRequest {
        period_from,
        period_until,
        service_type,
        provider_id,
    } = req;
    let q = asked(
        &ctx,
        &pb::GetFollowUpRequest {
            period_from,
            period_until,
            service_type,
            provider_id,
        },
    )?;
    let data = follow_up(app, &ctx, &q).await?;
    Ok(pb::ExportFollowUpCsvResponse {
        file_name: format!(
            "seuranta-{}-{}.csv",
            store_date(q.from),
            store_date(q.until)
        ),
        content_type: "text/csv; charset=utf-8".into(),
        content: to_csv(&data.rows)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hundredths_print_with_two_places() {
        assert_eq!(hundredths(1250), "12.50");
        assert_eq!(hundredths(5), "0.05");
        assert_eq!(hundredths(0), "0.00");
        assert_eq!(hundredths(-150), "-1.50");
    }

    /// A KTT row of `provider` with `vouchers` vouchers, one client each, named from `first`.
    fn cell(provider: &str, first: usize, vouchers: usize) -> Cell {
        let r = pb::FollowUpRow {
            service_type: ServiceType::KttIndividual.to_pb(),
            provider_id: provider.into(),
            vouchers: i64::try_from(vouchers).unwrap_or_default(),
            no_shows: 1,
            sessions_realised: 3,
            ..Default::default()
        };
        (
            r,
            (first..first + vouchers).map(|c| format!("c{c}")).collect(),
        )
    }

    #[test]
    fn a_row_of_fewer_than_five_clients_is_suppressed_and_the_total_stays_honest() {
        let (rows, totals) =
            suppress_small_cells(vec![cell("a", 0, 5), cell("b", 10, 4), cell("c", 20, 2)]);
        assert!(!rows[0].suppressed);
        assert_eq!(rows[0].vouchers, 5);
        assert!(rows[1].suppressed);
        assert_eq!((rows[1].provider_id.as_str(), rows[1].vouchers), ("b", 0));
        assert!(rows[1].no_show_rate.abs() < f64::EPSILON);
        assert!(rows[2].suppressed);
        // The total counts every voucher, the hidden rows' included.
        assert!(!totals[0].suppressed);
        assert_eq!(totals[0].vouchers, 11);
        assert_eq!(totals[0].no_shows, 3);
    }

    #[test]
    fn the_smallest_other_row_is_hidden_when_the_hidden_ones_are_too_few() {
        let (rows, totals) =
            suppress_small_cells(vec![cell("a", 0, 6), cell("b", 10, 5), cell("c", 20, 1)]);
        let hidden: Vec<bool> = rows.iter().map(|r| r.suppressed).collect();
        assert_eq!(hidden, vec![false, true, true]);
        assert_eq!(totals[0].vouchers, 12);
        // Hidden rows of enough clients together need no more.
        let (rows, _) =
            suppress_small_cells(vec![cell("a", 0, 6), cell("b", 10, 3), cell("c", 20, 2)]);
        let hidden: Vec<bool> = rows.iter().map(|r| r.suppressed).collect();
        assert_eq!(hidden, vec![false, true, true]);
    }

    #[test]
    fn one_client_is_counted_once_and_a_small_total_is_suppressed() {
        let mut twice = cell("a", 0, 3);
        twice.0.vouchers = 6;
        let (rows, totals) = suppress_small_cells(vec![twice]);
        assert!(rows[0].suppressed);
        assert!(totals[0].suppressed);
        assert_eq!(totals[0].vouchers, 0);
    }

    #[test]
    fn a_suppressed_row_has_no_figures_in_the_csv() {
        let (rows, _) = suppress_small_cells(vec![cell("a", 0, 2)]);
        let csv = String::from_utf8(to_csv(&rows).unwrap_or_default()).unwrap_or_default();
        let line = csv.lines().nth(1).unwrap_or_default();
        assert!(line.starts_with("KTT_INDIVIDUAL,"), "{line}");
        assert!(line.ends_with(",a,,,,,,,,,,,,,,true"), "{line}");
    }

    #[test]
    fn rates_are_shares_of_what_was_arranged() {
        let r = with_rates(pb::FollowUpRow {
            sessions_realised: 6,
            no_shows: 2,
            absences: 2,
            ..Default::default()
        });
        assert_eq!(r.sessions_arranged, 8);
        assert!((r.no_show_rate - 0.25).abs() < 1e-12);
        assert!((r.absence_rate - 0.2).abs() < 1e-12);
        assert!(with_rates(pb::FollowUpRow::default()).no_show_rate.abs() < f64::EPSILON);
    }
}
