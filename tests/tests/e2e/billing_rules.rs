//! Each billing rule through the public APIs of all four services (providers, vouchers,
//! attendance, billing), with every service's "today" pinned (`start_billing_on`), so a month
//! is closed and invoiced on a date the test chooses and the test never expires:
//!
//! - the price: the provider's own, never above the voucher's price snapshot;
//! - month boundaries: a month is closed from the first day of the next (or
//!   `SETELI_BILLING_CLOSE_DAYS` later); an invoice bills its own month's items and items of
//!   earlier months recorded late; BILL-NO-SHOW counts calendar months, not invoices;
//! - BILL-PROVIDER-CANCEL, a client's cancellation before the day, NO-EXTRA-FEES: nothing but
//!   realised units and allowed no-shows is billed;
//! - SK-NO-SHOW-REPORT: an SK voucher's no-shows, billed or not, are listed on the invoice and in
//!   both e-invoices; a KTT voucher's are not;
//! - the cap by money: the last invoice bills only what the voucher's value has left;
//! - what configuration decides (buyer, buyer reference, payment terms) and what every invoice
//!   carries (VAT 0 % exempt under the VAT act § 37, viitenumero and RF reference), in both
//!   e-invoices, validated against the official schemas.
//!
//! The cap by units and a refusal of NO-EXTRA-FEES need an attendance that offers what the real
//! one never does: `billing_upstream.rs`.

use chrono::NaiveDate;
use seteli_api::attendance::v1 as apb;
use seteli_api::billing::v1 as bpb;
use seteli_api::common::v1::ServiceType;
use seteli_tests::fixtures::*;
use tonic::Code;

/// March, April and May 2026.
fn march() -> NaiveDate {
    ymd(2026, 3, 1)
}
fn april() -> NaiveDate {
    ymd(2026, 4, 1)
}
fn may() -> NaiveDate {
    ymd(2026, 5, 1)
}

/// The day vouchers are decided on and valid from: Monday 2 March 2026.
fn from() -> NaiveDate {
    ymd(2026, 3, 2)
}

fn client_did_not_come() -> apb::Cancellation {
    apb::Cancellation {
        by: apb::CancelledBy::Client as i32,
        ..Default::default()
    }
}

/// A session on `date` (9–10) of `provider`'s voucher `v`, which the client did not come to.
async fn no_show(env: &Env, provider: &str, v: &str, date: NaiveDate) -> apb::Session {
    no_show_at(env, provider, v, at(date, 9, 10)).await
}

async fn no_show_at(
    env: &Env,
    provider: &str,
    v: &str,
    session: apb::SessionDetails,
) -> apb::Session {
    let s = record(env, provider, v, session).await.expect("session");
    cancel(env, provider, &s.id, client_did_not_come())
        .await
        .expect("no-show")
}

fn item_ids(l: &bpb::InvoiceLine) -> Vec<String> {
    let mut ids: Vec<String> = l.items.iter().map(|i| i.item_id.clone()).collect();
    ids.sort();
    ids
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

fn line_of<'a>(inv: &'a bpb::Invoice, voucher: &str) -> &'a bpb::InvoiceLine {
    inv.lines
        .iter()
        .find(|l| l.voucher_id == voucher)
        .unwrap_or_else(|| panic!("no line of voucher {voucher}: {inv:?}"))
}

fn item_month(i: &bpb::InvoicedItem) -> (i32, i32) {
    let d = i.date.as_ref().expect("date");
    (d.year, d.month)
}

#[tokio::test]
async fn the_price_is_the_providers_own_but_never_above_the_vouchers_snapshot() {
    let (env, p) = with_provider(start_billing_on(ymd(2026, 5, 4)).await, 1_400_001).await;
    // The ceiling price rises on 1 April: a voucher decided before keeps its snapshot (65.00).
    set_price(&env, ServiceType::KttIndividual, april(), 7000).await;
    let before = voucher_granting(&env, &p, 601, ServiceType::KttIndividual, from(), 3000).await;
    let after = voucher_granting(&env, &p, 602, ServiceType::KttIndividual, april(), 3000).await;
    assert_eq!(cents_of(get_voucher(&env, &before).await.unit_price), 6500);
    assert_eq!(cents_of(get_voucher(&env, &after).await.unit_price), 7000);
    // The provider now asks 68.00: above the first voucher's snapshot, below the second's.
    set_provider_price(&env, &p, ServiceType::KttIndividual, 6800).await;
    record(&env, &p, &before, at(ymd(2026, 4, 7), 9, 11))
        .await
        .expect("session");
    record(&env, &p, &after, at(ymd(2026, 4, 8), 9, 11))
        .await
        .expect("session");

    let inv = generated(&env, &p, april()).await.invoice.expect("invoice");
    let capped = line_of(&inv, &before);
    assert_eq!(cents_of(capped.unit_price), 6500, "the snapshot, not 68.00");
    assert_eq!(cents_of(capped.amount), 13000);
    let own = line_of(&inv, &after);
    assert_eq!(cents_of(own.unit_price), 6800, "the provider's own price");
    assert_eq!(cents_of(own.amount), 13600);
    assert_eq!(cents_of(inv.total), 26600);
}

