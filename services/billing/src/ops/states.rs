//! Moving an invoice along its state table ([`crate::model::InvoiceState::MOVES`]): the
//! provider submits it, the county approves it (which gives it its place in the export
//! sequence) or returns it with a reason, and records its payment. Attendance is told what
//! became of the items ([`super::marking`]): their approval, their release when the county
//! returns the document (so that the provider corrects or voids the sessions before the month
//! is generated again: [`super::generation`]), and their marking again when a returned document
//! is submitted as it is.

use seteli_api::billing::v1 as pb;
use seteli_api::{Mutation, RpcRequest};
use seteli_platform::auth::Caller;
use seteli_platform::change::Change;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};

use super::marking::tell_attendance;
use crate::access;
use crate::app::App;
use crate::model::InvoiceRow;
use crate::model::InvoiceState;
use crate::store::{self, StateFacts};
use crate::wire::{self, required_id, required_text};

/// Moves invoice `id` along the state table, the change `req` asks for. The stored answer
/// (what a retry gets) is the invoice without its lines' items, a few KiB however large the
/// invoice; the items are put back afterwards for a caller who reads them
/// ([`access::sees_items`]).
async fn move_invoice(
    app: &App,
    ctx: &Ctx,
    req: &impl Mutation,
    id: &str,
    to: InvoiceState,
    may: fn(&Caller, &InvoiceRow) -> bool,
    facts: StateFacts,
) -> AppResult<pb::Invoice> {
    #[derive(Clone, PartialEq, prost::Message)]
    struct Answer {
        #[prost(message, optional, tag = "1")]
        invoice: Option<pb::Invoice>,
    }
    let (db, change) = (&app.db, Change::new(&app.db, ctx, req)?);
    let caller = ctx.caller.clone();
    let caller2 = ctx.caller.clone();
    let id_owned = id.to_owned();
    let answer: Answer = change
        .apply_to::<InvoiceRow, _, _>(
            id,
            move |i| access::may_see(&caller, i),
            move |conn, row| {
                Box::pin(async move {
                    if !may(&caller2, &row) {
                        return Err(AppError::PermissionDenied(format!(
                            "role {} may not move this invoice to {}",
                            caller2.role.as_str(),
                            to.code()
                        )));
                    }
                    if !row.state.may_move(to) {
                        return Err(AppError::StateConflict(format!(
                            "invoice {} is {}: it cannot become {}",
                            row.body.invoice_number,
                            row.state.code(),
                            to.code()
                        )));
                    }
                    let mut facts = facts;
                    if to == InvoiceState::Approved {
                        let seq = store::next_counter(conn, "export_sequence").await?;
                        facts.approved = Some((seteli_platform::db::now_micros(), seq));
                    }
                    if !store::move_state(conn, &id_owned, to, &facts).await? {
                        return Err(AppError::StateConflict(format!(
                            "invoice {} moved meanwhile",
                            row.body.invoice_number
                        )));
                    }
                    if to == InvoiceState::Returned {
                        // Attendance is to release its items (a new round), in this commit.
                        store::begin_release(conn, &id_owned).await?;
                    }
                    let row = store::load_invoice(conn, &id_owned)
                        .await?
                        .ok_or_else(|| AppError::NotFound(format!("invoice {id_owned}")))?;
                    Ok(Answer {
                        invoice: Some(row.view()),
                    })
                })
            },
        )
        .await?;
    let mut invoice = answer
        .invoice
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("stored answer has no invoice")))?;
    if access::sees_items(&ctx.caller) {
        let mut conn = db.pool().acquire().await?;
        let items = store::document_items(&mut conn, &invoice.id).await?;
        crate::model::fill_items(&mut invoice, items);
    } else {
        // An answer stored before it left them out.
        invoice.lines.iter_mut().for_each(|l| l.items.clear());
    }
    Ok(invoice)
}

