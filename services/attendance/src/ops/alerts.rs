//! Alerts: raised once per occasion by the other capabilities ([`raise`], published on the alert
//! feed in the same transaction), listed and resolved by their audience, and the alert feed
//! (ListAlertChanges) `reporting` follows.

use seteli_api::attendance::v1 as pb;
use seteli_platform::change::Change;
use seteli_platform::convert::{PbEnum, date, store_date};
use seteli_platform::feed::page_limit;
use seteli_platform::paging::Paging;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};
use sqlx::AnyConnection;

use super::common::{audit_client, not_in_state, read_clients};
use crate::access;
use crate::app::App;
use crate::model::{AlertState, NewAlert, Voucher};
use crate::store::{self, AlertFilter};
use crate::wire::{required_id, required_text};

/// Raises an alert once per occasion and publishes it on the alert feed.
pub(super) async fn raise(
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
        social_worker_team: String::new(),
        voucher_id: req.voucher_id.trim().to_owned(),
        state: state.map(|s| s.code().to_owned()).unwrap_or_default(),
    };
    if let Some(own) = access::own_provider(&ctx.caller) {
        if !filter.provider_id.is_empty() && filter.provider_id != own {
            return Ok(pb::ListAlertsResponse::default());
        }
        filter.provider_id = own;
    }
    // A social worker's caseload: the alerts of the vouchers they are responsible for.
    if let Some(own) = access::own_caseload(&ctx.caller) {
        if !filter.social_worker.is_empty() && filter.social_worker != own.social_worker {
            return Ok(pb::ListAlertsResponse::default());
        }
        filter.social_worker = own.social_worker.to_owned();
        filter.social_worker_team = own.team.to_owned();
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
    let change = Change::new(&app.db, &ctx, &req)?;
    let id = required_id("alert_id", &req.alert_id)?;
    let resolution = required_text("resolution", &req.resolution, 2000)?;
    let request_id = req.request_id.clone();
    change
        .apply(move |conn| {
            Box::pin(async move {
                let not_found = || AppError::NotFound(format!("alert {id}"));
                let a = store::load_alert(conn, &id).await?.ok_or_else(not_found)?;
                let team = match access::own_caseload(&ctx.caller) {
                    Some(_) => store::load_voucher(conn, &a.voucher_id)
                        .await?
                        .map(|v| v.social_worker_team)
                        .unwrap_or_default(),
                    None => String::new(),
                };
                if access::own_provider(&ctx.caller).is_some_and(|own| own != a.provider_id)
                    || access::own_caseload(&ctx.caller)
                        .is_some_and(|own| !own.holds(&a.social_worker, &team))
                {
                    return Err(not_found());
                }
                // An alert is resolved by whom it asks to act: a social worker does not close
                // the provider's duty (contacting the client) for it.
                if ctx.caller.role == seteli_platform::auth::Role::SocialWorker
                    && a.audience != pb::AlertAudience::SocialWorker as i32
                {
                    return Err(AppError::PermissionDenied(
                        "the provider's alert is resolved by the provider".into(),
                    ));
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
    ctx.caller.require_service(access::REPORTING)?;
    let (after, limit) = (
        req.after_sequence,
        page_limit(req.after_sequence, req.page_size)?,
    );
    let mut conn = app.db.pool().acquire().await?;
    let changes = store::list_alert_changes(&mut conn, after, limit).await?;
    let last = changes.last().map(|c| c.sequence);
    let (last_sequence, changes_after) = store::ALERT_FEED
        .page_end(&mut conn, after, last, changes.len(), limit)
        .await?;
    drop(conn);
    // An alert names its client: one entry naming the page's clients.
    let shown = changes
        .iter()
        .filter_map(|c| c.alert.as_ref())
        .map(|a| a.client_id.clone())
        .collect();
    read_clients(app, &ctx, shown, "ListAlertChanges").await?;
    Ok(pb::ListAlertChangesResponse {
        changes,
        last_sequence,
        changes_after,
    })
}
