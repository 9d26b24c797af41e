//! What several capabilities share: the audit of every access to a client's personal data
//! (inside a change's transaction, or as a read grouped with the other reads of the moment), a
//! rule refusal recorded as an access, and the change feed entry a voucher change appends.

pub(super) use seteli_platform::client_data::{audit_client, read_client, read_clients};
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};
use sqlx::AnyConnection;

use crate::app::App;
use crate::model::ChangeKind;
use crate::store::{self, VoucherRow};
use crate::wire;

/// A refusal that read a client's data (age, municipality, home, earlier vouchers) is an
/// access too (703/2023), but its transaction — and the audit entry written in it — rolled
/// back: [`AuditRefusal::or_else_audit`] records it again, on its own, before answering.
pub(super) trait AuditRefusal<T>: Sized + Into<AppResult<T>> {
    /// On a rule refusal, records `action` on client `client_id`, then passes the result on.
    async fn or_else_audit(
        self,
        app: &App,
        ctx: &Ctx,
        client_id: &str,
        action: &str,
        purpose: &str,
    ) -> AppResult<T> {
        let result = self.into();
        if let Err(AppError::RuleViolations(_)) = &result {
            read_client(&app.db, ctx, client_id, action, purpose).await?;
        }
        result
    }
}

impl<T> AuditRefusal<T> for AppResult<T> {}

/// What every change of voucher `id` ends with, in its transaction: the voucher as it now is
/// (answered), the access to its client audited as `action`, and a feed entry of each of
/// `kinds` (a change that cleared the choice belongs to `previous_provider`).
pub(super) async fn record_voucher_change(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    request_id: &str,
    id: &str,
    action: &str,
    kinds: Vec<ChangeKind>,
    previous_provider: Option<&str>,
) -> AppResult<VoucherRow> {
    let after = store::load_voucher(conn, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("voucher {id}")))?;
    let client_id = after.client_id.clone();
    audit_client(conn, ctx, request_id, &client_id, action, "voucher_service").await?;
    for kind in kinds {
        append_change(conn, ctx, request_id, &after, previous_provider, kind).await?;
    }
    Ok(after)
}

/// Appends a change of `v` to the feed, carrying the feed's view of the voucher.
pub(super) async fn append_change(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    request_id: &str,
    v: &VoucherRow,
    previous_provider: Option<&str>,
    kind: ChangeKind,
) -> AppResult<i64> {
    let snapshot = wire::feed_view(&v.view);
    store::append_change(
        conn,
        v,
        &snapshot,
        previous_provider,
        kind,
        &ctx.caller,
        request_id,
    )
    .await
}
