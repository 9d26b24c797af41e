//! The attendance service's workflows: validate → decide with `seteli_rules` → change through
//! the store. `api.rs` calls one function here per RPC; `jobs.rs` calls [`catch_up`].
//!
//! Every change of a voucher's sessions runs through [`Change::apply_to`] on the followed
//! voucher: once per `request_id`, in one transaction that locks the voucher, then the client
//! ([`store::lock_client`]), reads every session of the client, admits with the rules crate,
//! writes the session, its history, the units used, the alerts and the audit entry.
//!
//! RecordSession, the busiest, decides first on a read ([`Change::apply_to_decided`]): the
//! rules run without the claim or any lock, and the transaction only checks that the voucher
//! and the client's sessions (their version in `client_locks`) are as they were decided on.

use std::collections::HashMap;

use chrono::{Datelike, Days, NaiveDate};
use seteli_api::attendance::v1 as pb;
use seteli_api::providers::v1 as ppb;
use seteli_api::vouchers::v1 as vpb;
use seteli_platform::audit::{self, Access, AccessOfMany};
use seteli_platform::change::{Change, Decision, lock_row};
use seteli_platform::client::require_provider_may_work;
use seteli_platform::convert::{PbEnum, date, store_date};
use seteli_platform::db::{Database, new_id};
use seteli_platform::error::refuse;
use seteli_platform::feed::Cursor;
use seteli_platform::paging::{Paging, page_size};
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};
use seteli_rules::absences::{
    AbsenceEntry, AgreedSession, ArrangedDay, BilledItem, BilledKind, CancellationClass,
    CancelledBy, KELA_NOTICE_INTERVAL_DAYS, ProlongedAbsenceConfig, ProviderCancellation,
    RepeatedAbsenceConfig, SickAbsence, billable_no_show_units, check_absence_follow_up,
    check_absences, check_billing, check_prolonged_absence, check_provider_cancellation,
    check_sick_absence, classify,
};
use seteli_rules::calendar::{DeadlineRoll, add_business_days, is_business_day, roll_deadline};
use seteli_rules::check_offering;
use seteli_rules::groups::{
    GroupStartAction, GroupStartFacts, check_group_start, check_late_join, min_fill_check_date,
};
use seteli_rules::process::{ProcessConfig, ServiceStart, check_service_start};
use seteli_rules::provider::{LegalForm, Offering};
use seteli_rules::rule_ids::{
    ABS_KELA, ABS_RECORD, CAP_GROUP_SIZE, KTT_NOT_ONLY_REMOTE, KTT_STEWARD, PROC_COACH, PROC_START,
    SERVICE_NOT_OFFERED, SK_GROUP_LATE_JOIN, SK_GROUP_MIN_FILL,
};
use seteli_rules::sessions::{
    DEFAULT_DISCUSSION_HOURS_PER_MONTH, GroupContext, PeriodFacts, Session, SessionContext,
    TimeSlot, check_session, review_period,
};
use seteli_rules::terms::{check_units_available, check_use_date};
use seteli_rules::{RuleError, ServiceType, Unit, Violation};
use sqlx::AnyConnection;

use crate::access;
use crate::app::App;
use crate::model::{
    AbsenceKind, AbsenceReason, AbsenceRow, AlertState, Audience, GroupMode, GroupRow, GroupState,
    NewAlert, Presence, SessionInput, SessionKind, SessionRow, SessionStatus, StartDates, Voucher,
    dec, to_units,
};
use crate::store::{self, AlertFilter, SessionFilter};
use crate::wire::{self, required_id, required_text};

/// The vouchers feed this service follows (its row in `feed_cursors`).
const VOUCHER_FEED: Cursor = Cursor("vouchers");

/// Voucher changes asked for per page.
const FEED_PAGE: i32 = 500;

/// Subject kind of every audit entry this service writes.
const CLIENT: &str = "client";

// ------------------------------------------------------------------------------ voucher feed

/// Applies every voucher change not applied yet; returns how many were applied.
pub async fn catch_up(app: &App) -> AppResult<usize> {
    let Some(ctx) = &app.feed_ctx else {
        return Ok(0);
    };
    let _one_at_a_time = app.feed_lock.lock().await;
    let mut total = 0;
    loop {
        let after = {
            let mut conn = app.db.pool().acquire().await?;
            VOUCHER_FEED.read(&mut conn).await?.0
        };
        let page = app
            .vouchers
            .call(
                ctx,
                vpb::ListVoucherChangesRequest {
                    after_sequence: after,
                    page_size: FEED_PAGE,
                },
                |mut c, r| async move { c.list_voucher_changes(r).await },
            )
            .await?;
        let n = page.changes.len();
        if n == 0 {
            break;
        }
        total += apply_changes(&app.db, &page.changes).await?;
        if n < usize::try_from(FEED_PAGE).unwrap_or(usize::MAX) {
            break;
        }
    }
    Ok(total)
}

/// Applies a page of changes in one transaction that moves the cursor: changes at or below
/// the stored cursor (applied by another replica meanwhile) are skipped.
async fn apply_changes(db: &Database, changes: &[vpb::VoucherChange]) -> AppResult<usize> {
    let mut tx = db.begin_write().await?;
    let (mut last, _) = VOUCHER_FEED.lock(&mut tx).await?;
    let mut applied = 0usize;
    for change in changes {
        if change.sequence <= last {
            continue;
        }
        match followed(change) {
            Some(v) => store::upsert_voucher(&mut tx, &v).await?,
            None => tracing::warn!(
                sequence = change.sequence,
                "a voucher change without a usable voucher; skipped"
            ),
        }
        last = change.sequence;
        applied += 1;
    }
    VOUCHER_FEED.advance(&mut tx, last, applied).await?;
    tx.commit().await?;
    Ok(applied)
}

/// The voucher a change carries, as attendance follows it.
fn followed(change: &vpb::VoucherChange) -> Option<Voucher> {
    let v = change.voucher.as_ref()?;
    let d = v.decision.as_ref()?;
    let service = ServiceType::from_pb(d.service_type)?;
    let day = |x: Option<&seteli_api::common::v1::Date>| date("date", x).ok();
    let state = vpb::VoucherState::try_from(v.state)
        .ok()?
        .as_str_name()
        .trim_start_matches("VOUCHER_STATE_")
        .to_owned();
    let issued = change.kind == vpb::VoucherChangeKind::Issued as i32;
    Some(Voucher {
        id: v.id.clone(),
        client_id: v.client.as_ref()?.client_id.clone(),
        provider_id: v.provider_id.clone(),
        service,
        state,
        decision_date: day(d.decision_date.as_ref())?,
        valid_from: day(d.valid_from.as_ref())?,
        valid_until: day(d.valid_until.as_ref())?,
        units_granted: v.units_granted.map(|u| u.hundredths).unwrap_or_default(),
        weekly_cap: v.weekly_cap.map(|u| u.hundredths),
        responsible_coach: v.responsible_coach.clone(),
        social_worker: if issued {
            change
                .actor
                .as_ref()
                .map(|a| a.subject.clone())
                .unwrap_or_default()
        } else {
            String::new()
        },
        ended_on: day(v.ended_on.as_ref()),
        version: v.version,
        feed_sequence: change.sequence,
        units_used: 0,
        start: StartDates {
            provider_chosen_on: day(v.provider_chosen_on.as_ref()),
            agreed_start_on: day(v.agreed_start_on.as_ref()),
            accepted_on: day(v.accepted_on.as_ref()),
            steward_notified_on: day(v.steward_notified_on.as_ref()),
        },
    })
}

/// GetFeedStatus.
pub async fn get_feed_status(
    app: &App,
    ctx: Ctx,
    _req: pb::GetFeedStatusRequest,
) -> AppResult<pb::GetFeedStatusResponse> {
    ctx.caller.require(access::ADMIN)?;
    let mut conn = app.db.pool().acquire().await?;
    let (last_sequence, changes_applied) = VOUCHER_FEED.read(&mut conn).await?;
    let vouchers = store::count_vouchers(&mut conn).await?;
    Ok(pb::GetFeedStatusResponse {
        last_sequence,
        changes_applied,
        vouchers,
    })
}

/// Whether a refusal may come from an old view of the voucher (unknown, another state, no
/// coach yet): then the feed is caught up on demand and the request tried once more.
fn maybe_stale(e: &AppError) -> bool {
    match e {
        AppError::NotFound(_) | AppError::StateConflict(_) => true,
        AppError::RuleViolations(v) => v.iter().any(|x| x.rule == PROC_COACH),
        _ => false,
    }
}

/// Runs `attempt`; when it is refused in a way an old view of the voucher explains, catches up
/// with the feed and runs it once more.
async fn with_fresh_voucher<T, F, Fut>(app: &App, attempt: F) -> AppResult<T>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = AppResult<T>>,
{
    match attempt().await {
        // Retried even when this catch-up found nothing: the follower may have applied the
        // news between the attempt and the catch-up.
        Err(e) if maybe_stale(&e) => match catch_up(app).await {
            Ok(_) => attempt().await,
            Err(feed) => {
                tracing::debug!(error = %feed, "catching up on demand failed");
                Err(e)
            }
        },
        other => other,
    }
}

// ------------------------------------------------------------------------------ sessions

/// What admission decided.
struct Admission {
    /// Units the session consumes, hundredths.
    units: i64,
    /// Warnings on the voucher.
    warnings: Vec<pb::Warning>,
    /// Every session of the voucher (any state, without the excluded one) as admission read
    /// them in this transaction: what the units are recounted from after the write, without
    /// reading them again.
    voucher_sessions: Vec<SessionRow>,
}

fn rule_error(e: RuleError) -> AppError {
    AppError::RuleViolations(vec![e.violation()])
}

fn to_warning(v: Violation) -> pb::Warning {
    pb::Warning {
        rule_id: v.rule.to_owned(),
        section: v.section.to_owned(),
        message_en: v.message_en,
        message_fi: v.message_fi,
    }
}

/// BILL-NO-SHOW: the units billable for each no-show of one voucher (one unit per calendar
/// month at most, decided by the rules crate), never more than the session's own units.
fn no_show_allowance(sessions: &[SessionRow]) -> HashMap<String, i64> {
    let mut no_shows: Vec<&SessionRow> = sessions
        .iter()
        .filter(|s| s.status == SessionStatus::NoShow)
        .collect();
    no_shows.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
    let mut billed: Vec<NaiveDate> = Vec::new();
    let mut out = HashMap::new();
    for s in no_shows {
        // BILL-NO-SHOW
        let allowed = billable_no_show_units(s.date, &billed);
        let hundredths = i64::try_from(
            (allowed * rust_decimal::Decimal::ONE_HUNDRED)
                .trunc()
                .mantissa(),
        )
        .unwrap_or_default();
        let units = hundredths.min(s.units);
        if hundredths > 0 {
            billed.push(s.date);
        }
        out.insert(s.id.clone(), units);
    }
    out
}

/// Admits `s` on `v` against every session of the client (without `exclude`, the session
/// being corrected): `check_session` and the period review.
async fn admit(
    conn: &mut AnyConnection,
    v: &Voucher,
    s: &SessionInput,
    exclude: Option<&str>,
    today: NaiveDate,
) -> AppResult<Admission> {
    let sessions = store::client_sessions(conn, &v.client_id).await?;
    admit_among(sessions, v, s, exclude, today)
}

