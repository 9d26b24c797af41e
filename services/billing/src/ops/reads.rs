//! Reading invoices: one (GetInvoice), a page of them (ListInvoices), one as an e-invoice
//! (ExportInvoice); each caller sees only the invoices [`crate::access`] lets it, and the
//! lines' items only when [`access::sees_items`] says so.

use seteli_api::billing::v1 as pb;
use seteli_platform::convert::PbEnum;
use seteli_platform::paging::Paging;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};

use crate::access;
use crate::app::App;
use crate::einvoice;
use crate::model::{InvoiceRow, InvoiceState};
use crate::store::{self, InvoiceFilter};
use crate::wire::{self, required_id};

async fn visible(app: &App, ctx: &Ctx, id: &str) -> AppResult<InvoiceRow> {
    let mut conn = app.db.pool().acquire().await?;
    store::load_invoice(&mut conn, id)
        .await?
        .filter(|i| access::may_see(&ctx.caller, i))
        .ok_or_else(|| AppError::NotFound(format!("invoice {id}")))
}

/// GetInvoice.
pub async fn get_invoice(
    app: &App,
    ctx: Ctx,
    req: pb::GetInvoiceRequest,
) -> AppResult<pb::GetInvoiceResponse> {
    ctx.caller.require(access::READERS)?;
    let id = required_id("invoice_id", &req.invoice_id)?;
    let row = visible(app, &ctx, &id).await?;
    let mut conn = app.db.pool().acquire().await?;
    Ok(pb::GetInvoiceResponse {
        invoice: Some(view_for(&mut conn, &ctx.caller, &row).await?),
    })
}

/// ListInvoices.
pub async fn list_invoices(
    app: &App,
    ctx: Ctx,
    req: pb::ListInvoicesRequest,
) -> AppResult<pb::ListInvoicesResponse> {
    ctx.caller.require(access::READERS)?;
    let page = Paging::read(req.page_size, &req.page_token, 50, 500)?;
    let after = page.after::<(i64, String)>()?;
    let mut filter = InvoiceFilter {
        provider_id: req.provider_id.trim().to_owned(),
        period: wire::optional_period(req.year, req.month)?,
        state: InvoiceState::optional("state", req.state)?,
        approved_only: ctx.caller.role == seteli_platform::auth::Role::FinanceSystem,
    };
    if let Some(own) = access::own_provider(&ctx.caller) {
        if !filter.provider_id.is_empty() && filter.provider_id != own {
            return Ok(pb::ListInvoicesResponse::default());
        }
        filter.provider_id = own;
    }
    let mut conn = app.db.pool().acquire().await?;
    let rows = store::list_invoices(&mut conn, &filter, after, page.fetch()).await?;
    let (rows, next_page_token) = page.cut(rows, |(at, r)| (*at, r.id.clone()));
    Ok(pb::ListInvoicesResponse {
        invoices: rows.iter().map(|(_, r)| r.summary()).collect(),
        next_page_token,
    })
}

/// ExportInvoice; a withdrawn document (a returned one left with nothing to bill) is no
/// e-invoice.
pub async fn export_invoice(
    app: &App,
    ctx: Ctx,
    req: pb::ExportInvoiceRequest,
) -> AppResult<pb::ExportInvoiceResponse> {
    ctx.caller.require(access::READERS)?;
    let id = required_id("invoice_id", &req.invoice_id)?;
    let format = wire::format("format", req.format)?;
    let row = visible(app, &ctx, &id).await?;
    if row.state == InvoiceState::Withdrawn {
        return Err(AppError::StateConflict(format!(
            "invoice {} is WITHDRAWN: it bills nothing",
            row.body.invoice_number
        )));
    }
    Ok(pb::ExportInvoiceResponse {
        document: Some(einvoice::document(&row.view(), format)?),
    })
}

/// The invoice with each line's items.
async fn full_view(conn: &mut sqlx::AnyConnection, row: &InvoiceRow) -> AppResult<pb::Invoice> {
    let items = store::document_items(conn, &row.id).await?;
    Ok(row.view_with(items))
}

/// The invoice as `caller` reads it: with the lines' items unless [`access::sees_items`] says
/// not.
async fn view_for(
    conn: &mut sqlx::AnyConnection,
    caller: &seteli_platform::auth::Caller,
    row: &InvoiceRow,
) -> AppResult<pb::Invoice> {
    if access::sees_items(caller) {
        full_view(conn, row).await
    } else {
        Ok(row.view())
    }
}
