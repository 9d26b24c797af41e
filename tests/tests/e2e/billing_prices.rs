//! Prices in force (issue 25; PROV-PRICE, VOUCHER-VALUE, RULES.md §10 "the price of a day"),
//! through the public APIs of the registry, vouchers, attendance and billing, with every
//! service's "today" moved by the test (`MovedToday`) through an autumn:
//!
//! - hours delivered in October at 60.00 are billed at 60.00 though the month is invoiced after
//!   the provider set 64.00 in December; December's hours at 64.00, and at the voucher's 65.00
//!   when the provider's next price (68.00) is higher — a line per price;
//! - an invoice generated (and approved) before a price changed (September's) is the same
//!   after it;
//! - the price history GetProvider shows, and who may date a price: the provider's user sets
//!   a price from today, never from a later day, and only the county dates one back.

use chrono::NaiveDate;
use seteli_api::billing::v1 as bpb;
use seteli_api::common::v1::ServiceType;
use seteli_api::providers::v1 as ppb;
use seteli_tests::fixtures::*;
use tonic::Code;

const KTT: ServiceType = ServiceType::KttIndividual;

/// The autumn's days, each a business day.
fn day(m: u32, d: u32) -> NaiveDate {
    ymd(2026, m, d)
}

/// Every service of billing, "today" moved by the test, the county's ceiling prices set
/// (KTT individual coaching 65.00).
async fn start_billing_moved(first: NaiveDate) -> (Env, MovedToday) {
    let services = Env::builder().services(&BILLING).prices(Prices::County);
    start_moved(services, first).await
}

/// (unit price, units, amount) of each of `voucher`'s lines on `inv`, in line order.
fn lines_of(inv: &bpb::Invoice, voucher: &str) -> Vec<(i64, i64, i64)> {
    inv.lines
        .iter()
        .filter(|l| l.voucher_id == voucher)
        .map(|l| {
            (
                cents_of(l.unit_price),
                l.realised_units.map(|u| u.hundredths).unwrap_or_default(),
                cents_of(l.amount),
            )
        })
        .collect()
}

