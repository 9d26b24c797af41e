//! The reporting service's workflows: validate → decide with `seteli_rules` → change through
//! the store. `api.rs` calls one function here per RPC; `jobs.rs` calls [`catch_up`].
//!
//! The obligations of a voucher are derived again ([`refresh`]) by every change of it that the
//! feed brings, in the transaction that moves the feed cursor. A report changes through
//! [`Change::apply_to`] on its obligation: once per `request_id`, in one transaction that locks
//! the obligation, writes the report and its audit entry.

use std::sync::Arc;
use std::time::Duration;

use seteli_api::reporting::v1 as pb;
use seteli_api::vouchers::v1 as vpb;
use seteli_api::vouchers::v1::vouchers_service_client::VouchersServiceClient;
use seteli_platform::audit::{self, Access};
use seteli_platform::auth::{Caller, Role};
use seteli_platform::change::Change;
use seteli_platform::client::{Upstream, UpstreamOptions};
use seteli_platform::clock::Clock;
use seteli_platform::config::{Config, ConfigError};
use seteli_platform::convert::{PbEnum, date};
use seteli_platform::db::Database;
use seteli_platform::feed::{self, Cursor};
use seteli_platform::paging::Paging;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};
use seteli_rules::ServiceType;
use seteli_rules::reports::{
    FinalReportContents, ReportKind, SubmittedReport, check_final_report_contents, check_reports,
    report_obligations,
};
use sqlx::AnyConnection;
use tonic::transport::Channel;

use crate::access;
use crate::model::{ObligationRow, ReportState, Voucher, obligation_id};
use crate::store::{self, ObligationFilter};
use crate::wire::{self, MAX_REASON, required_id, required_text};

/// The vouchers feed this service follows (its row in `feed_cursors`).
const VOUCHER_FEED: Cursor = Cursor("vouchers");

/// Where the voucher service listens when `SETELI_VOUCHERS_URL` is not set.
pub const DEFAULT_VOUCHERS_URL: &str = "http://127.0.0.1:50052";

/// Voucher changes asked for per page.
const FEED_PAGE: i32 = 500;

/// Subject kind of every audit entry this service writes.
const CLIENT: &str = "client";

/// The reporting service's settings beyond the platform's, read once at start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `SETELI_VOUCHERS_URL`: the voucher service.
    pub vouchers_url: String,
    /// `SETELI_VOUCHERS_FEED_TOKEN`: the bearer token the follower calls the voucher feed
    /// with (a `county_admin` token). Unset: vouchers are not followed.
    pub feed_token: Option<String>,
    /// `SETELI_FEED_POLL_MS`: how often the feed is polled (default 1000).
    pub feed_poll: Duration,
    /// How often the voucher service's address is resolved again.
    pub upstream: UpstreamOptions,
    /// `SETELI_COUNTY_NAME`: the county's name printed on report PDFs (REP-DELIVERY); default
    /// [`crate::delivery::DEFAULT_COUNTY_NAME`].
    pub county_name: String,
    /// `SETELI_ATTENDANCE_URL`: the attendance service (its alert feed, and on-demand reads for
    /// Kela absence notices and the follow-up).
    pub attendance_url: String,
    /// `SETELI_ATTENDANCE_FEED_TOKEN`: the bearer token the alert follower (and the follow-up's
    /// figures) call attendance with (a `county_admin` token). Unset: alerts are not followed.
    pub attendance_feed_token: Option<String>,
    /// `SETELI_NOTIFY_WITHIN_BUSINESS_DAYS`: the business days "without delay" allows a notice
    /// to the social worker (NOTIFY-CHANGE, PROC-INTERRUPT, PROV-DAMAGE-NOTICE; default 1).
    pub notify_within_business_days: u32,
}

