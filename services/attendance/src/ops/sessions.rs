//! Sessions: RecordSession, GetSession, ListSessions, CorrectSession, VoidSession, and the
//! single path every recorded session goes through (RecordGroupSession's too).
//!
//! Every change of a voucher's sessions runs through [`Change::apply_to`] on the followed
//! voucher: once per `request_id`, in one transaction that locks the voucher, then the client
//! ([`store::lock_client`]), reads the client's sessions the rules need
//! ([`store::session_decision_reads`]), admits with the rules crate ([`super::admission`]),
//! writes the session, its history, the units used, the alerts and the audit entry.
//!
//! RecordSession, the busiest, decides first on a read ([`Change::apply_to_decided`]): the
//! rules run without the claim or any lock, and the transaction only checks that the voucher
//! and the client's sessions (their version in `client_locks`) are as they were decided on. On
//! PostgreSQL there is no transaction to begin: one statement checks the same and writes it all
//! ([`store::record_session_at_once`]), four round trips for the whole call.

use chrono::NaiveDate;
use seteli_api::attendance::v1 as pb;
use seteli_platform::audit;
use seteli_platform::auth::Role;
use seteli_platform::change::{AtOnce, Change, Decision};
use seteli_platform::convert::{PbEnum, store_date};
use seteli_platform::db::{new_id, now_micros};
use seteli_platform::error::refuse;
use seteli_platform::paging::Paging;
use seteli_platform::rpc::Ctx;
use seteli_platform::statement::Binds;
use seteli_platform::{AppError, AppResult};
use sqlx::AnyConnection;

use super::admission::{
    Admission, admit, admit_among, count_units, start_context, units_as_of, update_units,
};
use super::common::{audit_client, client_access, not_in_state, read_client, readable_voucher};
use super::groups::offered_group_size;
use super::ledger::{not_an_absence_day, replacement_check};
use super::voucher_feed::with_fresh_voucher;
use crate::access;
use crate::app::App;
use crate::model::{SessionInput, SessionRow, SessionStatus, UnitCount, Voucher};
use crate::store::{self, SessionFilter};
use crate::wire::{self, required_id, required_text};

/// A session of `v` by id, inside the transaction; NOT_FOUND when it is another voucher's.
pub(super) async fn session_of(
    conn: &mut AnyConnection,
    v: &Voucher,
    id: &str,
) -> AppResult<SessionRow> {
    store::load_session(conn, id)
        .await?
        .filter(|s| s.voucher_id == v.id)
        .ok_or_else(|| AppError::NotFound(format!("session {id}")))
}

/// The voucher of a session the caller may change (`may` on its voucher). A session that does
/// not exist and one that is not the caller's get one answer, NOT_FOUND naming the session
/// only: no other object's id, no oracle.
pub(super) async fn voucher_of_session(
    app: &App,
    session_id: &str,
    may: impl Fn(&Voucher) -> bool,
) -> AppResult<String> {
    let not_found = || AppError::NotFound(format!("session {session_id}"));
    let mut conn = app.db.pool().acquire().await?;
    let session = store::load_session(&mut conn, session_id)
        .await?
        .ok_or_else(not_found)?;
    store::load_voucher(&mut conn, &session.voucher_id)
        .await?
        .filter(|v| may(v))
        .map(|v| v.id)
        .ok_or_else(not_found)
}

/// RecordSession.
pub async fn record_session(
    app: &App,
    ctx: Ctx,
    req: pb::RecordSessionRequest,
) -> AppResult<pb::RecordSessionResponse> {
    ctx.caller.require(access::RECORDERS)?;
    // PROVIDER-NOT-APPROVED, from the followed registry
    app.followed_providers.require_may_work(&ctx).await?;
    with_fresh_voucher(app, || try_record_session(app, &ctx, &req)).await
}