/// [`admit`] against `sessions`, every session of the client as read.
fn admit_among(
    sessions: Vec<SessionRow>,
    v: &Voucher,
    s: &SessionInput,
    exclude: Option<&str>,
    today: NaiveDate,
) -> AppResult<Admission> {
    let terms = seteli_rules::terms_for(v.service, v.decision_date).map_err(rule_error)?;
    let units = match (s.kind, terms.unit) {
        (SessionKind::Regular, Unit::Day) => 100,
        (SessionKind::Regular, Unit::Hour) => s.hours,
        _ => 0,
    };
    let (own, other_vouchers): (Vec<SessionRow>, Vec<SessionRow>) = sessions
        .into_iter()
        .filter(|r| Some(r.id.as_str()) != exclude)
        .partition(|r| r.voucher_id == v.id);
    let no_show_units: i64 = no_show_allowance(&own).values().sum();
    let live = |r: &&SessionRow| r.status == SessionStatus::Recorded;
    let recorded: Vec<Session> = own.iter().filter(live).map(SessionRow::rules).collect();
    let others: Vec<&SessionRow> = other_vouchers.iter().filter(live).collect();
    let slot = |r: &&SessionRow| {
        r.time.map(|(start, end)| TimeSlot {
            date: r.date,
            start,
            end,
        })
    };
    let is_work =
        |r: &&&SessionRow| r.service.is_ktt_work_activity() && r.kind == SessionKind::Regular;
    let work_activity: Vec<TimeSlot> = others.iter().filter(is_work).filter_map(slot).collect();
    let coaching: Vec<TimeSlot> = others
        .iter()
        .filter(|r| {
            (r.service == ServiceType::KttIndividual && r.kind == SessionKind::Regular)
                || (r.service.is_ktt_work_activity() && r.kind == SessionKind::IndividualCoaching)
        })
        .filter_map(slot)
        .collect();
    let other_work_days: Vec<NaiveDate> = others.iter().filter(is_work).map(|r| r.date).collect();
    let voucher = v.terms(no_show_units);
    let proposed = Session {
        date: s.date,
        units: dec(units),
        hours: dec(s.hours),
        modality: s.modality.rules(),
        kind: s.kind.rules(),
        excursion: s.excursion,
        time: s.time,
    };
    let context = SessionContext {
        voucher: &voucher,
        recorded: &recorded,
        group: (v.service.is_group() && s.participants > 0).then_some(GroupContext {
            participants: s.participants,
            provider_max: s.group_max,
        }),
        work_activity: &work_activity,
        coaching: &coaching,
        other_ktt_work_days: &other_work_days,
        responsible_coach_named: !v.responsible_coach.trim().is_empty(),
    };
    // PROC-COACH, TERM-VALIDITY, CAP-UNITS, CAP-WEEKLY (per voucher; per person for KTT work
    // activity), CAP-DAY-LENGTH, CAP-SESSION-LENGTH, CAP-GROUP-SIZE, KTT-GROUP-DISCUSSIONS,
    // COACHING-NOT-DURING-WORK (both orders)
    let mut violations = check_session(&context, &proposed).map_err(rule_error)?;
    // PROC-START, PROC-COACH, KTT-STEWARD: the first session on an ASSIGNED voucher starts the
    // service, so it is checked as a start on its day, as StartVoucher would check it. (Later
    // sessions follow a start already checked, even while the feed still says ASSIGNED.)
    let first_units = own.iter().filter(live).all(|r| r.units == 0);
    if v.state == "ASSIGNED"
        && units > 0
        && first_units
        && let Some(chosen) = v.start.provider_chosen_on
    {
        let coach_named_on = (!v.responsible_coach.trim().is_empty())
            .then_some(v.start.accepted_on.unwrap_or(s.date));
        let start = check_service_start(
            &ServiceStart {
                service: v.service,
                provider_chosen_on: chosen,
                agreed_start: v.start.agreed_start_on,
                started_on: Some(s.date),
                as_of: today,
                contract_made_on: v.start.accepted_on,
                responsible_coach_named_on: coach_named_on,
                steward_notified_on: v.start.steward_notified_on,
            },
            &ProcessConfig::default(),
        );
        // PROC-COACH is check_session's already (a coach named for the session); the start
        // adds the dated checks.
        for x in start {
            if (x.rule == PROC_START || x.rule == KTT_STEWARD)
                && !violations.iter().any(|y| y.rule == x.rule)
            {
                violations.push(x);
            }
        }
    }
    // KTT-NOT-ONLY-REMOTE over the period (a refusal once it ended, a warning before);
    // KTT-GROUP-DISCUSSIONS per ended month and SK-GROUP-WEEKLY are warnings on the voucher.
    let mut after = recorded.clone();
    after.push(proposed);
    let review = review_period(&PeriodFacts {
        voucher: &voucher,
        sessions: &after,
        as_of: today,
        min_discussion_hours_per_month: DEFAULT_DISCUSSION_HOURS_PER_MONTH,
    })
    .map_err(rule_error)?;
    let mut warnings = review.warnings;
    for x in review.violations {
        if x.rule == KTT_NOT_ONLY_REMOTE {
            violations.push(x);
        } else {
            warnings.push(x);
        }
    }
    refuse(violations)?;
    Ok(Admission {
        units,
        warnings: warnings.into_iter().map(to_warning).collect(),
        voucher_sessions: own,
    })
}

/// Recounts the units used on `v` (recorded sessions and allowed no-shows) and stores them
/// with one conditional update that never exceeds the grant (CAP-UNITS).
async fn update_units(conn: &mut AnyConnection, v: &Voucher) -> AppResult<()> {
    let sessions = store::voucher_sessions_between(
        conn,
        &v.id,
        NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default(),
        NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or_default(),
    )
    .await?;
    count_units(conn, v, &sessions).await
}

/// [`update_units`] from `sessions`, every session of `v` as they stand in this transaction.
async fn count_units(
    conn: &mut AnyConnection,
    v: &Voucher,
    sessions: &[SessionRow],
) -> AppResult<()> {
    let recorded: i64 = sessions
        .iter()
        .filter(|s| s.status == SessionStatus::Recorded)
        .map(|s| s.units)
        .sum();
    let allowance = no_show_allowance(sessions);
    let used = recorded + allowance.values().sum::<i64>();
    // The earliest day with units counted: the start of the service when these are the first.
    let first_used_on = sessions
        .iter()
        .filter(|s| match s.status {
            SessionStatus::Recorded => s.units > 0,
            SessionStatus::NoShow => allowance.get(&s.id).is_some_and(|u| *u > 0),
            _ => false,
        })
        .map(|s| s.date)
        .min();
    // Read inside the transaction (the voucher is locked): a change made earlier in the same
    // transaction (a group session's no-show) counts.
    let before = store::units_used_now(conn, &v.id).await?;
    if let Some(usage_version) = store::set_units_used(conn, &v.id, used).await? {
        // The usage feed `vouchers` follows: written with the change that moved the count.
        if before != Some(used) {
            store::append_usage_change(conn, &v.id, used, first_used_on, usage_version).await?;
        }
        return Ok(());
    }
    // CAP-UNITS (decided by the rules crate)
    let violations = check_units_available(
        dec(v.units_granted),
        dec(v.units_used),
        dec(used - v.units_used),
    );
    refuse(violations)?;
    Err(AppError::StateConflict(
        "the voucher changed while its units were counted; retry".into(),
    ))
}

fn not_in_state(what: &str) -> AppError {
    AppError::StateConflict(what.to_owned())
}

/// Records a read of a client's personal data before it is answered (DESIGN.md, Security;
/// 703/2023), grouped with the other reads of the moment ([`audit::record_read`]).
async fn read_client(app: &App, ctx: &Ctx, client_id: &str, action: &str) -> AppResult<()> {
    let access = Access {
        subject_kind: CLIENT,
        subject_id: client_id,
        action,
        purpose: access::purpose(&ctx.caller),
    };
    audit::record_read(&app.db, &ctx.caller, ctx.request_id(), access).await
}

/// Records a read that showed several clients (a list, a feed page) as one entry naming them
/// all ([`audit::record_read_of_many`]).
async fn read_clients(
    app: &App,
    ctx: &Ctx,
    client_ids: Vec<String>,
    action: &str,
) -> AppResult<()> {
    let access = AccessOfMany {
        subject_kind: CLIENT,
        subject_ids: client_ids,
        action,
        purpose: access::purpose(&ctx.caller),
    };
    audit::record_read_of_many(&app.db, &ctx.caller, ctx.request_id(), access).await
}

/// Records an access to a client's personal data inside a change's transaction (DESIGN.md,
/// Security; 703/2023).
async fn audit_client(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    request_id: &str,
    client_id: &str,
    action: &str,
) -> AppResult<()> {
    audit::record(
        &mut *conn,
        &ctx.caller,
        request_id,
        Access {
            subject_kind: CLIENT,
            subject_id: client_id,
            action,
            purpose: access::purpose(&ctx.caller),
        },
    )
    .await
}

/// A session of `v` by id, inside the transaction; NOT_FOUND when it is another voucher's.
async fn session_of(conn: &mut AnyConnection, v: &Voucher, id: &str) -> AppResult<SessionRow> {
    store::load_session(conn, id)
        .await?
        .filter(|s| s.voucher_id == v.id)
        .ok_or_else(|| AppError::NotFound(format!("session {id}")))
}

/// The voucher of a session (sessions never move between vouchers), for locking it.
async fn voucher_of_session(app: &App, session_id: &str) -> AppResult<String> {
    let mut conn = app.db.pool().acquire().await?;
    store::load_session(&mut conn, session_id)
        .await?
        .map(|s| s.voucher_id)
        .ok_or_else(|| AppError::NotFound(format!("session {session_id}")))
}

/// RecordSession.
pub async fn record_session(
    app: &App,
    ctx: Ctx,
    req: pb::RecordSessionRequest,
) -> AppResult<pb::RecordSessionResponse> {
    ctx.caller.require(access::RECORDERS)?;
    require_provider_may_work(&app.providers, &ctx).await?;
    with_fresh_voucher(app, || try_record_session(app, &ctx, &req)).await
}

async fn try_record_session(
    app: &App,
    ctx: &Ctx,
    req: &pb::RecordSessionRequest,
) -> AppResult<pb::RecordSessionResponse> {
    let change = Change::new(&app.db, ctx, &req.request_id, req)?;
    let voucher_id = required_id("voucher_id", &req.voucher_id)?;
    let input = wire::validate_session(req.details.as_ref(), "")?;
    let replaces = Some(req.replaces_session_id.trim().to_owned()).filter(|r| !r.is_empty());
    let caller = ctx.caller.clone();
    let today = ctx.today();
    let ctx = ctx.clone();
    let request_id = req.request_id.clone();
    // The rules run on a read, outside the claim and the voucher's lock; the write checks that
    // neither the voucher nor the client's sessions moved since (Change::apply_to_decided).
    change
        .apply_to_decided(
            &voucher_id,
            |v: &Voucher| access::may_record(&caller, v),
            |conn, v| {
                let input = input.clone();
                let replaces = replaces.clone();
                Box::pin(async move { decide_session(conn, v, input, replaces, today).await })
            },
            move |conn, v, decided| {
                Box::pin(async move {
                    let (id, admission) =
                        write_session(conn, &ctx, &request_id, &v, decided).await?;
                    let session = store::load_session(conn, &id).await?.map(|s| s.view);
                    Ok(pb::RecordSessionResponse {
                        session,
                        warnings: admission.warnings,
                    })
                })
            },
        )
        .await
}

/// A session admitted by the rules, with what the admission was decided on.
struct DecidedSession {
    /// The session as it will be stored (its coach filled in from the voucher).
    input: SessionInput,
    /// The session it replaces, if any.
    replaces: Option<String>,
    admission: Admission,
    /// The client whose sessions were read, and their version read with them
    /// ([`store::client_sessions_with_version`]).
    client_id: String,
    client_version: i64,
}

impl Decision for DecidedSession {
    /// Takes the client's lock: the decision holds when no change of the client's sessions
    /// landed since they were read.
    async fn still_holds(&self, conn: &mut AnyConnection) -> AppResult<bool> {
        Ok(store::lock_client(conn, &self.client_id).await? == self.client_version)
    }
}