#[tokio::test]
async fn a_month_ends_at_its_last_day_and_no_shows_count_per_calendar_month() {
    // Monday 1 June 2026: May closed today (SETELI_BILLING_CLOSE_DAYS 0), June is open.
    let (env, p) = with_provider(start_billing_on(ymd(2026, 6, 1)).await, 1_400_011).await;
    let v = voucher_granting(&env, &p, 611, ServiceType::KttIndividual, from(), 3000).await;
    // March: the last day's session and a no-show. April: the first day's session and two
    // no-shows (one unit: BILL-NO-SHOW).
    let march_last = record(&env, &p, &v, at(ymd(2026, 3, 31), 9, 11))
        .await
        .expect("31 March");
    let march_no_show = no_show(&env, &p, &v, ymd(2026, 3, 30)).await;
    let april_first = record(&env, &p, &v, at(ymd(2026, 4, 1), 9, 10))
        .await
        .expect("1 April");
    let april_no_shows = [
        no_show(&env, &p, &v, ymd(2026, 4, 2)).await,
        no_show(&env, &p, &v, ymd(2026, 4, 3)).await,
    ];

    let err = refused_with(
        generate(&env, &env.admin(), &p, ymd(2026, 6, 1)).await,
        Code::FailedPrecondition,
        "June is not closed on 1 June",
    );
    assert_eq!(rule_ids(&err), vec!["STATE-TRANSITION"]);

    let m = generated(&env, &p, march()).await.invoice.expect("March");
    assert_eq!(line_units(&m.lines[0]), (200, 100));
    assert_eq!(
        item_ids(&m.lines[0]),
        sorted(vec![march_last.id.clone(), march_no_show.id.clone()])
    );
    assert!(m.lines[0].items.iter().all(|i| item_month(i) == (2026, 3)));

    let a = generated(&env, &p, april()).await.invoice.expect("April");
    assert_eq!(
        line_units(&a.lines[0]),
        (100, 100),
        "one no-show unit in April"
    );
    let billed = item_ids(&a.lines[0]);
    assert!(billed.contains(&april_first.id));
    assert_eq!(
        april_no_shows
            .iter()
            .filter(|n| billed.contains(&n.id))
            .count(),
        1
    );
    assert!(a.lines[0].items.iter().all(|i| item_month(i) == (2026, 4)));

    // Recorded late: a March no-show after the one billed (March's unit is billed already) and
    // an April session. May's invoice bills the session as what it is (dated April), and no
    // second unit for March.
    let late_no_show = no_show_at(&env, &p, &v, at(ymd(2026, 3, 31), 13, 14)).await;
    let late_session = record(&env, &p, &v, at(ymd(2026, 4, 30), 9, 12))
        .await
        .expect("late session");
    let may_session = record(&env, &p, &v, at(ymd(2026, 5, 4), 9, 10))
        .await
        .expect("May session");
    let next = generated(&env, &p, may()).await;
    assert!(next.credit_note.is_none(), "nothing billed before changed");
    let mi = next.invoice.expect("May");
    assert_eq!(line_units(&mi.lines[0]), (400, 0));
    assert_eq!(
        item_ids(&mi.lines[0]),
        sorted(vec![late_session.id.clone(), may_session.id.clone()])
    );
    assert!(!item_ids(&mi.lines[0]).contains(&late_no_show.id));
    let late = mi.lines[0]
        .items
        .iter()
        .find(|i| i.item_id == late_session.id)
        .expect("late session");
    assert_eq!(item_month(late), (2026, 4));
}

