//! Writing one document of a generated month, an invoice or a credit note: its number and
//! payment references, its lines, its items as rows of their own (negative on a credit note),
//! its due date and parties; and for a credit note the numbers of the invoices it credits. A
//! document the county returned is written again in place ([`Draft::rewrite`]).

use chrono::{Datelike, Days, NaiveDate};
use seteli_api::billing::v1 as pb;
use seteli_platform::convert::{PbEnum, to_date, to_money, to_service_type};
use seteli_platform::db::new_id;
use seteli_platform::{AppError, AppResult};
use seteli_rules::ids::{finnish_reference, rf_reference};

use crate::app::Settings;
use crate::model::{InvoiceRow, InvoiceState, ItemKind, ItemTotal, VoucherTerms, to_units};
use crate::plan::PlannedLine;
use crate::store::{self, ItemEntry};
use crate::wire::Seller;

/// The numbers of the invoices whose items a credit note credits.
pub(super) async fn credited_numbers(
    conn: &mut sqlx::AnyConnection,
    lines: &[(&VoucherTerms, &PlannedLine)],
) -> AppResult<Vec<String>> {
    let mut numbers: Vec<String> = Vec::new();
    for (_, line) in lines {
        for item in &line.items {
            for n in store::invoice_numbers_of(conn, &item.item_id).await? {
                let n = n.to_string();
                if !numbers.contains(&n) {
                    numbers.push(n);
                }
            }
        }
    }
    numbers.sort();
    Ok(numbers)
}

/// The due date of a document issued on `issued`: `payment_terms_days` later
/// (`SETELI_BILLING_PAYMENT_TERMS_DAYS`).
fn due_on(issued: NaiveDate, payment_terms_days: u32) -> NaiveDate {
    issued
        .checked_add_days(Days::new(u64::from(payment_terms_days)))
        .unwrap_or(issued)
}

/// A document about to be written.
pub(super) struct Draft<'a> {
    pub(super) provider: &'a str,
    pub(super) month: &'a str,
    pub(super) first: NaiveDate,
    pub(super) seller: &'a Seller,
    pub(super) settings: &'a Settings,
    pub(super) today: NaiveDate,
    pub(super) credit: bool,
}

