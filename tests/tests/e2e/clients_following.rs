//! The voucher holder follows their service (issue 28): a client reads the sessions and
//! absences recorded on their own voucher (attendance) and the reports given to them with their
//! PDF copy (REP-DELIVERY), and answers the county's feedback form once the service has ended
//! (REP-FEEDBACK), which the county and providers follow in a summary that never shows one
//! client's answers. Whose a voucher is, the voucher service confirms for the client's own
//! token; anybody else's voucher, session or report is NOT_FOUND to them.

use seteli_api::attendance::v1 as apb;
use seteli_api::reporting::v1 as rpb;
use seteli_tests::fixtures::*;
use tonic::Code;

/// "Today" of these tests: a Monday after the vouchers' first weeks.
fn pinned() -> chrono::NaiveDate {
    ymd(2026, 11, 16)
}

/// The first valid day of the vouchers.
fn oct1() -> chrono::NaiveDate {
    ymd(2026, 10, 1)
}

/// Every service but billing, on the pinned day, and one approved provider.
async fn started(seed: u32) -> (Env, String) {
    with_provider(start_reporting_on(pinned()).await, seed).await
}

/// The client id of `voucher_id`, as the county reads it.
async fn client_of(env: &Env, voucher_id: &str) -> String {
    get_voucher(env, voucher_id)
        .await
        .client
        .map(|c| c.client_id)
        .unwrap_or_default()
}

/// Waits until reporting owes the final report of `voucher_id` (after its interruption).
async fn final_report_owed(env: &Env, voucher_id: &str) -> String {
    poll_until(
        || async { owed(env, voucher_id).await },
        |owed| owed.iter().any(|(rule, _)| rule == "REP-FINAL"),
        |owed| format!("{voucher_id} owes {owed:?}"),
    )
    .await;
    report_id(voucher_id, "REP-FINAL")
}

fn not_found<T: std::fmt::Debug>(result: Result<T, tonic::Status>, what: &str) {
    let e = result.expect_err(what);
    assert_eq!(e.code(), Code::NotFound, "{what}: {e:?}");
}

/// The purposes of the audit entries `server` keeps about `client_id` for `action`.
async fn audited(
    server: &seteli_platform::testing::TestServer,
    env: &Env,
    client: &str,
    action: &str,
) -> Vec<String> {
    audit_entries_of(server, &env.auditor(), client)
        .await
        .expect("audit entries")
        .into_iter()
        .filter(|e| e.action == action)
        .map(|e| e.purpose)
        .collect()
}

