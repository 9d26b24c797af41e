//! What one voucher's line is on a month's invoice and credit note: pure, no IO. Every rule is
//! the rules crate's (`seteli_rules::absences`, `seteli_rules::money`); this module only puts
//! attendance's items, what was billed before and the voucher's terms in front of them.
//!
//! - An item's target is what it may be billed now: a realised session its realised units
//!   (BILL-REALISED); a no-show one unit if no other no-show of the voucher's calendar month is
//!   billed (BILL-NO-SHOW, [`billable_no_show_units`]: an item billed before keeps its unit);
//!   a provider-cancelled session never reaches the feed (BILL-PROVIDER-CANCEL), and an item of
//!   any other kind is a charge NO-EXTRA-FEES refuses. An item billed before that the feed no
//!   longer offers (voided) has target zero.
//! - PROC-INTERRUPT, "nothing after the end" (RULES.md §10): an item dated after the voucher's
//!   end (its interruption or completion date, `FeedVoucher::ended_on`) is left out, as one
//!   the feed no longer offers: never billed, and credited if it was billed before. Left out
//!   rather than refusing the voucher's line, since the realised items up to the end stay
//!   billable ("voi laskuttaa toteutuneiden palveluiden osalta").
//! - target − billed before > 0 goes on the invoice, capped by the units and the money the
//!   voucher has left (after this run's credits); < 0 goes on the credit note (never a negative
//!   invoice).
//! - The price of a day (RULES.md §10, PROV-PRICE, VOUCHER-VALUE): each item is billed (or
//!   credited) at the provider's price in force on its date, never above the voucher's unit
//!   price ([`PriceHistory::billed_price_on`]); a voucher whose items fall under two prices gets
//!   a line per price.
//! - Money: the line is `units × unit price` rounded to cents half away from zero
//!   ([`line_amount`]); each item gets the difference of the running line amount, so the items
//!   add up to the line exactly.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use seteli_rules::Violation;
use seteli_rules::absences::{
    BilledItem, BilledKind, Charge, ChargeKind, Payer, billable_no_show_units, check_billing,
    check_charges, check_no_show_report,
};
use seteli_rules::ledger::after_the_end;
use seteli_rules::money::{line_amount, to_cents};
use seteli_rules::prices::PriceHistory;

use crate::model::{ItemKind, ItemTotal, VoucherTerms, VoucherTotal};
use crate::wire::FeedVoucher;

/// One voucher's facts for planning.
#[derive(Debug, Clone, Copy)]
pub struct VoucherInput<'a> {
    /// Attendance's billable items of the voucher (every month fetched).
    pub feed: &'a FeedVoucher,
    /// The voucher's terms.
    pub terms: &'a VoucherTerms,
    /// What was billed of the voucher's items in the months fetched.
    pub billed: &'a [&'a ItemTotal],
    /// What was billed of the voucher in all.
    pub total: VoucherTotal,
    /// The provider's own unit prices of the service over time (`None`: not offered any more,
    /// so the voucher's unit price).
    pub provider_prices: Option<&'a PriceHistory>,
}

/// One item on a planned line (units and cents positive: billed, or credited).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedItem {
    /// The attendance item id.
    pub item_id: String,
    /// Realised or no-show.
    pub kind: ItemKind,
    /// The session date.
    pub date: NaiveDate,
    /// Units, hundredths.
    pub units: i64,
    /// Money, cents.
    pub cents: i64,
}

/// A planned line of one voucher at one unit price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedLine {
    /// The unit price, cents: the provider's own in force on the items' dates, never above the
    /// voucher's price snapshot.
    pub unit_price_cents: i64,
    /// The items.
    pub items: Vec<PlannedItem>,
    /// Units offered but not billed: the voucher had no units or money left.
    pub capped_units: i64,
}

impl PlannedLine {
    /// Units of `kind`, hundredths.
    pub fn units(&self, kind: ItemKind) -> i64 {
        self.items
            .iter()
            .filter(|i| i.kind == kind)
            .map(|i| i.units)
            .sum()
    }

