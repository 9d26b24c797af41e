//! Report obligations derived from the followed vouchers (REP-INTERIM, REP-INTERIM-SK,
//! REP-FINAL): due dates rolled over weekends and holidays, and kept current when a voucher is
//! interrupted, completed early or cancelled.

use chrono::{Datelike, Weekday};
use seteli_api::common::v1::ServiceType;
use seteli_api::reporting::v1 as rpb;
use seteli_api::vouchers::v1 as vpb;
use seteli_platform::testing::with_token;
use seteli_rules::calendar::{is_holiday, is_weekend, next_business_day_on_or_after};
use seteli_rules::terms::validity_end;
use seteli_tests::fixtures::*;

const INTERIM: &str = "REP-INTERIM";
const INTERIM_SK: &str = "REP-INTERIM-SK";
const FINAL: &str = "REP-FINAL";

/// The rolled due date of a deadline `raw`: the next business day on or after it.
fn rolled(raw: chrono::NaiveDate) -> chrono::NaiveDate {
    next_business_day_on_or_after(raw)
}

/// What a KTT voucher valid until `until` owes while it runs: the interim report 21 days and
/// the final report 14 days from its end (each rolled to a business day).
fn interim_and_final(until: chrono::NaiveDate) -> [(&'static str, chrono::NaiveDate); 2] {
    [
        (INTERIM, rolled(days(until, -21))),
        (FINAL, rolled(days(until, 14))),
    ]
}

#[tokio::test]
async fn due_dates_move_over_a_weekend_and_a_holiday() {
    let (env, p) = with_provider(start_reporting().await, 1_000_301).await;
    let from = today();

    // The period ends so that both deadlines fall on a Saturday (they are 35 days apart).
    // KTT vouchers are valid 3–4 months (TERM-VALIDITY).
    let shortest = validity_end(from, 3);
    let until = (0..=28)
        .map(|n| days(shortest, n))
        .find(|u| days(*u, 14).weekday() == Weekday::Sat)
        .expect("a Saturday");
    let v = ktt_voucher(&env, &p, 301, from, until).await;
    let interim_raw = days(until, -21);
    let final_raw = days(until, 14);
    assert_eq!(interim_raw.weekday(), Weekday::Sat);
    let got = owed_becomes(
        &env,
        &v,
        &[(INTERIM, rolled(interim_raw)), (FINAL, rolled(final_raw))],
    )
    .await;
    for (rule, due) in &got {
        assert!(
            !is_weekend(*due) && *due > interim_raw.min(final_raw),
            "{rule} due {due} is on a weekend or not moved"
        );
    }
    assert!(
        rolled(final_raw) >= days(final_raw, 2),
        "moved to Monday at least"
    );

    // A final deadline on a weekday holiday moves to the next business day, when the next
    // few months have one.
    if let Some(until) = (0..=28)
        .map(|n| days(shortest, n))
        .find(|u| is_holiday(days(*u, 14)) && !is_weekend(days(*u, 14)))
    {
        let w = ktt_voucher(&env, &p, 302, from, until).await;
        let raw = days(until, 14);
        let got = owed_becomes(
            &env,
            &w,
            &[(INTERIM, rolled(days(until, -21))), (FINAL, rolled(raw))],
        )
        .await;
        assert!(got.iter().all(|(_, due)| *due != raw), "holiday {raw} kept");
    }

    // An SK voucher that simply ends owes only the final report (REP-INTERIM-SK only when the
    // service continues).
    let sk_until = validity_end(from, 2);
    let s = sk_group_voucher(&env, &p, 303, from, sk_until).await;
    let got = owed_becomes(&env, &s, &[(FINAL, rolled(days(sk_until, 14)))]).await;
    assert!(got.iter().all(|(rule, _)| rule != INTERIM_SK));

    // The issuing social worker's own list and the provider's list both show them.
    let mine = list_obligations(
        &env,
        &env.social_worker(),
        rpb::ListObligationsRequest::default(),
    )
    .await
    .expect("own list");
    assert!(mine.iter().any(|o| o.voucher_id == v));
    // The provider's list follows the voucher's later changes (chosen, accepted) too.
    let provider_user = env.provider_user(&p);
    let (env_ref, token, sk) = (&env, &provider_user, &s);
    eventually("the provider's list shows the SK voucher", || async move {
        list_obligations(env_ref, token, rpb::ListObligationsRequest::default())
            .await
            .is_ok_and(|list| list.iter().any(|o| &o.voucher_id == sk))
    })
    .await;
    let providers = list_obligations(
        &env,
        &env.provider_user(&p),
        rpb::ListObligationsRequest::default(),
    )
    .await
    .expect("provider list");
    assert!(providers.iter().all(|o| o.provider_id == p));
    assert!(
        providers
            .iter()
            .all(|o| o.status == rpb::ObligationStatus::Due as i32)
    );
}

#[tokio::test]
async fn interruption_completion_and_cancellation_move_rep_final() {
    let (env, p) = with_provider(start_reporting().await, 1_000_311).await;
    let from = today();
    let until = validity_end(from, 3);

    // Interrupted today: REP-FINAL 14 days after today; the interim not yet due is dropped.
    let v = ktt_voucher(&env, &p, 311, from, until).await;
    owed_becomes(&env, &v, &interim_and_final(until)).await;
    interrupt_on(&env, &env.provider_user(&p), &v, from).await;
    owed_becomes(&env, &v, &[(FINAL, rolled(days(from, 14)))]).await;

    // Completed early: the same, counted from the completion.
    let w = ktt_voucher(&env, &p, 312, from, until).await;
    start_service(&env, &p, start_request(&w, from, "", None))
        .await
        .expect("start");
    complete_voucher(&env, &env.provider_user(&p), &w, d(from))
        .await
        .expect("complete");
    owed_becomes(&env, &w, &[(FINAL, rolled(days(from, 14)))]).await;

    // Cancelled before the service: nothing is owed any more.
    let c = client_at(&env, 313, SIILINJARVI).await;
    let x = issue(
        &env,
        decision(&c.id, ServiceType::KttIndividual, from, until, 30),
    )
    .await
    .expect("issue");
    owed_becomes(&env, &x.id, &interim_and_final(until)).await;
    cancel_voucher(
        &env,
        &env.social_worker(),
        &x.id,
        vpb::EndReasonKind::ServiceNotSuitable,
        "Asiakas ei tarvitse palvelua.",
    )
    .await
    .expect("cancel");
    owed_becomes(&env, &x.id, &[]).await;
}

/// `(y, m, d)` as a date.
fn on(y: i32, m: u32, day: u32) -> chrono::NaiveDate {
    ymd(y, m, day)
}

/// The first valid day of a contract of `months` months that ends on `until`.
fn starting_for(until: chrono::NaiveDate, months: u32) -> chrono::NaiveDate {
    let from = days(until, 1)
        .checked_sub_months(chrono::Months::new(months))
        .expect("a date");
    assert_eq!(
        validity_end(from, months),
        until,
        "{months} months to {until}"
    );
    from
}

/// A period ending on `until`, and where its deadlines must land after moving off weekends,
/// holidays, Christmas Eve and Midsummer Eve (worked out by hand from the 2026 calendar, not
/// by the rules crate): `(until, interim 21 days before, interim 7 days before, final 14 days
/// after)`.
struct Case {
    what: &'static str,
    until: chrono::NaiveDate,
    interim_21: chrono::NaiveDate,
    interim_7: chrono::NaiveDate,
    final_14: chrono::NaiveDate,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            // Final raw Fri 3.4. (Good Friday) → Sat, Sun, Easter Monday 6.4. → Tue 7.4.
            what: "the final report on Good Friday",
            until: on(2026, 3, 20),
            interim_21: on(2026, 2, 27),
            interim_7: on(2026, 3, 13),
            final_14: on(2026, 4, 7),
        },
        Case {
            // Interim raw Mon 6.4. (Easter Monday) → Tue 7.4.
            what: "the interim report on Easter Monday",
            until: on(2026, 4, 27),
            interim_21: on(2026, 4, 7),
            interim_7: on(2026, 4, 20),
            final_14: on(2026, 5, 11),
        },
        Case {
            // Short interim raw Fri 3.4. (Good Friday) → Tue 7.4.
            what: "a short contract's interim report on Good Friday",
            until: on(2026, 4, 10),
            interim_21: on(2026, 3, 20),
            interim_7: on(2026, 4, 7),
            final_14: on(2026, 4, 24),
        },
        Case {
            // Interim raw Fri 19.6. (Midsummer Eve) → Sat (Midsummer Day), Sun → Mon 22.6.
            what: "the interim report on Midsummer Eve",
            until: on(2026, 7, 10),
            interim_21: on(2026, 6, 22),
            interim_7: on(2026, 7, 3),
            final_14: on(2026, 7, 24),
        },
        Case {
            // Final raw Fri 19.6. (Midsummer Eve) → Mon 22.6.
            what: "the final report on Midsummer Eve",
            until: on(2026, 6, 5),
            interim_21: on(2026, 5, 15),
            interim_7: on(2026, 5, 29),
            final_14: on(2026, 6, 22),
        },
        Case {
            // Short interim raw Fri 19.6. (Midsummer Eve) → Mon 22.6.
            what: "a short contract's interim report on Midsummer Eve",
            until: on(2026, 6, 26),
            interim_21: on(2026, 6, 5),
            interim_7: on(2026, 6, 22),
            final_14: on(2026, 7, 10),
        },
        Case {
            // Final raw Thu 24.12. (Christmas Eve) → Christmas Day, Boxing Day, Sun → Mon 28.12.
            what: "the final report on Christmas Eve",
            until: on(2026, 12, 10),
            interim_21: on(2026, 11, 19),
            interim_7: on(2026, 12, 3),
            final_14: on(2026, 12, 28),
        },
        Case {
            // Interim raw Thu 24.12. → Mon 28.12.; final 28.1.2027.
            what: "the interim report on Christmas Eve",
            until: on(2027, 1, 14),
            interim_21: on(2026, 12, 28),
            interim_7: on(2027, 1, 7),
            final_14: on(2027, 1, 28),
        },
        Case {
            // Short interim raw Thu 24.12. → Mon 28.12.; final raw Thu 14.1.2027.
            what: "a short contract's interim report on Christmas Eve",
            until: on(2026, 12, 31),
            interim_21: on(2026, 12, 10),
            interim_7: on(2026, 12, 28),
            final_14: on(2027, 1, 14),
        },
        Case {
            // Final raw Sat 26.12. (Boxing Day) → Mon 28.12.; interim raw Sat 21.11. → Mon 23.11.
            what: "the final report on Boxing Day",
            until: on(2026, 12, 12),
            interim_21: on(2026, 11, 23),
            interim_7: on(2026, 12, 7),
            final_14: on(2026, 12, 28),
        },
    ]
}