/// Decides whether `input` may be recorded on `v`: the voucher's state, the replaced session,
/// admission by the rules crate over every session of the client. Only reads.
async fn decide_session(
    conn: &mut AnyConnection,
    v: &Voucher,
    mut input: SessionInput,
    replaces: Option<String>,
    today: NaiveDate,
) -> AppResult<DecidedSession> {
    if !v.takes_sessions_on(input.date) {
        return Err(not_in_state(&format!(
            "the voucher is {}: no session on {}",
            v.state, input.date
        )));
    }
    // Every session the decision reads, with their version, in one statement.
    let (sessions, client_version) =
        store::client_sessions_with_version(conn, &v.client_id).await?;
    if input.details.coach.is_empty() {
        input.details.coach = v.responsible_coach.clone();
    }
    if let Some(r) = replaces.as_deref() {
        let old = sessions
            .iter()
            .find(|s| s.id == r && s.voucher_id == v.id)
            .ok_or_else(|| {
                AppError::invalid("replaces_session_id", "no such session on the voucher")
            })?;
        if !matches!(
            old.status,
            SessionStatus::Recorded | SessionStatus::CancelledByProvider
        ) {
            return Err(AppError::invalid(
                "replaces_session_id",
                "only a session the provider cancels (or will) is replaced",
            ));
        }
    }
    let admission = admit_among(sessions, v, &input, None, today)?;
    Ok(DecidedSession {
        input,
        replaces,
        admission,
        client_id: v.client_id.clone(),
        client_version,
    })
}

/// Records `input` on `v` inside the change's transaction (the voucher locked), deciding under
/// the client's lock: RecordGroupSession comes this way for each client present. Returns the
/// new session's id.
async fn record_admitted(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    request_id: &str,
    v: &Voucher,
    input: SessionInput,
) -> AppResult<(String, Admission)> {
    store::lock_client(conn, &v.client_id).await?;
    let decided = decide_session(conn, v, input, None, ctx.today()).await?;
    write_session(conn, ctx, request_id, v, decided).await
}

/// Writes a decided session inside the change's transaction (the voucher and the client
/// locked, the decision still holding): the session, its history, the units used and the audit
/// entry. Returns the new session's id.
async fn write_session(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    request_id: &str,
    v: &Voucher,
    decided: DecidedSession,
) -> AppResult<(String, Admission)> {
    let DecidedSession {
        input,
        replaces,
        mut admission,
        ..
    } = decided;
    let id = new_id();
    store::insert_session(conn, &id, v, &input, admission.units, replaces.as_deref()).await?;
    // The voucher's sessions as admission read them, and the new one as stored.
    let mut sessions = std::mem::take(&mut admission.voucher_sessions);
    sessions.extend(store::load_session(conn, &id).await?);
    count_units(conn, v, &sessions).await?;
    store::append_history(
        conn,
        &id,
        1,
        "RECORDED",
        "",
        &input.details,
        &ctx.caller,
        request_id,
    )
    .await?;
    audit_client(conn, ctx, request_id, &v.client_id, "RecordSession").await?;
    Ok((id, admission))
}

/// GetSession.
pub async fn get_session(
    app: &App,
    ctx: Ctx,
    req: pb::GetSessionRequest,
) -> AppResult<pb::GetSessionResponse> {
    ctx.caller.require(access::READERS)?;
    let id = required_id("session_id", &req.session_id)?;
    let mut conn = app.db.pool().acquire().await?;
    let not_found = || AppError::NotFound(format!("session {id}"));
    let s = store::load_session(&mut conn, &id)
        .await?
        .ok_or_else(not_found)?;
    let v = store::load_voucher(&mut conn, &s.voucher_id)
        .await?
        .filter(|v| access::may_see(&ctx.caller, v))
        .ok_or_else(not_found)?;
    let history = store::history(&mut conn, &id).await?;
    drop(conn);
    read_client(app, &ctx, &v.client_id, "GetSession").await?;
    Ok(pb::GetSessionResponse {
        session: Some(s.view),
        history,
    })
}

/// ListSessions: of a voucher, or of a client (a provider's user: its own vouchers only).
pub async fn list_sessions(
    app: &App,
    ctx: Ctx,
    req: pb::ListSessionsRequest,
) -> AppResult<pb::ListSessionsResponse> {
    ctx.caller.require(access::READERS)?;
    let page = Paging::read(req.page_size, &req.page_token, 100, 500)?;
    let status = SessionStatus::optional("status", req.status)?;
    let mut filter = SessionFilter {
        voucher_id: req.voucher_id.trim().to_owned(),
        client_id: req.client_id.trim().to_owned(),
        provider_id: access::own_provider(&ctx.caller).unwrap_or_default(),
        status: status.map(|s| s.code().to_owned()).unwrap_or_default(),
    };
    let mut conn = app.db.pool().acquire().await?;
    if !filter.voucher_id.is_empty() {
        let v = store::load_voucher(&mut conn, &filter.voucher_id)
            .await?
            .filter(|v| access::may_see(&ctx.caller, v))
            .ok_or_else(|| AppError::NotFound(format!("voucher {}", filter.voucher_id)))?;
        filter.client_id = v.client_id;
    } else if filter.client_id.is_empty() {
        return Err(AppError::invalid(
            "voucher_id",
            "required: a voucher id or a client id",
        ));
    }
    let after = page.after::<(String, String)>()?;
    let rows = store::list_sessions(&mut conn, &filter, after, page.fetch()).await?;
    drop(conn);
    let (rows, next_page_token) = page.cut(rows, |s| (store_date(s.date), s.id.clone()));
    if !rows.is_empty() {
        read_client(app, &ctx, &filter.client_id, "ListSessions").await?;
    }
    Ok(pb::ListSessionsResponse {
        sessions: rows.into_iter().map(|s| s.view).collect(),
        next_page_token,
    })
}

/// CorrectSession.
pub async fn correct_session(
    app: &App,
    ctx: Ctx,
    req: pb::CorrectSessionRequest,
) -> AppResult<pb::CorrectSessionResponse> {
    ctx.caller.require(access::CORRECTORS)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    let id = required_id("session_id", &req.session_id)?;
    let reason = required_text("reason", &req.reason, 2000)?;
    let mut input = wire::validate_session(req.details.as_ref(), "")?;
    let voucher_id = voucher_of_session(app, &id).await?;
    let caller = ctx.caller.clone();
    let request_id = req.request_id.clone();
    change
        .apply_to(
            &voucher_id,
            |v: &Voucher| access::may_correct(&caller, v),
            move |conn, v: Voucher| {
                Box::pin(async move {
                    store::lock_client(conn, &v.client_id).await?;
                    let s = session_of(conn, &v, &id).await?;
                    changeable(&ctx, &s)?;
                    if !v.takes_sessions_on(input.date) {
                        return Err(not_in_state(&format!(
                            "the voucher is {}: no session on {}",
                            v.state, input.date
                        )));
                    }
                    if input.details.coach.is_empty() {
                        input.details.coach = v.responsible_coach.clone();
                    }
                    let admission = admit(conn, &v, &input, Some(&id), ctx.today()).await?;
                    let version =
                        store::correct_session(conn, &id, &input, admission.units).await?;
                    update_units(conn, &v).await?;
                    store::append_history(
                        conn,
                        &id,
                        version,
                        "CORRECTED",
                        &reason,
                        &input.details,
                        &ctx.caller,
                        &request_id,
                    )
                    .await?;
                    audit_client(conn, &ctx, &request_id, &v.client_id, "CorrectSession").await?;
                    let session = store::load_session(conn, &id).await?.map(|s| s.view);
                    Ok(pb::CorrectSessionResponse {
                        session,
                        warnings: admission.warnings,
                    })
                })
            },
        )
        .await
}

/// A recorded session may be changed; once invoiced only by `county_admin` (a correction after
/// invoicing).
fn changeable(ctx: &Ctx, s: &SessionRow) -> AppResult<()> {
    if s.status != SessionStatus::Recorded {
        return Err(not_in_state(&format!(
            "the session is {}: only a recorded session changes",
            s.status.code()
        )));
    }
    if s.invoice_id.is_some() && ctx.caller.role != seteli_platform::auth::Role::CountyAdmin {
        return Err(not_in_state(
            "the session is invoiced and locked; the county corrects it",
        ));
    }
    Ok(())
}

/// VoidSession.
pub async fn void_session(
    app: &App,
    ctx: Ctx,
    req: pb::VoidSessionRequest,
) -> AppResult<pb::VoidSessionResponse> {
    ctx.caller.require(access::CORRECTORS)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    let id = required_id("session_id", &req.session_id)?;
    let reason = required_text("reason", &req.reason, 2000)?;
    let voucher_id = voucher_of_session(app, &id).await?;
    let caller = ctx.caller.clone();
    let request_id = req.request_id.clone();
    change
        .apply_to(
            &voucher_id,
            |v: &Voucher| access::may_correct(&caller, v),
            move |conn, v: Voucher| {
                Box::pin(async move {
                    store::lock_client(conn, &v.client_id).await?;
                    let s = session_of(conn, &v, &id).await?;
                    changeable(&ctx, &s)?;
                    let version = store::set_status(conn, &id, SessionStatus::Voided, None)
                        .await?
                        .ok_or_else(|| not_in_state("the session changed; retry"))?;
                    update_units(conn, &v).await?;
                    let details = s.view.details.clone().unwrap_or_default();
                    store::append_history(
                        conn,
                        &id,
                        version,
                        "VOIDED",
                        &reason,
                        &details,
                        &ctx.caller,
                        &request_id,
                    )
                    .await?;
                    audit_client(conn, &ctx, &request_id, &v.client_id, "VoidSession").await?;
                    let session = store::load_session(conn, &id).await?.map(|s| s.view);
                    Ok(pb::VoidSessionResponse { session })
                })
            },
        )
        .await
}

/// CancelSession: classified by the rules crate (BILL-NO-SHOW, BILL-PROVIDER-CANCEL).
pub async fn cancel_session(
    app: &App,
    ctx: Ctx,
    req: pb::CancelSessionRequest,
) -> AppResult<pb::CancelSessionResponse> {
    ctx.caller.require(access::RECORDERS)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    let id = required_id("session_id", &req.session_id)?;
    let c = req
        .cancellation
        .clone()
        .ok_or_else(|| AppError::invalid("cancellation", "required"))?;
    let by = match pb::CancelledBy::try_from(c.by) {
        Ok(pb::CancelledBy::Client) => CancelledBy::Client,
        Ok(pb::CancelledBy::Provider) => CancelledBy::Provider,
        _ => {
            return Err(AppError::invalid(
                "cancellation.by",
                "required: the client or the provider",
            ));
        }
    };
    let cancelled_on = wire::optional_date("cancellation.cancelled_on", c.cancelled_on.as_ref())?;
    let told = wire::optional_date("cancellation.client_told_on", c.client_told_on.as_ref())?;
    if by == CancelledBy::Provider && cancelled_on.is_none() {
        return Err(AppError::invalid(
            "cancellation.cancelled_on",
            "required of the provider: when it learned of the cause",
        ));
    }
    if c.documentation.chars().count() > 4000 {
        return Err(AppError::invalid(
            "cancellation.documentation",
            "at most 4000 characters",
        ));
    }
    let voucher_id = voucher_of_session(app, &id).await?;
    let caller = ctx.caller.clone();
    let request_id = req.request_id.clone();
    change
        .apply_to(
            &voucher_id,
            |v: &Voucher| access::may_record(&caller, v),
            move |conn, v: Voucher| {
                Box::pin(async move {
                    store::lock_client(conn, &v.client_id).await?;
                    let s = session_of(conn, &v, &id).await?;
                    changeable(&ctx, &s)?;
                    let today = ctx.today();
                    let class = classify(&seteli_rules::absences::Cancellation {
                        session_date: s.date,
                        cancelled_on,
                        by,
                    });
                    let replacement = c.replacement_session_id.trim().to_owned();
                    let status = match class {
                        CancellationClass::ProviderCancelled => {
                            let agreed = !replacement.is_empty()
                                && replacement != s.id
                                && store::load_session(conn, &replacement).await?.is_some_and(
                                    |r| r.voucher_id == v.id && r.status == SessionStatus::Recorded,
                                );
                            // BILL-PROVIDER-CANCEL
                            refuse(check_provider_cancellation(&ProviderCancellation {
                                session_date: s.date,
                                substitute_unsuitable: c.substitute_unsuitable,
                                learned_on: cancelled_on.unwrap_or(today),
                                client_told_on: told,
                                replacement_agreed: agreed,
                                documented: !c.documentation.trim().is_empty(),
                            }))?;
                            store::link_replacement(conn, &replacement, &s.id).await?;
                            SessionStatus::CancelledByProvider
                        }
                        // BILL-NO-SHOW
                        CancellationClass::NoShow => SessionStatus::NoShow,
                        CancellationClass::ClientCancelledInTime => {
                            SessionStatus::CancelledByClient
                        }
                    };
                    let version = store::set_status(conn, &id, status, Some(&c))
                        .await?
                        .ok_or_else(|| not_in_state("the session changed; retry"))?;
                    update_units(conn, &v).await?;
                    let details = s.view.details.clone().unwrap_or_default();
                    store::append_history(
                        conn,
                        &id,
                        version,
                        "CANCELLED",
                        status.code(),
                        &details,
                        &ctx.caller,
                        &request_id,
                    )
                    .await?;
                    if status == SessionStatus::NoShow {
                        no_show_alerts(conn, &ctx, &v, &s, today).await?;
                    }
                    audit_client(conn, &ctx, &request_id, &v.client_id, "CancelSession").await?;
                    let session = store::load_session(conn, &id).await?.map(|s| s.view);
                    Ok(pb::CancelSessionResponse { session })
                })
            },
        )
        .await
}