impl Draft<'_> {
    /// Writes a new document of the month, numbered next.
    pub(super) async fn write(
        &self,
        conn: &mut sqlx::AnyConnection,
        lines: &[(&VoucherTerms, &PlannedLine)],
        no_show_report: Vec<pb::NoShowEntry>,
        credits: Vec<String>,
    ) -> AppResult<pb::Invoice> {
        let number = store::next_counter(conn, "invoice_number").await?;
        let created = seteli_platform::db::now_micros();
        let (body, entries) =
            self.compose(new_id(), number, created, lines, no_show_report, credits)?;
        store::insert_invoice(conn, number, self.month, &body).await?;
        store::add_items(conn, &body.id, self.provider, &entries).await?;
        Ok(body)
    }

    /// Writes the month's document again in place of `returned`, one the county returned (its
    /// billing taken back: `store::unbill`). The same id and the **same invoice number**: the
    /// county's financial system only ever receives approved documents (the pull, and
    /// `finance_system` sees nothing else), so a returned number was never used outside Seteli;
    /// keeping it leaves the numbering without gaps, keeps the payment reference made from it,
    /// and the provider and the county keep talking of one invoice. Issued today, due by the
    /// payment terms from today, DRAFT again; with no lines it is WITHDRAWN (`None`): it bills
    /// nothing, and its number is not used again.
    pub(super) async fn rewrite(
        &self,
        conn: &mut sqlx::AnyConnection,
        returned: &InvoiceRow,
        lines: &[(&VoucherTerms, &PlannedLine)],
        no_show_report: Vec<pb::NoShowEntry>,
        credits: Vec<String>,
    ) -> AppResult<Option<pb::Invoice>> {
        let number: i64 = returned.body.invoice_number.parse().map_err(|_| {
            AppError::Internal(anyhow::anyhow!(
                "stored invoice number {:?} is not a number",
                returned.body.invoice_number
            ))
        })?;
        let created = returned.body.created_at_micros;
        let (mut body, entries) = self.compose(
            returned.id.clone(),
            number,
            created,
            lines,
            no_show_report,
            credits,
        )?;
        let state = if lines.is_empty() {
            InvoiceState::Withdrawn
        } else {
            InvoiceState::Draft
        };
        body.state = state.to_pb();
        if !store::replace_returned(conn, &body, state).await? {
            return Err(AppError::StateConflict(format!(
                "invoice {number} moved meanwhile"
            )));
        }
        store::add_items(conn, &body.id, self.provider, &entries).await?;
        if state == InvoiceState::Withdrawn {
            return Ok(None);
        }
        // As stored: its state's facts and version with the new body.
        let row = store::load_invoice(conn, &body.id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("invoice {number}")))?;
        Ok(Some(row.view()))
    }

    /// The document's body (DRAFT) and its items' rows.
    fn compose(
        &self,
        id: String,
        number: i64,
        created_at_micros: i64,
        lines: &[(&VoucherTerms, &PlannedLine)],
        no_show_report: Vec<pb::NoShowEntry>,
        credits: Vec<String>,
    ) -> AppResult<(pb::Invoice, Vec<ItemEntry>)> {
        let reference = finnish_reference(&number.to_string())
            .map_err(|e| AppError::Internal(anyhow::anyhow!("payment reference: {e}")))?;
        let rf = rf_reference(&reference)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("RF reference: {e}")))?;
        let mut entries = Vec::new();
        let mut pb_lines = Vec::new();
        for (n, (t, line)) in lines.iter().enumerate() {
            // The items are rows of their own (`store::add_items`), not part of the body; each
            // names its line (a voucher has a line per unit price).
            let line_number = i32::try_from(n + 1).unwrap_or(i32::MAX);
            pb_lines.push(pb::InvoiceLine {
                line_number,
                voucher_id: t.voucher_id.clone(),
                voucher_number: t.voucher_number.clone(),
                service_type: to_service_type(t.service),
                realised_units: Some(to_units(line.units(ItemKind::Realised))),
                no_show_units: Some(to_units(line.units(ItemKind::NoShow))),
                unit_price: Some(to_money(line.unit_price_cents)),
                amount: Some(to_money(line.cents())),
                capped_units: Some(to_units(line.capped_units)),
                items: Vec::new(),
            });
            let sign = if self.credit { -1 } else { 1 };
            entries.extend(line.items.iter().map(|i| ItemEntry {
                item: ItemTotal {
                    item_id: i.item_id.clone(),
                    voucher_id: t.voucher_id.clone(),
                    kind: i.kind,
                    date: i.date,
                    units: sign * i.units,
                    cents: sign * i.cents,
                },
                line_number,
            }));
        }
        let total: i64 = lines.iter().map(|(_, l)| l.cents()).sum();
        let s = self.settings;
        let due = due_on(self.today, s.payment_terms_days);
        let body = pb::Invoice {
            id,
            invoice_number: number.to_string(),
            kind: if self.credit {
                pb::InvoiceKind::CreditNote
            } else {
                pb::InvoiceKind::Invoice
            } as i32,
            provider_id: self.provider.to_owned(),
            year: self.first.year(),
            month: i32::try_from(self.first.month()).unwrap_or_default(),
            state: pb::InvoiceState::Draft as i32,
            seller: Some(self.seller.party.clone()),
            seller_iban: self.seller.iban.clone(),
            seller_bic: self.seller.bic.clone(),
            buyer: Some(pb::Party {
                name: s.buyer.name.clone(),
                business_id: s.buyer.business_id.clone(),
                einvoice_address: s.buyer.einvoice_address.clone(),
                street_address: s.buyer.street.clone(),
                postal_code: s.buyer.postcode.clone(),
                town: s.buyer.town.clone(),
                country_code: "FI".into(),
            }),
            buyer_reference: s.buyer.reference.clone(),
            issue_date: Some(to_date(self.today)),
            due_date: Some(to_date(due)),
            payment_reference: reference,
            rf_reference: rf,
            total: Some(to_money(total)),
            lines: pb_lines,
            no_show_report,
            credits_invoice_numbers: credits,
            version: 1,
            created_at_micros,
            ..Default::default()
        };
        Ok((body, entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn a_document_is_due_the_payment_terms_after_its_issue() {
        assert_eq!(due_on(day(2026, 2, 1), 21), day(2026, 2, 22));
        assert_eq!(due_on(day(2026, 12, 20), 14), day(2027, 1, 3));
        assert_eq!(due_on(day(2026, 3, 5), 0), day(2026, 3, 5));
        assert_eq!(due_on(NaiveDate::MAX, 1), NaiveDate::MAX);
    }
}