    /// The line amount, cents.
    pub fn cents(&self) -> i64 {
        self.items.iter().map(|i| i.cents).sum()
    }

    /// Every unit on the line, hundredths.
    pub fn all_units(&self) -> i64 {
        self.items.iter().map(|i| i.units).sum()
    }
}

/// What one voucher gets on the month's documents.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VoucherPlan {
    /// The invoice lines, one per unit price, in date order (none: nothing billed).
    pub invoice: Vec<PlannedLine>,
    /// The credit-note lines, one per unit price, in date order (none: nothing credited).
    pub credit: Vec<PlannedLine>,
    /// SK no-shows for the billing report (SK-NO-SHOW-REPORT): date and units billed for it.
    pub no_show_report: Vec<(NaiveDate, i64)>,
}

fn dec_units(hundredths: i64) -> Decimal {
    Decimal::new(hundredths, 2)
}

/// `units × price` rounded to cents, as whole cents.
pub fn amount_cents(units: i64, price_cents: i64) -> i64 {
    line_amount(dec_units(units), Decimal::new(price_cents, 2))
        .and_then(to_cents)
        .unwrap_or(i64::MAX)
}

/// Items with their unit prices, cents, grouped into lines: a line per price, in the order
/// each price first comes; the capped units on the last line.
fn lines_by_price(items: Vec<(i64, PlannedItem)>, capped_units: i64) -> Vec<PlannedLine> {
    let mut lines: Vec<PlannedLine> = Vec::new();
    for (price, item) in items {
        match lines.iter_mut().find(|l| l.unit_price_cents == price) {
            Some(line) => line.items.push(item),
            None => lines.push(PlannedLine {
                unit_price_cents: price,
                items: vec![item],
                capped_units: 0,
            }),
        }
    }
    if let Some(last) = lines.last_mut() {
        last.capped_units = capped_units;
    }
    lines
}

