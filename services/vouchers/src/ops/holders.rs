//! The voucher holder as a user (role `client`): who they are in the client register, matched
//! by the identity code of their strongly identified token (never by a name, every match
//! audited), and the providers they may choose among for their voucher, compared from their own
//! home (CompareProvidersForVoucher, also for the voucher's social worker and the county).

use seteli_api::common::v1::Coordinates;
use seteli_api::providers::v1 as ppb;
use seteli_api::vouchers::v1 as pb;
use seteli_platform::auth::Role;
use seteli_platform::convert::PbEnum;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};

use super::common::read_client;
use crate::access;
use crate::app::App;
use crate::model::VoucherState;
use crate::store;
use crate::wire::{self, required_id};

/// The largest radius the registry searches (SearchProviders): where a decision's distance
/// exemption lets the client choose beyond PROV-DISTANCE's limit, the comparison reaches this far.
pub const UNLIMITED_SEARCH_KM: f64 = 500.0;

/// The client a `client` caller is: the one registered with the identity code their token
/// carries (`Caller::identity_code`), the match audited as `IdentifyClient` (purpose
/// `strong_identification`); `None` for every other role, and for a client nobody in the
/// register has the code of (they see nothing: NOT_FOUND, empty lists).
pub(super) async fn holder(app: &App, ctx: &Ctx) -> AppResult<Option<String>> {
    if ctx.caller.role != Role::Client {
        return Ok(None);
    }
    let Some(code) = ctx.caller.identity_code.as_deref() else {
        return Ok(None);
    };
    // The register stores the canonical form (`ClientInput`); the token's code is checked valid.
    let Ok(code) = seteli_rules::ids::parse_hetu(code).map(|h| h.to_string()) else {
        return Ok(None);
    };
    let mut conn = app.db.pool().acquire().await?;
    let found = store::client_id_by_identity_code(&mut conn, &code).await?;
    drop(conn);
    if let Some(id) = &found {
        let (action, purpose) = access::IDENTIFY;
        read_client(&app.db, ctx, id, action, purpose).await?;
    }
    Ok(found)
}

/// CompareProvidersForVoucher: the approved providers of the voucher's service within
/// PROV-DISTANCE's limit of the client's home (`SETELI_DISTANCE_LIMIT_KM`; as far as the
/// registry searches under the decision's distance exemption), nearest first, from the
/// registry's SearchProviders asked on the caller's behalf (UNAVAILABLE when it cannot be
/// reached). For the voucher's client (their own), its social worker and the county; another's
/// voucher is NOT_FOUND. Only while a provider can still be chosen: an ISSUED voucher (a chosen
/// provider not yet accepting); otherwise STATE-TRANSITION. The read of the home is audited.
pub async fn compare_providers_for_voucher(
    app: &App,
    ctx: Ctx,
    req: pb::CompareProvidersForVoucherRequest,
) -> AppResult<pb::CompareProvidersForVoucherResponse> {
    ctx.caller.require(access::CHOOSERS)?;
    let id = required_id("voucher_id", &req.voucher_id)?;
    seteli_platform::paging::page_size(req.page_size, 50, 200)?;
    let holder = holder(app, &ctx).await?;
    let mut conn = app.db.pool().acquire().await?;
    let v = store::load_voucher(&mut conn, &id)
        .await?
        .filter(|v| access::may_see(&ctx.caller, holder.as_deref(), v))
        .ok_or_else(|| AppError::NotFound(format!("voucher {id}")))?;
    // STATE-TRANSITION: a provider is chosen (ChooseProvider) for an ISSUED voucher only.
    if v.state != VoucherState::Issued {
        return Err(AppError::StateConflict(format!(
            "cannot compare providers for a voucher that is {}: a provider is chosen only while \
             the voucher is ISSUED and not yet accepted",
            v.state.code()
        )));
    }
    let home = store::load_client(&mut conn, &v.client_id)
        .await?
        .and_then(|c| c.home_coordinates)
        .ok_or_else(|| AppError::NotFound(format!("client {}", v.client_id)))?;
    drop(conn);
    read_client(
        &app.db,
        &ctx,
        &v.client_id,
        "CompareProvidersForVoucher",
        "voucher_service",
    )
    .await?;
    // PROV-DISTANCE (KTT 5, SK 6): within the limit of home, unless the decision permits
    // farther (the exemption ChooseProvider honours too).
    let exemption = v
        .view
        .decision
        .as_ref()
        .is_some_and(|d| d.distance_exemption.is_some());
    let radius_km = if exemption {
        UNLIMITED_SEARCH_KM
    } else {
        app.distance_limit_km.min(UNLIMITED_SEARCH_KM)
    };
    let search = ppb::SearchProvidersRequest {
        service_type: v.service.to_pb(),
        near: Some(Coordinates {
            latitude: home.latitude,
            longitude: home.longitude,
        }),
        radius_km,
        page_size: req.page_size,
    };
    let found = app
        .providers
        .call(&ctx, search, |mut c, r| async move {
            c.search_providers(r).await
        })
        .await?;
    Ok(pb::CompareProvidersForVoucherResponse {
        providers: found.matches.iter().map(wire::provider_option).collect(),
        radius_km: if exemption {
            0.0
        } else {
            app.distance_limit_km
        },
    })
}