/// ABS-REPEATED after a no-show: the provider contacts the client at once; repeated no-shows
/// are told to the social worker (both decided by the rules crate).
async fn no_show_alerts(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    v: &Voucher,
    s: &SessionRow,
    today: NaiveDate,
) -> AppResult<Vec<pb::Alert>> {
    let cfg = RepeatedAbsenceConfig::default();
    let mut raised = Vec::new();
    // ABS-REPEATED: contact the client at once ("at once" = by the next business day).
    let contact_by = roll_deadline(
        add_business_days(today, cfg.notify_within_business_days),
        cfg.roll,
    );
    raised.extend(
        raise(
            conn,
            ctx,
            v,
            NewAlert {
                dedup_key: format!("ABS-REPEATED:contact:{}", s.id),
                rule_id: seteli_rules::rule_ids::ABS_REPEATED,
                audience: Audience::Provider,
                message_en: format!(
                    "Contact the client at once after the no-show of {}.",
                    s.date
                ),
                message_fi: format!(
                    "Ota yhteyttä asiakkaaseen välittömästi poisjäännin {} jälkeen.",
                    s.date
                ),
                due_on: contact_by,
                subject_id: s.id.clone(),
            },
        )
        .await?,
    );
    // ABS-REPEATED: repeated no-shows → the social worker.
    let sessions = store::client_sessions(conn, &v.client_id).await?;
    let agreed: Vec<AgreedSession> = sessions
        .iter()
        .filter(|x| x.voucher_id == v.id && x.date <= today)
        .filter(|x| matches!(x.status, SessionStatus::Recorded | SessionStatus::NoShow))
        .map(|x| AgreedSession {
            date: x.date,
            no_show: x.status == SessionStatus::NoShow,
            client_contacted: true,
        })
        .collect();
    let follow_up = check_absence_follow_up(&agreed, None, today, &cfg);
    if let (Some(since), Some(due)) = (follow_up.repeated_since, follow_up.notify_social_worker_by)
    {
        raised.extend(
            raise(
                conn,
                ctx,
                v,
                NewAlert {
                    dedup_key: format!("ABS-REPEATED:social-worker:{}:{since}", v.id),
                    rule_id: seteli_rules::rule_ids::ABS_REPEATED,
                    audience: Audience::SocialWorker,
                    message_en: format!(
                        "Repeated no-shows (as of {since}): notify the social worker without delay."
                    ),
                    message_fi: format!(
                        "Toistuvat poisjäännit ({since} alkaen): ilmoita omatyöntekijälle viipymättä."
                    ),
                    due_on: due,
                    subject_id: s.id.clone(),
                },
            )
            .await?,
        );
    }
    Ok(raised)
}

/// Raises an alert once per occasion and publishes it on the alert feed.
async fn raise(
    conn: &mut AnyConnection,
    _ctx: &Ctx,
    v: &Voucher,
    alert: NewAlert,
) -> AppResult<Option<pb::Alert>> {
    let Some(a) = store::insert_alert(conn, v, &alert).await? else {
        return Ok(None);
    };
    store::append_alert_change(conn, &a, pb::AlertChangeKind::Raised).await?;
    Ok(Some(a))
}

// ------------------------------------------------------------------------------ usage

/// GetVoucherUsage.
pub async fn get_voucher_usage(
    app: &App,
    ctx: Ctx,
    req: pb::GetVoucherUsageRequest,
) -> AppResult<pb::GetVoucherUsageResponse> {
    ctx.caller.require(access::READERS)?;
    let id = required_id("voucher_id", &req.voucher_id)?;
    let mut conn = app.db.pool().acquire().await?;
    let v = store::load_voucher(&mut conn, &id)
        .await?
        .filter(|v| access::may_see(&ctx.caller, v))
        .ok_or_else(|| AppError::NotFound(format!("voucher {id}")))?;
    let sessions = store::count_sessions(&mut conn, &id).await?;
    drop(conn);
    read_client(app, &ctx, &v.client_id, "GetVoucherUsage").await?;
    Ok(pb::GetVoucherUsageResponse {
        usage: Some(pb::VoucherUsage {
            voucher_id: v.id,
            client_id: v.client_id,
            provider_id: v.provider_id,
            service_type: v.service.to_pb(),
            voucher_state: v.state,
            units_granted: Some(to_units(v.units_granted)),
            units_used: Some(to_units(v.units_used)),
            units_left: Some(to_units(v.units_granted - v.units_used)),
            voucher_version: v.version,
            feed_sequence: v.feed_sequence,
            sessions,
        }),
    })
}

/// ListUsageChanges: the usage feed after a sequence number, oldest first.
pub async fn list_usage_changes(
    app: &App,
    ctx: Ctx,
    req: pb::ListUsageChangesRequest,
) -> AppResult<pb::ListUsageChangesResponse> {
    ctx.caller.require(access::FEED_READERS)?;
    if req.after_sequence < 0 {
        return Err(AppError::invalid("after_sequence", "must not be negative"));
    }
    let limit = page_size(req.page_size, 100, 1000)?;
    let mut conn = app.db.pool().acquire().await?;
    let changes = store::list_usage_changes(&mut conn, req.after_sequence, limit).await?;
    let last_sequence = changes
        .last()
        .map(|c| c.sequence)
        .unwrap_or(req.after_sequence);
    // A voucher's use of the service is its client's data: one entry naming the page's clients.
    let shown = if changes.is_empty() {
        Vec::new()
    } else {
        store::clients_of_usage_changes(&mut conn, req.after_sequence, last_sequence).await?
    };
    drop(conn);
    read_clients(app, &ctx, shown, "ListUsageChanges").await?;
    Ok(pb::ListUsageChangesResponse {
        changes,
        last_sequence,
    })
}

// ------------------------------------------------------------------------------ billing

/// The billable items of one voucher's sessions of a month: realised regular sessions up to
/// today (BILL-REALISED), no-shows with their allowance (BILL-NO-SHOW; the others listed with
/// zero units, SK-NO-SHOW-REPORT), and anything invoiced before (a correction after invoicing
/// shows as such). Provider cancellations and in-time client cancellations are never billable.
fn billable_items(sessions: &[SessionRow], today: NaiveDate) -> AppResult<Vec<pb::BillableItem>> {
    let allowance = no_show_allowance(sessions);
    let mut items = Vec::new();
    let mut checked = Vec::new();
    for s in sessions {
        let (kind, units) = match s.status {
            SessionStatus::Recorded if s.kind == SessionKind::Regular && s.date <= today => {
                (pb::BillableKind::Realised, s.units)
            }
            SessionStatus::NoShow => (
                pb::BillableKind::NoShow,
                allowance.get(&s.id).copied().unwrap_or_default(),
            ),
            _ if s.invoice_id.is_some() => (pb::BillableKind::Realised, 0),
            _ => continue,
        };
        checked.push(BilledItem {
            date: s.date,
            kind: if kind == pb::BillableKind::NoShow {
                BilledKind::NoShow
            } else {
                BilledKind::Realised
            },
            realised_units: if kind == pb::BillableKind::Realised {
                dec(units)
            } else {
                rust_decimal::Decimal::ZERO
            },
            billed_units: dec(units),
        });
        items.push(pb::BillableItem {
            item_id: s.id.clone(),
            session_id: s.id.clone(),
            date: Some(seteli_platform::convert::to_date(s.date)),
            kind: kind as i32,
            units: Some(to_units(units)),
            invoice_id: s.invoice_id.clone().unwrap_or_default(),
            invoiced_units: s.invoiced_units.map(to_units),
            corrected_after_invoicing: s.invoice_id.is_some()
                && (s.corrected_after_invoicing || s.invoiced_units != Some(units)),
        });
    }
    // BILL-REALISED, BILL-NO-SHOW: what is offered for billing keeps the billing rules.
    let violations = check_billing(&checked);
    if !violations.is_empty() {
        return Err(AppError::Internal(anyhow::anyhow!(
            "billable items break the billing rules: {violations:?}"
        )));
    }
    Ok(items)
}

/// ListBillableItems.
pub async fn list_billable_items(
    app: &App,
    ctx: Ctx,
    req: pb::ListBillableItemsRequest,
) -> AppResult<pb::ListBillableItemsResponse> {
    ctx.caller.require(access::BILLING_READERS)?;
    let provider = required_id("provider_id", &req.provider_id)?;
    let (first, last) = wire::month_bounds(req.year, req.month)?;
    let page = Paging::read(req.page_size, &req.page_token, 100, 500)?;
    if access::own_provider(&ctx.caller).is_some_and(|own| own != provider) {
        return Ok(pb::ListBillableItemsResponse::default());
    }
    let after = page.after::<(String,)>()?.map(|(a,)| a).unwrap_or_default();
    let mut conn = app.db.pool().acquire().await?;
    let ids =
        store::billable_vouchers(&mut conn, &provider, first, last, &after, page.fetch()).await?;
    let (ids, next_page_token) = page.cut(ids, |id| (id.clone(),));
    let today = ctx.today();
    let mut vouchers = Vec::new();
    for id in ids {
        let Some(v) = store::load_voucher(&mut conn, &id).await? else {
            continue;
        };
        let sessions = store::voucher_sessions_between(&mut conn, &id, first, last).await?;
        let items = billable_items(&sessions, today)?;
        if items.is_empty() {
            continue;
        }
        let sum = |k: pb::BillableKind| {
            items
                .iter()
                .filter(|i| i.kind == k as i32)
                .map(|i| i.units.map(|u| u.hundredths).unwrap_or_default())
                .sum::<i64>()
        };
        vouchers.push(pb::VoucherBillable {
            voucher_id: v.id.clone(),
            client_id: v.client_id.clone(),
            service_type: v.service.to_pb(),
            realised_units: Some(to_units(sum(pb::BillableKind::Realised))),
            no_show_units: Some(to_units(sum(pb::BillableKind::NoShow))),
            items,
        });
    }
    drop(conn);
    let shown = vouchers.iter().map(|v| v.client_id.clone()).collect();
    read_clients(app, &ctx, shown, "ListBillableItems").await?;
    Ok(pb::ListBillableItemsResponse {
        vouchers,
        next_page_token,
    })
}

