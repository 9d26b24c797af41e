//! ListVoucherActivity: per voucher valid in a period, its units and the period's counts of
//! sessions, cancellations and absences (figures only, no client data).

use seteli_api::attendance::v1 as pb;
use seteli_platform::convert::{PbEnum, date};
use seteli_platform::paging::Paging;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};
use seteli_rules::ServiceType;

use crate::access;
use crate::app::App;
use crate::model::to_units;
use crate::store;

/// ListVoucherActivity: per voucher valid in the period, the units and the period's counts
/// (figures only, no client data: nothing to audit).
pub async fn list_voucher_activity(
    app: &App,
    ctx: Ctx,
    req: pb::ListVoucherActivityRequest,
) -> AppResult<pb::ListVoucherActivityResponse> {
    access::require_activity_reader(&ctx.caller)?;
    let from = date("period_from", req.period_from.as_ref())?;
    let until = date("period_until", req.period_until.as_ref())?;
    if until < from || (until - from).num_days() > 366 {
        return Err(AppError::invalid(
            "period_until",
            "not before period_from, at most 366 days after it",
        ));
    }
    let page = Paging::read(req.page_size, &req.page_token, 500, 1000)?;
    let after = page.after::<String>()?.unwrap_or_default();
    let mut conn = app.db.pool().acquire().await?;
    let rows = store::voucher_activity(&mut conn, from, until, &after, page.fetch()).await?;
    let (rows, next_page_token) = page.cut(rows, |last| last.voucher_id.clone());
    let vouchers = rows
        .into_iter()
        .map(|r| pb::VoucherActivity {
            service_type: ServiceType::from_code(&r.service_type)
                .map(|s| s.to_pb())
                .unwrap_or_default(),
            voucher_id: r.voucher_id,
            provider_id: r.provider_id,
            voucher_state: r.state,
            units_granted: Some(to_units(r.units_granted)),
            units_used: Some(to_units(r.units_used)),
            units_realised: Some(to_units(r.units_realised)),
            sessions_realised: r.sessions_realised,
            no_shows: r.no_shows,
            cancelled_by_client: r.cancelled_by_client,
            cancelled_by_provider: r.cancelled_by_provider,
            absences: r.absences,
            days_not_arranged: r.days_not_arranged,
        })
        .collect();
    Ok(pb::ListVoucherActivityResponse {
        vouchers,
        next_page_token,
    })
}
