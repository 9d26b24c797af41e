//! The audit of a client's personal data as a service records it around an operation
//! (DESIGN.md, Security; client-data act 703/2023): a read before it is answered (grouped with
//! the other reads of the moment), a read that showed several clients, and an access inside a
//! change's transaction. Every entry names the subject kind [`CLIENT`]; the purpose is the
//! service's to say.

use sqlx::AnyConnection;

use crate::audit::{self, Access, AccessOfMany};
use crate::db::Database;
use crate::error::AppResult;
use crate::rpc::Ctx;

/// Subject kind of every audit entry about a client.
pub const CLIENT: &str = "client";

/// Records a read of client `client_id`'s personal data before it is answered, grouped with
/// the other reads of the moment ([`audit::record_read`]).
pub async fn read_client(
    db: &Database,
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
    audit::record_read(db, &ctx.caller, ctx.request_id(), access).await
}

/// Records a read that showed several clients (a list, a feed page) as one entry naming them
/// all ([`audit::record_read_of_many`]).
pub async fn read_clients(
    db: &Database,
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
    audit::record_read_of_many(db, &ctx.caller, ctx.request_id(), access).await
}

/// Records an access to client `client_id`'s personal data inside a change's transaction
/// ([`audit::record`]).
pub async fn audit_client(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    request_id: &str,
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
    audit::record(&mut *conn, &ctx.caller, request_id, access).await
}
