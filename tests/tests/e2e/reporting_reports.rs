//! Reports: drafts, submission (late ones marked late), REP-FINAL's required sections, the
//! social worker's acknowledgement or revision request, the audit of every access to the text,
//! and another provider's reports answering NOT_FOUND.

use seteli_api::reporting::v1 as rpb;
use seteli_platform::testing::with_token;
use seteli_rules::calendar::next_business_day_on_or_after;
use seteli_rules::terms::validity_end;
use seteli_tests::fixtures::*;
use tonic::Code;

#[tokio::test]
async fn a_final_report_missing_a_section_is_refused_with_rep_final() {
    let (env, p) = with_provider(start_reporting().await, 1_000_321).await;
    let from = today();
    let v = ktt_voucher(&env, &p, 321, from, validity_end(from, 3)).await;
    interrupt_on(&env, &env.provider_user(&p), &v, from).await;
    owed_becomes(
        &env,
        &v,
        &[("REP-FINAL", next_business_day_on_or_after(days(from, 14)))],
    )
    .await;
    let id = report_id(&v, "REP-FINAL");

    // Goals only: refused, naming REP-FINAL (one violation per missing section).
    let partial = rpb::ReportSections {
        goals_and_attainment: "Tavoitteena päivärytmi.".into(),
        ..Default::default()
    };
    let draft = save_draft(&env, &p, &id, partial).await.expect("draft");
    assert_eq!(
        draft.obligation.as_ref().map(|o| o.report_state),
        Some(rpb::ReportState::Draft as i32)
    );
    let refused = submit_report(&env, &p, &id).await.expect_err("refused");
    let rules = rule_ids(&refused);
    assert_eq!(rules.len(), 3, "{rules:?}");
    assert!(rules.iter().all(|r| r == "REP-FINAL"), "{rules:?}");

    // Every section: submitted on time.
    save_draft(&env, &p, &id, full_sections())
        .await
        .expect("draft");
    let submitted = submit_report(&env, &p, &id).await.expect("submitted");
    let o = submitted.obligation.expect("obligation");
    assert_eq!(o.report_state, rpb::ReportState::Submitted as i32);
    assert_eq!(o.status, rpb::ObligationStatus::Submitted as i32);
    assert!(!o.late);
    assert_eq!(o.submitted_on, d(today()));

    // The provider cannot review; the social worker asks for a revision with a reason.
    let sw = env.social_worker();
    let denied = acknowledge_report(
        &env,
        &env.provider_user(&p),
        rpb::AcknowledgeReportRequest {
            request_id: rid(),
            validate_only: false,
            report_id: id.clone(),
        },
    )
    .await
    .expect_err("provider may not acknowledge");
    assert_eq!(denied.code(), Code::PermissionDenied);
    let no_reason = request_revision(
        &env,
        &sw,
        rpb::RequestRevisionRequest {
            request_id: rid(),
            validate_only: false,
            report_id: id.clone(),
            reason: " ".into(),
        },
    )
    .await
    .expect_err("reason required");
    assert_eq!(no_reason.code(), Code::InvalidArgument);
    let revised = request_revision(
        &env,
        &sw,
        rpb::RequestRevisionRequest {
            request_id: rid(),
            validate_only: false,
            report_id: id.clone(),
            reason: "Lisää esimerkkejä keinoista.".into(),
        },
    )
    .await
    .expect("revision");
    assert_eq!(revised.revision_reason, "Lisää esimerkkejä keinoista.");
    assert_eq!(
        revised.obligation.as_ref().map(|o| o.report_state),
        Some(rpb::ReportState::RevisionRequested as i32)
    );
    save_draft(&env, &p, &id, full_sections())
        .await
        .expect("revised draft");
    submit_report(&env, &p, &id).await.expect("resubmitted");
    let acknowledged = acknowledge_report(
        &env,
        &sw,
        rpb::AcknowledgeReportRequest {
            request_id: rid(),
            validate_only: false,
            report_id: id.clone(),
        },
    )
    .await
    .expect("acknowledge");
    assert_eq!(
        acknowledged.obligation.as_ref().map(|o| o.report_state),
        Some(rpb::ReportState::Acknowledged as i32)
    );
    // An acknowledged report is no longer edited.
    let late_edit = save_draft(&env, &p, &id, full_sections())
        .await
        .expect_err("acknowledged");
    assert_eq!(late_edit.code(), Code::FailedPrecondition);

    // The social worker reads it; every access to the text is audited.
    let read = get_report(&env, &sw, &id).await.expect("read");
    assert_eq!(read.sections, Some(full_sections()));
    let client = get_voucher(&env, &v)
        .await
        .client
        .expect("client")
        .client_id;
    let actions = reporting_audit_actions(&env, &client).await;
    assert_includes(
        &actions,
        &[
            "SaveReportDraft",
            "SubmitReport",
            "RequestRevision",
            "AcknowledgeReport",
            "GetReport",
        ],
    );
}

