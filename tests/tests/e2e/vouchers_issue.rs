//! Service decisions: every eligibility and terms rule broken and seen with its id, the value
//! and rulebook snapshot, extensions, overlaps under concurrency, idempotency and bad input.

use seteli_api::common::v1::ServiceType;
use seteli_api::vouchers::v1 as pb;
use seteli_platform::testing::with_token;
use seteli_tests::fixtures::*;
use tonic::Code;

fn has(status: &tonic::Status, rule: &str) -> bool {
    rule_ids(status).iter().any(|r| r == rule)
}

#[tokio::test]
async fn an_issued_voucher_snapshots_rulebook_price_value_and_number() {
    let env = start_vouchers(Prices::County).await;
    let (_, v) = issued(&env, 101, ktt_decision).await;
    assert_eq!(v.state, pb::VoucherState::Issued as i32);
    let rb = v.rulebook.clone().expect("rulebook");
    assert_eq!(
        (rb.code.as_str(), rb.version.as_str()),
        ("KTT", "2024-01-01")
    );
    assert_eq!(rb.effective_from, d(ymd(2024, 1, 1)));
    assert_eq!(v.unit_price.map(|m| m.cents), Some(6500));
    // VOUCHER-VALUE: 30 h × 65.00 EUR.
    assert_eq!(v.value.map(|m| m.cents), Some(195_000));
    assert_eq!(v.units_granted.map(|u| u.hundredths), Some(3000));
    assert_eq!(v.units_used.map(|u| u.hundredths), Some(0));
    assert_eq!(v.units_left.map(|u| u.hundredths), Some(3000));
    let year = today().format("%Y").to_string();
    assert_eq!(v.voucher_number, format!("PS-{year}-000001"));
    let c = v.client.clone().expect("client");
    assert!(
        c.identity_code_masked.starts_with("******-***"),
        "no birth date"
    );
    // SK group: the weekly cap defaults to the rulebook's 5 hours.
    let sk_client = client_at(&env, 102, KUOPIO).await;
    let sk = issue(&env, sk_decision(&sk_client.id))
        .await
        .expect("issue SK");
    assert_eq!(sk.weekly_cap.map(|u| u.hundredths), Some(500));
    assert_eq!(sk.voucher_number, format!("PS-{year}-000002"));
    assert_eq!(sk.rulebook.expect("rulebook").code, "SK");
    // Read back by number.
    let got = env
        .v()
        .get_voucher(with_token(
            &env.social_worker(),
            pb::GetVoucherRequest {
                voucher_number: sk.voucher_number.clone(),
                ..Default::default()
            },
        ))
        .await
        .expect("get by number")
        .into_inner()
        .voucher
        .expect("voucher");
    assert_eq!(got.id, sk.id);
}

#[tokio::test]
async fn every_eligibility_rule_comes_back_with_its_id_at_once() {
    let env = start_vouchers(Prices::County).await;
    // ELIG-AGE: 17 on the start date; ELIG-RESIDENCE: lives in Helsinki.
    let born = today() - chrono::Months::new(17 * 12);
    let young = create_client(
        &env,
        client_details(&hetu(born, 120), "Helsinki", (60.1699, 24.9384)),
    )
    .await;
    // KTT-ELIG-UNEMPLOYED (no job search, no benefit) and KTT-ELIG-PLAN (no plan) at once.
    let mut decision = ktt_decision(&young.id);
    decision.job_search_in_force = false;
    decision.unemployment_benefit = pb::UnemploymentBenefit::None as i32;
    decision.employment_plan = None;
    let err = issue(&env, decision).await.expect_err("refused");
    assert_includes(
        &rule_ids(&err),
        &[
            "ELIG-AGE",
            "ELIG-RESIDENCE",
            "KTT-ELIG-UNEMPLOYED",
            "KTT-ELIG-PLAN",
        ],
    );

    let client = client_at(&env, 121, KUOPIO).await;
    // SK-ELIG-NEED: no assessment found a need; an assessment without a reference counts as
    // none.
    for (reference, social_rehabilitation_need, what) in
        [("PTA-1", false, "need"), (" ", true, "reference")]
    {
        let mut decision = sk_decision(&client.id);
        decision.need_assessment = Some(pb::NeedAssessment {
            reference: reference.into(),
            social_rehabilitation_need,
            daily_living_need: false,
        });
        let refused = issue(&env, decision).await.expect_err(what);
        assert!(has(&refused, "SK-ELIG-NEED"), "{what}");
    }
    // SK-TTV-4DAYS: the 4-day variant on group coaching, for someone entitled to KTT, unjustified.
    let mut decision = sk_decision(&client.id);
    decision.four_day_variant = Some(pb::FourDayVariant {
        not_entitled_to_ktt: false,
        justification: String::new(),
    });
    assert!(has(
        &issue(&env, decision).await.expect_err("4 days"),
        "SK-TTV-4DAYS"
    ));
    // The variant done right: supported work, 4 days a week, 72 days.
    let mut decision = sk_decision(&client.id);
    decision.service_type = ServiceType::SkSupportedWork as i32;
    decision.granted_units = units(72);
    decision.weekly_cap = units(4);
    decision.valid_until = d(seteli_rules::terms::validity_end(today(), 4));
    decision.four_day_variant = Some(pb::FourDayVariant {
        not_entitled_to_ktt: true,
        justification: "Siirtyminen opintoihin syksyllä".into(),
    });
    let v = issue(&env, decision).await.expect("4-day variant");
    assert_eq!(v.weekly_cap.map(|u| u.hundredths), Some(400));
}

