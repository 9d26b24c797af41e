//! What several capabilities share: the audit of a client's personal data (a read before it is
//! answered, an access inside a change's transaction; DESIGN.md, Security; 703/2023) and the
//! small conversions of a rules-crate answer into an error or a warning.

use seteli_api::attendance::v1 as pb;
use seteli_platform::client_data;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};
use seteli_rules::{RuleError, Violation};
use sqlx::AnyConnection;

use crate::access;
use crate::app::App;

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
