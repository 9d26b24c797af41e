//! What `billing` invoices: the billable items of a provider's month (ListBillableItems) and
//! their marking on an invoice (MarkItemsInvoiced), so that nothing is billed twice and a
//! correction after invoicing shows as such; and their release when the county returned the
//! invoice (MarkItemsInvoiced `released`), so that the provider corrects or voids them before
//! the month is generated again (issue 25).

use chrono::{Datelike, NaiveDate};
use seteli_api::attendance::v1 as pb;
use seteli_platform::change::Change;
use seteli_platform::convert::PbEnum;
use seteli_platform::paging::Paging;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};
use seteli_rules::absences::{BilledItem, BilledKind, check_billing};

use super::admission::no_show_allowance;
use super::common::{audit_client, not_in_state, read_clients};
use crate::access;
use crate::app::App;
use crate::model::{SessionKind, SessionRow, SessionStatus, dec, to_units};
use crate::store;
use crate::wire::{self, required_id};

/// The billable items of one voucher's sessions of a month: realised regular sessions up to
/// today (BILL-REALISED), no-shows with their allowance (BILL-NO-SHOW; the others listed with
/// zero units, SK-NO-SHOW-REPORT), and anything invoiced before (a correction after invoicing
/// shows as such). Provider cancellations and in-time client cancellations are never billable.
fn billable_items(sessions: &[SessionRow], today: NaiveDate) -> AppResult<Vec<pb::BillableItem>> {
    let allowance = no_show_allowance(sessions);
    let mut items = Vec::new();
    let mut checked = Vec::new();
    for s in sessions {
        let (kind, units) = match s.status {
            SessionStatus::Recorded if s.kind == SessionKind::Regular && s.date <= today => {
                (pb::BillableKind::Realised, s.units)
            }
            SessionStatus::NoShow => (
                pb::BillableKind::NoShow,
                allowance.get(&s.id).copied().unwrap_or_default(),
            ),
            _ if s.invoice_id.is_some() => (pb::BillableKind::Realised, 0),
            _ => continue,
        };
        checked.push(BilledItem {
            date: s.date,
            kind: if kind == pb::BillableKind::NoShow {
                BilledKind::NoShow
            } else {
                BilledKind::Realised
            },
            realised_units: if kind == pb::BillableKind::Realised {
                dec(units)
            } else {
                rust_decimal::Decimal::ZERO
            },
            billed_units: dec(units),
        });
        items.push(pb::BillableItem {
            item_id: s.id.clone(),
            session_id: s.id.clone(),
            date: Some(seteli_platform::convert::to_date(s.date)),
            kind: kind as i32,
            units: Some(to_units(units)),
            invoice_id: s.invoice_id.clone().unwrap_or_default(),
            invoiced_units: s.invoiced_units.map(to_units),
            corrected_after_invoicing: s.invoice_id.is_some()
                && (s.corrected_after_invoicing || s.invoiced_units != Some(units)),
        });
    }
    // BILL-REALISED, BILL-NO-SHOW: what is offered for billing keeps the billing rules.
    let violations = check_billing(&checked);
    if !violations.is_empty() {
        return Err(AppError::Internal(anyhow::anyhow!(
            "billable items break the billing rules: {violations:?}"
        )));
    }
    Ok(items)
}

/// ListBillableItems.
pub async fn list_billable_items(
    app: &App,
    ctx: Ctx,
    req: pb::ListBillableItemsRequest,
) -> AppResult<pb::ListBillableItemsResponse> {
    ctx.caller.require_service(access::BILLING)?;
    let provider = required_id("provider_id", &req.provider_id)?;
    let (first, last) = wire::month_bounds(req.year, req.month)?;
    let page = Paging::read(req.page_size, &req.page_token, 100, 500)?;
    let after = page.after::<(String,)>()?.map(|(a,)| a).unwrap_or_default();
    let mut conn = app.db.pool().acquire().await?;
    let ids =
        store::billable_vouchers(&mut conn, &provider, first, last, &after, page.fetch()).await?;
    let (ids, next_page_token) = page.cut(ids, |id| (id.clone(),));
    let today = ctx.today();
    let mut vouchers = Vec::new();
    for id in ids {
        let Some(v) = store::load_voucher(&mut conn, &id).await? else {
            continue;
        };
        let sessions = store::voucher_sessions_between(&mut conn, &id, first, last).await?;
        let items = billable_items(&sessions, today)?;
        if items.is_empty() {
            continue;
        }
        let sum = |k: pb::BillableKind| {
            items
                .iter()
                .filter(|i| i.kind == k as i32)
                .map(|i| i.units.map(|u| u.hundredths).unwrap_or_default())
                .sum::<i64>()
        };
        vouchers.push(pb::VoucherBillable {
            voucher_id: v.id.clone(),
            client_id: v.client_id.clone(),
            service_type: v.service.to_pb(),
            realised_units: Some(to_units(sum(pb::BillableKind::Realised))),
            no_show_units: Some(to_units(sum(pb::BillableKind::NoShow))),
            items,
            ended_on: v.ended_on.map(seteli_platform::convert::to_date),
        });
    }
    drop(conn);
    let shown = vouchers.iter().map(|v| v.client_id.clone()).collect();
    read_clients(app, &ctx, shown, "ListBillableItems").await?;
    Ok(pb::ListBillableItemsResponse {
        vouchers,
        next_page_token,
    })
}