#[tokio::test]
async fn due_dates_move_over_easter_midsummer_and_christmas_for_every_service_and_length() {
    // "Today" is 2 January 2026: both rulebooks are in force, and every period below is still
    // running (none is expired by the voucher service's sweep).
    let clock = seteli_platform::clock::Clock::fixed(
        chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 1, 2, 9, 0, 0)
            .single()
            .expect("an instant"),
    );
    let env = Env::builder()
        .services(&[Svc::Providers, Svc::Vouchers, Svc::Reporting])
        .clock(clock)
        .prices(Prices::County)
        .start()
        .await;
    for (service, from) in [
        (ServiceType::KttGroup, on(2024, 1, 1)),
        (ServiceType::KttAssessment, on(2024, 1, 1)),
        (ServiceType::KttWorkCapacity, on(2024, 1, 1)),
        (ServiceType::SkIndividual, on(2026, 1, 1)),
        (ServiceType::SkIndividualDailyLiving, on(2026, 1, 1)),
        (ServiceType::SkParticipation, on(2026, 1, 1)),
    ] {
        set_price(&env, service, from, 5000).await;
    }
    let decided = on(2026, 1, 2);
    let cases = cases();
    let mut individual = 500;
    let mut expected: Vec<Expected> = Vec::new();
    let mut issue_for = async |service: ServiceType,
                               from: chrono::NaiveDate,
                               until: chrono::NaiveDate,
                               client: Option<&str>,
                               continues: &str|
           -> (String, String) {
        individual += 1;
        let client_id = match client {
            Some(c) => c.to_owned(),
            None => client_at(&env, individual, SIILINJARVI).await.id,
        };
        let mut dec = decision(&client_id, service, from, until, 10);
        dec.decision_date = d(decided);
        dec.continues_voucher_id = continues.into();
        if let Some(need) = dec.need_assessment.as_mut() {
            need.daily_living_need = true;
        }
        let v = issue(&env, dec)
            .await
            .unwrap_or_else(|e| panic!("{service:?} {from}–{until}: {e:?}"));
        (v.id, client_id)
    };

    // KTT: REP-INTERIM three weeks before the end, REP-FINAL two weeks after, for contracts of
    // three and four months (TERM-VALIDITY), each case in turn.
    let ktt = [
        ServiceType::KttIndividual,
        ServiceType::KttGroup,
        ServiceType::KttAssessment,
        ServiceType::KttWorkCapacity,
    ];
    let mut n = 0;
    for service in ktt {
        for months in [3, 4] {
            // One case around each of Easter, Midsummer and Christmas, in turn.
            for case in per_holiday(&cases, months, n) {
                let from = starting_for(case.until, months);
                let (v, _) = issue_for(service, from, case.until, None, "").await;
                expected.push((
                    format!("{service:?}, {months} months: {}", case.what),
                    v,
                    vec![(INTERIM, case.interim_21), (FINAL, case.final_14)],
                ));
            }
            n += 1;
        }
    }

    // SK: REP-FINAL two weeks after the end; REP-INTERIM-SK only once the service continues
    // (an extension is issued), one week before the end of a 1–2 month contract and three weeks
    // before a longer one's; for the shortest and the longest contract of each service.
    let sk = [
        (ServiceType::SkIndividual, 4),
        (ServiceType::SkIndividualDailyLiving, 6),
        (ServiceType::SkGroup, 4),
        (ServiceType::SkSupportedWork, 4),
        (ServiceType::SkParticipation, 6),
    ];
    for (service, longest) in sk {
        for months in [1, 2, longest] {
            for case in per_holiday(&cases, months, n) {
                let from = starting_for(case.until, months);
                let (v, client) = issue_for(service, from, case.until, None, "").await;
                let label = format!("{service:?}, {months} months: {}", case.what);
                let next = days(case.until, 1);
                issue_for(service, next, validity_end(next, 1), Some(&client), &v).await;
                let interim = if months <= 2 {
                    case.interim_7
                } else {
                    case.interim_21
                };
                expected.push((
                    label,
                    v,
                    vec![(INTERIM_SK, interim), (FINAL, case.final_14)],
                ));
            }
            n += 1;
        }
    }

    // Every holiday of the cases is met by some service and length.
    for case in &cases {
        assert!(
            expected
                .iter()
                .any(|(label, _, _)| label.ends_with(case.what)),
            "no voucher for {}",
            case.what
        );
    }
    // Once reporting has followed the whole feed, every voucher owes exactly its due dates.
    let head = voucher_feed(&env).await.0;
    let env_ref = &env;
    eventually("reporting follows the whole voucher feed", || async move {
        reporting_feed_status(env_ref).await.last_sequence == head
    })
    .await;
    let all = list_obligations(&env, &env.admin(), rpb::ListObligationsRequest::default())
        .await
        .expect("obligations");
    for (label, voucher, owed_dates) in &expected {
        let mut got: Vec<(String, chrono::NaiveDate)> = all
            .iter()
            .filter(|o| &o.voucher_id == voucher)
            .map(|o| {
                let due = o.due_on.expect("due");
                let due = ymd(
                    due.year,
                    u32::try_from(due.month).expect("month"),
                    u32::try_from(due.day).expect("day"),
                );
                (o.rule.clone(), due)
            })
            .collect();
        got.sort();
        let mut want: Vec<(String, chrono::NaiveDate)> = owed_dates
            .iter()
            .map(|(rule, due)| ((*rule).to_owned(), *due))
            .collect();
        want.sort();
        assert_eq!(got, want, "{label}");
        for (rule, due) in got {
            assert!(
                !is_weekend(due) && !is_holiday(due),
                "{label}: {rule} due {due}"
            );
        }
    }
}

