//! The one path of every edit of a provider's data (not of its approval state): the caller
//! allowed the RPC, the request read, once per request id, today's ceiling prices asked for
//! before any lock when they are needed; then in one transaction the provider's row locked, the
//! caller allowed on this provider and the provider editable, the edit's own step, an approved
//! provider checked against every approval rule again, the history recorded. Each edit RPC
//! gives only what it reads from its request and its step.

use chrono::NaiveDate;
use futures::future::BoxFuture;
use seteli_platform::change::Change;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};
use seteli_rules::prices::CeilingPrices;
use sqlx::AnyConnection;

use super::common::{ProviderChange, facts_of, not_in_state, provider_answer, visible_to};
use super::feed::record_change;
use super::rules::{approval_violations, refuse};
use crate::access;
use crate::app::App;
use crate::model::{ProviderRoot, ProviderState};
use crate::store::{self, ChildTable};

/// When an edit needs today's ceiling prices, asked for before its transaction (so no lock is
/// held over a call to the vouchers service).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Prices {
    /// When the provider is approved: it must still meet every approval rule after the edit.
    IfApproved,
    /// Always: the step checks against them (SetOffering: PROV-PRICE), and against those in
    /// force on `also_on` too (a price dated back: the ceiling price of its first day).
    Always {
        /// Another day whose prices the step needs, if any.
        also_on: Option<NaiveDate>,
    },
}

/// What an edit's step works with.
pub(super) struct Step<'t> {
    /// The edit's transaction, the provider's row locked.
    pub(super) conn: &'t mut AnyConnection,
    /// The provider.
    pub(super) id: &'t str,
    /// The call.
    pub(super) ctx: &'t Ctx,
    /// Today's ceiling prices when they were asked for before the transaction (with
    /// [`Prices::Always`], those in force on its `also_on` day too).
    pub(super) prices: Option<&'t CeilingPrices>,
}

impl<'t> Step<'t> {
    /// The ceiling prices in force today (and on the `also_on` day), which an edit
    /// of [`Prices::Always`] always has.
    pub(super) fn prices(&self) -> AppResult<&'t CeilingPrices> {
        self.prices.ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "an edit without Prices::Always asked for the ceiling prices"
            ))
        })
    }
}

/// Edits the provider `req` names, once per caller and request id:
///
/// 1. the caller must be allowed the RPC; `read` checks the request and gives what the step
///    needs (before the replay, so a bad request is refused as it always is);
/// 2. a retry is answered from the store;
/// 3. today's ceiling prices are asked for as `prices` says;
/// 4. in the change's transaction, the provider's row locked (`NOT_FOUND` unless the caller
///    may see it): the caller must edit this provider and it must not be REVOKED; then `step`
///    changes its data and says what for the history; an approved provider must still meet
///    every approval rule; the history records the step, and the change feed the provider as
///    it now is when the step may change what the feed carries (`super::feed::publish`); the
///    answer carries the provider as the caller now sees it.
pub(super) async fn edit<Req, T, S>(
    app: &App,
    ctx: Ctx,
    req: Req,
    prices: Prices,
    read: impl FnOnce(&Ctx, &Req) -> AppResult<T>,
    step: S,
) -> AppResult<Req::Answer>
where
    Req: ProviderChange,
    T: Send + 'static,
    S: for<'t> FnOnce(Step<'t>, T) -> BoxFuture<'t, AppResult<String>> + Send + 'static,
{
    let rpc = Req::RPC;
    access::may_call(&ctx.caller, rpc)?;
    let input = read(&ctx, &req)?;
    let (request_id, provider_id) = (req.request_id(), req.provider_id());
    let change = Change::new(&app.db, &ctx, &req)?;
    if let Some(first) = change.replay().await? {
        return Ok(first);
    }
    let today = ctx.today();
    let prices = match prices {
        Prices::Always { also_on } => {
            let now = app.prices.in_force_on(&ctx, today).await?;
            match also_on.filter(|d| *d != today) {
                // The price in force on a day is the latest effective on or before it: the
                // entries of both days together answer both.
                Some(day) => {
                    let then = app.prices.in_force_on(&ctx, day).await?;
                    let mut entries = now.entries().to_vec();
                    entries.extend_from_slice(then.entries());
                    Some(CeilingPrices::from_entries(entries))
                }
                None => Some(now),
            }
        }
        Prices::IfApproved => {
            let mut conn = app.db.pool().acquire().await?;
            if store::state_of(&mut conn, provider_id).await? == Some(ProviderState::Approved) {
                Some(app.prices.in_force_on(&ctx, today).await?)
            } else {
                None
            }
        }
    };
    let (source, request_id, caller) = (
        app.prices.clone(),
        request_id.to_owned(),
        ctx.caller.clone(),
    );
    change
        .apply_to::<ProviderRoot, _, _>(provider_id, visible_to(&caller), move |conn, root| {
            Box::pin(async move {
                access::may_act_on(&ctx.caller, rpc, &root.id)?;
                if !ProviderState::EDITABLE.contains(&root.state) {
                    return Err(not_in_state("change", root.state));
                }
                store::touch(conn, &root.id, ctx.now_micros()).await?;
                let on = Step {
                    conn: &mut *conn,
                    id: &root.id,
                    ctx: &ctx,
                    prices: prices.as_ref(),
                };
                let summary = step(on, input).await?;
                if root.state == ProviderState::Approved {
                    let today = ctx.today();
                    let prices = match prices {
                        Some(prices) => prices,
                        // Approved since the prices were asked for: ask now.
                        None => source.in_force_on(&ctx, today).await?,
                    };
                    let facts = facts_of(conn, &root.id).await?;
                    // PROV-DOCS, PROV-INSURANCE, PROV-STAFF-SOCIAL, PROV-STAFF-COACH, PROV-STAFF-WORK,
                    // PROV-SOTERI, KTT-COMPANY, PROV-PRICE, CAP-GROUP-SIZE
                    refuse(approval_violations(&facts, &prices, today))?;
                }
                record_change(conn, &ctx, rpc, &request_id, &root.id, &summary).await?;
                Ok(Req::answer(Some(
                    provider_answer(conn, &ctx, &root.id).await?,
                )))
            })
        })
        .await
}

/// The step of a removal: removes a child row of provider `id`; `NOT_FOUND` when it has none
/// under `key`.
pub(super) async fn remove(
    conn: &mut AnyConnection,
    table: ChildTable,
    id: &str,
    key: &str,
) -> AppResult<String> {
    if !store::delete_child(conn, table, id, key).await? {
        return Err(AppError::NotFound(format!("{key} of provider {id}")));
    }
    Ok(format!("{key} removed"))
}