#[tokio::test]
async fn a_report_submitted_after_its_due_date_is_marked_late() {
    let (env, p) = with_provider(start_reporting().await, 1_000_331).await;
    let from = days(today(), -80);
    let until = validity_end(from, 3);
    let v = ktt_voucher(&env, &p, 331, from, until).await;
    let interim_due = next_business_day_on_or_after(days(until, -21));
    assert!(interim_due < today());
    owed_becomes(
        &env,
        &v,
        &[
            ("REP-INTERIM", interim_due),
            ("REP-FINAL", next_business_day_on_or_after(days(until, 14))),
        ],
    )
    .await;
    // The provider's list follows the voucher's later changes (chosen, accepted) too.
    let provider_user = env.provider_user(&p);
    let (env_ref, token) = (&env, &provider_user);
    eventually(
        "the provider's overdue list has the interim report",
        || async move {
            list_obligations(
                env_ref,
                token,
                rpb::ListObligationsRequest {
                    status: rpb::ObligationStatus::Overdue as i32,
                    ..Default::default()
                },
            )
            .await
            .is_ok_and(|overdue| {
                overdue.iter().map(|o| o.rule.as_str()).collect::<Vec<_>>() == vec!["REP-INTERIM"]
            })
        },
    )
    .await;
    let id = report_id(&v, "REP-INTERIM");
    save_draft(
        &env,
        &p,
        &id,
        rpb::ReportSections {
            notes: "Osallistunut säännöllisesti.".into(),
            ..Default::default()
        },
    )
    .await
    .expect("draft");
    let o = submit_report(&env, &p, &id)
        .await
        .expect("an interim report has no required sections")
        .obligation
        .expect("obligation");
    assert!(o.late, "submitted after {interim_due}");
    let submitted = list_obligations(
        &env,
        &env.admin(),
        rpb::ListObligationsRequest {
            status: rpb::ObligationStatus::Submitted as i32,
            ..Default::default()
        },
    )
    .await
    .expect("submitted");
    assert_eq!(submitted.len(), 1);
    assert!(submitted[0].late);
}