#[tokio::test]
async fn a_client_reads_what_was_recorded_on_their_own_voucher_and_nothing_else() {
    let (env, p) = started(1_002_801).await;
    let until = seteli_rules::terms::validity_end(oct1(), 3);
    let own = ktt_voucher(&env, &p, 801, oct1(), until).await;
    let others = ktt_voucher(&env, &p, 802, oct1(), until).await;
    let mut details = at(ymd(2026, 10, 5), 9, 11);
    details.notes = "Harjoiteltiin kahvilan kassaa.".into();
    let session = record(&env, &p, &own, details).await.expect("session");
    let elsewhere = record(&env, &p, &others, at(ymd(2026, 10, 5), 12, 14))
        .await
        .expect("another's session");
    record_absence(
        &env,
        &p,
        &own,
        ymd(2026, 10, 6),
        apb::AbsenceKind::Absent,
        apb::AbsenceReason::JobInterview,
    )
    .await
    .expect("absence");
    let me = holder(&env, 801);

    // What was recorded, the provider's daily record included: it is their own data.
    let sessions = list_voucher_sessions(&env, &me, &own)
        .await
        .expect("the holder lists their sessions");
    assert_eq!(
        sessions.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        [session.id.as_str()]
    );
    let shown = sessions[0].details.as_ref().expect("details");
    assert_eq!(shown.notes, "Harjoiteltiin kahvilan kassaa.");
    assert_eq!(sessions[0].units.map(|u| u.hundredths), Some(200));
    let read = read_session(&env, &me, &session.id)
        .await
        .expect("the holder reads their session");
    assert_eq!(read.status, apb::SessionStatus::Recorded as i32);
    let absences = list_voucher_absences(&env, &me, &own)
        .await
        .expect("the holder lists their absences");
    assert_eq!(absences.len(), 1);
    assert_eq!(absences[0].reason, apb::AbsenceReason::JobInterview as i32);
    let usage = voucher_usage_as(&env, &me, &own)
        .await
        .expect("the holder reads their usage");
    assert_eq!(usage.units_used.map(|u| u.hundredths), Some(200));

    // A client names the voucher: never a client id.
    let by_client = list_sessions_with(
        &env,
        &me,
        apb::ListSessionsRequest {
            client_id: usage.client_id.clone(),
            ..Default::default()
        },
    )
    .await
    .expect_err("no reads by client id");
    assert_eq!(by_client.code(), Code::InvalidArgument);
    assert_eq!(bad_fields(&by_client), ["voucher_id"]);

    // Another client's voucher and session, and everything to a client nobody registered.
    let stranger = env.token("client", None);
    for (token, voucher, session) in [
        (&me, &others, &elsewhere.id),
        (&stranger, &own, &session.id),
        (&stranger, &others, &elsewhere.id),
    ] {
        not_found(
            list_voucher_sessions(&env, token, voucher).await,
            "sessions",
        );
        not_found(
            list_voucher_absences(&env, token, voucher).await,
            "absences",
        );
        not_found(voucher_usage_as(&env, token, voucher).await, "usage");
        not_found(read_session(&env, token, session).await, "session");
    }

    // Each read of theirs is audited as their own data's.
    let client = usage.client_id;
    for action in [
        "ListSessions",
        "GetSession",
        "ListAbsences",
        "GetVoucherUsage",
    ] {
        let purposes = audited(env.attendance(), &env, &client, action).await;
        assert!(
            purposes.iter().any(|p| p == "own_data"),
            "{action}: {purposes:?}"
        );
    }
}

#[tokio::test]
async fn a_client_reads_and_prints_the_reports_given_to_them_never_a_draft() {
    let (env, p) = started(1_002_802).await;
    let own = ended_ktt_voucher(&env, &p, 803, oct1(), pinned()).await;
    let others = ended_ktt_voucher(&env, &p, 804, oct1(), pinned()).await;
    let report = final_report_owed(&env, &own).await;
    let elsewhere = final_report_owed(&env, &others).await;
    let me = holder(&env, 803);

    // A draft is the provider's work in progress: not shown to the client (REP-DELIVERY).
    save_draft(&env, &p, &report, full_sections())
        .await
        .expect("draft");
    assert!(
        obligations_of_voucher(&env, &me, &own)
            .await
            .expect("the holder lists their voucher's reports")
            .is_empty()
    );
    not_found(get_report(&env, &me, &report).await, "a draft");
    not_found(report_pdf(&env, &me, &report).await, "a draft's PDF");

    // Submitted: given to them, on screen and on paper.
    submit_report(&env, &p, &report).await.expect("submitted");
    let listed = obligations_of_voucher(&env, &me, &own)
        .await
        .expect("listed");
    assert_eq!(
        listed.iter().map(|o| o.rule.as_str()).collect::<Vec<_>>(),
        ["REP-FINAL"]
    );
    let read = get_report(&env, &me, &report).await.expect("their report");
    assert_eq!(
        read.sections.as_ref().map(|s| s.changes.as_str()),
        Some(full_sections().changes.as_str())
    );
    let pdf = report_pdf(&env, &me, &report).await.expect("their copy");
    assert!(pdf.content.starts_with(b"%PDF-"));
    assert!(pdf_holds(
        &pdf_text_of(&pdf.content),
        &full_sections().changes
    ));

    // A client always names the voucher; for everyone else it is a plain filter.
    let all = list_obligations(&env, &me, rpb::ListObligationsRequest::default())
        .await
        .expect_err("voucher required");
    assert_eq!(bad_fields(&all), ["voucher_id"]);
    let admin_listed = obligations_of_voucher(&env, &env.admin(), &others)
        .await
        .expect("the county filters by voucher");
    assert!(!admin_listed.is_empty());
    assert!(admin_listed.iter().all(|o| o.voucher_id == others));

    // Another's report, even submitted, and everything to a stranger: NOT_FOUND.
    save_draft(&env, &p, &elsewhere, full_sections())
        .await
        .expect("draft");
    submit_report(&env, &p, &elsewhere)
        .await
        .expect("submitted");
    not_found(
        obligations_of_voucher(&env, &me, &others).await,
        "another's list",
    );
    not_found(get_report(&env, &me, &elsewhere).await, "another's report");
    not_found(report_pdf(&env, &me, &elsewhere).await, "another's PDF");
    let stranger = env.token("client", None);
    not_found(obligations_of_voucher(&env, &stranger, &own).await, "list");
    not_found(get_report(&env, &stranger, &report).await, "report");
    not_found(report_pdf(&env, &stranger, &report).await, "PDF");

    let client = client_of(&env, &own).await;
    for action in ["ListObligations", "GetReport", "GetReportPdf"] {
        let purposes = audited(env.reporting(), &env, &client, action).await;
        assert!(
            purposes.iter().any(|p| p == "own_data"),
            "{action}: {purposes:?}"
        );
    }
}

