//! A client's own voucher, for a request of the voucher's holder (issue 28).
//!
//! Whose a voucher is, to a person known by the identity code of their token, only the voucher
//! service knows: the followed copy carries client ids, never identity codes (least privilege).
//! So a client's request asks it, with the client's own token
//! (`seteli_platform::holder::confirm_own_voucher`): a call to another service on the
//! request's path, deliberately. Then the followed copy — caught up first when it has not seen
//! the voucher yet — must name the same client. Every other role is answered from the copy.

use seteli_platform::holder::{OwnVoucher, confirm_own_voucher};
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};

use super::voucher_feed::with_fresh_vouchers;
use crate::access;
use crate::app::App;
use crate::model::Voucher;
use crate::store;

/// The calling client's own voucher `voucher_id` as this service follows it: `NOT_FOUND` when
/// it is not theirs (or not there), `UNAVAILABLE` when the voucher service cannot answer now.
pub(super) async fn holders_voucher(
    app: &App,
    ctx: &Ctx,
    voucher_id: &str,
) -> AppResult<(Voucher, OwnVoucher)> {
    let own = confirm_own_voucher(&app.vouchers, ctx, voucher_id).await?;
    let v = with_fresh_vouchers(app, || async {
        let mut conn = app.db.pool().acquire().await?;
        store::load_voucher(&mut conn, voucher_id)
            .await?
            .filter(|v| access::is_holder(v, &own))
            .ok_or_else(|| AppError::NotFound(format!("voucher {voucher_id}")))
    })
    .await?;
    Ok((v, own))
}