impl Settings {
    /// Reads the settings; a bad value names its key.
    pub fn read(config: &Config) -> Result<Self, ConfigError> {
        let poll_ms: u64 = config.var_or("SETELI_FEED_POLL_MS", 1000)?;
        if poll_ms == 0 {
            return Err(ConfigError {
                key: "SETELI_FEED_POLL_MS".into(),
                message: "must be at least 1".into(),
            });
        }
        Ok(Self {
            vouchers_url: config
                .var("SETELI_VOUCHERS_URL")
                .unwrap_or(DEFAULT_VOUCHERS_URL)
                .to_owned(),
            feed_token: config
                .var("SETELI_VOUCHERS_FEED_TOKEN")
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty()),
            feed_poll: Duration::from_millis(poll_ms),
            upstream: config.upstream.clone(),
            county_name: config
                .var("SETELI_COUNTY_NAME")
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .unwrap_or(crate::delivery::DEFAULT_COUNTY_NAME)
                .to_owned(),
            attendance_url: config
                .var("SETELI_ATTENDANCE_URL")
                .unwrap_or(crate::notices::DEFAULT_ATTENDANCE_URL)
                .to_owned(),
            attendance_feed_token: config
                .var("SETELI_ATTENDANCE_FEED_TOKEN")
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty()),
            notify_within_business_days: config.var_or(
                "SETELI_NOTIFY_WITHIN_BUSINESS_DAYS",
                seteli_rules::process::ProcessConfig::default().notify_within_business_days,
            )?,
        })
    }
}

/// What every operation works with.
#[derive(Debug, Clone)]
pub struct App {
    /// The service's database.
    pub db: Database,
    /// The voucher service.
    pub vouchers: Upstream<VouchersServiceClient<Channel>>,
    /// The follower's identity (`system:voucher-feed` with the configured token), if any.
    feed_ctx: Option<Ctx>,
    /// One catch-up at a time in this process (replicas are kept apart by the cursor lock).
    feed_lock: Arc<tokio::sync::Mutex<()>>,
    /// The county's name on printed reports (`SETELI_COUNTY_NAME`).
    pub county_name: String,
    /// The attendance service: its alert feed and on-demand reads (notices, Kela, follow-up).
    pub attendance: crate::notices::AttendanceLink,
}

impl App {
    /// The operations over `db`, following the voucher service named in `settings`.
    pub fn new(db: Database, clock: Clock, settings: &Settings) -> anyhow::Result<Self> {
        let vouchers = Upstream::connect(
            "vouchers",
            "SETELI_VOUCHERS_URL",
            &settings.vouchers_url,
            &settings.upstream,
            VouchersServiceClient::new,
        )?;
        let feed_ctx = feed::follower("voucher-feed", settings.feed_token.as_ref(), clock.clone());
        let attendance = crate::notices::AttendanceLink::new(settings, clock)?;
        Ok(Self {
            db,
            vouchers,
            feed_ctx,
            feed_lock: Arc::new(tokio::sync::Mutex::new(())),
            county_name: settings.county_name.clone(),
            attendance,
        })
    }

    /// Whether the voucher feed is followed (a token is configured).
    pub fn follows_feed(&self) -> bool {
        self.feed_ctx.is_some()
    }
}

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
        total += apply_changes(app, &page.changes).await?;
        if n < usize::try_from(FEED_PAGE).unwrap_or(usize::MAX) {
            break;
        }
    }
    Ok(total)
}

/// Applies a page of changes in one transaction that moves the cursor: changes at or below
/// the stored cursor (applied by another replica meanwhile) are skipped.
async fn apply_changes(app: &App, changes: &[vpb::VoucherChange]) -> AppResult<usize> {
    let mut tx = app.db.begin_write().await?;
    let (mut last, _) = VOUCHER_FEED.lock(&mut tx).await?;
    let mut applied = 0usize;
    for change in changes {
        if change.sequence <= last {
            continue;
        }
        match followed(change) {
            Some(v) => {
                store::upsert_voucher(&mut tx, &v).await?;
                refresh(&mut tx, &v.id).await?;
                if !v.continues_voucher_id.is_empty() {
                    refresh(&mut tx, &v.continues_voucher_id).await?;
                }
                // The Kela notices' service start, and PROC-INTERRUPT notices.
                crate::notices::on_voucher_change(&mut tx, app, change).await?;
            }
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

/// The voucher a change carries, as reporting follows it.
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
        social_worker: if issued {
            change
                .actor
                .as_ref()
                .map(|a| a.subject.clone())
                .unwrap_or_default()
        } else {
            String::new()
        },
        service,
        state,
        valid_from: day(d.valid_from.as_ref())?,
        valid_until: day(d.valid_until.as_ref())?,
        ended_on: day(v.ended_on.as_ref()),
        continues_voucher_id: d.continues_voucher_id.clone(),
        version: v.version,
        feed_sequence: change.sequence,
    })
}