#[tokio::test]
async fn every_terms_rule_comes_back_with_its_id() {
    let env = start_vouchers(Prices::County).await;
    let client = client_at(&env, 130, KUOPIO).await;
    // TERM-VALIDITY: KTT is 3–4 months; 5 months is too long.
    let mut decision = ktt_decision(&client.id);
    decision.valid_until = d(seteli_rules::terms::validity_end(today(), 5));
    assert!(has(
        &issue(&env, decision).await.expect_err("validity"),
        "TERM-VALIDITY"
    ));
    // CAP-UNITS: KTT individual coaching is at most 30 hours.
    let mut decision = ktt_decision(&client.id);
    decision.granted_units = units(31);
    assert!(has(
        &issue(&env, decision).await.expect_err("units"),
        "CAP-UNITS"
    ));
    // CAP-WEEKLY: SK group is at most 5 hours a week.
    let mut decision = sk_decision(&client.id);
    decision.weekly_cap = units(6);
    assert!(has(
        &issue(&env, decision).await.expect_err("weekly"),
        "CAP-WEEKLY"
    ));
    // All three at once.
    let mut decision = ktt_decision(&client.id);
    decision.valid_until = d(seteli_rules::terms::validity_end(today(), 5));
    decision.granted_units = units(31);
    decision.weekly_cap = units(50);
    let ids = rule_ids(&issue(&env, decision).await.expect_err("all"));
    assert!(ids.iter().any(|r| r == "TERM-VALIDITY"), "{ids:?}");
    assert!(ids.iter().any(|r| r == "CAP-UNITS"), "{ids:?}");
}

#[tokio::test]
async fn a_decision_date_without_a_ceiling_price_is_voucher_value() {
    let env = start_vouchers(Prices::Unset).await;
    // Only a price that starts tomorrow.
    set_price(&env, ServiceType::KttIndividual, days(today(), 1), 6500).await;
    let client = client_at(&env, 140, KUOPIO).await;
    let err = refused_by(
        issue(&env, ktt_decision(&client.id)).await,
        ["VOUCHER-VALUE"],
        "no price",
    );
    assert!(err.message().contains("VOUCHER-VALUE"));
}

#[tokio::test]
async fn an_extension_continues_a_voucher_and_overlaps_are_refused() {
    let env = start_vouchers(Prices::County).await;
    let client = client_at(&env, 150, KUOPIO).await;
    let first = issue(&env, ktt_decision(&client.id)).await.expect("first");
    // VOUCHER-EXTENSION: the same service over the same period.
    let err = issue(&env, ktt_decision(&client.id))
        .await
        .expect_err("overlap");
    assert!(has(&err, "VOUCHER-EXTENSION"));
    // Another service may overlap.
    issue(&env, sk_decision(&client.id))
        .await
        .expect("other service");
    // An extension starting the day after the first ends, linked to it.
    let first_end = seteli_rules::terms::validity_end(today(), 3);
    let next_from = days(first_end, 1);
    let mut ext = ktt_decision(&client.id);
    ext.valid_from = d(next_from);
    ext.valid_until = d(seteli_rules::terms::validity_end(next_from, 3));
    ext.continues_voucher_id = first.id.clone();
    let v = issue(&env, ext.clone()).await.expect("extension");
    assert_eq!(v.decision.expect("decision").continues_voucher_id, first.id);
    // An extension of a voucher that is not the client's.
    let other = client_at(&env, 151, KUOPIO).await;
    let mut foreign = ext;
    foreign.client_id = other.id.clone();
    assert!(has(
        &issue(&env, foreign).await.expect_err("foreign"),
        "VOUCHER-EXTENSION"
    ));
}

