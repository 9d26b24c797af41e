//! Attendance: sessions recorded, cancelled and listed, absences, alerts, and the units a
//! voucher has used as attendance counts them; each recorded as a user of the voucher's provider.

use anyhow::Context as _;
use seteli_api::attendance::v1 as apb;

use super::calling::{ADMIN, call, every_page, found, provider_user_or, user};
use crate::conn::{Platform, Role, request_id};

/// Records a session, as a user of `provider`.
pub async fn record_session(
    p: &Platform,
    provider: &str,
    voucher: &str,
    details: apb::SessionDetails,
    replaces: Option<&str>,
) -> anyhow::Result<apb::RecordSessionResponse> {
    let request = apb::RecordSessionRequest {
        request_id: request_id(),
        validate_only: false,
        voucher_id: voucher.into(),
        details: Some(details),
        replaces_session_id: replaces.unwrap_or_default().into(),
    };
    let c = p.attendance()?;
    call!(
        p,
        user(provider),
        c.record_session(request),
        "RecordSession"
    )
    .await
}

/// Cancels a session, as a user of `provider`.
pub async fn cancel_session(
    p: &Platform,
    provider: &str,
    session: &str,
    cancellation: apb::Cancellation,
) -> anyhow::Result<apb::Session> {
    let request = apb::CancelSessionRequest {
        request_id: request_id(),
        validate_only: false,
        session_id: session.into(),
        cancellation: Some(cancellation),
    };
    let c = p.attendance()?;
    call!(p, user(provider), c.cancel_session(request), "CancelSession" => session).await
}

/// The sessions of a voucher (all pages), as a county administrator lists them.
pub async fn list_sessions(
    p: &Platform,
    voucher: &str,
) -> anyhow::Result<apb::ListSessionsResponse> {
    let c = p.attendance()?;
    every_page(|page_token| {
        let request = apb::ListSessionsRequest {
            voucher_id: voucher.into(),
            page_size: 500,
            page_token,
            ..Default::default()
        };
        call!(p, ADMIN, c.list_sessions(request), "ListSessions")
    })
    .await
}

/// Records an absence (or a day with no service arranged), as a user of `provider`.
pub async fn record_absence(
    p: &Platform,
    provider: &str,
    req: apb::RecordAbsenceRequest,
) -> anyhow::Result<apb::RecordAbsenceResponse> {
    let request = apb::RecordAbsenceRequest {
        request_id: request_id(),
        ..req
    };
    let c = p.attendance()?;
    call!(
        p,
        user(provider),
        c.record_absence(request),
        "RecordAbsence"
    )
    .await
}

/// The absences of a voucher (all pages), as a county administrator lists them.
pub async fn list_absences(
    p: &Platform,
    voucher: &str,
) -> anyhow::Result<apb::ListAbsencesResponse> {
    let c = p.attendance()?;
    every_page(|page_token| {
        let request = apb::ListAbsencesRequest {
            voucher_id: voucher.into(),
            page_size: 500,
            page_token,
        };
        call!(p, ADMIN, c.list_absences(request), "ListAbsences")
    })
    .await
}

/// Attendance's alerts (all pages) in `state` (unspecified: any): of `provider` as its user
/// sees them, or every one as a county administrator; of one voucher when `voucher` is given.
pub async fn list_alerts(
    p: &Platform,
    provider: Option<&str>,
    voucher: Option<&str>,
    state: apb::AlertState,
) -> anyhow::Result<apb::ListAlertsResponse> {
    let c = p.attendance()?;
    let caller = (provider_user_or(provider, Role::CountyAdmin), provider);
    every_page(|page_token| {
        let request = apb::ListAlertsRequest {
            provider_id: provider.unwrap_or_default().into(),
            voucher_id: voucher.unwrap_or_default().into(),
            state: state as i32,
            page_size: 500,
            page_token,
            ..Default::default()
        };
        call!(p, caller, c.list_alerts(request), "ListAlerts")
    })
    .await
}

/// The units used on a voucher as attendance counts them, once attendance follows it.
pub async fn usage(p: &Platform, voucher: &str) -> anyhow::Result<Option<apb::VoucherUsage>> {
    let request = apb::GetVoucherUsageRequest {
        voucher_id: voucher.into(),
    };
    let c = p.attendance()?;
    let r = call!(p, ADMIN, c.get_voucher_usage(request), "GetVoucherUsage");
    Ok(found(r.await)?.and_then(|r| r.usage))
}