/// MarkItemsInvoiced: each item at its billable units now; an item on another invoice (and not
/// corrected since) is refused, so nothing is billed twice.
pub async fn mark_items_invoiced(
    app: &App,
    ctx: Ctx,
    req: pb::MarkItemsInvoicedRequest,
) -> AppResult<pb::MarkItemsInvoicedResponse> {
    ctx.caller.require(access::INVOICERS)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    let invoice = required_id("invoice_id", &req.invoice_id)?;
    if req.item_ids.is_empty() || req.item_ids.len() > 1000 {
        return Err(AppError::invalid("item_ids", "1–1000 item ids"));
    }
    let items = req.item_ids.clone();
    let request_id = req.request_id.clone();
    change
        .apply(move |conn| {
            Box::pin(async move {
                let today = ctx.today();
                let mut marked = 0;
                for item in &items {
                    let s = store::load_session(conn, item)
                        .await?
                        .ok_or_else(|| AppError::NotFound(format!("billable item {item}")))?;
                    store::lock_client(conn, &s.client_id).await?;
                    let first = s.date.with_day(1).unwrap_or(s.date);
                    let last = first
                        .checked_add_months(chrono::Months::new(1))
                        .and_then(|d| d.pred_opt())
                        .unwrap_or(s.date);
                    let month =
                        store::voucher_sessions_between(conn, &s.voucher_id, first, last).await?;
                    let units = billable_items(&month, today)?
                        .into_iter()
                        .find(|i| i.item_id == s.id)
                        .and_then(|i| i.units)
                        .ok_or_else(|| {
                            AppError::invalid("item_ids", format!("{item} is not billable"))
                        })?
                        .hundredths;
                    if !store::mark_invoiced(conn, &s.id, &invoice, units).await? {
                        return Err(not_in_state(&format!(
                            "item {item} is already on invoice {}",
                            s.invoice_id.clone().unwrap_or_default()
                        )));
                    }
                    let details = s.view.details.clone().unwrap_or_default();
                    store::append_history(
                        conn,
                        &s.id,
                        s.view.version + 1,
                        "INVOICED",
                        &invoice,
                        &details,
                        &ctx.caller,
                        &request_id,
                    )
                    .await?;
                    audit_client(conn, &ctx, &request_id, &s.client_id, "MarkItemsInvoiced")
                        .await?;
                    marked += 1;
                }
                Ok(pb::MarkItemsInvoicedResponse { marked })
            })
        })
        .await
}

// ------------------------------------------------------------------------------ absences

/// RecordAbsence: ABS-RECORD refuses an absence without a reason; ABS-KELA, ABS-SICK-CERT and
/// ABS-PROLONGED raise alerts.
pub async fn record_absence(
    app: &App,
    ctx: Ctx,
    req: pb::RecordAbsenceRequest,
) -> AppResult<pb::RecordAbsenceResponse> {
    ctx.caller.require(access::RECORDERS)?;
    require_provider_may_work(&app.providers, &ctx).await?;
    with_fresh_voucher(app, || try_record_absence(app, &ctx, &req)).await
}

async fn try_record_absence(
    app: &App,
    ctx: &Ctx,
    req: &pb::RecordAbsenceRequest,
) -> AppResult<pb::RecordAbsenceResponse> {
    let change = Change::new(&app.db, ctx, &req.request_id, req)?;
    let voucher_id = required_id("voucher_id", &req.voucher_id)?;
    let day = date("date", req.date.as_ref())?;
    let kind = AbsenceKind::required("kind", req.kind)?;
    let reason = AbsenceReason::optional("reason", req.reason)?;
    if kind == AbsenceKind::NotArranged && reason.is_some() {
        return Err(AppError::invalid(
            "reason",
            "a day with no service arranged is not an absence and has no reason",
        ));
    }
    let notes = req.notes.trim().to_owned();
    if notes.chars().count() > 2000 {
        return Err(AppError::invalid("notes", "at most 2000 characters"));
    }
    let (delivered, first_day) = (
        req.certificate_delivered,
        req.certificate_required_from_first_day,
    );
    let caller = ctx.caller.clone();
    let ctx = ctx.clone();
    let request_id = req.request_id.clone();
    change
        .apply_to(
            &voucher_id,
            |v: &Voucher| access::may_record(&caller, v),
            move |conn, v: Voucher| {
                Box::pin(async move {
                    record_absence_in(
                        conn,
                        &ctx,
                        &request_id,
                        &v,
                        AbsenceInput {
                            day,
                            kind,
                            reason,
                            notes,
                            delivered,
                            first_day,
                        },
                    )
                    .await
                })
            },
        )
        .await
}

/// What RecordAbsence (and an absent mark of a group session) records.
struct AbsenceInput {
    day: NaiveDate,
    kind: AbsenceKind,
    reason: Option<AbsenceReason>,
    notes: String,
    delivered: bool,
    first_day: bool,
}

/// Records an absence on `v` inside the change's transaction: TERM-VALIDITY, ABS-RECORD,
/// ABS-KELA, then ABS-SICK-CERT and ABS-PROLONGED alerts, and the audit entry.
async fn record_absence_in(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    request_id: &str,
    v: &Voucher,
    input: AbsenceInput,
) -> AppResult<pb::RecordAbsenceResponse> {
    let AbsenceInput {
        day,
        kind,
        reason,
        notes,
        delivered,
        first_day,
    } = input;
    let today = ctx.today();
    // TERM-VALIDITY: only days of the voucher's validity.
    refuse(check_use_date(v.valid_from, v.valid_until, day))?;
    let mut kela = Vec::new();
    if kind == AbsenceKind::Absent {
        // ABS-RECORD (a reason), ABS-KELA (to be reported)
        let found = check_absences(
            v.service,
            &[AbsenceEntry {
                date: day,
                service_arranged: true,
                reason: reason.map(|r| r.code().to_owned()),
                reported_to_kela: false,
            }],
        );
        let (record, rest): (Vec<_>, Vec<_>) =
            found.into_iter().partition(|x| x.rule == ABS_RECORD);
        refuse(record)?;
        kela = rest.into_iter().filter(|x| x.rule == ABS_KELA).collect();
        // ABS-RECORD also when the rules crate does not apply it (SK): a reason.
        if reason.is_none() {
            return Err(AppError::invalid("reason", "required of an absence"));
        }
    }
    let id = new_id();
    store::insert_absence(
        conn, &id, v, day, kind, reason, &notes, delivered, first_day,
    )
    .await?;
    let mut alerts = Vec::new();
    for x in kela {
        let due = roll_deadline(
            day.checked_add_days(Days::new(KELA_NOTICE_INTERVAL_DAYS))
                .unwrap_or(day),
            DeadlineRoll::NextBusinessDay,
        );
        alerts.extend(
            raise(
                conn,
                ctx,
                v,
                NewAlert {
                    dedup_key: format!("ABS-KELA:{id}"),
                    rule_id: ABS_KELA,
                    audience: Audience::Provider,
                    message_en: format!("{} Send Kela's TT3 notice.", x.message_en),
                    message_fi: format!("{} Lähetä Kelan TT3-ilmoitus.", x.message_fi),
                    due_on: due,
                    subject_id: id.clone(),
                },
            )
            .await?,
        );
    }
    alerts.extend(absence_alerts(conn, ctx, v, &id, day, today).await?);
    audit_client(conn, ctx, request_id, &v.client_id, "RecordAbsence").await?;
    let absence = store::voucher_absences(conn, &v.id)
        .await?
        .into_iter()
        .find(|a| a.view.id == id)
        .map(|a| a.view);
    Ok(pb::RecordAbsenceResponse { absence, alerts })
}

/// ABS-SICK-CERT over the sick run around `day`, and ABS-PROLONGED over the voucher's arranged
/// days (both decided by the rules crate).
async fn absence_alerts(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    v: &Voucher,
    absence_id: &str,
    day: NaiveDate,
    today: NaiveDate,
) -> AppResult<Vec<pb::Alert>> {
    let absences = store::voucher_absences(conn, &v.id).await?;
    let mut raised = Vec::new();
    let sick = |d: NaiveDate| -> Option<&AbsenceRow> {
        absences.iter().find(|a| {
            a.date == d
                && a.kind == AbsenceKind::Absent
                && a.reason == Some(AbsenceReason::OwnIllness)
        })
    };
    let skippable = |d: NaiveDate| {
        !is_business_day(d)
            || absences
                .iter()
                .any(|a| a.date == d && a.kind == AbsenceKind::NotArranged)
    };
    if sick(day).is_some() {
        // The run of sick days around `day`; days with no service arranged do not break it.
        let (mut first, mut last) = (day, day);
        let mut d = day;
        for _ in 0..60 {
            let Some(p) = d.pred_opt() else { break };
            if sick(p).is_some() {
                first = p;
            } else if !skippable(p) {
                break;
            }
            d = p;
        }
        d = day;
        for _ in 0..60 {
            let Some(n) = d.succ_opt() else { break };
            if sick(n).is_some() {
                last = n;
            } else if !skippable(n) {
                break;
            }
            d = n;
        }
        let run: Vec<&AbsenceRow> = absences
            .iter()
            .filter(|a| a.date >= first && a.date <= last && sick(a.date).is_some())
            .collect();
        // ABS-SICK-CERT
        for x in check_sick_absence(
            v.service,
            &SickAbsence {
                first_day: first,
                last_day: last,
                certificate_delivered: run.iter().any(|a| a.certificate_delivered),
                required_from_first_day: run.iter().any(|a| a.certificate_first_day),
            },
        ) {
            raised.extend(
                raise(
                    conn,
                    ctx,
                    v,
                    NewAlert {
                        dedup_key: format!("ABS-SICK-CERT:{}:{first}", v.id),
                        rule_id: x.rule,
                        audience: Audience::Provider,
                        message_en: x.message_en,
                        message_fi: x.message_fi,
                        due_on: roll_deadline(today, DeadlineRoll::NextBusinessDay),
                        subject_id: absence_id.to_owned(),
                    },
                )
                .await?,
            );
        }
    }
    // ABS-PROLONGED: arranged days are the sessions held or missed and the absences.
    let sessions = store::client_sessions(conn, &v.client_id).await?;
    let mut days: Vec<ArrangedDay> = sessions
        .iter()
        .filter(|s| s.voucher_id == v.id && s.kind == SessionKind::Regular && s.date <= today)
        .filter(|s| matches!(s.status, SessionStatus::Recorded | SessionStatus::NoShow))
        .map(|s| ArrangedDay {
            date: s.date,
            attended: s.status == SessionStatus::Recorded,
        })
        .collect();
    days.extend(
        absences
            .iter()
            .filter(|a| a.kind == AbsenceKind::Absent)
            .map(|a| ArrangedDay {
                date: a.date,
                attended: false,
            }),
    );
    let prolonged = check_prolonged_absence(
        v.service,
        &days,
        None,
        today,
        &ProlongedAbsenceConfig::default(),
    );
    if let (Some(since), Some(due)) = (prolonged.repeated_since, prolonged.notify_social_worker_by)
    {
        raised.extend(
            raise(
                conn,
                ctx,
                v,
                NewAlert {
                    dedup_key: format!("ABS-PROLONGED:{}:{since}", v.id),
                    rule_id: seteli_rules::rule_ids::ABS_PROLONGED,
                    audience: Audience::SocialWorker,
                    message_en: format!(
                        "Prolonged absence (as of {since}): tell the social worker at once."
                    ),
                    message_fi: format!(
                        "Pitkittynyt poissaolo ({since} alkaen): ilmoita omatyöntekijälle välittömästi."
                    ),
                    due_on: due,
                    subject_id: absence_id.to_owned(),
                },
            )
            .await?,
        );
    }
    Ok(raised)
}

/// ListAbsences.
pub async fn list_absences(
    app: &App,
    ctx: Ctx,
    req: pb::ListAbsencesRequest,
) -> AppResult<pb::ListAbsencesResponse> {
    ctx.caller.require(access::READERS)?;
    let id = required_id("voucher_id", &req.voucher_id)?;
    let page = Paging::read(req.page_size, &req.page_token, 100, 500)?;
    let mut conn = app.db.pool().acquire().await?;
    let v = store::load_voucher(&mut conn, &id)
        .await?
        .filter(|v| access::may_see(&ctx.caller, v))
        .ok_or_else(|| AppError::NotFound(format!("voucher {id}")))?;
    let after = page.after::<(String, String)>()?;
    let rows = store::list_absences(&mut conn, &id, after, page.fetch()).await?;
    drop(conn);
    let (rows, next_page_token) = page.cut(rows, |a| (store_date(a.date), a.view.id.clone()));
    read_client(app, &ctx, &v.client_id, "ListAbsences").await?;
    Ok(pb::ListAbsencesResponse {
        absences: rows.into_iter().map(|a| a.view).collect(),
        next_page_token,
    })
}

// ------------------------------------------------------------------------------ alerts