#[tokio::test]
async fn concurrent_overlapping_decisions_issue_exactly_one_voucher() {
    let env = start_vouchers(Prices::County).await;
    let client = client_at(&env, 160, KUOPIO).await;
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let mut c = env.v();
        let token = env.social_worker();
        let decision = ktt_decision(&client.id);
        tasks.push(tokio::spawn(async move {
            let req = pb::IssueVoucherRequest {
                request_id: rid(),
                validate_only: false,
                decision: Some(decision),
            };
            c.issue_voucher(with_token(&token, req)).await
        }));
    }
    let mut issued = 0;
    for t in tasks {
        match t.await.expect("join") {
            Ok(_) => issued += 1,
            Err(e) => assert!(has(&e, "VOUCHER-EXTENSION"), "{e:?}"),
        }
    }
    assert_eq!(issued, 1);
    let list = list_vouchers(&env, &env.social_worker(), of_client(&client.id))
        .await
        .expect("list");
    assert_eq!(list.vouchers.len(), 1);
}

#[tokio::test]
async fn a_retried_issue_returns_the_first_voucher() {
    let env = start_vouchers(Prices::County).await;
    let client = client_at(&env, 170, KUOPIO).await;
    let req = pb::IssueVoucherRequest {
        request_id: rid(),
        validate_only: false,
        decision: Some(ktt_decision(&client.id)),
    };
    let mut c = env.v();
    let first = c
        .issue_voucher(with_token(&env.social_worker(), req.clone()))
        .await
        .expect("first")
        .into_inner();
    let again = c
        .issue_voucher(with_token(&env.social_worker(), req.clone()))
        .await
        .expect("retry")
        .into_inner();
    assert_eq!(first, again);
    // The same id with another request is refused.
    let mut other = req;
    other.decision = Some(sk_decision(&client.id));
    let err = issue_with(&env, &env.social_worker(), other)
        .await
        .expect_err("reused id");
    assert_eq!(bad_fields(&err), vec!["request_id".to_owned()]);
}

#[tokio::test]
async fn malformed_decisions_name_every_bad_field() {
    let env = start_vouchers(Prices::Unset).await;
    let err = issue(
        &env,
        pb::ServiceDecision {
            client_id: String::new(),
            service_type: 0,
            decision_date: Some(seteli_api::common::v1::Date {
                year: 2026,
                month: 2,
                day: 30,
            }),
            valid_from: None,
            valid_until: d(today()),
            granted_units: Some(pb::Units { hundredths: -5 }),
            distance_exemption: Some(pb::DistanceExemption { reason: " ".into() }),
            ..Default::default()
        },
    )
    .await
    .expect_err("invalid");
    assert_includes(
        &bad_fields(&err),
        &[
            "decision.client_id",
            "decision.service_type",
            "decision.decision_date",
            "decision.valid_from",
            "decision.granted_units",
            "decision.distance_exemption.reason",
        ],
    );
    // A missing request id.
    let client = client_at(&env, 180, KUOPIO).await;
    let err = issue_with(
        &env,
        &env.social_worker(),
        pb::IssueVoucherRequest {
            request_id: String::new(),
            validate_only: false,
            decision: Some(ktt_decision(&client.id)),
        },
    )
    .await
    .expect_err("no request id");
    assert_eq!(bad_fields(&err), vec!["request_id".to_owned()]);
    // Only social workers issue.
    refused_with(
        issue_with(
            &env,
            &env.admin(),
            pb::IssueVoucherRequest {
                request_id: rid(),
                validate_only: false,
                decision: Some(ktt_decision(&client.id)),
            },
        )
        .await,
        Code::PermissionDenied,
        "admin",
    );
    // An unknown client.
    refused_with(
        issue(&env, ktt_decision("no-such-client")).await,
        Code::NotFound,
        "unknown client",
    );
}