/// Plans one voucher, or says which rules its items break.
pub fn plan_voucher(input: VoucherInput<'_>) -> Result<VoucherPlan, Vec<Violation>> {
    let terms = input.terms;
    // PROV-PRICE, VOUCHER-VALUE: the provider's price in force on the item's date, never above
    // the voucher's unit price.
    let price_of = |date: NaiveDate| match input.provider_prices {
        Some(prices) => prices.billed_price_on(date, terms.unit_price_cents),
        None => terms.unit_price_cents.max(0),
    };
    let billed: HashMap<&str, &ItemTotal> = input
        .billed
        .iter()
        .map(|b| (b.item_id.as_str(), *b))
        .collect();

    // Targets. NO-EXTRA-FEES: an item of a kind billing does not know is a charge of another
    // kind, refused whatever its amount.
    let mut charges = Vec::new();
    let mut targets: Vec<(String, ItemKind, NaiveDate, i64)> = Vec::new();
    let mut realised_of: HashMap<String, i64> = HashMap::new();
    let mut no_shows: Vec<(&str, NaiveDate, i64)> = Vec::new();
    // PROC-INTERRUPT: nothing dated after the voucher's end is offered.
    let ended_on = input.feed.ended_on;
    let in_force = || {
        input
            .feed
            .items
            .iter()
            .filter(move |i| !after_the_end(i.date, ended_on))
    };
    for i in in_force() {
        match i.kind {
            Some(ItemKind::Realised) => {
                realised_of.insert(i.item_id.clone(), i.units.max(0));
                targets.push((
                    i.item_id.clone(),
                    ItemKind::Realised,
                    i.date,
                    i.units.max(0),
                ));
            }
            Some(ItemKind::NoShow) => no_shows.push((&i.item_id, i.date, i.units.max(0))),
            None => charges.push(Charge {
                kind: ChargeKind::Other,
                payer: Payer::County,
                amount: Decimal::new(amount_cents(i.units, price_of(i.date)), 2),
            }),
        }
    }
    // BILL-NO-SHOW: one unit per calendar month per voucher; a no-show billed before keeps its
    // unit, the others follow by date.
    no_shows.sort_by_key(|(id, date, _)| {
        (
            billed.get(id).map_or(0, |b| b.units) <= 0,
            *date,
            id.to_string(),
        )
    });
    let mut granted: Vec<NaiveDate> = Vec::new();
    for (id, date, offered) in &no_shows {
        // BILL-NO-SHOW
        let allowed = billable_no_show_units(*date, &granted);
        let units = if *offered > 0 && allowed >= Decimal::ONE {
            granted.push(*date);
            (*offered).min(100)
        } else {
            0
        };
        targets.push((id.to_string(), ItemKind::NoShow, *date, units));
    }
    // Billed before but no longer offered (voided): nothing stays billed.
    let offered: HashSet<&str> = in_force().map(|i| i.item_id.as_str()).collect();
    for b in input.billed {
        if !offered.contains(b.item_id.as_str()) && b.units != 0 {
            targets.push((b.item_id.clone(), b.kind, b.date, 0));
        }
    }
    targets.sort_by(|a, b| (a.2, &a.0).cmp(&(b.2, &b.0)));

    // Credits first: what they give back is left for the invoice. Each price's running line
    // amount: (units, cents).
    let mut credit_items: Vec<(i64, PlannedItem)> = Vec::new();
    let mut running_of: HashMap<i64, (i64, i64)> = HashMap::new();
    for (id, kind, date, target) in &targets {
        let Some(b) = billed.get(id.as_str()) else {
            continue;
        };
        if *target >= b.units {
            continue;
        }
        let units = b.units - target;
        let price = price_of(*date);
        let (cum_units, cum_cents) = running_of.entry(price).or_default();
        *cum_units += units;
        let running = amount_cents(*cum_units, price);
        let cents = if *target == 0 {
            b.cents
        } else {
            (running - *cum_cents).clamp(0, b.cents)
        };
        *cum_cents = running;
        credit_items.push((
            price,
            PlannedItem {
                item_id: id.clone(),
                kind: *kind,
                date: *date,
                units,
                cents,
            },
        ));
    }
    let credited_units: i64 = credit_items.iter().map(|(_, i)| i.units).sum();
    let credited_cents: i64 = credit_items.iter().map(|(_, i)| i.cents).sum();

    // The invoice, capped by what the voucher has left (CAP-UNITS of the grant, its value).
    let left_units = (terms.units_granted - input.total.units + credited_units).max(0);
    let left_cents = (terms.value_cents - input.total.cents + credited_cents).max(0);
    let mut invoice_items: Vec<(i64, PlannedItem)> = Vec::new();
    let mut running_of: HashMap<i64, (i64, i64)> = HashMap::new();
    let (mut units_taken, mut cents_taken, mut capped) = (0i64, 0i64, 0i64);
    for (id, kind, date, target) in &targets {
        let before = billed.get(id.as_str()).map_or(0, |b| b.units);
        let delta = target - before;
        if delta <= 0 {
            continue;
        }
        let take = delta.min(left_units - units_taken).max(0);
        if take == 0 || cents_taken >= left_cents {
            capped += delta;
            continue;
        }
        capped += delta - take;
        units_taken += take;
        let price = price_of(*date);
        let (cum_units, cum_cents) = running_of.entry(price).or_default();
        *cum_units += take;
        let cents = (amount_cents(*cum_units, price) - *cum_cents).min(left_cents - cents_taken);
        *cum_cents += cents;
        cents_taken += cents;
        invoice_items.push((
            price,
            PlannedItem {
                item_id: id.clone(),
                kind: *kind,
                date: *date,
                units: take,
                cents,
            },
        ));
    }

    // The rules over what the voucher's items are billed after this run.
    let mut net: HashMap<&str, i64> = billed.iter().map(|(k, b)| (*k, b.units)).collect();
    for (_, c) in &credit_items {
        *net.entry(c.item_id.as_str()).or_default() -= c.units;
    }
    for (_, i) in &invoice_items {
        *net.entry(i.item_id.as_str()).or_default() += i.units;
    }
    let checked: Vec<BilledItem> = targets
        .iter()
        .map(|(id, kind, date, _)| BilledItem {
            date: *date,
            kind: match kind {
                ItemKind::Realised => BilledKind::Realised,
                ItemKind::NoShow => BilledKind::NoShow,
            },
            realised_units: dec_units(realised_of.get(id).copied().unwrap_or_default()),
            billed_units: dec_units(net.get(id.as_str()).copied().unwrap_or_default()),
        })
        .collect();
    for (_, i) in &invoice_items {
        charges.push(Charge {
            kind: match i.kind {
                ItemKind::Realised => ChargeKind::RealisedUnits,
                ItemKind::NoShow => ChargeKind::NoShow,
            },
            payer: Payer::County,
            amount: Decimal::new(i.cents, 2),
        });
    }
    // BILL-REALISED, BILL-NO-SHOW, BILL-PROVIDER-CANCEL
    let mut violations = check_billing(&checked);
    // NO-EXTRA-FEES
    violations.extend(check_charges(&charges));

    // SK-NO-SHOW-REPORT: every SK no-show of the items is listed, billed or not.
    let mut report: Vec<(NaiveDate, i64)> = Vec::new();
    if terms.service.is_sk() {
        report = no_shows
            .iter()
            .map(|(id, date, _)| (*date, net.get(id).copied().unwrap_or_default()))
            .collect();
        report.sort();
        let dates: Vec<NaiveDate> = no_shows.iter().map(|(_, d, _)| *d).collect();
        let listed: Vec<NaiveDate> = report.iter().map(|(d, _)| *d).collect();
        // SK-NO-SHOW-REPORT
        violations.extend(check_no_show_report(terms.service, &dates, &listed));
    }
    if !violations.is_empty() {
        return Err(violations);
    }
    Ok(VoucherPlan {
        invoice: lines_by_price(invoice_items, capped),
        credit: lines_by_price(credit_items, 0),
        no_show_report: report,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::wire::FeedItem;
    use seteli_rules::ServiceType;
    use seteli_rules::rule_ids::NO_EXTRA_FEES;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn terms(service: ServiceType, granted: i64, price: i64) -> VoucherTerms {
        VoucherTerms {
            voucher_id: "v".into(),
            voucher_number: "PS-1".into(),
            service,
            unit_price_cents: price,
            units_granted: granted,
            value_cents: amount_cents(granted, price),
        }
    }

    /// The one line of a voucher's document.
    fn one(lines: Vec<PlannedLine>) -> PlannedLine {
        assert_eq!(lines.len(), 1, "{lines:?}");
        lines.into_iter().next().unwrap()
    }

    fn item(id: &str, date: NaiveDate, kind: Option<ItemKind>, units: i64) -> FeedItem {
        FeedItem {
            item_id: id.into(),
            date,
            kind,
            units,
        }
    }

    fn plan(
        items: Vec<FeedItem>,
        t: &VoucherTerms,
        billed: &[ItemTotal],
        price: Option<i64>,
    ) -> Result<VoucherPlan, Vec<Violation>> {
        plan_ended(items, t, billed, price, None)
    }

    fn plan_ended(
        items: Vec<FeedItem>,
        t: &VoucherTerms,
        billed: &[ItemTotal],
        price: Option<i64>,
        ended_on: Option<NaiveDate>,
    ) -> Result<VoucherPlan, Vec<Violation>> {
        let prices = price.map(|p| PriceHistory::new([(d(1, 1), p)]));
        plan_priced(items, t, billed, prices.as_ref(), ended_on)
    }

    fn plan_priced(
        items: Vec<FeedItem>,
        t: &VoucherTerms,
        billed: &[ItemTotal],
        prices: Option<&PriceHistory>,
        ended_on: Option<NaiveDate>,
    ) -> Result<VoucherPlan, Vec<Violation>> {
        let feed = FeedVoucher {
            voucher_id: "v".into(),
            service: Some(t.service),
            items,
            ended_on,
        };
        let refs: Vec<&ItemTotal> = billed.iter().collect();
        let total = VoucherTotal {
            units: billed.iter().map(|b| b.units).sum(),
            cents: billed.iter().map(|b| b.cents).sum(),
        };
        plan_voucher(VoucherInput {
            feed: &feed,
            terms: t,
            billed: &refs,
            total,
            provider_prices: prices,
        })
    }

    #[test]
    fn price_is_the_providers_but_never_above_the_snapshot() {
        let t = terms(ServiceType::KttIndividual, 3000, 6500);
        let items = vec![item("a", d(10, 1), Some(ItemKind::Realised), 150)];
        let p = plan(items.clone(), &t, &[], Some(6000)).unwrap();
        let line = one(p.invoice);
        assert_eq!((line.unit_price_cents, line.cents()), (6000, 9000));
        let p = plan(items, &t, &[], Some(7000)).unwrap();
        assert_eq!(one(p.invoice).unit_price_cents, 6500);
    }

    #[test]
    fn each_item_is_billed_at_the_price_in_force_on_its_date() {
        // 60.00 from October, 64.00 from 1 December, 68.00 from 15 December; the voucher 65.00.
        let t = terms(ServiceType::KttIndividual, 3000, 6500);
        let prices = PriceHistory::new([(d(10, 1), 6000), (d(12, 1), 6400), (d(12, 15), 6800)]);
        let items = vec![
            item("oct", d(10, 6), Some(ItemKind::Realised), 200),
            item("dec", d(12, 7), Some(ItemKind::Realised), 150),
            item("late", d(12, 16), Some(ItemKind::Realised), 100),
            item("dec2", d(12, 14), Some(ItemKind::Realised), 50),
        ];
        let p = plan_priced(items, &t, &[], Some(&prices), None).unwrap();
        let lines: Vec<(i64, i64, i64)> = p
            .invoice
            .iter()
            .map(|l| (l.unit_price_cents, l.all_units(), l.cents()))
            .collect();
        // A line per price in date order; 68.00 capped by the voucher's 65.00.
        assert_eq!(
            lines,
            vec![(6000, 200, 12000), (6400, 200, 12800), (6500, 100, 6500)]
        );
        // Billed before at 60.00 and voided now: credited as billed.
        let billed = [ItemTotal {
            item_id: "oct".into(),
            voucher_id: "v".into(),
            kind: ItemKind::Realised,
            date: d(10, 6),
            units: 200,
            cents: 12000,
        }];
        let p = plan_priced(Vec::new(), &t, &billed, Some(&prices), None).unwrap();
        let credit = one(p.credit);
        assert_eq!((credit.unit_price_cents, credit.cents()), (6000, 12000));
        // The money the voucher has left caps across the lines.
        let mut t2 = t.clone();
        t2.value_cents = 15000;
        let items = vec![
            item("a", d(11, 30), Some(ItemKind::Realised), 200),
            item("b", d(12, 1), Some(ItemKind::Realised), 200),
        ];
        let p = plan_priced(items, &t2, &[], Some(&prices), None).unwrap();
        let cents: Vec<i64> = p.invoice.iter().map(PlannedLine::cents).collect();
        assert_eq!(cents, vec![12000, 3000]);
    }

    #[test]
    fn nothing_dated_after_the_voucher_s_end_is_billed() {
        let t = terms(ServiceType::KttIndividual, 3000, 6500);
        let items = vec![
            item("before", d(10, 15), Some(ItemKind::Realised), 100),
            item("on", d(10, 20), Some(ItemKind::Realised), 100),
            item("after", d(10, 22), Some(ItemKind::Realised), 100),
            item("late-no-show", d(11, 3), Some(ItemKind::NoShow), 100),
        ];
        let p = plan_ended(items.clone(), &t, &[], None, Some(d(10, 20))).expect("plan");
        let line = one(p.invoice);
        let ids: Vec<&str> = line.items.iter().map(|i| i.item_id.as_str()).collect();
        assert_eq!(ids, ["before", "on"]);
        // Billed before the end was known: credited.
        let billed = [ItemTotal {
            item_id: "after".into(),
            voucher_id: "v".into(),
            kind: ItemKind::Realised,
            date: d(10, 22),
            units: 100,
            cents: 6500,
        }];
        let p = plan_ended(items.clone(), &t, &billed, None, Some(d(10, 20))).expect("plan");
        let credit = one(p.credit);
        assert_eq!(credit.items.len(), 1);
        assert_eq!(
            (credit.items[0].item_id.as_str(), credit.cents()),
            ("after", 6500)
        );
        // A running voucher bills them all.
        let p = plan_ended(items, &t, &[], None, None).expect("plan");
        assert_eq!(one(p.invoice).units(ItemKind::Realised), 300);
    }

    #[test]
    fn one_no_show_unit_per_calendar_month() {
        let t = terms(ServiceType::SkGroup, 4000, 3500);
        let items = vec![
            item("a", d(10, 5), Some(ItemKind::NoShow), 100),
            item("b", d(10, 6), Some(ItemKind::NoShow), 100),
            item("c", d(11, 2), Some(ItemKind::NoShow), 100),
        ];
        let p = plan(items, &t, &[], None).unwrap();
        let line = one(p.invoice);
        assert_eq!(line.units(ItemKind::NoShow), 200);
        // SK-NO-SHOW-REPORT lists all three, one billed zero.
        assert_eq!(
            p.no_show_report,
            vec![(d(10, 5), 100), (d(10, 6), 0), (d(11, 2), 100)]
        );
    }

    #[test]
    fn caps_by_units_and_money_left() {
        let t = terms(ServiceType::KttIndividual, 300, 6500);
        let billed = [ItemTotal {
            item_id: "old".into(),
            voucher_id: "v".into(),
            kind: ItemKind::Realised,
            date: d(9, 1),
            units: 200,
            cents: 13000,
        }];
        let items = vec![
            item("old", d(9, 1), Some(ItemKind::Realised), 200),
            item("a", d(10, 1), Some(ItemKind::Realised), 200),
        ];
        let p = plan(items, &t, &billed, None).unwrap();
        let line = one(p.invoice);
        assert_eq!(
            (line.all_units(), line.cents(), line.capped_units),
            (100, 6500, 100)
        );
        // Money: a cheaper grant value than units × price.
        let mut t2 = terms(ServiceType::KttIndividual, 3000, 6500);
        t2.value_cents = 10000;
        let p = plan(
            vec![item("a", d(10, 1), Some(ItemKind::Realised), 200)],
            &t2,
            &[],
            None,
        )
        .unwrap();
        assert_eq!(one(p.invoice).cents(), 10000);
    }

    #[test]
    fn nothing_twice_and_corrections_down_are_credited() {
        let t = terms(ServiceType::KttIndividual, 3000, 6500);
        let billed = [ItemTotal {
            item_id: "a".into(),
            voucher_id: "v".into(),
            kind: ItemKind::Realised,
            date: d(10, 1),
            units: 200,
            cents: 13000,
        }];
        let same = plan(
            vec![item("a", d(10, 1), Some(ItemKind::Realised), 200)],
            &t,
            &billed,
            None,
        )
        .unwrap();
        assert_eq!(same, VoucherPlan::default());
        let down = plan(
            vec![item("a", d(10, 1), Some(ItemKind::Realised), 100)],
            &t,
            &billed,
            None,
        )
        .unwrap();
        assert!(down.invoice.is_empty());
        let credit = one(down.credit);
        assert_eq!((credit.all_units(), credit.cents()), (100, 6500));
        // Voided: gone from the feed, credited whole.
        let voided = plan(Vec::new(), &t, &billed, None).unwrap();
        assert_eq!(one(voided.credit).cents(), 13000);
    }

    #[test]
    fn an_unknown_charge_is_refused() {
        let t = terms(ServiceType::KttIndividual, 3000, 6500);
        let v = plan(vec![item("x", d(10, 1), None, 100)], &t, &[], None).unwrap_err();
        assert!(v.iter().any(|v| v.rule == NO_EXTRA_FEES));
    }
}
