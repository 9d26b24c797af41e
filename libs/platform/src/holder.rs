//! The voucher holder's own voucher, as the voucher service confirms it to attendance and
//! reporting (issue 28).
//!
//! A client (role `client`) is known by the identity code of their token, and the client
//! register — identity codes and all — lives only in the voucher service; the vouchers change
//! feed the other services follow carries client ids, never identity codes (least privilege).
//! So when a client asks attendance or reporting about one of their vouchers, that service asks
//! `seteli.vouchers.v1` GetVoucher for it with the client's own token
//! ([`crate::rpc::Ctx::forward`]), and vouchers answers a client only their own vouchers.
//!
//! This is a call to another service on a request's path, deliberately (DESIGN.md, "No
//! request waits on another service's answer unless …"): whose a voucher is, for a person known
//! only by their identity code, is a fact only the voucher service may decide. It is made only
//! for a client's request; every other role is answered from the service's own copy.

use seteli_api::vouchers::v1 as vpb;
use seteli_api::vouchers::v1::vouchers_service_client::VouchersServiceClient;
use tonic::transport::Channel;

use crate::client::Upstream;
use crate::error::AppError;
use crate::rpc::Ctx;

/// The client's own voucher as the voucher service confirmed it: whose it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnVoucher {
    /// The voucher's id.
    pub voucher_id: String,
    /// The holder's client id (as the followed copies name clients).
    pub client_id: String,
}

/// Confirms with the voucher service that the client calling (`ctx`) holds voucher
/// `voucher_id`: `NOT_FOUND` when it is not theirs or not there (vouchers answers a client
/// nothing else; a refusal of the role is also `NOT_FOUND` here, as its existence is not the
/// caller's business), `UNAVAILABLE` when the voucher service cannot answer now.
pub async fn confirm_own_voucher(
    vouchers: &Upstream<VouchersServiceClient<Channel>>,
    ctx: &Ctx,
    voucher_id: &str,
) -> Result<OwnVoucher, AppError> {
    let not_found = || AppError::NotFound(format!("voucher {voucher_id}"));
    let answer = vouchers
        .call(
            ctx,
            vpb::GetVoucherRequest {
                voucher_id: voucher_id.to_owned(),
                ..Default::default()
            },
            |mut c, r| async move { c.get_voucher(r).await },
        )
        .await;
    match answer {
        Ok(found) => {
            let v = found.voucher.ok_or_else(not_found)?;
            let client_id = v.client.map(|c| c.client_id).unwrap_or_default();
            if v.id != voucher_id || client_id.is_empty() {
                return Err(not_found());
            }
            Ok(OwnVoucher {
                voucher_id: v.id,
                client_id,
            })
        }
        Err(AppError::NotFound(_) | AppError::PermissionDenied(_)) => Err(not_found()),
        Err(e @ (AppError::Unavailable(_) | AppError::InvalidArgument(_))) => Err(e),
        Err(e @ AppError::Unauthenticated(_)) => Err(e),
        Err(other) => {
            tracing::warn!(error = %other, "the voucher service refused a holder's voucher");
            Err(AppError::Unavailable(
                "the vouchers service cannot confirm the voucher now; retry later".into(),
            ))
        }
    }
}