/// ListAlerts.
pub async fn list_alerts(
    app: &App,
    ctx: Ctx,
    req: pb::ListAlertsRequest,
) -> AppResult<pb::ListAlertsResponse> {
    ctx.caller.require(access::ALERT_READERS)?;
    let page = Paging::read(req.page_size, &req.page_token, 100, 500)?;
    let state = AlertState::optional("state", req.state)?;
    let mut filter = AlertFilter {
        provider_id: req.provider_id.trim().to_owned(),
        social_worker: req.social_worker.trim().to_owned(),
        voucher_id: req.voucher_id.trim().to_owned(),
        state: state.map(|s| s.code().to_owned()).unwrap_or_default(),
    };
    if let Some(own) = access::own_provider(&ctx.caller) {
        if !filter.provider_id.is_empty() && filter.provider_id != own {
            return Ok(pb::ListAlertsResponse::default());
        }
        filter.provider_id = own;
    }
    let after = page.after::<(String, String)>()?;
    let mut conn = app.db.pool().acquire().await?;
    let rows = store::list_alerts(&mut conn, &filter, after, page.fetch()).await?;
    let (alerts, next_page_token) = page.cut(rows, |a| {
        (
            a.due_on
                .as_ref()
                .and_then(|d| date("due_on", Some(d)).ok())
                .map(store_date)
                .unwrap_or_default(),
            a.id.clone(),
        )
    });
    drop(conn);
    let shown = alerts.iter().map(|a| a.client_id.clone()).collect();
    read_clients(app, &ctx, shown, "ListAlerts").await?;
    Ok(pb::ListAlertsResponse {
        alerts,
        next_page_token,
    })
}

/// ResolveAlert.
pub async fn resolve_alert(
    app: &App,
    ctx: Ctx,
    req: pb::ResolveAlertRequest,
) -> AppResult<pb::ResolveAlertResponse> {
    ctx.caller.require(access::ALERT_READERS)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    let id = required_id("alert_id", &req.alert_id)?;
    let resolution = required_text("resolution", &req.resolution, 2000)?;
    let request_id = req.request_id.clone();
    change
        .apply(move |conn| {
            Box::pin(async move {
                let not_found = || AppError::NotFound(format!("alert {id}"));
                let a = store::load_alert(conn, &id).await?.ok_or_else(not_found)?;
                if access::own_provider(&ctx.caller).is_some_and(|own| own != a.provider_id) {
                    return Err(not_found());
                }
                if !store::resolve_alert(conn, &id, &resolution).await? {
                    return Err(not_in_state("the alert is already resolved"));
                }
                let a = store::load_alert(conn, &id).await?.ok_or_else(not_found)?;
                store::append_alert_change(conn, &a, pb::AlertChangeKind::Resolved).await?;
                audit_client(conn, &ctx, &request_id, &a.client_id, "ResolveAlert").await?;
                Ok(pb::ResolveAlertResponse { alert: Some(a) })
            })
        })
        .await
}

/// ListAlertChanges: the alert feed after a sequence number, oldest first.
pub async fn list_alert_changes(
    app: &App,
    ctx: Ctx,
    req: pb::ListAlertChangesRequest,
) -> AppResult<pb::ListAlertChangesResponse> {
    ctx.caller.require(access::FEED_READERS)?;
    if req.after_sequence < 0 {
        return Err(AppError::invalid("after_sequence", "must not be negative"));
    }
    let limit = page_size(req.page_size, 100, 1000)?;
    let mut conn = app.db.pool().acquire().await?;
    let changes = store::list_alert_changes(&mut conn, req.after_sequence, limit).await?;
    drop(conn);
    // An alert names its client: one entry naming the page's clients.
    let shown = changes
        .iter()
        .filter_map(|c| c.alert.as_ref())
        .map(|a| a.client_id.clone())
        .collect();
    read_clients(app, &ctx, shown, "ListAlertChanges").await?;
    let last_sequence = changes
        .last()
        .map(|c| c.sequence)
        .unwrap_or(req.after_sequence);
    Ok(pb::ListAlertChangesResponse {
        changes,
        last_sequence,
    })
}

// ------------------------------------------------------------------------------ groups

/// CAP-GROUP-SIZE of a group's maximum size: at most 12 and at most the provider's own
/// offering's group size (`offered`, from the registry). Both decided by the rules crate: the
/// offering rule for a size alone (1–12), then `check_session`'s group rule with the group full
/// (`max_size` clients) in a group of the provider's size.
fn group_size_violations(
    service: ServiceType,
    max_size: u32,
    offered: u32,
    on: NaiveDate,
) -> AppResult<Vec<Violation>> {
    // CAP-GROUP-SIZE (legal form and price are placeholders: only CAP-GROUP-SIZE is kept)
    let alone: Vec<Violation> = check_offering(
        LegalForm::Association,
        &Offering {
            service,
            unit_price: rust_decimal::Decimal::ONE,
            max_group_size: Some(max_size),
        },
        Some(rust_decimal::Decimal::ONE),
        on,
    )
    .into_iter()
    .filter(|x| x.rule == CAP_GROUP_SIZE)
    .collect();
    if !alone.is_empty() {
        return Ok(alone);
    }
    // CAP-GROUP-SIZE against the provider's size: a full group of `max_size` clients, in a
    // session the rules admit otherwise (a probe on a voucher of the service valid that day).
    let terms = seteli_rules::sessions::VoucherTerms {
        service,
        decision_date: on,
        valid_from: on,
        valid_until: on,
        granted_units: rust_decimal::Decimal::ONE_HUNDRED,
        weekly_cap: None,
        four_day_variant: false,
    };
    let probe = Session {
        date: on,
        units: rust_decimal::Decimal::ONE,
        hours: rust_decimal::Decimal::ONE,
        modality: seteli_rules::sessions::Modality::OnSite,
        kind: seteli_rules::sessions::SessionKind::Regular,
        excursion: false,
        time: None,
    };
    let context = SessionContext {
        voucher: &terms,
        recorded: &[],
        group: Some(GroupContext {
            participants: max_size,
            provider_max: Some(offered),
        }),
        work_activity: &[],
        coaching: &[],
        other_ktt_work_days: &[],
        responsible_coach_named: true,
    };
    Ok(check_session(&context, &probe)
        .map_err(rule_error)?
        .into_iter()
        .filter(|x| x.rule == CAP_GROUP_SIZE)
        .collect())
}

/// The maximum group size of `provider_id`'s offering of `service`, as the registry tells the
/// caller (its token forwarded). SERVICE-NOT-OFFERED when the provider does not offer it.
async fn offered_group_size(
    app: &App,
    ctx: &Ctx,
    provider_id: &str,
    service: ServiceType,
) -> AppResult<u32> {
    let provider = app
        .providers
        .call(
            ctx,
            ppb::GetProviderRequest {
                provider_id: provider_id.to_owned(),
            },
            |mut c, r| async move { c.get_provider(r).await },
        )
        .await?
        .provider
        .ok_or_else(|| AppError::NotFound(format!("provider {provider_id}")))?;
    let offering = provider
        .offerings
        .iter()
        .find(|o| o.service_type == service.to_pb());
    let name = provider
        .details
        .as_ref()
        .map(|d| d.name.clone())
        .unwrap_or_default();
    match offering {
        Some(o) => Ok(u32::try_from(o.max_group_size).unwrap_or_default()),
        None => Err(AppError::RuleViolations(vec![Violation::new(
            SERVICE_NOT_OFFERED,
            "",
            format!(
                "Palveluntuottaja {} ei tarjoa palvelua {}.",
                name,
                service.code()
            ),
            format!("Provider {name} does not offer {}.", service.code()),
        )])),
    }
}

/// CAP-GROUP-SIZE of an enrolment: `clients` in the group (the new one included) against the
/// group's size and the rulebook's 12, as `check_session` decides it for a group session.
fn enrolment_size_violations(
    v: &Voucher,
    g: &GroupRow,
    on: NaiveDate,
    clients: u32,
) -> AppResult<Vec<Violation>> {
    let terms = v.terms(0);
    let probe = Session {
        date: on,
        units: rust_decimal::Decimal::ONE,
        hours: rust_decimal::Decimal::ONE,
        modality: seteli_rules::sessions::Modality::OnSite,
        kind: seteli_rules::sessions::SessionKind::Regular,
        excursion: false,
        time: None,
    };
    let context = SessionContext {
        voucher: &terms,
        recorded: &[],
        group: Some(GroupContext {
            participants: clients,
            provider_max: Some(g.max_size),
        }),
        work_activity: &[],
        coaching: &[],
        other_ktt_work_days: &[],
        responsible_coach_named: true,
    };
    // CAP-GROUP-SIZE (only: the probe session stands for the enrolment, not a real session)
    Ok(check_session(&context, &probe)
        .map_err(rule_error)?
        .into_iter()
        .filter(|x| x.rule == CAP_GROUP_SIZE)
        .collect())
}

async fn group_response(conn: &mut AnyConnection, id: &str) -> AppResult<pb::Group> {
    store::load_group(conn, id)
        .await?
        .map(|g| wire::group_view(&g, true))
        .ok_or_else(|| AppError::NotFound(format!("group {id}")))
}

/// CreateGroup: CAP-GROUP-SIZE on the maximum size.
pub async fn create_group(
    app: &App,
    ctx: Ctx,
    req: pb::CreateGroupRequest,
) -> AppResult<pb::CreateGroupResponse> {
    ctx.caller.require(access::RECORDERS)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    // A retry is answered from the store, even with the registry down.
    if let Some(first) = change.replay().await? {
        return Ok(first);
    }
    let input = wire::validate_group(req.details.as_ref())?;
    let provider = access::own_provider(&ctx.caller)
        .filter(|p| !p.is_empty())
        .ok_or_else(|| AppError::PermissionDenied("a provider's user creates groups".into()))?;
    // CAP-GROUP-SIZE: at most 12 and at most the provider's offering (asked of the registry).
    let offered = offered_group_size(app, &ctx, &provider, input.service).await?;
    refuse(group_size_violations(
        input.service,
        input.max_size,
        offered,
        ctx.today(),
    )?)?;
    change
        .apply(move |conn| {
            Box::pin(async move {
                let id = new_id();
                store::insert_group(conn, &id, &provider, &input).await?;
                Ok(pb::CreateGroupResponse {
                    group: Some(group_response(conn, &id).await?),
                })
            })
        })
        .await
}

/// GetGroup: with its enrolments (every enrolled client's access audited).
pub async fn get_group(
    app: &App,
    ctx: Ctx,
    req: pb::GetGroupRequest,
) -> AppResult<pb::GetGroupResponse> {
    ctx.caller.require(access::READERS)?;
    let id = required_id("group_id", &req.group_id)?;
    let mut conn = app.db.pool().acquire().await?;
    let g = store::load_group(&mut conn, &id)
        .await?
        .filter(|g| access::may_see_group(&ctx.caller, g))
        .ok_or_else(|| AppError::NotFound(format!("group {id}")))?;
    drop(conn);
    let shown = g.enrolments.iter().map(|e| e.client_id.clone()).collect();
    read_clients(app, &ctx, shown, "GetGroup").await?;
    Ok(pb::GetGroupResponse {
        group: Some(wire::group_view(&g, true)),
    })
}

/// ListGroups: groups by start, without enrolments (no client data).
pub async fn list_groups(
    app: &App,
    ctx: Ctx,
    req: pb::ListGroupsRequest,
) -> AppResult<pb::ListGroupsResponse> {
    ctx.caller.require(access::READERS)?;
    let page = Paging::read(req.page_size, &req.page_token, 100, 500)?;
    let service = ServiceType::optional("service_type", req.service_type)?;
    let mut provider = req.provider_id.trim().to_owned();
    if let Some(own) = access::own_provider(&ctx.caller) {
        if !provider.is_empty() && provider != own {
            return Ok(pb::ListGroupsResponse::default());
        }
        provider = own;
    }
    let after = page.after::<(String, String)>()?;
    let mut conn = app.db.pool().acquire().await?;
    let rows = store::list_groups(&mut conn, &provider, service, after, page.fetch()).await?;
    let (rows, next_page_token) = page.cut(rows, |g| (store_date(g.start), g.id.clone()));
    Ok(pb::ListGroupsResponse {
        groups: rows.iter().map(|g| wire::group_view(g, false)).collect(),
        next_page_token,
    })
}