/// The cases a contract of `months` gets, the `n`th of its kind: one ending around Easter, one
/// around Midsummer and one around Christmas, taking each group's cases in turn.
fn per_holiday(cases: &[Case], months: u32, n: usize) -> Vec<&Case> {
    [
        &cases[0..3],  // Easter
        &cases[3..6],  // Midsummer
        &cases[6..10], // Christmas
    ]
    .into_iter()
    .filter_map(|group| {
        let fits: Vec<&Case> = group
            .iter()
            .filter(|c| starting_for_ok(c.until, months))
            .collect();
        (!fits.is_empty()).then(|| fits[n % fits.len()])
    })
    .collect()
}

/// A voucher of the holiday test: `(what it is, its id, the (rule, due date)s it must owe)`.
type Expected = (String, String, Vec<(&'static str, chrono::NaiveDate)>);

/// Whether a contract of `months` ending on `until` can be issued: its end is where the
/// month arithmetic lands exactly.
fn starting_for_ok(until: chrono::NaiveDate, months: u32) -> bool {
    days(until, 1)
        .checked_sub_months(chrono::Months::new(months))
        .is_some_and(|from| validity_end(from, months) == until)
}

#[tokio::test]
async fn the_feed_follower_resumes_from_its_cursor_after_a_restart() {
    // Reporting polls the voucher feed once an hour here: before the restart it knows exactly
    // what one catch-up on demand brought; after it, the restarted follower (polling as usual)
    // must apply what happened meanwhile, once.
    let mut env = Env::builder()
        .services(&[Svc::Providers, Svc::Vouchers, Svc::Reporting])
        .prices(Prices::County)
        .tweak(|svc, c| {
            if svc == Svc::Reporting {
                c.vars
                    .insert("SETELI_FEED_POLL_MS".into(), "3600000".into());
            }
        })
        .start()
        .await;
    let p = approved_provider(&env, "Valmennus ry", 1_000_351, SIILINJARVI).await;
    let from = today();
    let until = validity_end(from, 3);
    let v = ktt_voucher(&env, &p, 351, from, until).await;
    let admin = env.admin();
    // An unknown report makes reporting catch up with the feed on demand.
    env.r()
        .get_report(with_token(
            &admin,
            rpb::GetReportRequest {
                report_id: report_id(&v, INTERIM),
            },
        ))
        .await
        .expect("caught up on demand");
    let before = reporting_feed_status(&env).await;
    let (head, count) = voucher_feed(&env).await;
    assert_eq!(
        (before.last_sequence, before.changes_applied),
        (head, count)
    );
    let owed_before = owed(&env, &v).await;
    assert_eq!(owed_before.len(), 2);

    // While reporting does not poll: the voucher is interrupted and another is issued.
    interrupt_on(&env, &env.provider_user(&p), &v, from).await;
    let w = ktt_voucher(&env, &p, 352, from, until).await;
    let (head, count) = voucher_feed(&env).await;
    assert!(head > before.last_sequence);
    assert_eq!(
        reporting_feed_status(&env).await.last_sequence,
        before.last_sequence
    );
    assert_eq!(
        owed(&env, &v).await,
        owed_before,
        "applied before the restart"
    );

    env.restart(Svc::Reporting).await;
    owed_becomes(&env, &v, &[(FINAL, rolled(days(from, 14)))]).await;
    owed_becomes(&env, &w, &interim_and_final(until)).await;
    // Every change of the feed applied exactly once: none missed, none counted twice.
    let (env_ref, target) = (&env, head);
    eventually("the follower reaches the feed's head", || async move {
        reporting_feed_status(env_ref).await.last_sequence == target
    })
    .await;
    let after = reporting_feed_status(&env).await;
    assert_eq!((after.last_sequence, after.changes_applied), (head, count));
}

/// The voucher feed as a follower reads it: `(last sequence, number of changes)`.
async fn voucher_feed(env: &Env) -> (i64, i64) {
    let all = every_voucher_change(env).await;
    let last = all.iter().map(|c| c.sequence).max().unwrap_or(0);
    (last, i64::try_from(all.len()).expect("count"))
}