#[tokio::test]
async fn individual_coaching_and_its_daily_living_variant_never_overlap() {
    let env = start_vouchers(Prices::Unset).await;
    set_price(&env, ServiceType::SkIndividual, ymd(2026, 1, 1), 6000).await;
    set_price(
        &env,
        ServiceType::SkIndividualDailyLiving,
        ymd(2026, 1, 1),
        6000,
    )
    .await;
    let client = client_at(&env, 160, KUOPIO).await;
    let mut coaching = sk_decision(&client.id);
    coaching.service_type = ServiceType::SkIndividual as i32;
    coaching.granted_units = units(20);
    issue(&env, coaching).await.expect("individual coaching");
    // SK 6: one "Yksilövalmennus" voucher granted on two bases; the same period twice is
    // VOUCHER-EXTENSION's overlap.
    let mut daily = sk_decision(&client.id);
    daily.service_type = ServiceType::SkIndividualDailyLiving as i32;
    daily.granted_units = units(20);
    if let Some(n) = daily.need_assessment.as_mut() {
        n.daily_living_need = true;
    }
    let err = issue(&env, daily).await.expect_err("overlap");
    assert!(has(&err, "VOUCHER-EXTENSION"), "{err:?}");
}

#[tokio::test]
async fn a_decision_date_no_rulebook_covers_is_rulebook_in_force() {
    let env = start_vouchers(Prices::County).await;
    let client = client_at(&env, 170, KUOPIO).await;
    let mut decision = ktt_decision(&client.id);
    // Before the first KTT rulebook took effect.
    decision.decision_date = d(ymd(2019, 6, 3));
    let err = issue(&env, decision).await.expect_err("no rulebook");
    assert!(has(&err, "RULEBOOK-IN-FORCE"), "{err:?}");
}

#[tokio::test]
async fn the_weekly_cap_bounds_the_grant_of_supported_work() {
    let env = start_vouchers(Prices::County).await;
    let client = client_at(&env, 180, KUOPIO).await;
    let supported_work = |months: u32, days: i64| {
        let mut decision = sk_decision(&client.id);
        decision.service_type = ServiceType::SkSupportedWork as i32;
        decision.valid_until = d(seteli_rules::terms::validity_end(today(), months));
        decision.granted_units = units(days);
        decision
    };
    // CAP-WEEKLY: 54 days within the 54-day cap, but at 3 days a week one month holds at most
    // 3 × the 4–6 ISO weeks it touches.
    refused_by(
        issue(&env, supported_work(1, 54)).await,
        ["CAP-WEEKLY"],
        "54 days in one month",
    );
    // Three days a week for a month fits; so do 54 days over four months.
    let month = issue(&env, supported_work(1, 12))
        .await
        .expect("12 days in a month");
    assert_eq!(month.weekly_cap.map(|u| u.hundredths), Some(300));
    let other = client_at(&env, 181, KUOPIO).await;
    let mut four_months = supported_work(4, 54);
    four_months.client_id = other.id.clone();
    issue(&env, four_months).await.expect("54 days in 4 months");
}

#[tokio::test]
async fn daily_living_coaching_may_continue_individual_coaching_as_an_extension() {
    let env = start_vouchers(Prices::Unset).await;
    for service in [
        ServiceType::SkIndividual,
        ServiceType::SkIndividualDailyLiving,
    ] {
        set_price(&env, service, ymd(2026, 1, 1), 6000).await;
    }
    let client = client_at(&env, 190, KUOPIO).await;
    let mut coaching = sk_decision(&client.id);
    coaching.service_type = ServiceType::SkIndividual as i32;
    coaching.granted_units = units(20);
    let first = issue(&env, coaching).await.expect("individual coaching");
    // SK 6: one "Yksilövalmennus" voucher on two sets of terms; the daily-living one continues
    // the first from the day after it ends.
    let next_from = days(seteli_rules::terms::validity_end(today(), 2), 1);
    let mut daily = sk_decision_on(&client.id, today());
    daily.service_type = ServiceType::SkIndividualDailyLiving as i32;
    daily.valid_from = d(next_from);
    daily.valid_until = d(seteli_rules::terms::validity_end(next_from, 2));
    daily.granted_units = units(20);
    daily.continues_voucher_id = first.id.clone();
    if let Some(n) = daily.need_assessment.as_mut() {
        n.daily_living_need = true;
    }
    let v = issue(&env, daily.clone()).await.expect("extension");
    assert_eq!(v.decision.expect("decision").continues_voucher_id, first.id);
    // Starting before the first ends is an overlap, not an extension.
    let client2 = client_at(&env, 191, KUOPIO).await;
    let mut coaching = sk_decision(&client2.id);
    coaching.service_type = ServiceType::SkIndividual as i32;
    coaching.granted_units = units(20);
    let first = issue(&env, coaching).await.expect("individual coaching");
    let mut early = daily;
    early.client_id = client2.id.clone();
    early.valid_from = d(days(next_from, -7));
    early.continues_voucher_id = first.id.clone();
    let err = issue(&env, early).await.expect_err("overlapping extension");
    assert!(has(&err, "VOUCHER-EXTENSION"), "{err:?}");
}
