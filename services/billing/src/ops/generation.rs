//! Generating a provider's documents of a closed month (GenerateInvoice): ask the other
//! services first, outside the transaction ([`super::upstream`]), then in one transaction lock
//! the provider, plan every voucher with [`crate::plan`] and write the month's invoice and
//! credit note ([`super::documents`]); a month is generated once, and its stored answer leaves
//! the lines' items out (they are put back for the caller), unless the county returned one of
//! its documents: then the month is generated again ([`super::regeneration`]), the returned
//! document replaced by what is realised now. Attendance is then told which items were invoiced
//! ([`super::marking`]). A validation (`validate_only`, AIP-163) tells attendance nothing, and
//! answers with the items its rolled-back documents had.

use std::collections::HashMap;

use chrono::{Datelike, Days, Months, NaiveDate};
use seteli_api::billing::v1 as pb;
use seteli_platform::change::Change;
use seteli_platform::convert::to_date;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};

use super::documents::{Draft, credited_numbers};
use super::marking::tell_attendance;
use super::regeneration::{MonthDocs, Slot};
use super::upstream::{fetch_billable, fetch_seller, fetch_terms};
use crate::access;
use crate::app::{App, Settings};
use crate::model::{ItemTotal, VoucherTerms, period, to_units};
use crate::plan::{self, VoucherInput};
use crate::store;
use crate::wire::{self, FeedVoucher, Seller, required_id};

/// GenerateInvoice.
pub async fn generate_invoice(
    app: &App,
    ctx: Ctx,
    req: pb::GenerateInvoiceRequest,
) -> AppResult<pb::GenerateInvoiceResponse> {
    ctx.caller.require(access::GENERATORS)?;
    let change = Change::new(&app.db, &ctx, &req)?;
    if let Some(first) = change.replay().await? {
        return with_items(app, first).await;
    }
    let provider = required_id("provider_id", &req.provider_id)?;
    let (first, last) = wire::month_bounds(req.year, req.month)?;
    if !access::may_act_for(&ctx.caller, &provider) {
        return Err(AppError::NotFound(format!("provider {provider}")));
    }
    let closes_on = closes_on(last, app.settings.close_days);
    if ctx.today() < closes_on {
        return Err(AppError::StateConflict(format!(
            "{} is not closed yet: it may be invoiced from {closes_on}",
            first.format("%Y-%m")
        )));
    }
    let month = period(first.year(), first.month());
    let mut returned = Vec::new();
    {
        let mut conn = app.db.pool().acquire().await?;
        if let Some(docs) = store::generation(&mut conn, &provider, &month).await? {
            let now = MonthDocs::load(&mut conn, &docs).await?;
            returned.extend(now.returned().map(|d| d.id.clone()));
            if returned.is_empty() {
                drop(conn);
                let first = change
                    .apply(move |conn| Box::pin(async move { answer(conn, docs, false).await }))
                    .await?;
                return with_items(app, first).await;
            }
        }
    }

    // Ask first, outside the transaction.
    let up = app.upstream(&ctx)?;
    let validate_only = change.validate_only();
    // Generated again: attendance releases the returned documents' items first (if the return
    // could not tell it), so what it offers now is what the provider corrected. Not for a
    // validation, which changes nothing anywhere: it plans with what attendance offers now.
    for id in returned.iter().filter(|_| !validate_only) {
        tell_attendance(app, &up, id).await?;
    }
    let seller = fetch_seller(app, &up, &provider).await?;
    let since = first
        .checked_sub_months(Months::new(app.settings.lookback_months))
        .unwrap_or(first);
    let feed = fetch_billable(app, &up, &provider, since, first).await?;
    let (terms, fetched_terms) = fetch_terms(app, &up, feed.keys().cloned().collect()).await?;

    let today = ctx.today();
    let settings = app.settings.clone();
    let response = change
        .apply(move |conn| {
            Box::pin(async move {
                let mut written = write_month(
                    conn,
                    MonthFacts {
                        provider: &provider,
                        month: &month,
                        first,
                        since,
                        seller: &seller,
                        feed: &feed,
                        terms: &terms,
                        fetched_terms: &fetched_terms,
                        settings: &settings,
                        today,
                    },
                )
                .await?;
                if validate_only {
                    // Rolled back: the items are put back before they are gone.
                    put_items(conn, &mut written).await?;
                }
                Ok(written)
            })
        })
        .await?;
    if validate_only {
        return Ok(response);
    }
    // Tell attendance; the job retries what fails here.
    for doc in [&response.invoice, &response.credit_note]
        .into_iter()
        .flatten()
    {
        if let Err(e) = tell_attendance(app, &up, &doc.id).await {
            tracing::warn!(error = %e, invoice = %doc.id, "attendance not told yet; retrying later");
        }
    }
    with_items(app, response).await
}

