//! What several capabilities share: the audit of every access to a client's personal data
//! (inside a change's transaction, or as a read grouped with the other reads of the moment), a
//! rule refusal recorded as an access, and the change feed entry a voucher change appends.

use seteli_platform::audit::{self, Access, AccessOfMany};
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};
use sqlx::AnyConnection;

use crate::app::App;
use crate::model::ChangeKind;
use crate::store::{self, VoucherRow};
use crate::wire;

/// Subject kind of every audit entry this service writes.
const CLIENT: &str = "client";

/// A refusal that read a client's data (age, municipality, home, earlier vouchers) is an
/// access too (703/2023), but its transaction — and the audit entry written in it — rolled
/// back: [`AuditRefusal::or_else_audit`] records it again, on its own, before answering.
pub(super) trait AuditRefusal<T> {
    /// On a rule refusal, records `action` on client `client_id`, then passes the result on.
    async fn or_else_audit(
        self,
        app: &App,
        ctx: &Ctx,
        client_id: &str,
        action: &str,
        purpose: &str,
    ) -> AppResult<T>;
}

impl<T> AuditRefusal<T> for AppResult<T> {
    async fn or_else_audit(
        self,
        app: &App,
        ctx: &Ctx,
        client_id: &str,
        action: &str,
        purpose: &str,
    ) -> AppResult<T> {
        if let Err(AppError::RuleViolations(_)) = &self {
            read_client(app, ctx, client_id, action, purpose).await?;
        }
        self
    }
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

/// Records a read of a client's personal data before it is answered (DESIGN.md, Security;
/// 703/2023), grouped with the other reads of the moment ([`audit::record_read`]).
pub(super) async fn read_client(
    app: &App,
    ctx: &Ctx,
    client_id: &str,
    action: &str,
    purpose: &str,
) -> AppResult<()> {
    let access = Access {
        subject_kind: CLIENT,
        subject_id: client_id,
        action,
        purpose,
    };
    audit::record_read(&app.db, &ctx.caller, ctx.request_id(), access).await
}

/// Records a read that showed several clients (a list, a feed page) as one entry naming them
/// all ([`audit::record_read_of_many`]).
pub(super) async fn read_clients(
    app: &App,
    ctx: &Ctx,
    client_ids: Vec<String>,
    action: &str,
    purpose: &str,
) -> AppResult<()> {
    let access = AccessOfMany {
        subject_kind: CLIENT,
        subject_ids: client_ids,
        action,
        purpose,
    };
    audit::record_read_of_many(&app.db, &ctx.caller, ctx.request_id(), access).await
}

/// Records an access to a client's personal data inside a change's transaction (DESIGN.md,
/// Security; 703/2023).
pub(super) async fn audit_client(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    request_id: &str,
    client_id: &str,
    action: &str,
    purpose: &str,
) -> AppResult<()> {
    audit::record(
        &mut *conn,
        &ctx.caller,
        request_id,
        Access {
            subject_kind: CLIENT,
            subject_id: client_id,
            action,
            purpose,
        },
    )
    .await
}
