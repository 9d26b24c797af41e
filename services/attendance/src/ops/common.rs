//! What several capabilities share: the audit of a client's personal data (a read before it is
//! answered, an access inside a change's transaction; DESIGN.md, Security; 703/2023), the
//! voucher a reader may read ([`readable_voucher`]: for a client, their own, as the voucher
//! service confirms it) and the small conversions of a rules-crate answer into an error or a
//! warning.
//!
//! A client's read calls the voucher service on the request's path, deliberately: whose a
//! voucher is, for a person known only by the identity code of their token, is known only to
//! the voucher service (the followed copy carries client ids, never identity codes), so it is
//! asked with the client's own token (`seteli_platform::holder`). Every other reader is
//! answered from the followed copy alone.

use seteli_api::attendance::v1 as pb;
use seteli_platform::audit::Access;
use seteli_platform::auth::Role;
use seteli_platform::client_data;
use seteli_platform::holder::confirm_own_voucher;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};
use seteli_rules::{RuleError, Violation};
use sqlx::AnyConnection;

use crate::access;
use crate::app::App;
use crate::model::Voucher;
use crate::store;

pub(super) fn rule_error(e: RuleError) -> AppError {
    AppError::RuleViolations(vec![e.violation()])
}

pub(super) fn to_warning(v: Violation) -> pb::Warning {
    pb::Warning {
        rule_id: v.rule.to_owned(),
        section: v.section.to_owned(),
        message_en: v.message_en,
        message_fi: v.message_fi,
    }
}

pub(super) fn not_in_state(what: &str) -> AppError {
    AppError::StateConflict(what.to_owned())
}

/// Records a read of a client's personal data before it is answered (DESIGN.md, Security;
/// 703/2023), grouped with the other reads of the moment, for the caller's purpose.
pub(super) async fn read_client(
    app: &App,
    ctx: &Ctx,
    client_id: &str,
    action: &str,
) -> AppResult<()> {
    let purpose = access::purpose(&ctx.caller);
    client_data::read_client(&app.db, ctx, client_id, action, purpose).await
}

/// Records a read that showed several clients (a list, a feed page) as one entry naming them
/// all, for the caller's purpose.
pub(super) async fn read_clients(
    app: &App,
    ctx: &Ctx,
    client_ids: Vec<String>,
    action: &str,
) -> AppResult<()> {
    let purpose = access::purpose(&ctx.caller);
    client_data::read_clients(&app.db, ctx, client_ids, action, purpose).await
}

/// Records an access to a client's personal data inside a change's transaction (DESIGN.md,
/// Security; 703/2023), for the caller's purpose.
pub(super) async fn audit_client(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    request_id: &str,
    client_id: &str,
    action: &str,
) -> AppResult<()> {
    let purpose = access::purpose(&ctx.caller);
    client_data::audit_client(conn, ctx, request_id, client_id, action, purpose).await
}

/// The access to a client's personal data a change of `ctx` makes, for the caller's purpose,
/// as [`audit_client`] records it (for a change written in one statement, which records it
/// as a part of that statement).
pub(super) fn client_access<'a>(ctx: &Ctx, client_id: &'a str, action: &'a str) -> Access<'a> {
    Access {
        subject_kind: client_data::CLIENT,
        subject_id: client_id,
        action,
        purpose: access::purpose(&ctx.caller),
    }
}

/// Voucher `id` as the caller of `ctx` may read it, else `NOT_FOUND` (its existence is not their
/// business): from the followed copy as [`access::may_see`] allows; for a client, the voucher
/// service first confirms it is their own (`UNAVAILABLE` when it cannot answer now), then the
/// copy is read (caught up once if it has not seen the voucher yet) and must name the same
/// client ([`access::is_holder`]).
pub(super) async fn readable_voucher(app: &App, ctx: &Ctx, id: &str) -> AppResult<Voucher> {
    let not_found = || AppError::NotFound(format!("voucher {id}"));
    if ctx.caller.role != Role::Client {
        let mut conn = app.db.pool().acquire().await?;
        return store::load_voucher(&mut conn, id)
            .await?
            .filter(|v| access::may_see(&ctx.caller, v))
            .ok_or_else(not_found);
    }
    let own = confirm_own_voucher(&app.vouchers, ctx, id).await?;
    let mut copy = load_copy(app, id).await?;
    if copy.is_none() {
        app.voucher_feed.catch_up().await?;
        copy = load_copy(app, id).await?;
    }
    copy.filter(|v| access::is_holder(v, &own))
        .ok_or_else(not_found)
}

async fn load_copy(app: &App, id: &str) -> AppResult<Option<Voucher>> {
    let mut conn = app.db.pool().acquire().await?;
    store::load_voucher(&mut conn, id).await
}