/// Tells attendance what it does not know yet of `id` (after the move `req` asked for); the job
/// retries what fails here, and a billing without an upstream token tells nobody. Nor does a
/// validation (`validate_only`, AIP-163): it moved nothing.
async fn tell(app: &App, ctx: &Ctx, req: &impl RpcRequest, id: &str, what: &str) {
    if req.validate_only() {
        return;
    }
    if let Ok(up) = app.upstream(ctx)
        && let Err(e) = tell_attendance(app, &up, id).await
    {
        tracing::warn!(error = %e, invoice = %id, "attendance not told of the {what} yet; retrying later");
    }
}

/// SubmitInvoice; a returned document submitted as it is has its items marked invoiced again
/// (after their release).
pub async fn submit_invoice(
    app: &App,
    ctx: Ctx,
    req: pb::SubmitInvoiceRequest,
) -> AppResult<pb::SubmitInvoiceResponse> {
    ctx.caller.require(access::SUBMITTERS)?;
    let id = required_id("invoice_id", &req.invoice_id)?;
    let invoice = move_invoice(
        app,
        &ctx,
        &req,
        &id,
        InvoiceState::Submitted,
        |c, i| c.is_user_of(&i.provider_id),
        StateFacts::default(),
    )
    .await?;
    tell(app, &ctx, &req, &id, "submission").await;
    Ok(pb::SubmitInvoiceResponse {
        invoice: Some(invoice),
    })
}

/// ApproveInvoice, then tells attendance (MarkItemsInvoiced with `approved`).
pub async fn approve_invoice(
    app: &App,
    ctx: Ctx,
    req: pb::ApproveInvoiceRequest,
) -> AppResult<pb::ApproveInvoiceResponse> {
    ctx.caller.require(access::APPROVERS)?;
    let id = required_id("invoice_id", &req.invoice_id)?;
    let invoice = move_invoice(
        app,
        &ctx,
        &req,
        &id,
        InvoiceState::Approved,
        |_, _| true,
        StateFacts::default(),
    )
    .await?;
    // Tell attendance the months are paid for (no late record after, RULES.md §10).
    tell(app, &ctx, &req, &id, "approval").await;
    Ok(pb::ApproveInvoiceResponse {
        invoice: Some(invoice),
    })
}

/// ReturnInvoice, then tells attendance to release the items (MarkItemsInvoiced with
/// `released`): the provider corrects or voids the sessions, and the month is generated again.
pub async fn return_invoice(
    app: &App,
    ctx: Ctx,
    req: pb::ReturnInvoiceRequest,
) -> AppResult<pb::ReturnInvoiceResponse> {
    ctx.caller.require(access::APPROVERS)?;
    let id = required_id("invoice_id", &req.invoice_id)?;
    let reason = required_text("reason", &req.reason, 2000)?;
    let invoice = move_invoice(
        app,
        &ctx,
        &req,
        &id,
        InvoiceState::Returned,
        |_, _| true,
        StateFacts {
            returned_reason: Some(reason),
            ..Default::default()
        },
    )
    .await?;
    tell(app, &ctx, &req, &id, "return").await;
    Ok(pb::ReturnInvoiceResponse {
        invoice: Some(invoice),
    })
}

/// RecordPayment.
pub async fn record_payment(
    app: &App,
    ctx: Ctx,
    req: pb::RecordPaymentRequest,
) -> AppResult<pb::RecordPaymentResponse> {
    ctx.caller.require(access::PAYERS)?;
    let id = required_id("invoice_id", &req.invoice_id)?;
    let paid_on = wire::paid_on(req.paid_on.as_ref())?;
    let invoice = move_invoice(
        app,
        &ctx,
        &req,
        &id,
        InvoiceState::Paid,
        |_, _| true,
        StateFacts {
            paid_on: Some(paid_on),
            ..Default::default()
        },
    )
    .await?;
    Ok(pb::RecordPaymentResponse {
        invoice: Some(invoice),
    })
}