/// The first day a month whose last day is `last` may be invoiced: `close_days` days after the
/// first day of the next month (`SETELI_BILLING_CLOSE_DAYS`).
fn closes_on(last: NaiveDate, close_days: u32) -> NaiveDate {
    last.checked_add_days(Days::new(u64::from(close_days) + 1))
        .unwrap_or(last)
}

/// Puts each document's items back on its lines: the stored answer of a generation leaves them
/// out ([`write_month`]), so what a retry is answered from stays a few KiB however many items
/// a month has (and goes to the database as one statement of one TLS record: see
/// `store::POSTGRES_PARAMETERS`). The items of a document change only when the county returned
/// it and its month is generated again, so the first answer and a retry's are the same until
/// then.
async fn with_items(
    app: &App,
    mut response: pb::GenerateInvoiceResponse,
) -> AppResult<pb::GenerateInvoiceResponse> {
    let mut conn = app.db.pool().acquire().await?;
    put_items(&mut conn, &mut response).await?;
    Ok(response)
}

/// Puts each document's items (as `conn` sees them) back on its lines.
async fn put_items(
    conn: &mut sqlx::AnyConnection,
    response: &mut pb::GenerateInvoiceResponse,
) -> AppResult<()> {
    for doc in [&mut response.invoice, &mut response.credit_note]
        .into_iter()
        .flatten()
    {
        let items = store::document_items(conn, &doc.id).await?;
        crate::model::fill_items(doc, items);
    }
    Ok(())
}

/// What a month's generation works from once the other services were asked.
#[derive(Debug, Clone, Copy)]
pub struct MonthFacts<'a> {
    /// The provider.
    pub provider: &'a str,
    /// The month, `YYYY-MM`.
    pub month: &'a str,
    /// Its first day.
    pub first: NaiveDate,
    /// The first day of the earliest month searched for items recorded late.
    pub since: NaiveDate,
    /// The seller (the provider, from the registry).
    pub seller: &'a Seller,
    /// Attendance's billable items, by voucher.
    pub feed: &'a HashMap<String, FeedVoucher>,
    /// The vouchers' terms, by voucher.
    pub terms: &'a HashMap<String, VoucherTerms>,
    /// Those of the terms `vouchers` was asked for now: cached in the generation's transaction
    /// (one commit, not one more).
    pub fetched_terms: &'a [VoucherTerms],
    /// The settings.
    pub settings: &'a Settings,
    /// The issue date.
    pub today: NaiveDate,
}

