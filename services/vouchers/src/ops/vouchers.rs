//! Reading vouchers: one by id or number, and the listing (newest first); a provider's user sees
//! only its own provider's vouchers, ended ones for a while after the end.

use seteli_api::vouchers::v1 as pb;
use seteli_platform::auth::Role;
use seteli_platform::convert::{PbEnum, store_date};
use seteli_platform::paging::Paging;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};

use super::common::{read_client, read_clients};
use crate::access;
use crate::app::App;
use crate::model::VoucherState;
use crate::store::{self, VoucherFilter};
use crate::wire;

/// GetVoucher: by id or number.
pub async fn get_voucher(
    app: &App,
    ctx: Ctx,
    req: pb::GetVoucherRequest,
) -> AppResult<pb::GetVoucherResponse> {
    ctx.caller.require(access::VOUCHER_GETTERS)?;
    let mut conn = app.db.pool().acquire().await?;
    let (what, row) = if !req.voucher_id.trim().is_empty() {
        let id = req.voucher_id.trim();
        (id.to_owned(), store::load_voucher(&mut conn, id).await?)
    } else if !req.voucher_number.trim().is_empty() {
        let n = req.voucher_number.trim().to_ascii_uppercase();
        let row = store::load_voucher_by_number(&mut conn, &n).await?;
        (n, row)
    } else {
        return Err(AppError::invalid(
            "voucher_id",
            "required: a voucher id or a voucher number",
        ));
    };
    let (today, days) = (ctx.today(), app.provider_access_after_end_days);
    let v = row
        .filter(|v| access::may_read(&ctx.caller, v, today, days))
        .ok_or_else(|| AppError::NotFound(format!("voucher {what}")))?;
    drop(conn);
    read_client(&app.db, &ctx, &v.client_id, "GetVoucher", "voucher_service").await?;
    Ok(pb::GetVoucherResponse {
        voucher: Some(wire::voucher_for(&ctx.caller, &v.view)),
    })
}

/// ListVouchers: newest first; a provider's user sees only its own provider's vouchers.
pub async fn list_vouchers(
    app: &App,
    ctx: Ctx,
    req: pb::ListVouchersRequest,
) -> AppResult<pb::ListVouchersResponse> {
    ctx.caller.require(access::VOUCHER_READERS)?;
    let page = Paging::read(req.page_size, &req.page_token, 50, 500)?;
    let state = VoucherState::optional("state", req.state)?;
    let mut filter = VoucherFilter {
        client_id: req.client_id.trim().to_owned(),
        provider_id: req.provider_id.trim().to_owned(),
        state: state.map(|s| s.code().to_owned()).unwrap_or_default(),
        valid_on_or_after: wire::optional_date("valid_from", req.valid_from.as_ref())?
            .map(store_date)
            .unwrap_or_default(),
        valid_on_or_before: wire::optional_date("valid_until", req.valid_until.as_ref())?
            .map(store_date)
            .unwrap_or_default(),
        ended_on_or_after: String::new(),
        issued_by: String::new(),
        issued_by_team: String::new(),
    };
    if let Some(caseload) = access::caseload(&ctx.caller) {
        filter.issued_by = caseload.social_worker.to_owned();
        filter.issued_by_team = caseload.team.to_owned();
    }
    // A service's account other than billing's sees no voucher (access::may_see).
    if ctx.caller.role == Role::Service && !ctx.caller.is_service(access::BILLING) {
        return Ok(pb::ListVouchersResponse::default());
    }
    if let (Role::ProviderUser, Some(own)) = (ctx.caller.role, ctx.caller.provider_id.as_deref()) {
        if !filter.provider_id.is_empty() && filter.provider_id != own {
            return Ok(pb::ListVouchersResponse::default());
        }
        filter.provider_id = own.to_owned();
        // Ended vouchers only for the period after the end (access::may_read).
        filter.ended_on_or_after =
            store_date(ctx.today() - chrono::Days::new(app.provider_access_after_end_days as u64));
    }
    let before = page.after::<(i64, String)>()?;
    let mut conn = app.db.pool().acquire().await?;
    let rows = store::list_vouchers(&mut conn, &filter, before, page.fetch()).await?;
    drop(conn);
    let (rows, next_page_token) =
        page.cut(rows, |last| (last.view.created_at_micros, last.id.clone()));
    let shown = rows.iter().map(|v| v.client_id.clone()).collect();
    read_clients(&app.db, &ctx, shown, "ListVouchers", "voucher_service").await?;
    Ok(pb::ListVouchersResponse {
        vouchers: rows
            .iter()
            .map(|v| wire::voucher_for(&ctx.caller, &v.view))
            .collect(),
        next_page_token,
    })
}