async fn try_record_session(
    app: &App,
    ctx: &Ctx,
    req: &pb::RecordSessionRequest,
) -> AppResult<pb::RecordSessionResponse> {
    let change = Change::new(&app.db, ctx, req)?;
    let voucher_id = required_id("voucher_id", &req.voucher_id)?;
    let mut input = wire::validate_session(req.details.as_ref(), "")?;
    // CAP-GROUP-SIZE: a group session is held to the provider's own offering, as a group is
    // (CreateGroup, RecordGroupSession), wherever it is recorded.
    if input.participants > 0 {
        let followed = {
            let mut conn = app.db.pool().acquire().await?;
            store::load_voucher(&mut conn, &voucher_id).await?
        };
        if let Some(v) = followed.filter(|v| v.service.is_group() && !v.provider_id.is_empty()) {
            input.group_max = Some(offered_group_size(app, &v.provider_id, v.service).await?);
        }
    }
    let replaces = Some(req.replaces_session_id.trim().to_owned()).filter(|r| !r.is_empty());
    let caller = ctx.caller.clone();
    let today = ctx.today();
    let grace_days = app.late_record_grace_days;
    let caller_ctx = ctx;
    let ctx = ctx.clone();
    let request_id = req.request_id.clone();
    // The rules run on a read, outside the claim and the voucher's lock; the write checks that
    // neither the voucher nor the client's sessions moved since (Change::apply_to_decided), in
    // one statement on PostgreSQL (`record_at_once`).
    change
        .apply_to_decided(
            &voucher_id,
            |v: &Voucher| access::may_record(&caller, v),
            |conn, v| {
                let input = input.clone();
                let replaces = replaces.clone();
                Box::pin(async move {
                    decide_session(conn, v, input, replaces, today, grace_days).await
                })
            },
            |v, decided, change| record_at_once(caller_ctx, &req.request_id, v, decided, change),
            move |conn, v, decided| {
                Box::pin(async move {
                    let (stored, admission) =
                        write_session(conn, &ctx, &request_id, &v, decided).await?;
                    Ok(pb::RecordSessionResponse {
                        session: Some(stored.view),
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
    /// ([`store::session_decision_reads`]).
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

/// The decided session's write as one statement (PostgreSQL, [`Change::apply_to_decided`]):
/// the session, its history, the units it moves, the usage feed's change, the audit entry and
/// the claim with its answer, guarded by the voucher and the client's sessions as the decision
/// read them ([`store::record_session_at_once`]). `None` — the transaction's way — when the
/// count does not move (nothing to feed) or would not fit the grant (CAP-UNITS refuses there).
fn record_at_once(
    ctx: &Ctx,
    request_id: &str,
    v: &Voucher,
    decided: &DecidedSession,
    change: &Change<'_>,
) -> AppResult<Option<AtOnce<pb::RecordSessionResponse>>> {
    let session = store::recorded_session(
        &new_id(),
        v,
        &decided.input,
        decided.admission.units,
        decided.replaces.as_deref(),
        now_micros(),
    );
    // The voucher's sessions as admission read them, and the new one.
    let new = session.fact();
    let sessions = decided.admission.voucher_sessions.iter();
    let (count, first_used_on) = units_as_of(sessions.chain([&new]), ctx.today());
    let held = UnitCount {
        used: v.units_used,
        reserved: v.units_reserved,
    };
    let fits = count.used >= 0 && count.reserved >= 0;
    if count == held || !fits || count.used + count.reserved > v.units_granted {
        return Ok(None);
    }
    let answer = pb::RecordSessionResponse {
        session: Some(session.view.clone()),
        warnings: decided.admission.warnings.clone(),
    };
    let access = client_access(ctx, &v.client_id, "RecordSession");
    let write = store::SessionAtOnce {
        voucher: v,
        client_version: decided.client_version,
        session: &session,
        count,
        first_used_on,
        counted_on: ctx.today(),
        caller: &ctx.caller,
        request_id,
    };
    let mut binds = Binds::new();
    let sql = store::record_session_at_once(
        &mut binds,
        &write,
        |b, gate| change.claim_part(b, gate, &answer, std::slice::from_ref(&access)),
        |b, gate| audit::entry_part(b, gate, &ctx.caller, request_id, &access),
    )?;
    Ok(Some(AtOnce { sql, binds, answer }))
}

/// Decides whether `input` may be recorded on `v`: the voucher's state, the replaced session,
/// admission by the rules crate over the client's sessions it reads (every one of the voucher,
/// the others in the session's week). Only reads. A voucher whose validity ended takes it for
/// `grace_days` more ([`Voucher::takes_sessions_on`]).
async fn decide_session(
    conn: &mut AnyConnection,
    v: &Voucher,
    mut input: SessionInput,
    replaces: Option<String>,
    today: NaiveDate,
    grace_days: i64,
) -> AppResult<DecidedSession> {
    if !v.takes_sessions_on(input.date, today, grace_days) {
        return Err(not_in_state(&format!(
            "the voucher is {}: no session on {}",
            v.state, input.date
        )));
    }
    // Every session the decision reads, with their version and the day's absence, in one
    // statement.
    let store::SessionDecisionReads {
        sessions,
        version: client_version,
        absent_on_date,
    } = store::session_decision_reads(conn, &v.client_id, &v.id, input.date).await?;
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
        // BILL-PROVIDER-CANCEL: after a cancellation already made, the replacement is dated on
        // or after it and is its only one (RULES.md §10); a session the provider will cancel
        // is checked when it is. The cancellation is in the session's view, read whole here.
        if old.status == SessionStatus::CancelledByProvider {
            let old = store::load_session(conn, r).await?.ok_or_else(|| {
                AppError::invalid("replaces_session_id", "no such session on the voucher")
            })?;
            let cancelled_on = old
                .view
                .cancellation
                .as_ref()
                .and_then(|c| c.cancelled_on.as_ref())
                .and_then(|d| seteli_platform::convert::date("cancelled_on", Some(d)).ok())
                .unwrap_or(old.date);
            refuse(replacement_check(conn, v, &old, input.date, cancelled_on, None).await?)?;
        }
    }
    not_an_absence_day(absent_on_date, input.date)?;
    let start = start_context(conn, v).await?;
    let admission = admit_among(sessions, v, &input, None, today, start)?;
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
/// new session as stored.
pub(super) async fn record_admitted(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    request_id: &str,
    v: &Voucher,
    input: SessionInput,
    grace_days: i64,
) -> AppResult<(SessionRow, Admission)> {
    store::lock_client(conn, &v.client_id).await?;
    let decided = decide_session(conn, v, input, None, ctx.today(), grace_days).await?;
    write_session(conn, ctx, request_id, v, decided).await
}

/// Writes a decided session inside the change's transaction (the voucher and the client
/// locked, the decision still holding): the session, its history, the units used and the audit
/// entry. Returns the new session as stored.
async fn write_session(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    request_id: &str,
    v: &Voucher,
    decided: DecidedSession,
) -> AppResult<(SessionRow, Admission)> {
    let DecidedSession {
        input,
        replaces,
        mut admission,
        ..
    } = decided;
    let id = new_id();
    let stored =
        store::insert_session(conn, &id, v, &input, admission.units, replaces.as_deref()).await?;
    // The voucher's sessions as admission read them, and the new one as stored.
    let mut sessions = std::mem::take(&mut admission.voucher_sessions);
    sessions.push(stored.fact());
    count_units(conn, v, &sessions, ctx.today()).await?;
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
    Ok((stored, admission))
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
    drop(conn);
    // Another's voucher is NOT_FOUND as the session, not the voucher (nor UNAVAILABLE's cause).
    let v = match readable_voucher(app, &ctx, &s.voucher_id).await {
        Err(AppError::NotFound(_)) => return Err(not_found()),
        other => other?,
    };
    let mut conn = app.db.pool().acquire().await?;
    let history = store::history(&mut conn, &id).await?;
    drop(conn);
    read_client(app, &ctx, &v.client_id, "GetSession").await?;
    Ok(pb::GetSessionResponse {
        session: Some(s.view),
        history,
    })
}

/// ListSessions: of a voucher, or of a client (a provider's user: its own vouchers only; a
/// client: of their own voucher, named by id).
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
        social_worker: String::new(),
        social_worker_team: String::new(),
    };
    if let Some(own) = access::own_caseload(&ctx.caller) {
        filter.social_worker = own.social_worker.to_owned();
        filter.social_worker_team = own.team.to_owned();
    }
    if ctx.caller.role == Role::Client && filter.voucher_id.is_empty() {
        // A client names their voucher; a client id is never taken from them (access.rs).
        return Err(AppError::invalid(
            "voucher_id",
            "required of a client: the voucher whose sessions to list",
        ));
    }
    if !filter.voucher_id.is_empty() {
        let v = readable_voucher(app, &ctx, &filter.voucher_id).await?;
        filter.client_id = v.client_id;
    }
    let mut conn = app.db.pool().acquire().await?;
    if filter.voucher_id.is_empty() {
        if filter.client_id.is_empty() {
            return Err(AppError::invalid(
                "voucher_id",
                "required: a voucher id or a client id",
            ));
        }
        // By client: only a caller who may see one of the client's vouchers learns the client
        // has sessions at all, and then of those vouchers only (the filter above).
        let vouchers = store::client_vouchers(&mut conn, &filter.client_id).await?;
        if !vouchers.iter().any(|v| access::may_see(&ctx.caller, v)) {
            return Err(AppError::NotFound(format!("client {}", filter.client_id)));
        }
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
    let change = Change::new(&app.db, &ctx, &req)?;
    let id = required_id("session_id", &req.session_id)?;
    let reason = required_text("reason", &req.reason, 2000)?;
    let mut input = wire::validate_session(req.details.as_ref(), "")?;
    let voucher_id = voucher_of_session(app, &id, |v| access::may_correct(&ctx.caller, v)).await?;
    let caller = ctx.caller.clone();
    let request_id = req.request_id.clone();
    let grace_days = app.late_record_grace_days;
    change
        .apply_to(
            &voucher_id,
            |v: &Voucher| access::may_correct(&caller, v),
            move |conn, v: Voucher| {
                Box::pin(async move {
                    changeable_session(conn, &ctx, &v, &id).await?;
                    if !v.takes_sessions_on(input.date, ctx.today(), grace_days) {
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
                    update_units(conn, &v, ctx.today()).await?;
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

/// Takes the client's lock and reads the session `id` of `v` (NOT_FOUND when it is another
/// voucher's), which the caller must be able to change ([`changeable`]).
pub(super) async fn changeable_session(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    v: &Voucher,
    id: &str,
) -> AppResult<SessionRow> {
    store::lock_client(conn, &v.client_id).await?;
    let s = session_of(conn, v, id).await?;
    changeable(ctx, &s)?;
    Ok(s)
}

/// A recorded session may be changed; once invoiced only by `county_admin` (a correction after
/// invoicing). A session whose invoice the county returned is no longer invoiced (billing
/// released it: MarkItemsInvoiced `released`), so its provider's user changes it again until the
/// month is generated again.
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
    let change = Change::new(&app.db, &ctx, &req)?;
    let id = required_id("session_id", &req.session_id)?;
    let reason = required_text("reason", &req.reason, 2000)?;
    let voucher_id = voucher_of_session(app, &id, |v| access::may_correct(&ctx.caller, v)).await?;
    let caller = ctx.caller.clone();
    let request_id = req.request_id.clone();
    change
        .apply_to(
            &voucher_id,
            |v: &Voucher| access::may_correct(&caller, v),
            move |conn, v: Voucher| {
                Box::pin(async move {
                    let s = changeable_session(conn, &ctx, &v, &id).await?;
                    let version = store::set_status(conn, &id, SessionStatus::Voided, None)
                        .await?
                        .ok_or_else(|| not_in_state("the session changed; retry"))?;
                    update_units(conn, &v, ctx.today()).await?;
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