#[tokio::test]
async fn a_month_is_closed_and_an_invoice_made_as_configured() {
    // SETELI_BILLING_CLOSE_DAYS=3: April may be invoiced from 4 May; today is 3 May. The buyer
    // and the payment terms are configuration too.
    let env = Env::builder().services(&BILLING).prices(Prices::County);
    let env = env.clock(clock_on(ymd(2026, 5, 3)));
    let env = env.tweak(|svc, c| {
        if svc == Svc::Billing {
            for (key, value) in [
                ("SETELI_BILLING_CLOSE_DAYS", "3"),
                ("SETELI_BILLING_PAYMENT_TERMS_DAYS", "30"),
                ("SETELI_BILLING_BUYER_NAME", "Esimerkin hyvinvointialue"),
                ("SETELI_BILLING_BUYER_BUSINESS_ID", "0737546-2"),
                ("SETELI_BILLING_BUYER_REFERENCE", "KP-4711 Palvelusetelit"),
            ] {
                c.vars.insert(key.into(), value.into());
            }
        }
    });
    let (env, p) = with_provider(env.start().await, 1_400_021).await;
    let v = voucher_granting(&env, &p, 621, ServiceType::KttIndividual, from(), 3000).await;
    record(&env, &p, &v, at(ymd(2026, 3, 10), 9, 10))
        .await
        .expect("March");
    record(&env, &p, &v, at(ymd(2026, 4, 10), 9, 10))
        .await
        .expect("April");
    let err = refused_by(
        generate(&env, &env.admin(), &p, april()).await,
        ["STATE-TRANSITION"],
        "April closes on 4 May",
    );
    assert!(err.message().contains("2026-05-04"), "{err:?}");
    let m = generated(&env, &p, march()).await.invoice.expect("March");
    assert_eq!(line_units(&m.lines[0]), (100, 0));
    // Issued today, due 30 days later; the buyer as configured (its OVT from its Y-tunnus).
    assert_eq!(m.issue_date, d(ymd(2026, 5, 3)));
    assert_eq!(m.due_date, d(ymd(2026, 6, 2)));
    let buyer = m.buyer.clone().expect("buyer");
    assert_eq!(
        (buyer.name.as_str(), buyer.business_id.as_str()),
        ("Esimerkin hyvinvointialue", "0737546-2")
    );
    assert_eq!(buyer.einvoice_address, "003707375462");
    assert_eq!(m.buyer_reference, "KP-4711 Palvelusetelit");
    let dir = tempfile::tempdir().expect("tempdir");
    let (finvoice, ubl) = validated_documents(&env, &m.id, dir.path()).await;
    assert!(finvoice.contains("<InvoiceDueDate Format=\"CCYYMMDD\">20260602<"));
    assert!(finvoice.contains("<BuyerReferenceIdentifier>KP-4711 Palvelusetelit<"));
    assert!(finvoice.contains("<BuyerOrganisationUnitNumber>003707375462<"));
    assert!(ubl.contains("<cbc:DueDate>2026-06-02<"));
    assert!(ubl.contains("<cbc:BuyerReference>KP-4711 Palvelusetelit<"));
    assert!(ubl.contains("<cbc:EndpointID schemeID=\"0216\">003707375462<"));
    assert!(ubl.contains("<cbc:Name>Esimerkin hyvinvointialue<"));
}

