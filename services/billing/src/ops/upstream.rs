//! What generation asks of the other services, with the service's own token and outside any
//! transaction: the seller from `providers` (GetProvider), the billable items from `attendance`
//! (ListBillableItems, page by page, month by month) and each voucher's terms from `vouchers`
//! (GetVoucher, several at once), those cached before read from the store.

use std::collections::HashMap;

use chrono::{Datelike, Months, NaiveDate};
use futures::{StreamExt, TryStreamExt};
use seteli_api::attendance::v1 as apb;
use seteli_api::providers::v1 as ppb;
use seteli_api::vouchers::v1 as vpb;
use seteli_platform::db::Database;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};

use crate::app::App;
use crate::model::VoucherTerms;
use crate::store;
use crate::wire::{self, FeedVoucher, Seller};

/// Billable vouchers asked for per page of ListBillableItems.
const FEED_PAGE: i32 = 500;
/// Calls to `vouchers` in flight at once while a month is generated.
const VOUCHER_CALLS: usize = 16;

pub(super) async fn fetch_seller(app: &App, up: &Ctx, provider: &str) -> AppResult<Seller> {
    let p = app
        .providers
        .call(
            up,
            ppb::GetProviderRequest {
                provider_id: provider.to_owned(),
            },
            |mut c, r| async move { c.get_provider(r).await },
        )
        .await?
        .provider
        .ok_or_else(|| AppError::NotFound(format!("provider {provider}")))?;
    wire::seller(&p)
}

/// Attendance's billable items of the provider's months `since..=until` (first days), by
/// voucher.
pub(super) async fn fetch_billable(
    app: &App,
    up: &Ctx,
    provider: &str,
    since: NaiveDate,
    until: NaiveDate,
) -> AppResult<HashMap<String, FeedVoucher>> {
    let mut out = HashMap::new();
    let mut month = since;
    while month <= until {
        let mut token = String::new();
        loop {
            let page = app
                .attendance
                .call(
                    up,
                    apb::ListBillableItemsRequest {
                        provider_id: provider.to_owned(),
                        year: month.year(),
                        month: i32::try_from(month.month()).unwrap_or_default(),
                        page_size: FEED_PAGE,
                        page_token: token.clone(),
                    },
                    |mut c, r| async move { c.list_billable_items(r).await },
                )
                .await?;
            wire::add_billable(&mut out, page.vouchers);
            if page.next_page_token.is_empty() {
                break;
            }
            token = page.next_page_token;
        }
        month = match month.checked_add_months(Months::new(1)) {
            Some(m) => m,
            None => break,
        };
    }
    Ok(out)
}

/// The terms of `vouchers`, by voucher: cached, or asked of `vouchers`; and those asked (for
/// the generation to cache).
pub(super) async fn fetch_terms(
    app: &App,
    up: &Ctx,
    vouchers: Vec<String>,
) -> AppResult<(HashMap<String, VoucherTerms>, Vec<VoucherTerms>)> {
    let (mut known, missing) = cached_terms(&app.db, vouchers).await?;
    let fetched: Vec<VoucherTerms> = futures::stream::iter(missing)
        .map(|v| async move {
            let voucher = app
                .vouchers
                .call(
                    up,
                    vpb::GetVoucherRequest {
                        voucher_id: v.clone(),
                        voucher_number: String::new(),
                    },
                    |mut c, r| async move { c.get_voucher(r).await },
                )
                .await?
                .voucher
                .ok_or_else(|| AppError::NotFound(format!("voucher {v}")))?;
            wire::voucher_terms(&voucher)
        })
        .buffer_unordered(VOUCHER_CALLS)
        .try_collect()
        .await?;
    known.extend(fetched.iter().map(|t| (t.voucher_id.clone(), t.clone())));
    Ok((known, fetched))
}

/// The cached terms of `vouchers`, and the vouchers whose terms are not cached yet (each
/// once). Public for the benchmark.
pub async fn cached_terms(
    db: &Database,
    mut vouchers: Vec<String>,
) -> AppResult<(HashMap<String, VoucherTerms>, Vec<String>)> {
    vouchers.sort();
    vouchers.dedup();
    let mut conn = db.pool().acquire().await?;
    let known = store::voucher_terms(&mut conn, &vouchers).await?;
    let missing = vouchers
        .into_iter()
        .filter(|v| !known.contains_key(v))
        .collect();
    Ok((known, missing))
}
