//! The frame of every change of a provider's data (not of its approval state): once per
//! request id, the provider's row locked, the caller allowed and the provider editable, an
//! approved provider checked against every approval rule afterwards, the history recorded.

use futures::future::BoxFuture;
use seteli_api::providers::v1 as pb;
use seteli_platform::change::Change;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};
use seteli_rules::prices::CeilingPrices;
use sqlx::AnyConnection;

use super::common::{facts_of, not_in_state, provider_answer, stamp, visible_to};
use super::rules::{approval_violations, refuse};
use crate::access::{self, Rpc};
use crate::app::{App, CeilingPriceSource};
use crate::model::{ProviderRoot, ProviderState};
use crate::store::{self, ChildTable};

/// Removes a child row of provider `id`; `NOT_FOUND` when it has none under `key`.
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

/// The frame of every change of a provider's data (not of its approval state): prepared after
/// the replay, then [`Edit::apply`]'d.
pub(super) struct Edit {
    rpc: Rpc,
    ctx: Ctx,
    request_id: String,
    /// Today's ceiling prices, when asked for before the transaction.
    prices: Option<CeilingPrices>,
    source: CeilingPriceSource,
}

impl Edit {
    /// Prepares an edit of provider `id` through `rpc` (after the replay, before the
    /// transaction). An approved provider's edit is checked against today's ceiling prices:
    /// unless `prices` already holds them, they are asked for now, so no lock is held over a
    /// call to the vouchers service.
    pub(super) async fn prepare(
        app: &App,
        ctx: &Ctx,
        rpc: Rpc,
        (request_id, id): (&str, &str),
        prices: Option<CeilingPrices>,
    ) -> AppResult<Self> {
        let prices = match prices {
            Some(prices) => Some(prices),
            None => {
                let mut conn = app.db.pool().acquire().await?;
                if store::state_of(&mut conn, id).await? == Some(ProviderState::Approved) {
                    Some(app.prices.in_force_on(ctx, ctx.today()).await?)
                } else {
                    None
                }
            }
        };
        Ok(Self {
            rpc,
            ctx: ctx.clone(),
            request_id: request_id.to_owned(),
            prices,
            source: app.prices.clone(),
        })
    }

    /// Applies `change` to provider `id` (its row locked; `NOT_FOUND` unless the caller may
    /// see it): the caller must edit this provider and it must not be REVOKED; then `step`
    /// changes its data and says what for the history; an approved provider must still meet
    /// every approval rule; the history records the step; the answer is `answer` of the
    /// provider as it now is.
    pub(super) async fn apply<Resp, F>(
        self,
        change: Change<'_>,
        id: &str,
        step: F,
        answer: fn(Option<pb::Provider>) -> Resp,
    ) -> AppResult<Resp>
    where
        Resp: prost::Message + Default + Send + 'static,
        F: for<'t> FnOnce(&'t mut AnyConnection, &'t str) -> BoxFuture<'t, AppResult<String>>
            + Send
            + 'static,
    {
        let caller = self.ctx.caller.clone();
        change
            .apply_to::<ProviderRoot, _, _>(id, visible_to(&caller), move |conn, root| {
                Box::pin(async move {
                    let ctx = &self.ctx;
                    access::may_act_on(&ctx.caller, self.rpc, &root.id)?;
                    if !ProviderState::EDITABLE.contains(&root.state) {
                        return Err(not_in_state("change", root.state));
                    }
                    store::touch(conn, &root.id, ctx.now_micros()).await?;
                    let summary = step(conn, &root.id).await?;
                    if root.state == ProviderState::Approved {
                        let today = ctx.today();
                        let prices = match self.prices {
                            Some(prices) => prices,
                            // Approved since `prepare` looked: ask now.
                            None => self.source.in_force_on(ctx, today).await?,
                        };
                        let facts = facts_of(conn, &root.id).await?;
                        // PROV-DOCS, PROV-INSURANCE, PROV-STAFF-SOCIAL, PROV-STAFF-COACH, PROV-STAFF-WORK,
                        // PROV-SOTERI, KTT-COMPANY, PROV-PRICE, CAP-GROUP-SIZE
                        refuse(approval_violations(&facts, &prices, today))?;
                    }
                    let stamp = stamp(ctx, self.rpc, &self.request_id);
                    store::record_history(conn, &root.id, &stamp, &summary).await?;
                    Ok(answer(Some(provider_answer(conn, ctx, &root.id).await?)))
                })
            })
            .await
    }
}