/// The offering's price history: (first day in force, cents), oldest first.
fn history(p: &ppb::Provider) -> Vec<(NaiveDate, i64)> {
    let o = p
        .offerings
        .iter()
        .find(|o| o.service_type == KTT as i32)
        .expect("KTT offering");
    o.price_history
        .iter()
        .map(|h| {
            let d = h.effective_from.expect("date");
            (
                ymd(d.year, d.month as u32, d.day as u32),
                cents_of(h.unit_price),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_session_is_billed_at_the_price_in_force_on_its_date() {
    // Monday 7 September 2026: the provider offers KTT individual coaching at 60.00.
    let (env, today) = start_billing_moved(day(9, 7)).await;
    let (env, p) = with_provider(env, 1_450_001).await;
    let user = env.provider_user(&p);
    // September: 2 hours on an earlier voucher, invoiced and approved on 1 October, before
    // any price changes.
    let september = voucher_granting(&env, &p, 650, KTT, day(9, 7), 3000).await;
    today.set(day(9, 15));
    record(&env, &p, &september, at(day(9, 8), 9, 11))
        .await
        .expect("session");
    today.set(day(10, 1));
    let issued = generated(&env, &p, day(9, 1))
        .await
        .invoice
        .expect("invoice");
    assert_eq!(lines_of(&issued, &september), vec![(6000, 200, 12000)]);
    let issued = submit_and_approve_invoice(&env, &p, &issued.id).await;

    // October: 2 + 2 hours delivered at 60.00; the month is not invoiced yet.
    today.set(day(10, 5));
    let v = voucher_granting(&env, &p, 651, KTT, day(10, 5), 3000).await;
    assert_eq!(cents_of(get_voucher(&env, &v).await.unit_price), 6500);
    today.set(day(10, 20));
    for date in [day(10, 6), day(10, 13)] {
        record(&env, &p, &v, at(date, 9, 11))
            .await
            .expect("session");
    }
    today.set(day(12, 1));

    // 1 December: the provider's user sets 64.00, in force from today. Never from a later day,
    // and a price dated back is the county's to set.
    let later = set_price_from(&mut env.p(), &user, &p, KTT, 6400, Some(day(12, 2))).await;
    refused_with(later, Code::InvalidArgument, "a price from tomorrow");
    let back = set_price_from(&mut env.p(), &user, &p, KTT, 6400, Some(day(11, 1))).await;
    refused_with(
        back,
        Code::PermissionDenied,
        "a provider dating its price back",
    );
    let provider = set_price_from(&mut env.p(), &user, &p, KTT, 6400, None)
        .await
        .expect("price from today");
    let offering = provider
        .offerings
        .iter()
        .find(|o| o.service_type == KTT as i32)
        .expect("offering");
    assert_eq!(
        cents_of(offering.unit_price),
        6400,
        "the price in force today"
    );
    let first = history(&provider)[0].0;
    assert_eq!(history(&provider), vec![(first, 6000), (day(12, 1), 6400)]);
    // The county's ceiling rises to 70.00 from 10 December; the voucher keeps its 65.00.
    set_price(&env, KTT, day(12, 10), 7000).await;

    // December: 2 hours at 64.00; from the 15th the provider asks 68.00, above the voucher's
    // 65.00 but not above a voucher decided at the new ceiling.
    today.set(day(12, 15));
    record(&env, &p, &v, at(day(12, 2), 9, 11))
        .await
        .expect("session");
    set_price_from(&mut env.p(), &user, &p, KTT, 6800, None)
        .await
        .expect("68.00 under the new ceiling");
    let dearer = voucher_granting(&env, &p, 652, KTT, day(12, 15), 3000).await;
    assert_eq!(cents_of(get_voucher(&env, &dearer).await.unit_price), 7000);
    today.set(day(12, 22));
    for voucher in [&v, &dearer] {
        record(&env, &p, voucher, at(day(12, 16), 9, 11))
            .await
            .expect("session");
    }

    // January: October is invoiced at October's price, not today's 68.00.
    today.set(ymd(2027, 1, 4));
    let october = generated(&env, &p, day(10, 1))
        .await
        .invoice
        .expect("invoice");
    assert_eq!(lines_of(&october, &v), vec![(6000, 400, 24000)]);
    assert_eq!(cents_of(october.total), 24000);
    // December: a line per price on the first voucher (64.00, then 68.00 capped at 65.00); the
    // voucher decided at 70.00 bills the provider's 68.00.
    let december = generated(&env, &p, day(12, 1))
        .await
        .invoice
        .expect("invoice");
    assert_eq!(
        lines_of(&december, &v),
        vec![(6400, 200, 12800), (6500, 200, 13000)]
    );
    assert_eq!(lines_of(&december, &dearer), vec![(6800, 200, 13600)]);
    assert_eq!(cents_of(december.total), 12800 + 13000 + 13600);
    // Each line holds the items it bills, and they add up to it.
    let read = invoice(&env, &env.admin(), &december.id)
        .await
        .expect("read");
    for line in &read.lines {
        assert_eq!(line.items.len(), 1, "{line:?}");
        let items: i64 = line.items.iter().map(|i| cents_of(i.amount)).sum();
        assert_eq!(items, cents_of(line.amount), "{line:?}");
    }
    let dates: Vec<(i64, i32)> = read
        .lines
        .iter()
        .filter(|l| l.voucher_id == v)
        .map(|l| (cents_of(l.unit_price), l.items[0].date.expect("date").day))
        .collect();
    assert_eq!(dates, vec![(6400, 2), (6500, 16)]);
    // Both e-invoices of it pass the official schemas and rules (a line's amount is its
    // quantity times its price: a line per price).
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, ubl) = validated_documents(&env, &december.id, dir.path()).await;
    assert!(ubl.contains("64.00") && ubl.contains("65.00") && ubl.contains("68.00"));

    // September's invoice, approved before the prices changed, is what it was.
    let after = invoice(&env, &env.admin(), &issued.id).await.expect("read");
    assert_eq!(after.lines, issued.lines);
    assert_eq!(after.total, issued.total);
    assert_eq!(after.version, issued.version);
    let again = generated(&env, &p, day(9, 1)).await;
    assert!(!again.generated, "a month is generated once");
    assert_eq!(again.invoice.expect("invoice").lines, issued.lines);
}

#[tokio::test]
async fn the_county_dates_a_price_back_under_the_ceiling_of_that_day() {
    let (env, today) = start_billing_moved(day(10, 5)).await;
    let (env, p) = with_provider(env, 1_450_002).await;
    let v = voucher_granting(&env, &p, 661, KTT, day(10, 5), 3000).await;
    today.set(day(10, 20));
    record(&env, &p, &v, at(day(10, 6), 9, 11))
        .await
        .expect("session");
    record(&env, &p, &v, at(day(10, 13), 9, 11))
        .await
        .expect("session");
    // The ceiling rises to 70.00 from 12 October, so 66.00 may be in force from then, not from
    // the 6th (PROV-PRICE against the ceiling in force on the price's first day).
    set_price(&env, KTT, day(10, 12), 7000).await;
    let admin = env.admin();
    let early = set_price_from(&mut env.p(), &admin, &p, KTT, 6600, Some(day(10, 6))).await;
    let err = refused_with(early, Code::FailedPrecondition, "above that day's ceiling");
    assert_eq!(rule_ids(&err), vec!["PROV-PRICE"]);
    // The county corrects the registry: the price agreed was 55.00 from 12 October.
    let provider = set_price_from(&mut env.p(), &admin, &p, KTT, 5500, Some(day(10, 12)))
        .await
        .expect("dated back by the county");
    let h = history(&provider);
    assert_eq!(h.len(), 2, "{h:?}");
    assert_eq!(h[1], (day(10, 12), 5500));
    // Today's price is the latest: 55.00 from 12 October (60.00 was set on 5 October).
    today.set(day(11, 2));
    let october = generated(&env, &p, day(10, 1))
        .await
        .invoice
        .expect("invoice");
    assert_eq!(
        lines_of(&october, &v),
        vec![(6000, 200, 12000), (5500, 200, 11000)]
    );
}