#[tokio::test]
async fn cancelled_sessions_and_anything_but_realised_units_and_allowed_no_shows_are_not_billed() {
    let (env, p) = with_provider(start_billing_on(ymd(2026, 5, 4)).await, 1_400_031).await;
    let v = voucher_granting(&env, &p, 631, ServiceType::KttIndividual, from(), 3000).await;
    let held = record(&env, &p, &v, at(ymd(2026, 4, 7), 9, 11))
        .await
        .expect("held");
    // BILL-PROVIDER-CANCEL: the provider cancels (its conditions met) and holds a replacement.
    let cancelled = record(&env, &p, &v, at(ymd(2026, 4, 9), 9, 11))
        .await
        .expect("to be cancelled");
    let replacement = record(&env, &p, &v, at(ymd(2026, 4, 14), 9, 11))
        .await
        .expect("replacement");
    cancel(
        &env,
        &p,
        &cancelled.id,
        apb::Cancellation {
            by: apb::CancelledBy::Provider as i32,
            cancelled_on: d(ymd(2026, 4, 8)),
            substitute_unsuitable: true,
            client_told_on: d(ymd(2026, 4, 8)),
            replacement_session_id: replacement.id.clone(),
            documentation: "Ohjaaja sairastui; sijainen ei sovi asiakkaalle.".into(),
        },
    )
    .await
    .expect("cancelled by the provider");
    // The client cancels the day before: not billable, not a no-show.
    let called_off = record(&env, &p, &v, at(ymd(2026, 4, 16), 9, 10))
        .await
        .expect("to be called off");
    cancel(
        &env,
        &p,
        &called_off.id,
        apb::Cancellation {
            by: apb::CancelledBy::Client as i32,
            cancelled_on: d(ymd(2026, 4, 15)),
            ..Default::default()
        },
    )
    .await
    .expect("cancelled by the client the day before");
    // One no-show: its one unit is billable (BILL-NO-SHOW).
    let missed = no_show(&env, &p, &v, ymd(2026, 4, 21)).await;

    let inv = generated(&env, &p, april()).await.invoice.expect("April");
    assert_eq!(inv.lines.len(), 1);
    let line = &inv.lines[0];
    assert_eq!(line_units(line), (400, 100));
    assert_eq!(
        item_ids(line),
        sorted(vec![held.id, replacement.id, missed.id]),
        "neither the provider's cancellation nor the client's the day before"
    );
    // NO-EXTRA-FEES: the total is the realised hours and the allowed no-show at the price, and
    // the e-invoices carry that line and nothing else (no charge, no other line).
    assert_eq!(cents_of(line.amount), 5 * 6000);
    assert_eq!(cents_of(inv.total), 5 * 6000);
    let dir = tempfile::tempdir().expect("tempdir");
    let (finvoice, ubl) = validated_documents(&env, &inv.id, dir.path()).await;
    assert_eq!(finvoice.matches("<InvoiceRow>").count(), 1);
    assert_eq!(ubl.matches("<cac:InvoiceLine>").count(), 1);
    assert!(!ubl.contains("<cbc:ChargeIndicator>true"));
    assert!(!ubl.contains("<cac:AllowanceCharge>"), "not capped either");
    assert!(ubl.contains("<cbc:PayableAmount currencyID=\"EUR\">300.00<"));
    // VAT 0 %, exempt as a social service (VAT act § 37), in both.
    assert!(ubl.contains("<cbc:TaxExemptionReasonCode>VATEX-EU-132-1G<"));
    assert!(ubl.contains("AVL 37 §"));
    assert!(ubl.contains("<cbc:ID>E</cbc:ID><cbc:Percent>0</cbc:Percent>"));
    assert!(finvoice.contains("<VatRatePercent>0</VatRatePercent><VatCode>E</VatCode>"));
    assert!(finvoice.contains("AVL 37 §"));
    // The payment reference: a viitenumero in Finvoice, its RF form in UBL.
    assert!(finvoice.contains(&format!(
        "<EpiRemittanceInfoIdentifier IdentificationSchemeName=\"SPY\">{}<",
        inv.payment_reference
    )));
    assert!(ubl.contains(&format!("<cbc:PaymentID>{}<", inv.rf_reference)));
}

