//! The registry's change feed: ListProviderChanges for the service accounts that follow it, the
//! entry a change of what they see appends in its own transaction ([`publish`]), and the first
//! entry of each provider registered before the feed began ([`publish_unfed`], at start).
//!
//! What followers see of a provider is `wire::feed_view`: its name and public details, approval
//! state, offerings and version. Every change that may change those appends the provider as it
//! then is ([`on_the_feed`]); a follower keeps the highest version of each provider it reads.

use seteli_api::providers::v1 as pb;
use seteli_platform::AppResult;
use seteli_platform::change::lock_row;
use seteli_platform::clock::Clock;
use seteli_platform::db::Database;
use seteli_platform::feed::page_limit;
use seteli_platform::identity::Caller;
use seteli_platform::rpc::Ctx;
use sqlx::AnyConnection;

use super::common::{not_found, stamp};
use crate::access::{self, Rpc};
use crate::app::App;
use crate::model::{Detail, Stamp};
use crate::store;
use crate::wire;

/// What the first entry of a provider registered before the feed says made it.
pub const FEED_START: &str = "FeedStart";

/// Whether a change through `rpc` may change what the feed carries of its provider (its name
/// and public details, approval state, offerings), and so appends the provider to the feed.
/// Sites, staff, documents, Soteri classes and bank details are not on the feed.
pub(super) fn on_the_feed(rpc: Rpc) -> bool {
    match rpc {
        Rpc::CreateProvider
        | Rpc::UpdateProvider
        | Rpc::SetOffering
        | Rpc::RemoveOffering
        | Rpc::SubmitProvider
        | Rpc::DiscardProviderDraft
        | Rpc::ApproveProvider
        | Rpc::RejectProvider
        | Rpc::SuspendProvider
        | Rpc::ResumeProvider
        | Rpc::RevokeProvider => true,
        Rpc::GetProvider
        | Rpc::ListProviders
        | Rpc::AddSite
        | Rpc::RemoveSite
        | Rpc::AddStaffMember
        | Rpc::RemoveStaffMember
        | Rpc::AddDocument
        | Rpc::RemoveDocument
        | Rpc::SetSoteriClasses
        | Rpc::SearchProviders
        | Rpc::CheckProviderForService
        | Rpc::ListProviderHistory
        | Rpc::ApproveBankDetails
        | Rpc::ListProviderChanges => false,
    }
}

/// Appends provider `id` as it now stands in the change's transaction to the feed when the
/// change (`stamp`, through `rpc`) may change what the feed carries ([`on_the_feed`]).
pub(super) async fn publish(
    conn: &mut AnyConnection,
    rpc: Rpc,
    id: &str,
    stamp: &Stamp,
) -> AppResult<()> {
    if on_the_feed(rpc) {
        append(conn, id, stamp).await?;
    }
    Ok(())
}

/// Records the change `rpc` made to provider `id` (as `request_id`, by `ctx`'s caller, now) in
/// its history with `summary`, and on the feed when it may change what the feed carries
/// ([`publish`]).
pub(super) async fn record_change(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    rpc: Rpc,
    request_id: &str,
    id: &str,
    summary: &str,
) -> AppResult<()> {
    let stamp = stamp(ctx, rpc, request_id);
    store::record_history(conn, id, &stamp, summary).await?;
    publish(conn, rpc, id, &stamp).await
}

/// Appends provider `id` as it now stands to the feed, made by `stamp`.
async fn append(conn: &mut AnyConnection, id: &str, stamp: &Stamp) -> AppResult<()> {
    let provider = store::load_provider(conn, id, Detail::Public)
        .await?
        .ok_or_else(|| not_found(id))?;
    store::append_change(conn, &wire::feed_view(&provider), stamp).await?;
    Ok(())
}

/// Gives every provider without an entry on the feed (registered before the feed began) its
/// first one, action [`FEED_START`]; returns how many. Run at start, before serving: a no-op
/// read once every provider has an entry. Safe with several replicas starting at once: each
/// provider's entry is written under its row's lock, after checking again that it has none.
pub async fn publish_unfed(db: &Database, clock: &Clock) -> anyhow::Result<usize> {
    let unfed = {
        let mut conn = db.pool().acquire().await?;
        store::unfed_providers(&mut conn).await?
    };
    let starter = Caller::system("provider-feed");
    let mut published = 0;
    for id in unfed {
        let mut tx = db.begin_write().await?;
        lock_row(&mut tx, "providers", &id).await?;
        if store::is_fed(&mut tx, &id).await? {
            // Another replica was first: nothing to write (the transaction rolls back).
            continue;
        }
        let stamp = Stamp {
            subject: starter.subject.clone(),
            role: starter.role.as_str().to_owned(),
            organisation: starter.organisation(),
            action: FEED_START.to_owned(),
            request_id: format!("feed-start-{id}"),
            at_micros: clock.now_micros(),
        };
        append(&mut tx, &id, &stamp).await?;
        tx.commit().await?;
        published += 1;
    }
    if published > 0 {
        tracing::info!(
            published,
            "providers registered before the change feed began are on it now"
        );
    }
    Ok(published)
}

/// ListProviderChanges: the feed after a sequence number, oldest first, for the service
/// accounts that follow it.
pub async fn list_provider_changes(
    app: &App,
    ctx: Ctx,
    req: pb::ListProviderChangesRequest,
) -> AppResult<pb::ListProviderChangesResponse> {
    access::may_call(&ctx.caller, Rpc::ListProviderChanges)?;
    ctx.caller.require_service(access::FEED_FOLLOWERS)?;
    let (after, limit) = (
        req.after_sequence,
        page_limit(req.after_sequence, req.page_size)?,
    );
    let mut conn = app.db.pool().acquire().await?;
    let changes = store::list_changes(&mut conn, after, limit).await?;
    let last = changes.last().map(|c| c.sequence);
    let (last_sequence, changes_after) = store::PROVIDER_FEED
        .page_end(&mut conn, after, last, changes.len(), limit)
        .await?;
    Ok(pb::ListProviderChangesResponse {
        changes,
        last_sequence,
        changes_after,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_changes_of_name_state_and_offerings_are_on_the_feed() {
        let on: Vec<&str> = Rpc::ALL
            .into_iter()
            .filter(|r| on_the_feed(*r))
            .map(Rpc::name)
            .collect();
        assert_eq!(
            on,
            [
                "CreateProvider",
                "UpdateProvider",
                "SetOffering",
                "RemoveOffering",
                "SubmitProvider",
                "DiscardProviderDraft",
                "ApproveProvider",
                "RejectProvider",
                "SuspendProvider",
                "ResumeProvider",
                "RevokeProvider",
            ]
        );
    }
}