/// Derives the report obligations of voucher `voucher_id` again from its followed state: the
/// rulebooks' obligations are owed (new ones added, due dates moved); one no longer owed is
/// dropped unless its report was already handed in.
async fn refresh(conn: &mut AnyConnection, voucher_id: &str) -> AppResult<()> {
    let Some(v) = store::load_voucher(conn, voucher_id).await? else {
        return Ok(());
    };
    let continues = store::is_continued(conn, voucher_id).await?;
    let owed = v
        .report_facts(continues)
        // REP-INTERIM, REP-INTERIM-SK, REP-FINAL (due dates rolled by the calendar)
        .map(|f| report_obligations(&f))
        .unwrap_or_default();
    for o in &owed {
        store::owe(conn, &v, o).await?;
    }
    for known in store::voucher_obligations(conn, voucher_id).await? {
        let still_owed = owed
            .iter()
            .any(|o| obligation_id(&v.id, o.rule) == known.id);
        if known.active && !still_owed && !known.state.handed_in() {
            store::drop_obligation(conn, &known.id).await?;
        }
    }
    Ok(())
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
    let (attendance_last_sequence, attendance_changes_applied) =
        crate::notices::ALERT_FEED.read(&mut conn).await?;
    Ok(pb::GetFeedStatusResponse {
        last_sequence,
        changes_applied,
        vouchers,
        attendance_last_sequence,
        attendance_changes_applied,
        notices: store::count_notices(&mut conn).await?,
    })
}

/// Runs `attempt`; when it answers NOT_FOUND, catches up with the voucher feed (the voucher
/// may just have been issued) and runs it once more.
pub(crate) async fn with_fresh_vouchers<T, F, Fut>(app: &App, attempt: F) -> AppResult<T>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = AppResult<T>>,
{
    match attempt().await {
        Err(e @ AppError::NotFound(_)) => match catch_up(app).await {
            Ok(_) => attempt().await,
            Err(feed) => {
                tracing::debug!(error = %feed, "catching up on demand failed");
                Err(e)
            }
        },
        other => other,
    }
}

/// Every page of a listing read from another service: `page(token)` reads the page at `token`
/// (empty: the first) and answers its items and the next page's token (empty: none). After
/// `max_pages` pages with more to come, answers `too_many()` instead.
pub(crate) async fn every_page<T, F, Fut>(
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

/// Report `id` if the caller may see it (NOT_FOUND otherwise), catching up with the voucher
/// feed first when it is not known yet.
pub(crate) async fn visible_report(app: &App, ctx: &Ctx, id: &str) -> AppResult<ObligationRow> {
    with_fresh_vouchers(app, || async {
        let mut conn = app.db.pool().acquire().await?;
        store::load_obligation(&mut conn, id)
            .await?
            .filter(|o| access::may_see(&ctx.caller, o))
            .ok_or_else(|| AppError::NotFound(format!("report {id}")))
    })
    .await
}

// ------------------------------------------------------------------------------ obligations

/// ListObligations.
pub async fn list_obligations(
    app: &App,
    ctx: Ctx,
    req: pb::ListObligationsRequest,
) -> AppResult<pb::ListObligationsResponse> {
    ctx.caller.require(access::READERS)?;
    let mut provider_id = req.provider_id.trim().to_owned();
    let mut social_worker = req.social_worker.trim().to_owned();
    match ctx.caller.role {
        Role::ProviderUser => {
            let own = ctx.caller.provider_id.clone().unwrap_or_default();
            if provider_id.is_empty() {
                provider_id = own;
            } else if !ctx.caller.is_user_of(&provider_id) {
                return Err(AppError::NotFound(format!("provider {provider_id}")));
            }
        }
        Role::SocialWorker if social_worker.is_empty() && provider_id.is_empty() => {
            social_worker = ctx.caller.subject.clone();
        }
        _ => {}
    }
    let filter = ObligationFilter {
        provider_id,
        social_worker,
        status: wire::status_filter(req.status)?,
        today: ctx.today(),
    };
    let page = Paging::read(req.page_size, &req.page_token, 50, 500)?;
    let after = page.after::<(String, String)>()?;
    let mut conn = app.db.pool().acquire().await?;
    let rows = store::list_obligations(&mut conn, &filter, after, page.fetch()).await?;
    let (rows, next_page_token) = page.cut(rows, |last| {
        (
            seteli_platform::convert::store_date(last.due_on),
            last.id.clone(),
        )
    });
    let today = ctx.today();
    Ok(pb::ListObligationsResponse {
        obligations: rows.iter().map(|o| wire::to_obligation(o, today)).collect(),
        next_page_token,
    })
}

/// The audit entry of an access to a report's text.
pub(crate) fn report_access<'a>(
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

/// GetReport.
pub async fn get_report(
    app: &App,
    ctx: Ctx,
    req: pb::GetReportRequest,
) -> AppResult<pb::GetReportResponse> {
    ctx.caller.require(access::READERS)?;
    let id = required_id("report_id", &req.report_id)?;
    let o = visible_report(app, &ctx, &id).await?;
    audit::record_read(
        &app.db,
        &ctx.caller,
        ctx.request_id(),
        report_access(&ctx.caller, &o, "GetReport"),
    )
    .await?;
    let mut report = wire::to_report(&o, ctx.today());
    // REP-DELIVERY marks; an SK interim report's earlier dated sections (REP-INTERIM-SK)
    crate::delivery::decorate(&mut *app.db.pool().acquire().await?, &o, &mut report).await?;
    Ok(pb::GetReportResponse {
        report: Some(report),
    })
}

/// What a change does to a report.
#[derive(Debug, Clone)]
enum Action {
    /// SaveReportDraft with the new text.
    Draft(crate::model::Sections),
    /// SubmitReport.
    Submit,
    /// AcknowledgeReport.
    Acknowledge,
    /// RequestRevision with the reason.
    Revise(String),
}

impl Action {
    /// The RPC, as audited.
    fn name(&self) -> &'static str {
        match self {
            Action::Draft(_) => "SaveReportDraft",
            Action::Submit => "SubmitReport",
            Action::Acknowledge => "AcknowledgeReport",
            Action::Revise(_) => "RequestRevision",
        }
    }
}