#[tokio::test]
async fn sk_no_shows_billed_or_not_are_listed_on_the_billing_report() {
    let env = start_billing_on(ymd(2026, 5, 4)).await;
    let p = approved_provider(&env, "Ohjaus ry", 1_400_041, SIILINJARVI).await;
    let sk = voucher_granting(&env, &p, 641, ServiceType::SkGroup, from(), 4000).await;
    let ktt = voucher_granting(&env, &p, 642, ServiceType::KttIndividual, from(), 3000).await;
    record(&env, &p, &sk, group(ymd(2026, 4, 7), 3, 6))
        .await
        .expect("SK session");
    let mut sk_no_shows = Vec::new();
    // A session a week (CAP-WEEKLY: 5 h a week).
    for day in [14, 21] {
        let s = record(&env, &p, &sk, group(ymd(2026, 4, day), 3, 6))
            .await
            .expect("SK session");
        cancel(&env, &p, &s.id, client_did_not_come())
            .await
            .expect("SK no-show");
        sk_no_shows.push(s.id);
    }
    record(&env, &p, &ktt, at(ymd(2026, 4, 8), 9, 11))
        .await
        .expect("KTT session");
    no_show(&env, &p, &ktt, ymd(2026, 4, 10)).await;

    let inv = generated(&env, &p, april()).await.invoice.expect("April");
    let sk_line = line_of(&inv, &sk);
    assert_eq!(
        line_units(sk_line),
        (300, 100),
        "one no-show unit (BILL-NO-SHOW)"
    );
    assert_eq!(line_units(line_of(&inv, &ktt)), (200, 100));
    // SK-NO-SHOW-REPORT: both SK no-shows, the one billed and the one not; no KTT no-show.
    let report: Vec<(String, (i32, i32, i32), i64)> = inv
        .no_show_report
        .iter()
        .map(|n| {
            let d = n.date.as_ref().expect("date");
            (
                n.voucher_number.clone(),
                (d.year, d.month, d.day),
                n.billed_units.map(|u| u.hundredths).unwrap_or_default(),
            )
        })
        .collect();
    let number = sk_line.voucher_number.clone();
    assert_eq!(
        report,
        vec![
            (number.clone(), (2026, 4, 14), 100),
            (number.clone(), (2026, 4, 21), 0)
        ]
    );
    // The report reaches the county's financial system in both e-invoices, which stay valid.
    let dir = tempfile::tempdir().expect("tempdir");
    let (finvoice, ubl) = validated_documents(&env, &inv.id, dir.path()).await;
    for text in [&finvoice, &ubl] {
        assert!(text.contains("SK-poisjäännit"), "{text}");
        assert!(
            text.contains(&format!("{number} 2026-04-14 (1,00)")),
            "{text}"
        );
        assert!(
            text.contains(&format!("{number} 2026-04-21 (0,00)")),
            "{text}"
        );
        let ktt_number = &line_of(&inv, &ktt).voucher_number;
        assert!(
            !text.contains(&format!("{ktt_number} 2026-04-10")),
            "{text}"
        );
    }
    // The provider's user sees the report; the financial system too once approved.
    let approved = submit_and_approve_invoice(&env, &p, &inv.id).await;
    assert_eq!(approved.no_show_report.len(), 2);
    let seen = invoice(&env, &env.finance(), &inv.id)
        .await
        .expect("approved");
    assert_eq!(seen.no_show_report, inv.no_show_report);
}

#[tokio::test]
async fn the_last_invoice_bills_no_more_money_than_the_voucher_has_left() {
    // Half an hour granted at 65.02: the voucher is worth 32.51. Two quarter hours invoiced a
    // month apart are 16.255 each, rounded to 16.26: without the cap, 32.52 would be billed.
    let env = start_billing_on(ymd(2026, 5, 4)).await;
    set_price(&env, ServiceType::KttIndividual, ymd(2026, 2, 1), 6502).await;
    let p = approved_provider(&env, "Valmennus ry", 1_400_051, SIILINJARVI).await;
    set_provider_price(&env, &p, ServiceType::KttIndividual, 6502).await;
    let v = voucher_granting(&env, &p, 651, ServiceType::KttIndividual, from(), 50).await;
    let terms = get_voucher(&env, &v).await;
    assert_eq!(cents_of(terms.value), 3251);
    record(&env, &p, &v, between(ymd(2026, 3, 10), (9, 0), (9, 15)))
        .await
        .expect("a quarter hour in March");
    record(&env, &p, &v, between(ymd(2026, 4, 14), (9, 0), (9, 15)))
        .await
        .expect("a quarter hour in April");

    let m = generated(&env, &p, march()).await.invoice.expect("March");
    assert_eq!(line_units(&m.lines[0]), (25, 0));
    assert_eq!(cents_of(m.lines[0].amount), 1626);
    let a = generated(&env, &p, april()).await.invoice.expect("April");
    let line = &a.lines[0];
    assert_eq!(line_units(line), (25, 0), "the units fit");
    assert_eq!(cents_of(line.amount), 1625, "the money left, not 16.26");
    assert_eq!(cents_of(m.total) + cents_of(a.total), cents_of(terms.value));
    // The e-invoice shows the cent the voucher did not have as a line allowance, and validates.
    let dir = tempfile::tempdir().expect("tempdir");
    let (finvoice, ubl) = validated_documents(&env, &a.id, dir.path()).await;
    assert!(
        ubl.contains("<cbc:ChargeIndicator>false</cbc:ChargeIndicator>"),
        "{ubl}"
    );
    assert!(
        ubl.contains("<cbc:Amount currencyID=\"EUR\">0.01</cbc:Amount>"),
        "{ubl}"
    );
    assert!(finvoice.contains("<RowDiscountAmount AmountCurrencyIdentifier=\"EUR\">0,01<"));
    assert!(ubl.contains("<cbc:PayableAmount currencyID=\"EUR\">16.25<"));
}