/// EnrolClient: TERM-VALIDITY, SK-GROUP-LATE-JOIN (and no late joining of closed KTT groups),
/// CAP-GROUP-SIZE.
pub async fn enrol_client(
    app: &App,
    ctx: Ctx,
    req: pb::EnrolClientRequest,
) -> AppResult<pb::EnrolClientResponse> {
    ctx.caller.require(access::RECORDERS)?;
    with_fresh_voucher(app, || try_enrol_client(app, &ctx, &req)).await
}

async fn try_enrol_client(
    app: &App,
    ctx: &Ctx,
    req: &pb::EnrolClientRequest,
) -> AppResult<pb::EnrolClientResponse> {
    let change = Change::new(&app.db, ctx, &req.request_id, req)?;
    let group_id = required_id("group_id", &req.group_id)?;
    let voucher_id = required_id("voucher_id", &req.voucher_id)?;
    let joins_on = wire::optional_date("joins_on", req.joins_on.as_ref())?;
    let caller = ctx.caller.clone();
    let ctx = ctx.clone();
    let request_id = req.request_id.clone();
    change
        .apply_to(
            &group_id,
            |g: &GroupRow| access::may_manage_group(&caller, g),
            move |conn, g: GroupRow| {
                Box::pin(async move {
                    if g.state != GroupState::Announced {
                        return Err(not_in_state("the group is cancelled"));
                    }
                    let v = store::load_voucher(conn, &voucher_id)
                        .await?
                        .filter(|v| access::may_record(&ctx.caller, v))
                        .ok_or_else(|| AppError::NotFound(format!("voucher {voucher_id}")))?;
                    if v.service != g.service {
                        return Err(AppError::invalid(
                            "voucher_id",
                            format!("the group takes {} vouchers", g.service.code()),
                        ));
                    }
                    if g.enrolled().any(|e| e.voucher_id == v.id) {
                        return Err(AppError::AlreadyExists(format!(
                            "voucher {} is enrolled in the group",
                            v.id
                        )));
                    }
                    let today = ctx.today();
                    let joins_on = joins_on.unwrap_or(g.start.max(today));
                    if joins_on < g.start {
                        return Err(AppError::invalid(
                            "joins_on",
                            format!("not before the group's start {}", g.start),
                        ));
                    }
                    if !v.takes_sessions_on(joins_on) {
                        return Err(not_in_state(&format!(
                            "the voucher is {}: it joins no group on {joins_on}",
                            v.state
                        )));
                    }
                    // TERM-VALIDITY: the voucher is valid on the day the client joins.
                    let mut violations = check_use_date(v.valid_from, v.valid_until, joins_on);
                    if g.service == ServiceType::KttGroup && g.mode == GroupMode::Closed {
                        // SK-GROUP-LATE-JOIN: the late-join allowance is SK's (SK 5); a closed
                        // KTT group starts on its announced date (KTT 2.2.2 (3)) and has no
                        // allowance. `groups::check_late_join` knows no service (it would give
                        // KTT the SK allowance), so KTT is decided here: no one joins after
                        // the start.
                        if joins_on > g.start {
                            violations.push(Violation::of(
                                SK_GROUP_LATE_JOIN,
                                format!(
                                    "Kuntouttavan työtoiminnan suljettuun ryhmään ei voi liittyä \
                                     sen alkamisen ({}) jälkeen.",
                                    g.start
                                ),
                                format!(
                                    "A closed KTT group takes no new clients after its start \
                                     ({}); the late-join allowance is SK's.",
                                    g.start
                                ),
                            ));
                        }
                    } else {
                        // SK-GROUP-LATE-JOIN
                        violations.extend(check_late_join(g.mode.rules(), g.start, joins_on));
                    }
                    let clients = u32::try_from(g.enrolled().count())
                        .unwrap_or(u32::MAX)
                        .saturating_add(1);
                    // CAP-GROUP-SIZE
                    violations.extend(enrolment_size_violations(&v, &g, joins_on, clients)?);
                    refuse(violations)?;
                    store::enrol(conn, &g.id, &v, joins_on, today).await?;
                    store::touch_group(conn, &g.id).await?;
                    audit_client(conn, &ctx, &request_id, &v.client_id, "EnrolClient").await?;
                    let group = group_response(conn, &g.id).await?;
                    let enrolment = group
                        .enrolments
                        .iter()
                        .find(|e| e.voucher_id == v.id)
                        .cloned();
                    Ok(pb::EnrolClientResponse {
                        group: Some(group),
                        enrolment,
                    })
                })
            },
        )
        .await
}

/// WithdrawEnrolment.
pub async fn withdraw_enrolment(
    app: &App,
    ctx: Ctx,
    req: pb::WithdrawEnrolmentRequest,
) -> AppResult<pb::WithdrawEnrolmentResponse> {
    ctx.caller.require(access::RECORDERS)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    let group_id = required_id("group_id", &req.group_id)?;
    let voucher_id = required_id("voucher_id", &req.voucher_id)?;
    let reason = required_text("reason", &req.reason, 2000)?;
    let caller = ctx.caller.clone();
    let request_id = req.request_id.clone();
    change
        .apply_to(
            &group_id,
            |g: &GroupRow| access::may_manage_group(&caller, g),
            move |conn, g: GroupRow| {
                Box::pin(async move {
                    let e = g
                        .enrolled()
                        .find(|e| e.voucher_id == voucher_id)
                        .cloned()
                        .ok_or_else(|| {
                            AppError::NotFound(format!("enrolment of voucher {voucher_id}"))
                        })?;
                    if !store::withdraw(conn, &g.id, &voucher_id, ctx.today(), &reason).await? {
                        return Err(not_in_state("the enrolment changed; retry"));
                    }
                    store::touch_group(conn, &g.id).await?;
                    audit_client(conn, &ctx, &request_id, &e.client_id, "WithdrawEnrolment")
                        .await?;
                    Ok(pb::WithdrawEnrolmentResponse {
                        group: Some(group_response(conn, &g.id).await?),
                    })
                })
            },
        )
        .await
}

/// CancelGroup (SK-GROUP-MIN-FILL).
pub async fn cancel_group(
    app: &App,
    ctx: Ctx,
    req: pb::CancelGroupRequest,
) -> AppResult<pb::CancelGroupResponse> {
    ctx.caller.require(access::RECORDERS)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    let group_id = required_id("group_id", &req.group_id)?;
    let reason = required_text("reason", &req.reason, 2000)?;
    let request_id = req.request_id.clone();
    let (group, alerts) = decide_start(
        change,
        ctx,
        request_id,
        group_id,
        GroupStartAction::Cancel,
        reason,
        "CancelGroup",
    )
    .await?;
    Ok(pb::CancelGroupResponse {
        group: Some(group),
        alerts,
    })
}

/// DelayGroupStart (SK-GROUP-MIN-FILL).
pub async fn delay_group_start(
    app: &App,
    ctx: Ctx,
    req: pb::DelayGroupStartRequest,
) -> AppResult<pb::DelayGroupStartResponse> {
    ctx.caller.require(access::RECORDERS)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    let group_id = required_id("group_id", &req.group_id)?;
    let new_start = date("new_start", req.new_start.as_ref())?;
    let reason = required_text("reason", &req.reason, 2000)?;
    let request_id = req.request_id.clone();
    let (group, alerts) = decide_start(
        change,
        ctx,
        request_id,
        group_id,
        GroupStartAction::Delay { new_start },
        reason,
        "DelayGroupStart",
    )
    .await?;
    Ok(pb::DelayGroupStartResponse {
        group: Some(group),
        alerts,
    })
}

/// The min-fill decision on a closed SK group, with the notices to every enrolled client's
/// social worker and to the provider (to tell the client), as SK-GROUP-MIN-FILL alerts raised in
/// the same transaction. Stored as the change's answer: a retry gets the same group and alerts.
async fn decide_start(
    change: Change<'_>,
    ctx: Ctx,
    request_id: String,
    group_id: String,
    action: GroupStartAction,
    reason: String,
    audit_action: &'static str,
) -> AppResult<(pb::Group, Vec<pb::Alert>)> {
    let caller = ctx.caller.clone();
    let answer: pb::CancelGroupResponse = change
        .apply_to(
            &group_id,
            |g: &GroupRow| access::may_manage_group(&caller, g),
            move |conn, g: GroupRow| {
                Box::pin(async move {
                    if g.state != GroupState::Announced {
                        return Err(not_in_state("the group is cancelled"));
                    }
                    let today = ctx.today();
                    if today >= g.start {
                        return Err(not_in_state(&format!(
                            "the group started on {}: its start is no longer decided",
                            g.start
                        )));
                    }
                    // SK-GROUP-MIN-FILL: the fill is judged a week before the announced start.
                    let check_on = min_fill_check_date(g.announced_start);
                    if today < check_on {
                        return Err(not_in_state(&format!(
                            "the fill is judged on {check_on}, a week before the announced start \
                             (SK-GROUP-MIN-FILL): decide from that day"
                        )));
                    }
                    let enrolled_week_before = u32::try_from(
                        g.enrolments
                            .iter()
                            .filter(|e| e.enrolled_at_end_of(check_on))
                            .count(),
                    )
                    .unwrap_or(u32::MAX);
                    // SK-GROUP-MIN-FILL (notified: the notices are raised below, in this
                    // transaction, or nothing is decided)
                    refuse(check_group_start(&GroupStartFacts {
                        service: g.service,
                        mode: g.mode.rules(),
                        announced_start: g.announced_start,
                        max_size: g.max_size,
                        enrolled_week_before,
                        action,
                        notified: true,
                    }))?;
                    let (changed, what_en, what_fi, key) = match action {
                        GroupStartAction::Delay { new_start } => (
                            store::delay_group(conn, &g.id, new_start, &reason).await?,
                            format!(
                                "The start of group \"{}\" is delayed from {} to {new_start}",
                                g.name, g.start
                            ),
                            format!(
                                "Ryhmän \"{}\" alkua on siirretty: {} → {new_start}",
                                g.name, g.start
                            ),
                            format!("delay:{new_start}"),
                        ),
                        _ => (
                            store::cancel_group(conn, &g.id, &reason).await?,
                            format!(
                                "Group \"{}\" (start {}) is cancelled",
                                g.name, g.start
                            ),
                            format!("Ryhmä \"{}\" (alku {}) on peruttu", g.name, g.start),
                            "cancel".to_owned(),
                        ),
                    };
                    if !changed {
                        return Err(not_in_state("the group changed; retry"));
                    }
                    let due = roll_deadline(today, DeadlineRoll::NextBusinessDay);
                    let mut alerts = Vec::new();
                    for e in g.enrolled() {
                        let Some(v) = store::load_voucher(conn, &e.voucher_id).await? else {
                            continue;
                        };
                        let notices = [
                            (
                                Audience::SocialWorker,
                                "social-worker",
                                format!(
                                    "{what_en}: fewer than 60 % had enrolled a week before the \
                                     start. The client's social worker is notified. Reason: {reason}"
                                ),
                                format!(
                                    "{what_fi}: alle 60 % oli ilmoittautunut viikkoa ennen alkua. \
                                     Ilmoitus omatyöntekijälle. Syy: {reason}"
                                ),
                            ),
                            (
                                Audience::Provider,
                                "client",
                                format!("{what_en}: tell the client. Reason: {reason}"),
                                format!("{what_fi}: ilmoita asiakkaalle. Syy: {reason}"),
                            ),
                        ];
                        for (audience, who, message_en, message_fi) in notices {
                            alerts.extend(
                                raise(
                                    conn,
                                    &ctx,
                                    &v,
                                    NewAlert {
                                        dedup_key: format!(
                                            "SK-GROUP-MIN-FILL:{}:{}:{key}:{who}",
                                            g.id, v.id
                                        ),
                                        rule_id: SK_GROUP_MIN_FILL,
                                        audience,
                                        message_en,
                                        message_fi,
                                        due_on: due,
                                        subject_id: g.id.clone(),
                                    },
                                )
                                .await?,
                            );
                        }
                        audit_client(conn, &ctx, &request_id, &v.client_id, audit_action).await?;
                    }
                    Ok(pb::CancelGroupResponse {
                        group: Some(group_response(conn, &g.id).await?),
                        alerts,
                    })
                })
            },
        )
        .await?;
    Ok((answer.group.unwrap_or_default(), answer.alerts))
}