/// `STATE-TRANSITION` for a report not in a state that allows `what`.
fn not_now(o: &ObligationRow, what: &str) -> AppError {
    AppError::StateConflict(format!(
        "report {} is {}: it cannot be {what}",
        o.id,
        o.state.code()
    ))
}

/// Applies `action` to `o` as `caller` on `today`, deciding with the rulebooks.
async fn act(
    conn: &mut AnyConnection,
    caller: &Caller,
    today: chrono::NaiveDate,
    o: &mut ObligationRow,
    action: Action,
) -> AppResult<()> {
    let writer = access::may_write(caller, o);
    match action {
        Action::Draft(sections) => {
            if !writer {
                return Err(AppError::PermissionDenied(
                    "only a user of the voucher's provider writes its reports".into(),
                ));
            }
            if !o.state.editable() {
                return Err(not_now(o, "edited"));
            }
            o.sections = sections;
            o.state = ReportState::Draft;
        }
        Action::Submit => {
            if !writer {
                return Err(AppError::PermissionDenied(
                    "only a user of the voucher's provider submits its reports".into(),
                ));
            }
            if !matches!(o.state, ReportState::Draft | ReportState::RevisionRequested) {
                return Err(not_now(o, "submitted"));
            }
            if o.kind == ReportKind::Final {
                let s = &o.sections;
                // REP-FINAL
                let missing = check_final_report_contents(&FinalReportContents {
                    goals_and_attainment: !s.goals_and_attainment.is_empty(),
                    changes: !s.changes.is_empty(),
                    means_with_examples: !s.means_with_examples.is_empty(),
                    follow_up_plan: !s.follow_up_plan.is_empty(),
                });
                if !missing.is_empty() {
                    return Err(AppError::RuleViolations(missing));
                }
            }
            let v = store::load_voucher(conn, &o.voucher_id)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("report {}", o.id)))?;
            let continues = store::is_continued(conn, &v.id).await?;
            let facts = v.report_facts(continues).ok_or_else(|| {
                AppError::StateConflict(format!("report {} is no longer owed", o.id))
            })?;
            // REP-INTERIM, REP-INTERIM-SK, REP-FINAL: submitted after the due date is late
            let late = check_reports(
                &facts,
                &[SubmittedReport {
                    kind: o.kind,
                    submitted_on: today,
                }],
                today,
            )
            .iter()
            .any(|x| x.rule == o.rule);
            o.state = ReportState::Submitted;
            o.submitted_on = Some(today);
            o.late = late;
        }
        Action::Acknowledge => {
            if o.state != ReportState::Submitted {
                return Err(not_now(o, "acknowledged"));
            }
            o.state = ReportState::Acknowledged;
        }
        Action::Revise(reason) => {
            if o.state != ReportState::Submitted {
                return Err(not_now(o, "sent back for a revision"));
            }
            o.state = ReportState::RevisionRequested;
            o.revision_reason = reason;
        }
    }
    Ok(())
}