/// MarkItemsInvoiced: each item at its billable units now; an item on another invoice (and not
/// corrected since) is refused, so nothing is billed twice. With `approved`, each item's month
/// is also recorded as approved on its voucher (an item already on this invoice is left as it
/// is): late records stop once a voucher's last month is ([`crate::model::Voucher::takes_sessions_on`]).
pub async fn mark_items_invoiced(
    app: &App,
    ctx: Ctx,
    req: pb::MarkItemsInvoicedRequest,
) -> AppResult<pb::MarkItemsInvoicedResponse> {
    ctx.caller.require_service(access::BILLING)?;
    let change = Change::new(&app.db, &ctx, &req)?;
    let invoice = required_id("invoice_id", &req.invoice_id)?;
    let provider = required_id("provider_id", &req.provider_id)?;
    let (_, month_last) = wire::month_bounds(req.year, req.month)?;
    if req.item_ids.is_empty() || req.item_ids.len() > 1000 {
        return Err(AppError::invalid("item_ids", "1–1000 item ids"));
    }
    if req.approved && req.released {
        return Err(AppError::invalid(
            "released",
            "an approved invoice is never returned: not with `approved`",
        ));
    }
    if req.released {
        let items = req.item_ids.clone();
        let request_id = req.request_id.clone();
        return change
            .apply(move |conn| {
                Box::pin(async move {
                    let on = (invoice.as_str(), provider.as_str());
                    let marked = release_items(conn, &ctx, &request_id, on, &items).await?;
                    Ok(pb::MarkItemsInvoicedResponse { marked })
                })
            })
            .await;
    }
    let items = req.item_ids.clone();
    let request_id = req.request_id.clone();
    let approved = req.approved;
    change
        .apply(move |conn| {
            Box::pin(async move {
                let today = ctx.today();
                let mut marked = 0;
                // The (voucher, month) pairs already recorded approved by this call: an
                // invoice's items share a few.
                let mut approved_months = std::collections::HashSet::new();
                for item in &items {
                    let s = store::load_session(conn, item)
                        .await?
                        .ok_or_else(|| AppError::NotFound(format!("billable item {item}")))?;
                    // Only what this invoice can hold: its provider's, up to its month.
                    if s.provider_id != provider || s.date > month_last {
                        return Err(AppError::invalid(
                            "item_ids",
                            format!("{item} is not an item of {provider}'s invoice of the month"),
                        ));
                    }
                    store::lock_client(conn, &s.client_id).await?;
                    let first = s.date.with_day(1).unwrap_or(s.date);
                    if approved {
                        // Nothing lost at the end, never after the last month is approved
                        // (RULES.md §10).
                        if approved_months.insert((s.voucher_id.clone(), first)) {
                            store::record_approved_month(conn, &s.voucher_id, first).await?;
                        }
                        if s.invoice_id.as_deref() == Some(invoice.as_str()) {
                            marked += 1;
                            continue;
                        }
                    }
                    let last = first
                        .checked_add_months(chrono::Months::new(1))
                        .and_then(|d| d.pred_opt())
                        .unwrap_or(s.date);
                    let month =
                        store::voucher_sessions_between(conn, &s.voucher_id, first, last).await?;
                    let units = billable_items(&month, today)?
                        .into_iter()
                        .find(|i| i.item_id == s.id)
                        .and_then(|i| i.units)
                        .ok_or_else(|| {
                            AppError::invalid("item_ids", format!("{item} is not billable"))
                        })?
                        .hundredths;
                    if !store::mark_invoiced(conn, &s.id, &invoice, units).await? {
                        return Err(not_in_state(&format!(
                            "item {item} is already on invoice {}",
                            s.invoice_id.clone().unwrap_or_default()
                        )));
                    }
                    record_billing_step(conn, &ctx, &request_id, &s, "INVOICED", &invoice).await?;
                    marked += 1;
                }
                Ok(pb::MarkItemsInvoicedResponse { marked })
            })
        })
        .await
}

/// What marking an item invoiced (`INVOICED`) or released (`RELEASED`) leaves behind: a line
/// of the session's history naming `invoice`, and the access to its client audited.
async fn record_billing_step(
    conn: &mut sqlx::AnyConnection,
    ctx: &Ctx,
    request_id: &str,
    s: &SessionRow,
    step: &str,
    invoice: &str,
) -> AppResult<()> {
    let details = s.view.details.clone().unwrap_or_default();
    store::append_history(
        conn,
        &s.id,
        s.view.version + 1,
        step,
        invoice,
        &details,
        &ctx.caller,
        request_id,
    )
    .await?;
    audit_client(conn, ctx, request_id, &s.client_id, "MarkItemsInvoiced").await
}