/// RecordGroupSession: every enrolled client marked in one call, each mark through the path
/// of its single-client RPC.
pub async fn record_group_session(
    app: &App,
    ctx: Ctx,
    req: pb::RecordGroupSessionRequest,
) -> AppResult<pb::RecordGroupSessionResponse> {
    ctx.caller.require(access::RECORDERS)?;
    require_provider_may_work(&app.providers, &ctx).await?;
    with_fresh_voucher(app, || try_record_group_session(app, &ctx, &req)).await
}

/// A checked mark.
#[derive(Debug, Clone)]
struct Mark {
    voucher_id: String,
    presence: Presence,
    reason: Option<AbsenceReason>,
    notes: String,
}

fn validate_marks(marks: &[pb::PresenceMark]) -> AppResult<Vec<Mark>> {
    if marks.is_empty() || marks.len() > 100 {
        return Err(AppError::invalid(
            "marks",
            "one mark for every client enrolled on the session's date",
        ));
    }
    let mut out: Vec<Mark> = Vec::with_capacity(marks.len());
    for (i, m) in marks.iter().enumerate() {
        let voucher_id = required_id(&format!("marks[{i}].voucher_id"), &m.voucher_id)?;
        if out.iter().any(|x| x.voucher_id == voucher_id) {
            return Err(AppError::invalid(
                format!("marks[{i}].voucher_id"),
                "marked twice",
            ));
        }
        let presence = Presence::required(&format!("marks[{i}].presence"), m.presence)?;
        let reason =
            AbsenceReason::optional(&format!("marks[{i}].absence_reason"), m.absence_reason)?;
        if presence == Presence::Absent && reason.is_none() {
            return Err(AppError::invalid(
                format!("marks[{i}].absence_reason"),
                "required of an absence",
            ));
        }
        if presence != Presence::Absent && reason.is_some() {
            return Err(AppError::invalid(
                format!("marks[{i}].absence_reason"),
                "only an absence has a reason",
            ));
        }
        let notes = m.notes.trim().to_owned();
        if notes.chars().count() > 2000 {
            return Err(AppError::invalid(
                format!("marks[{i}].notes"),
                "at most 2000 characters",
            ));
        }
        out.push(Mark {
            voucher_id,
            presence,
            reason,
            notes,
        });
    }
    Ok(out)
}

/// Tags a refusal of one mark with its voucher, so that the caller knows whose it was.
fn of_voucher(voucher_id: &str, violations: Vec<Violation>) -> Vec<Violation> {
    violations
        .into_iter()
        .map(|mut x| {
            x.message_en = format!("Voucher {voucher_id}: {}", x.message_en);
            x.message_fi = format!("Seteli {voucher_id}: {}", x.message_fi);
            x
        })
        .collect()
}

async fn try_record_group_session(
    app: &App,
    ctx: &Ctx,
    req: &pb::RecordGroupSessionRequest,
) -> AppResult<pb::RecordGroupSessionResponse> {
    let change = Change::new(&app.db, ctx, &req.request_id, req)?;
    let group_id = required_id("group_id", &req.group_id)?;
    let marks = validate_marks(&req.marks)?;
    // The session's shape, once, for everyone.
    let shape = wire::validate_session(
        Some(&wire::group_session_details(req.details.as_ref(), 1)?),
        "",
    )?;
    let day = shape.date;
    let present = marks
        .iter()
        .filter(|m| m.presence == Presence::Present)
        .count();
    let details = req.details.clone();
    let caller = ctx.caller.clone();
    let ctx = ctx.clone();
    let request_id = req.request_id.clone();
    change
        .apply_to(
            &group_id,
            |g: &GroupRow| access::may_manage_group(&caller, g),
            move |conn, g: GroupRow| {
                Box::pin(async move {
                    if g.state != GroupState::Announced {
                        return Err(not_in_state("the group is cancelled"));
                    }
                    if day < g.start {
                        return Err(not_in_state(&format!(
                            "the group starts on {}: no session on {day}",
                            g.start
                        )));
                    }
                    let mut expected: Vec<&str> = g
                        .enrolments
                        .iter()
                        .filter(|e| e.attends_on(day))
                        .map(|e| e.voucher_id.as_str())
                        .collect();
                    expected.sort_unstable();
                    let mut given: Vec<&str> =
                        marks.iter().map(|m| m.voucher_id.as_str()).collect();
                    given.sort_unstable();
                    if expected != given {
                        let missing: Vec<&&str> =
                            expected.iter().filter(|x| !given.contains(x)).collect();
                        let extra: Vec<&&str> =
                            given.iter().filter(|x| !expected.contains(x)).collect();
                        return Err(AppError::invalid(
                            "marks",
                            format!(
                                "one mark for every client enrolled on {day}: missing {missing:?}, \
                                 not enrolled {extra:?}"
                            ),
                        ));
                    }
                    // Vouchers in id order, then their clients in id order: the same order as
                    // every other change (voucher, then client), never a cycle.
                    let mut vouchers: HashMap<String, Voucher> = HashMap::new();
                    for id in &given {
                        lock_row(conn, "vouchers", id).await?;
                        let v = store::load_voucher(conn, id)
                            .await?
                            .filter(|v| access::may_record(&ctx.caller, v))
                            .ok_or_else(|| AppError::NotFound(format!("voucher {id}")))?;
                        vouchers.insert((*id).to_owned(), v);
                    }
                    let mut clients: Vec<&str> =
                        vouchers.values().map(|v| v.client_id.as_str()).collect();
                    clients.sort_unstable();
                    clients.dedup();
                    for c in clients {
                        store::lock_client(conn, c).await?;
                    }
                    let mut outcomes = Vec::with_capacity(marks.len());
                    let mut refused: Vec<Violation> = Vec::new();
                    for m in &marks {
                        let Some(v) = vouchers.get(&m.voucher_id) else {
                            return Err(AppError::NotFound(format!("voucher {}", m.voucher_id)));
                        };
                        let mut outcome = pb::PresenceOutcome {
                            voucher_id: v.id.clone(),
                            presence: m.presence.to_pb(),
                            ..Default::default()
                        };
                        match m.presence {
                            Presence::Present | Presence::NoShow => {
                                // The clients in the session, this one included.
                                let participants =
                                    present + usize::from(m.presence == Presence::NoShow);
                                let mut d =
                                    wire::group_session_details(details.as_ref(), participants)?;
                                if !m.notes.is_empty() {
                                    d.notes = format!("{}\n{}", d.notes.trim(), m.notes)
                                        .trim()
                                        .to_owned();
                                }
                                let mut input = wire::validate_session(Some(&d), "")?;
                                // CAP-GROUP-SIZE against the group's own size too
                                input.group_max = Some(g.max_size);
                                let (id, admission) = match record_admitted(
                                    conn,
                                    &ctx,
                                    &request_id,
                                    v,
                                    input,
                                )
                                .await
                                {
                                    Ok(x) => x,
                                    Err(AppError::RuleViolations(x)) => {
                                        refused.extend(of_voucher(&v.id, x));
                                        continue;
                                    }
                                    Err(e) => return Err(e),
                                };
                                if m.presence == Presence::NoShow {
                                    outcome.alerts =
                                        mark_no_show(conn, &ctx, &request_id, v, &id).await?;
                                }
                                outcome.session =
                                    store::load_session(conn, &id).await?.map(|s| s.view);
                                outcome.warnings = admission.warnings;
                            }
                            Presence::Absent => {
                                let answer = record_absence_in(
                                    conn,
                                    &ctx,
                                    &request_id,
                                    v,
                                    AbsenceInput {
                                        day,
                                        kind: AbsenceKind::Absent,
                                        reason: m.reason,
                                        notes: m.notes.clone(),
                                        delivered: false,
                                        first_day: false,
                                    },
                                )
                                .await;
                                match answer {
                                    Ok(a) => {
                                        outcome.absence = a.absence;
                                        outcome.alerts = a.alerts;
                                    }
                                    Err(AppError::RuleViolations(x)) => {
                                        refused.extend(of_voucher(&v.id, x));
                                        continue;
                                    }
                                    Err(e) => return Err(e),
                                }
                            }
                        }
                        outcomes.push(outcome);
                    }
                    // All or nothing: every refused mark at once, and nothing is kept.
                    refuse(refused)?;
                    store::touch_group(conn, &g.id).await?;
                    Ok(pb::RecordGroupSessionResponse { outcomes })
                })
            },
        )
        .await
}

/// Turns a just-recorded session into the client's no-show (the client did not come): classified
/// by the rules crate (BILL-NO-SHOW), with the ABS-REPEATED alerts, as CancelSession does.
async fn mark_no_show(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    request_id: &str,
    v: &Voucher,
    session_id: &str,
) -> AppResult<Vec<pb::Alert>> {
    let s = session_of(conn, v, session_id).await?;
    // BILL-NO-SHOW: cancelled by the client without a date (did not come).
    let status = match classify(&seteli_rules::absences::Cancellation {
        session_date: s.date,
        cancelled_on: None,
        by: CancelledBy::Client,
    }) {
        CancellationClass::NoShow => SessionStatus::NoShow,
        CancellationClass::ClientCancelledInTime => SessionStatus::CancelledByClient,
        CancellationClass::ProviderCancelled => SessionStatus::CancelledByProvider,
    };
    let cancellation = pb::Cancellation {
        by: pb::CancelledBy::Client as i32,
        ..Default::default()
    };
    let version = store::set_status(conn, session_id, status, Some(&cancellation))
        .await?
        .ok_or_else(|| not_in_state("the session changed; retry"))?;
    update_units(conn, v).await?;
    let details = s.view.details.clone().unwrap_or_default();
    store::append_history(
        conn,
        session_id,
        version,
        "CANCELLED",
        status.code(),
        &details,
        &ctx.caller,
        request_id,
    )
    .await?;
    if status == SessionStatus::NoShow {
        return no_show_alerts(conn, ctx, v, &s, ctx.today()).await;
    }
    Ok(Vec::new())
}

// ------------------------------------------------------------------------------ activity

/// ListVoucherActivity: per voucher valid in the period, the units and the period's counts
/// (figures only, no client data: nothing to audit).
pub async fn list_voucher_activity(
    app: &App,
    ctx: Ctx,
    req: pb::ListVoucherActivityRequest,
) -> AppResult<pb::ListVoucherActivityResponse> {
    ctx.caller.require(access::ACTIVITY_READERS)?;
    let from = date("period_from", req.period_from.as_ref())?;
    let until = date("period_until", req.period_until.as_ref())?;
    if until < from || (until - from).num_days() > 366 {
        return Err(AppError::invalid(
            "period_until",
            "not before period_from, at most 366 days after it",
        ));
    }
    let page = Paging::read(req.page_size, &req.page_token, 500, 1000)?;
    let after = page.after::<String>()?.unwrap_or_default();
    let mut conn = app.db.pool().acquire().await?;
    let rows = store::voucher_activity(&mut conn, from, until, &after, page.fetch()).await?;
    let (rows, next_page_token) = page.cut(rows, |last| last.voucher_id.clone());
    let vouchers = rows
        .into_iter()
        .map(|r| pb::VoucherActivity {
            service_type: ServiceType::from_code(&r.service_type)
                .map(|s| s.to_pb())
                .unwrap_or_default(),
            voucher_id: r.voucher_id,
            provider_id: r.provider_id,
            voucher_state: r.state,
            units_granted: Some(to_units(r.units_granted)),
            units_used: Some(to_units(r.units_used)),
            units_realised: Some(to_units(r.units_realised)),
            sessions_realised: r.sessions_realised,
            no_shows: r.no_shows,
            cancelled_by_client: r.cancelled_by_client,
            cancelled_by_provider: r.cancelled_by_provider,
            absences: r.absences,
            days_not_arranged: r.days_not_arranged,
        })
        .collect();
    Ok(pb::ListVoucherActivityResponse {
        vouchers,
        next_page_token,
    })
}