/// Changes report `id` by `action` as one idempotent change for `req`: NOT_FOUND unless the
/// caller may see it (after catching up once with the voucher feed); stored with the next
/// version and audited in the same transaction.
async fn change_report<Req: prost::Message>(
    app: &App,
    ctx: &Ctx,
    request_id: &str,
    req: &Req,
    id: &str,
    action: Action,
) -> AppResult<pb::Report> {
    with_fresh_vouchers(app, || {
        let action = action.clone();
        async move {
            let change = Change::new(&app.db, ctx, request_id, req)?;
            let caller = ctx.caller.clone();
            let request = ctx.request_id().to_owned();
            let today = ctx.today();
            change
                .apply_to::<ObligationRow, _, _>(
                    id,
                    |o| access::may_see(&ctx.caller, o),
                    move |conn, mut o| {
                        Box::pin(async move {
                            if !o.active {
                                return Err(AppError::StateConflict(format!(
                                    "report {} is no longer owed",
                                    o.id
                                )));
                            }
                            let name = action.name();
                            act(&mut *conn, &caller, today, &mut o, action).await?;
                            o.version += 1;
                            store::save_report(&mut *conn, &o).await?;
                            audit::record(
                                &mut *conn,
                                &caller,
                                &request,
                                report_access(&caller, &o, name),
                            )
                            .await?;
                            let mut report = wire::to_report(&o, today);
                            crate::delivery::decorate(&mut *conn, &o, &mut report).await?;
                            Ok(report)
                        })
                    },
                )
                .await
        }
    })
    .await
}

/// SaveReportDraft.
pub async fn save_report_draft(
    app: &App,
    ctx: Ctx,
    req: pb::SaveReportDraftRequest,
) -> AppResult<pb::SaveReportDraftResponse> {
    ctx.caller.require(access::WRITERS)?;
    let id = required_id("report_id", &req.report_id)?;
    let sections = wire::validate_sections(req.sections.as_ref())?;
    let report = change_report(
        app,
        &ctx,
        &req.request_id,
        &req,
        &id,
        Action::Draft(sections),
    )
    .await?;
    Ok(pb::SaveReportDraftResponse {
        report: Some(report),
    })
}

/// SubmitReport.
pub async fn submit_report(
    app: &App,
    ctx: Ctx,
    req: pb::SubmitReportRequest,
) -> AppResult<pb::SubmitReportResponse> {
    ctx.caller.require(access::WRITERS)?;
    let id = required_id("report_id", &req.report_id)?;
    let report = change_report(app, &ctx, &req.request_id, &req, &id, Action::Submit).await?;
    Ok(pb::SubmitReportResponse {
        report: Some(report),
    })
}

/// AcknowledgeReport.
pub async fn acknowledge_report(
    app: &App,
    ctx: Ctx,
    req: pb::AcknowledgeReportRequest,
) -> AppResult<pb::AcknowledgeReportResponse> {
    ctx.caller.require(access::REVIEWERS)?;
    let id = required_id("report_id", &req.report_id)?;
    let report = change_report(app, &ctx, &req.request_id, &req, &id, Action::Acknowledge).await?;
    Ok(pb::AcknowledgeReportResponse {
        report: Some(report),
    })
}

/// RequestRevision.
pub async fn request_revision(
    app: &App,
    ctx: Ctx,
    req: pb::RequestRevisionRequest,
) -> AppResult<pb::RequestRevisionResponse> {
    ctx.caller.require(access::REVIEWERS)?;
    let id = required_id("report_id", &req.report_id)?;
    let reason = required_text("reason", &req.reason, MAX_REASON)?;
    let report = change_report(
        app,
        &ctx,
        &req.request_id,
        &req,
        &id,
        Action::Revise(reason),
    )
    .await?;
    Ok(pb::RequestRevisionResponse {
        report: Some(report),
    })
}