#[tokio::test]
async fn feedback_is_given_once_after_the_service_ends_and_marks_the_ktt_closing_item() {
    let (env, p) = started(1_002_803).await;
    let until = seteli_rules::terms::validity_end(oct1(), 3);
    let v = ktt_voucher(&env, &p, 805, oct1(), until).await;
    let me = holder(&env, 805);

    // While the service runs: the form is shown, not yet to be answered (REP-FEEDBACK).
    let form = feedback_form(&env, &me, &v)
        .await
        .expect("the holder's form");
    assert_eq!(form.form_version, "2026-1");
    assert_eq!(
        form.questions
            .iter()
            .map(|q| q.key.as_str())
            .collect::<Vec<_>>(),
        FEEDBACK_QUESTIONS
    );
    assert!(
        form.questions
            .iter()
            .all(|q| (q.scale_min, q.scale_max) == (1, 5))
    );
    assert!(!form.may_answer && !form.answered);
    assert!(!form.why_not.is_empty());
    refused_by(
        submit_feedback(&env, &me, feedback(&v, 4, "")).await,
        ["REP-FEEDBACK"],
        "before the service ends",
    );
    // Its social worker and the county read the form; a provider does not; nobody else's.
    feedback_form(&env, &env.social_worker(), &v)
        .await
        .expect("social worker");
    feedback_form(&env, &env.admin(), &v).await.expect("county");
    let denied = feedback_form(&env, &env.provider_user(&p), &v)
        .await
        .expect_err("a provider's user");
    assert_eq!(denied.code(), Code::PermissionDenied);
    not_found(
        feedback_form(&env, &env.token("client", None), &v).await,
        "stranger",
    );

    interrupt_on(&env, &env.provider_user(&p), &v, pinned()).await;
    assert!(
        feedback_form(&env, &me, &v).await.expect("form").may_answer,
        "ended: the holder may answer"
    );

    // Every question within its scale; the comment at most 2000 characters.
    let mut bad = feedback(&v, 4, "");
    bad.answers[0].score = 6;
    bad.answers[3].score = 0;
    let refused = submit_feedback(&env, &me, bad)
        .await
        .expect_err("off the scale");
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert_eq!(
        bad_fields(&refused),
        ["answers[0].score", "answers[3].score"]
    );
    let mut missing = feedback(&v, 4, "");
    missing.answers.pop();
    let refused = submit_feedback(&env, &me, missing)
        .await
        .expect_err("unanswered");
    assert_eq!(bad_fields(&refused), ["answers"]);
    let long = feedback(&v, 4, &"ä".repeat(2001));
    let refused = submit_feedback(&env, &me, long)
        .await
        .expect_err("too long");
    assert_eq!(bad_fields(&refused), ["comment"]);

    // Validate only: answered as it would be, nothing kept.
    let mut check = feedback(&v, 4, "Hyvä valmentaja.");
    check.validate_only = true;
    submit_feedback(&env, &me, check).await.expect("valid");
    assert!(!feedback_form(&env, &me, &v).await.expect("form").answered);

    // Another client cannot answer for them.
    not_found(
        submit_feedback(&env, &env.token("client", None), feedback(&v, 1, "")).await,
        "a stranger's answer",
    );

    let first = feedback(&v, 4, "Hyvä valmentaja.");
    let given = submit_feedback(&env, &me, first.clone())
        .await
        .expect("answered");
    assert_eq!(
        (given.voucher_id.as_str(), given.form_version.as_str()),
        (v.as_str(), "2026-1")
    );
    let again = submit_feedback(&env, &me, first).await.expect("a retry");
    assert_eq!(again, given, "a retry gets the first answer");
    let twice = submit_feedback(&env, &me, feedback(&v, 2, ""))
        .await
        .expect_err("once");
    assert_eq!(twice.code(), Code::AlreadyExists, "{twice:?}");
    let form = feedback_form(&env, &me, &v).await.expect("form");
    assert!(form.answered && !form.may_answer && form.why_not.is_empty());

    // KTT: the answer is the client feedback REP-FEEDBACK asks the provider to collect.
    let checklist = closing_checklist(&env, &env.provider_user(&p), &v)
        .await
        .expect("checklist");
    assert_eq!(
        item_done(&checklist, rpb::ClosingItem::ClientFeedbackCollected),
        Some(true)
    );
    let purposes = audited(
        env.reporting(),
        &env,
        &client_of(&env, &v).await,
        "SubmitClientFeedback",
    )
    .await;
    assert_eq!(purposes, ["own_data"]);
}