/// MarkItemsInvoiced with `released`: each item still on returned invoice `invoice` is no
/// longer invoiced ([`store::release_invoiced`]), so its provider's user corrects or voids it
/// again ([`super::sessions`]); an item on another invoice or on none is left as it is. Returns
/// how many were released.
async fn release_items(
    conn: &mut sqlx::AnyConnection,
    ctx: &Ctx,
    request_id: &str,
    (invoice, provider): (&str, &str),
    items: &[String],
) -> AppResult<i32> {
    let mut released = 0;
    for item in items {
        let s = store::load_session(conn, item)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("billable item {item}")))?;
        if s.provider_id != provider {
            return Err(AppError::invalid(
                "item_ids",
                format!("{item} is not an item of {provider}'s invoice"),
            ));
        }
        if s.invoice_id.as_deref() != Some(invoice) {
            continue;
        }
        store::lock_client(conn, &s.client_id).await?;
        if !store::release_invoiced(conn, &s.id, invoice).await? {
            continue;
        }
        record_billing_step(conn, ctx, request_id, &s, "RELEASED", invoice).await?;
        released += 1;
    }
    Ok(released)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{day, session};

    fn kind(item: &pb::BillableItem) -> pb::BillableKind {
        pb::BillableKind::try_from(item.kind).expect("a known kind")
    }

    fn units(item: &pb::BillableItem) -> i64 {
        item.units.map(|u| u.hundredths).unwrap_or(-1)
    }

    #[test]
    fn realised_sessions_up_to_today_and_no_shows_with_their_allowance() {
        let today = day(2026, 3, 20);
        let sessions = [
            session("r1", "v1", day(2026, 3, 2), SessionStatus::Recorded, 150),
            session("r2", "v1", day(2026, 3, 20), SessionStatus::Recorded, 100),
            // Not realised yet.
            session("r3", "v1", day(2026, 3, 21), SessionStatus::Recorded, 100),
            session("n1", "v1", day(2026, 3, 3), SessionStatus::NoShow, 150),
            // Listed with zero units (SK-NO-SHOW-REPORT): March's unit is billed.
            session("n2", "v1", day(2026, 3, 10), SessionStatus::NoShow, 150),
        ];
        let items = billable_items(&sessions, today).expect("billable");
        let got: Vec<(&str, pb::BillableKind, i64)> = items
            .iter()
            .map(|i| (i.item_id.as_str(), kind(i), units(i)))
            .collect();
        assert_eq!(
            got,
            [
                ("r1", pb::BillableKind::Realised, 150),
                ("r2", pb::BillableKind::Realised, 100),
                ("n1", pb::BillableKind::NoShow, 100),
                ("n2", pb::BillableKind::NoShow, 0),
            ]
        );
        let r1 = &items[0];
        assert_eq!(r1.session_id, "r1");
        assert_eq!(
            r1.date,
            Some(seteli_platform::convert::to_date(day(2026, 3, 2)))
        );
        assert!(r1.invoice_id.is_empty() && !r1.corrected_after_invoicing);
    }

    #[test]
    fn cancellations_voids_and_other_kinds_are_not_billable() {
        let on = day(2026, 3, 2);
        let sessions = [
            session("p", "v1", on, SessionStatus::CancelledByProvider, 150),
            session("c", "v1", on, SessionStatus::CancelledByClient, 150),
            session("x", "v1", on, SessionStatus::Voided, 150),
            SessionRow {
                kind: SessionKind::IndividualDiscussion,
                ..session("d", "v1", on, SessionStatus::Recorded, 0)
            },
        ];
        let items = billable_items(&sessions, day(2026, 3, 31)).expect("billable");
        assert!(items.is_empty(), "{items:?}");
    }

    #[test]
    fn an_invoiced_session_shows_whether_it_changed_since() {
        let invoiced = |s: SessionRow, units: i64| SessionRow {
            invoice_id: Some("inv-1".into()),
            invoiced_units: Some(units),
            ..s
        };
        let on = day(2026, 3, 2);
        let sessions = [
            invoiced(session("same", "v1", on, SessionStatus::Recorded, 150), 150),
            // Voided after invoicing: listed at zero units, as a correction.
            invoiced(session("void", "v1", on, SessionStatus::Voided, 150), 150),
            // Corrected after invoicing (the units did not change).
            SessionRow {
                corrected_after_invoicing: true,
                ..invoiced(session("fix", "v1", on, SessionStatus::Recorded, 150), 150)
            },
        ];
        let items = billable_items(&sessions, day(2026, 3, 31)).expect("billable");
        let got: Vec<(&str, pb::BillableKind, i64, bool)> = items
            .iter()
            .map(|i| {
                assert_eq!(i.invoice_id, "inv-1");
                assert_eq!(i.invoiced_units.map(|u| u.hundredths), Some(150));
                (
                    i.item_id.as_str(),
                    kind(i),
                    units(i),
                    i.corrected_after_invoicing,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("same", pb::BillableKind::Realised, 150, false),
                ("void", pb::BillableKind::Realised, 0, true),
                ("fix", pb::BillableKind::Realised, 150, true),
            ]
        );
    }
}