/// GenerateInvoice's work inside its transaction: locks the provider, plans every voucher
/// ([`plan::plan_voucher`]) and writes the month's invoice and credit note (or answers the
/// documents of a month generated before). A month one of whose documents the county returned
/// is generated again: what the returned documents billed is taken back first, and they are
/// written again in place (invoice lines while the month's invoice is kept as it is wait for a
/// later month, as items recorded late do). The answer's lines come without their items (the
/// caller puts them back after the commit). Public for the benchmark (`benches/invoicing.rs`).
pub async fn write_month(
    conn: &mut sqlx::AnyConnection,
    facts: MonthFacts<'_>,
) -> AppResult<pb::GenerateInvoiceResponse> {
    let MonthFacts {
        provider,
        month,
        first,
        since,
        seller,
        feed,
        terms,
        fetched_terms,
        settings,
        today,
    } = facts;
    store::lock_provider(conn, provider).await?;
    let again = match store::generation(conn, provider, month).await? {
        Some(docs) => {
            let now = MonthDocs::load(conn, &docs).await?;
            if !now.any_returned() {
                return answer(conn, docs, false).await;
            }
            now.unbill_returned(conn).await?;
            Some(now)
        }
        None => None,
    };
    store::put_voucher_terms(conn, fetched_terms).await?;
    let billed = store::item_totals_since(conn, provider, since).await?;
    let totals = store::voucher_totals(conn, provider).await?;
    let mut billed_of: HashMap<&str, Vec<&ItemTotal>> = HashMap::new();
    for b in &billed {
        billed_of.entry(b.voucher_id.as_str()).or_default().push(b);
    }
    // Every voucher with items now or billed items in the window.
    let empty = FeedVoucher {
        voucher_id: String::new(),
        service: None,
        items: Vec::new(),
        ended_on: None,
    };
    let mut vouchers: Vec<&str> = feed.keys().map(String::as_str).collect();
    vouchers.extend(billed_of.keys().filter(|v| !feed.contains_key(**v)));
    let mut plans = Vec::new();
    let mut violations = Vec::new();
    for v in vouchers {
        let Some(t) = terms.get(v) else {
            // Billed before, not offered now, terms never fetched: nothing to do
            // without them; the next generation fetches them.
            continue;
        };
        let input = VoucherInput {
            feed: feed.get(v).unwrap_or(&empty),
            terms: t,
            billed: billed_of.get(v).map_or(&[][..], Vec::as_slice),
            total: totals.get(v).copied().unwrap_or_default(),
            // PROV-PRICE, VOUCHER-VALUE: each item at the provider's price in force on its date.
            provider_prices: seller.prices.get(&t.service),
        };
        match plan::plan_voucher(input) {
            Ok(p) => plans.push((t.clone(), p)),
            Err(v) => violations.extend(v),
        }
    }
    if !violations.is_empty() {
        return Err(AppError::RuleViolations(violations));
    }
    plans.sort_by(|a, b| a.0.voucher_number.cmp(&b.0.voucher_number));
    let doc = |credit: bool| Draft {
        provider,
        month,
        first,
        seller,
        settings,
        today,
        credit,
    };
    let invoice_lines: Vec<_> = plans
        .iter()
        .flat_map(|(t, p)| p.invoice.iter().map(move |l| (t, l)))
        .collect();
    let credit_lines: Vec<_> = plans
        .iter()
        .flat_map(|(t, p)| p.credit.iter().map(move |l| (t, l)))
        .collect();
    let report: Vec<pb::NoShowEntry> = plans
        .iter()
        .flat_map(|(t, p)| {
            p.no_show_report.iter().map(|(d, u)| pb::NoShowEntry {
                voucher_number: t.voucher_number.clone(),
                date: Some(to_date(*d)),
                billed_units: Some(to_units(*u)),
            })
        })
        .collect();
    let generated_before = again.is_some();
    let docs = again.unwrap_or_default();
    let invoice = match Slot::of(docs.invoice.as_ref()) {
        Slot::New if invoice_lines.is_empty() => None,
        Slot::New => Some(
            doc(false)
                .write(conn, &invoice_lines, report, Vec::new())
                .await?,
        ),
        Slot::Returned(old) => {
            doc(false)
                .rewrite(conn, old, &invoice_lines, report, Vec::new())
                .await?
        }
        // Kept as it is: what is billable beyond it waits for a later month.
        Slot::Kept(kept) => Some(kept.view()),
    };
    let credit = match Slot::of(docs.credit.as_ref()) {
        Slot::New if credit_lines.is_empty() => None,
        Slot::New => {
            let credited = credited_numbers(conn, &credit_lines).await?;
            Some(
                doc(true)
                    .write(conn, &credit_lines, Vec::new(), credited)
                    .await?,
            )
        }
        Slot::Returned(old) => {
            let credited = credited_numbers(conn, &credit_lines).await?;
            doc(true)
                .rewrite(conn, old, &credit_lines, Vec::new(), credited)
                .await?
        }
        Slot::Kept(kept) if credit_lines.is_empty() => Some(kept.view()),
        // The invoice was planned with these credits given back: never bill it without them.
        Slot::Kept(kept) => {
            return Err(AppError::StateConflict(format!(
                "the month's credit note {} is {}: the corrections credited now go on the next \
                 month's credit note; generate that month first",
                kept.body.invoice_number,
                kept.state.code()
            )));
        }
    };
    let ids = (
        invoice.as_ref().map(|i| i.id.as_str()),
        credit.as_ref().map(|i| i.id.as_str()),
    );
    if generated_before {
        store::set_generation(conn, provider, month, ids.0, ids.1).await?;
    } else {
        store::claim_generation(conn, provider, month, ids.0, ids.1).await?;
    }
    Ok(pb::GenerateInvoiceResponse {
        invoice,
        credit_note: credit,
        generated: true,
    })
}

/// The answer of a month generated before.
async fn answer(
    conn: &mut sqlx::AnyConnection,
    (invoice, credit): (Option<String>, Option<String>),
    generated: bool,
) -> AppResult<pb::GenerateInvoiceResponse> {
    let invoice = load_view(conn, invoice).await?;
    let credit_note = load_view(conn, credit).await?;
    Ok(pb::GenerateInvoiceResponse {
        invoice,
        credit_note,
        generated,
    })
}

async fn load_view(
    conn: &mut sqlx::AnyConnection,
    id: Option<String>,
) -> AppResult<Option<pb::Invoice>> {
    let Some(id) = id else {
        return Ok(None);
    };
    Ok(store::load_invoice(conn, &id).await?.map(|row| row.view()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn a_month_closes_close_days_into_the_next() {
        assert_eq!(closes_on(day(2026, 1, 31), 0), day(2026, 2, 1));
        assert_eq!(closes_on(day(2026, 2, 28), 5), day(2026, 3, 6));
        assert_eq!(closes_on(day(2025, 12, 31), 10), day(2026, 1, 11));
        // Past the calendar's end: the last day itself.
        assert_eq!(closes_on(NaiveDate::MAX, 0), NaiveDate::MAX);
    }
}