#[tokio::test]
async fn the_summary_suppresses_fewer_than_five_answers_and_shows_comments_only_to_the_county() {
    let (env, p) = started(1_002_804).await;
    let q = approved_provider(&env, "Toinen Paja Oy", 1_002_830, SIILINJARVI).await;
    let mut vouchers = Vec::new();
    for individual in 811..=815 {
        vouchers.push((
            individual,
            ended_ktt_voucher(&env, &p, individual, oct1(), pinned()).await,
        ));
    }
    let lone = ended_ktt_voucher(&env, &q, 816, oct1(), pinned()).await;
    let period = summary_of(ymd(2026, 11, 1), ymd(2026, 11, 30));
    let row_of = |summary: &rpb::GetClientFeedbackSummaryResponse, provider: &str| {
        summary
            .rows
            .iter()
            .find(|r| r.provider_id == provider)
            .cloned()
    };

    for (i, (individual, v)) in vouchers.iter().take(4).enumerate() {
        let score = if i % 2 == 0 { 4 } else { 5 };
        submit_feedback(
            &env,
            &holder(&env, *individual),
            feedback(v, score, "Kiitos!"),
        )
        .await
        .expect("answered");
    }
    submit_feedback(&env, &holder(&env, 816), feedback(&lone, 1, "Huono."))
        .await
        .expect("answered");

    // Four answers: counted, but no means and no words that could point at a person.
    let summary = feedback_summary(&env, &env.admin(), period.clone())
        .await
        .expect("county");
    assert_eq!(summary.questions.len(), 5);
    let row = row_of(&summary, &p).expect("p's row");
    assert_eq!((row.answers, row.suppressed), (4, true));
    assert!(row.means.iter().all(|m| m.mean == 0.0));
    assert!(row.comments.is_empty());
    assert!(row_of(&summary, &q).expect("q's row").suppressed);

    // The fifth: the means are shown (4, 5, 4, 5, 4 → 4.4), and the comments to the county.
    let (individual, v) = &vouchers[4];
    submit_feedback(&env, &holder(&env, *individual), feedback(v, 4, ""))
        .await
        .expect("answered");
    for county in [env.admin(), env.auditor()] {
        let summary = feedback_summary(&env, &county, period.clone())
            .await
            .expect("county");
        let row = row_of(&summary, &p).expect("p's row");
        assert_eq!((row.answers, row.suppressed), (5, false));
        assert_eq!(row.means.len(), 5);
        assert!(
            row.means.iter().all(|m| (m.mean - 4.4).abs() < 1e-9),
            "{row:?}"
        );
        assert_eq!(row.comments, ["Kiitos!"; 4]);
        assert_eq!(
            row.service_type,
            seteli_api::common::v1::ServiceType::KttIndividual as i32
        );
    }

    // A provider's user: its own provider's rows, without comments; another provider (public:
    // it exists) is not theirs to read.
    // By whole calendar quarter only: two overlapping periods could show one client's answers
    // as their difference.
    let refused = feedback_summary(&env, &env.provider_user(&p), period.clone())
        .await
        .expect_err("a month is not a quarter");
    assert_eq!(bad_fields(&refused), ["from"]);
    let quarter = summary_of(ymd(2026, 10, 1), ymd(2026, 12, 31));
    let own = feedback_summary(&env, &env.provider_user(&p), quarter.clone())
        .await
        .expect("own rows");
    assert_eq!(own.rows.len(), 1);
    assert_eq!(own.rows[0].provider_id, p);
    assert!(!own.rows[0].suppressed && own.rows[0].comments.is_empty());
    let mut of_q = quarter;
    of_q.provider_id = q.clone();
    let refused = feedback_summary(&env, &env.provider_user(&p), of_q)
        .await
        .expect_err("another provider's feedback");
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");

    // Outside the period nothing; a period backwards is refused; a social worker reads none.
    let december = summary_of(ymd(2026, 12, 1), ymd(2026, 12, 31));
    assert!(
        feedback_summary(&env, &env.admin(), december)
            .await
            .expect("none")
            .rows
            .is_empty()
    );
    let backwards = summary_of(ymd(2026, 11, 30), ymd(2026, 11, 1));
    let refused = feedback_summary(&env, &env.admin(), backwards)
        .await
        .expect_err("backwards");
    assert_eq!(bad_fields(&refused), ["until"]);
    let denied = feedback_summary(&env, &env.social_worker(), period)
        .await
        .expect_err("role");
    assert_eq!(denied.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn with_the_voucher_service_down_a_client_is_told_to_retry_and_a_retry_is_answered() {
    let (env, p) = started(1_002_806).await;
    let v = ended_ktt_voucher(&env, &p, 821, oct1(), pinned()).await;
    let me = holder(&env, 821);
    let answer = feedback(&v, 5, "");
    let given = submit_feedback(&env, &me, answer.clone())
        .await
        .expect("answered");
    // The county's staff read on from the copies below: they hold the voucher as it is.
    voucher_feed_followed(&env).await;

    let mut env = env;
    env.take(Svc::Vouchers)
        .stop()
        .await
        .expect("vouchers stops");

    // Whose the voucher is only the voucher service can say: UNAVAILABLE, retryable.
    for refused in [
        list_voucher_sessions(&env, &me, &v).await.map(|_| ()),
        feedback_form(&env, &me, &v).await.map(|_| ()),
        obligations_of_voucher(&env, &me, &v).await.map(|_| ()),
        submit_feedback(&env, &me, feedback(&v, 5, ""))
            .await
            .map(|_| ()),
    ] {
        let e = refused.expect_err("vouchers is down");
        assert_eq!(e.code(), Code::Unavailable, "{e:?}");
    }
    // A retry is answered from the store, before the voucher service is asked.
    let again = submit_feedback(&env, &me, answer).await.expect("the retry");
    assert_eq!(again, given);
    // The county's staff are answered from the followed copy.
    list_voucher_sessions(&env, &env.social_worker(), &v)
        .await
        .expect("the social worker reads on");
    assert!(
        feedback_form(&env, &env.admin(), &v)
            .await
            .expect("the county reads on")
            .answered
    );
}