#[tokio::test]
async fn another_providers_reports_are_not_found() {
    let (env, p) = with_provider(start_reporting().await, 1_000_341).await;
    let q = approved_provider(&env, "Toinen ry", 1_000_351, SIILINJARVI).await;
    let from = today();
    let until = validity_end(from, 3);
    let v = ktt_voucher(&env, &p, 341, from, until).await;
    owed_becomes(
        &env,
        &v,
        &[
            (
                "REP-INTERIM",
                next_business_day_on_or_after(days(until, -21)),
            ),
            ("REP-FINAL", next_business_day_on_or_after(days(until, 14))),
        ],
    )
    .await;
    let id = report_id(&v, "REP-INTERIM");
    let other = env.provider_user(&q);

    let list = env
        .r()
        .list_obligations(with_token(&other, of_provider(&p)))
        .await
        .expect_err("another provider's list");
    assert_eq!(list.code(), Code::NotFound);
    let own = list_obligations(&env, &other, rpb::ListObligationsRequest::default())
        .await
        .expect("own list");
    assert!(own.is_empty(), "{own:?}");
    let read = get_report(&env, &other, &id)
        .await
        .expect_err("another provider's report");
    assert_eq!(read.code(), Code::NotFound);
    let write = save_draft(&env, &q, &id, full_sections())
        .await
        .expect_err("another provider's draft");
    assert_eq!(write.code(), Code::NotFound);
    let submit = submit_report(&env, &q, &id)
        .await
        .expect_err("another provider's submission");
    assert_eq!(submit.code(), Code::NotFound);

    // The financial system does not read reports at all.
    let finance = get_report(&env, &env.finance(), &id)
        .await
        .expect_err("finance");
    assert_eq!(finance.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn an_sk_service_that_continues_adds_dated_sections_to_the_same_report() {
    let (env, p) = with_provider(start_reporting().await, 1_000_341).await;
    let provider_user = env.provider_user(&p);
    let from = today();
    let until = validity_end(from, 2);
    let a = sk_group_voucher(&env, &p, 341, from, until).await;
    let final_of = |u| ("REP-FINAL", next_business_day_on_or_after(days(u, 14)));
    // A continued period owes its interim report a week before its end, and its final one.
    let interim_and_final = |u| {
        let interim = ("REP-INTERIM-SK", next_business_day_on_or_after(days(u, -7)));
        [interim, final_of(u)]
    };
    // An SK voucher that simply ends owes only the final report.
    owed_becomes(&env, &a, &[final_of(until)]).await;

    // Continued: the first period owes its interim report (a 2-month contract: a week before
    // its end, REP-INTERIM-SK).
    let (b, b_from, b_until) = continue_voucher(&env, &p, &a, 2).await;
    owed_becomes(&env, &a, &interim_and_final(until)).await;
    let first = report_id(&a, "REP-INTERIM-SK");
    let first_text = rpb::ReportSections {
        goals_and_attainment: "Ryhmään kiinnittyminen.".into(),
        notes: "Jakso 1: osallistui kahdesti viikossa.".into(),
        ..Default::default()
    };
    save_draft(&env, &p, &first, first_text.clone())
        .await
        .expect("draft");
    let submitted = submit_report(&env, &p, &first).await.expect("submitted");
    assert!(submitted.earlier_sections.is_empty());

    // Continued again (for four months): the second period's interim report is the same
    // report supplemented — it carries the first period's text, dated by its submission.
    let (c, c_from, c_until) = continue_voucher(&env, &p, &b, 4).await;
    owed_becomes(&env, &b, &interim_and_final(b_until)).await;
    let second = report_id(&b, "REP-INTERIM-SK");
    let read = get_report(&env, &provider_user, &second)
        .await
        .expect("second period");
    assert_eq!(
        read.earlier_sections.len(),
        1,
        "{:?}",
        read.earlier_sections
    );
    let dated = &read.earlier_sections[0];
    assert_eq!(dated.report_id, first);
    assert_eq!(dated.voucher_id, a);
    assert_eq!(
        (dated.period_from, dated.period_until, dated.dated_on),
        (d(from), d(until), d(today()))
    );
    assert_eq!(dated.sections.as_ref(), Some(&first_text));
    let second_text = rpb::ReportSections {
        notes: "Jakso 2: asioi kaupassa itsenäisesti.".into(),
        ..Default::default()
    };
    save_draft(&env, &p, &second, second_text.clone())
        .await
        .expect("draft");
    let submitted = submit_report(&env, &p, &second).await.expect("submitted");
    assert_eq!(submitted.earlier_sections.len(), 1);
    assert_eq!(submitted.sections.as_ref(), Some(&second_text));

    // A third period (the four-month one continues too: three weeks before its end) carries
    // both earlier periods, oldest first, each with its own dates.
    continue_voucher(&env, &p, &c, 1).await;
    owed_becomes(
        &env,
        &c,
        &[
            (
                "REP-INTERIM-SK",
                next_business_day_on_or_after(days(c_until, -21)),
            ),
            final_of(c_until),
        ],
    )
    .await;
    let third = get_report(&env, &env.social_worker(), &report_id(&c, "REP-INTERIM-SK"))
        .await
        .expect("third period");
    let periods: Vec<_> = third
        .earlier_sections
        .iter()
        .map(|s| (s.voucher_id.clone(), s.period_from, s.period_until))
        .collect();
    assert_eq!(
        periods,
        vec![
            (a.clone(), d(from), d(until)),
            (b.clone(), d(b_from), d(b_until)),
        ]
    );
    assert_eq!(
        third.earlier_sections[1].sections.as_ref(),
        Some(&second_text)
    );
    assert!(c_from > b_until);
    // A final report is a report of its own: it carries no earlier periods.
    let final_report = get_report(&env, &provider_user, &report_id(&b, "REP-FINAL"))
        .await
        .expect("final");
    assert!(final_report.earlier_sections.is_empty());
}
