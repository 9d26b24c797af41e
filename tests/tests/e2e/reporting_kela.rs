//! Kela's absence notice (ABS-KELA, TT3) for KTT: per client and two-week period from the
//! service start, each day present, absent with Kela's reason, or with no service arranged
//! (public holidays included); as data and as a PDF whose extracted text holds it; the list of
//! notices due and sent, the provider marking one sent (late after its due date). SK vouchers
//! are refused with ABS-KELA. "Today" is pinned.

use seteli_api::attendance::v1 as apb;
use seteli_api::reporting::v1 as rpb;
use seteli_platform::testing::with_token;
use seteli_rules::terms::validity_end;
use seteli_tests::fixtures::*;
use tonic::Code;

async fn get(
    env: &Env,
    token: &str,
    voucher_id: &str,
    day: chrono::NaiveDate,
) -> Result<rpb::KelaNotice, tonic::Status> {
    get_kela_notice(env, token, voucher_id, d(day)).await
}

async fn mark_sent(
    env: &Env,
    token: &str,
    voucher_id: &str,
    day: chrono::NaiveDate,
    sent_on: chrono::NaiveDate,
) -> Result<rpb::KelaNoticeSummary, tonic::Status> {
    mark_sent_saying(env, token, voucher_id, (day, sent_on), "").await
}

/// Marks the notice of `day`'s period sent on `sent_on`, with `backdated_reason` `why`.
async fn mark_sent_saying(
    env: &Env,
    token: &str,
    voucher_id: &str,
    (day, sent_on): (chrono::NaiveDate, chrono::NaiveDate),
    why: &str,
) -> Result<rpb::KelaNoticeSummary, tonic::Status> {
    env.r()
        .mark_kela_notice_sent(with_token(
            token,
            rpb::MarkKelaNoticeSentRequest {
                request_id: rid(),
                validate_only: false,
                voucher_id: voucher_id.into(),
                day: d(day),
                sent_on: d(sent_on),
                backdated_reason: why.into(),
            },
        ))
        .await
        .map(|r| r.into_inner().notice.expect("notice"))
}

fn day(n: &rpb::KelaNotice, date: chrono::NaiveDate) -> &rpb::KelaDay {
    n.days
        .iter()
        .find(|x| day_of(x.date) == date)
        .unwrap_or_else(|| panic!("{date} on the notice"))
}

/// The text of a PDF, as a PDF text extractor reads it (not as the generator meant it).
fn pdf_text(bytes: &[u8]) -> String {
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    pdf_text_of(bytes)
}

#[tokio::test]
async fn a_kela_notice_lists_every_day_of_two_weeks_and_is_marked_sent() {
    // Tuesday 14 April 2026, after Easter.
    let today = ymd(2026, 4, 14);
    let (env, p) = with_provider(start_reporting_on(today).await, 1_000_831).await;
    let q = approved_provider(&env, "Toinen ry", 2_000_831, SIILINJARVI).await;
    let from = ymd(2026, 3, 2);
    let v = ktt_voucher(&env, &p, 831, from, validity_end(from, 3)).await;
    let absent =
        |date, reason| record_absence(&env, &p, &v, date, apb::AbsenceKind::Absent, reason);
    // Monday 2 March: the first session starts the service.
    record(&env, &p, &v, at(ymd(2026, 3, 2), 9, 11))
        .await
        .expect("present");
    absent(ymd(2026, 3, 3), apb::AbsenceReason::JobInterview)
        .await
        .expect("job interview");
    no_show(&env, &p, &v, ymd(2026, 3, 4)).await;
    absent(ymd(2026, 3, 5), apb::AbsenceReason::ChildIllness)
        .await
        .expect("child ill");
    record_absence(
        &env,
        &p,
        &v,
        ymd(2026, 3, 6),
        apb::AbsenceKind::NotArranged,
        apb::AbsenceReason::Unspecified,
    )
    .await
    .expect("a break");
    record(&env, &p, &v, at(ymd(2026, 3, 9), 9, 11))
        .await
        .expect("present");
    record(&env, &p, &v, at(ymd(2026, 4, 1), 9, 11))
        .await
        .expect("present");

    // The periods from the start: 2–15 March (due 16 March), 16–29 March (due 30 March),
    // 30 March–12 April (due 13 April), 13–26 April (due 27 April, still running).
    let listed = kela_notices_listed(&env, &v).await;
    let periods: Vec<_> = listed
        .iter()
        .map(|n| {
            (
                day_of(n.period_from),
                day_of(n.period_until),
                day_of(n.due_on),
                n.status,
            )
        })
        .collect();
    let overdue = rpb::KelaNoticeStatus::Overdue as i32;
    assert_eq!(
        periods,
        vec![
            (ymd(2026, 3, 2), ymd(2026, 3, 15), ymd(2026, 3, 16), overdue),
            (
                ymd(2026, 3, 16),
                ymd(2026, 3, 29),
                ymd(2026, 3, 30),
                overdue
            ),
            (
                ymd(2026, 3, 30),
                ymd(2026, 4, 12),
                ymd(2026, 4, 13),
                overdue
            ),
            (
                ymd(2026, 4, 13),
                ymd(2026, 4, 26),
                ymd(2026, 4, 27),
                rpb::KelaNoticeStatus::Due as i32
            ),
        ]
    );

    // The first period, day by day, as the provider's user reads it.
    let user = env.provider_user(&p);
    let n = get(&env, &user, &v, ymd(2026, 3, 5)).await.expect("notice");
    assert_eq!(n.days.len(), 14);
    assert!(n.complete);
    assert!(!n.voucher_number.is_empty());
    assert!(!n.client_name.is_empty());
    assert_eq!(n.provider_name, "Valmennus ry");
    let status = |s: rpb::KelaDayStatus| s as i32;
    let present = day(&n, ymd(2026, 3, 2));
    assert_eq!(present.status, status(rpb::KelaDayStatus::Present));
    let interview = day(&n, ymd(2026, 3, 3));
    assert_eq!(interview.status, status(rpb::KelaDayStatus::Absent));
    assert_eq!(
        interview.reason,
        rpb::KelaAbsenceReason::JobInterview as i32
    );
    assert!(interview.benefit_kept);
    let missing = day(&n, ymd(2026, 3, 4));
    assert_eq!(missing.status, status(rpb::KelaDayStatus::Absent));
    assert_eq!(missing.reason, rpb::KelaAbsenceReason::Other as i32);
    assert!(!missing.benefit_kept, "any other reason loses the benefit");
    assert_eq!(missing.note, "ei saapunut");
    let child = day(&n, ymd(2026, 3, 5));
    assert_eq!(child.reason, rpb::KelaAbsenceReason::ChildIllness as i32);
    assert!(child.benefit_kept);
    let paused = day(&n, ymd(2026, 3, 6));
    assert_eq!(paused.status, status(rpb::KelaDayStatus::NotArranged));
    assert_eq!(paused.note, "kirjattu");
    let saturday = day(&n, ymd(2026, 3, 7));
    assert_eq!(saturday.status, status(rpb::KelaDayStatus::NotArranged));
    assert_eq!(
        (n.present_days, n.absent_days, n.benefit_lost_days),
        (2, 3, 1)
    );
    // Over Easter: Good Friday and Easter Monday are days with no service arranged.
    let easter = get(&env, &user, &v, ymd(2026, 4, 3)).await.expect("Easter");
    assert_eq!(
        day(&easter, ymd(2026, 4, 3)).status,
        status(rpb::KelaDayStatus::NotArranged)
    );
    assert_eq!(day(&easter, ymd(2026, 4, 3)).note, "pitkäperjantai");
    assert_eq!(day(&easter, ymd(2026, 4, 6)).note, "toinen pääsiäispäivä");
    // The running period: its days up to today.
    let running = get(&env, &user, &v, today).await.expect("running");
    assert!(!running.complete);
    assert_eq!(running.days.len(), 2);

    // The printable notice: a PDF whose text holds the days and the reasons.
    let pdf = kela_notice_pdf(
        &env,
        &user,
        rpb::GetKelaNoticePdfRequest {
            voucher_id: v.clone(),
            day: d(ymd(2026, 3, 2)),
        },
    )
    .await
    .expect("pdf");
    assert_eq!(pdf.content_type, "application/pdf");
    // Archived by the county (ARCHIVE): PDF/A-2b.
    assert_pdf_a_2b(&pdf.content);
    assert!(
        pdf.file_name.ends_with("2026-03-02.pdf"),
        "{}",
        pdf.file_name
    );
    let text = pdf_text(&pdf.content);
    let squeezed_text = squeezed(&text);
    for expected in [
        "Ilmoitus poissaolosta",
        "Valmennus ry",
        &n.voucher_number,
        "työhaastattelu tai vastaava",
        "alle 10-vuotiaan lapsen sairaus",
        "ei saapunut",
        "palvelua ei järjestetä",
        "2.3.2026",
    ] {
        assert!(
            squeezed_text.contains(&squeezed(expected)),
            "{expected:?} in the PDF text:\n{text}"
        );
    }

    // Marking sent: the third in time (yesterday, saying why it is marked only today), the
    // first late (ABS-KELA); the running one not yet; none twice.
    let yesterday = ymd(2026, 4, 13);
    let why = "lähetetty Kelan asiointipalvelussa 13.4., merkintä jäi tekemättä";
    let third = mark_sent_saying(&env, &user, &v, (ymd(2026, 4, 1), yesterday), why)
        .await
        .expect("sent");
    assert_eq!(third.status, rpb::KelaNoticeStatus::Sent as i32);
    assert!(!third.late);
    assert_eq!(third.backdated_reason, why);
    let first = mark_sent(&env, &user, &v, ymd(2026, 3, 2), today)
        .await
        .expect("sent late");
    assert!(first.late);
    assert_eq!(first.backdated_reason, "", "marked on the day it was sent");
    assert_eq!(
        first.sent_by.as_ref().map(|a| a.subject.clone()),
        Some(format!("user-of-{p}"))
    );
    refused_by(
        mark_sent(&env, &user, &v, today, today).await,
        ["STATE-TRANSITION"],
        "the period runs",
    );
    refused_by(
        mark_sent(&env, &user, &v, ymd(2026, 3, 2), today).await,
        ["STATE-TRANSITION"],
        "twice",
    );
    let err = mark_sent(&env, &user, &v, ymd(2026, 3, 2), days(today, 1))
        .await
        .expect_err("tomorrow");
    assert_eq!(bad_fields(&err), vec!["sent_on"]);
    let by_status = async |status: rpb::KelaNoticeStatus| {
        let of_status = rpb::ListKelaNoticesRequest {
            status: status as i32,
            ..Default::default()
        };
        list_kela_notices(&env, &user, of_status)
            .await
            .expect("listed")
    };
    let still_overdue = by_status(rpb::KelaNoticeStatus::Overdue).await;
    assert_eq!(still_overdue.len(), 1);
    assert_eq!(day_of(still_overdue[0].period_from), ymd(2026, 3, 16));
    let sent = by_status(rpb::KelaNoticeStatus::Sent).await;
    assert_eq!(sent.len(), 2);
    // Paging, one a page, by due date.
    let one_a_page = rpb::ListKelaNoticesRequest {
        page_size: 1,
        ..Default::default()
    };
    let seen: Vec<_> = list_kela_notices(&env, &user, one_a_page)
        .await
        .expect("pages")
        .into_iter()
        .map(|n| day_of(n.due_on))
        .collect();
    assert_eq!(seen.len(), 4);
    assert!(seen.windows(2).all(|w| w[0] < w[1]));

    // Access: the issuing social worker reads it; another social worker and another
    // provider's user do not know it; only the provider marks it sent.
    get(&env, &env.social_worker(), &v, ymd(2026, 3, 2))
        .await
        .expect("the client's social worker");
    let other = other_social_worker(&env);
    assert_eq!(
        get(&env, &other, &v, ymd(2026, 3, 2))
            .await
            .expect_err("another social worker")
            .code(),
        Code::NotFound
    );
    assert!(
        list_kela_notices(&env, &other, rpb::ListKelaNoticesRequest::default())
            .await
            .expect("theirs")
            .is_empty()
    );
    let stranger = env.provider_user(&q);
    assert_eq!(
        get(&env, &stranger, &v, ymd(2026, 3, 2))
            .await
            .expect_err("another provider")
            .code(),
        Code::NotFound
    );
    assert_eq!(
        mark_sent(&env, &stranger, &v, ymd(2026, 3, 16), today)
            .await
            .expect_err("another provider")
            .code(),
        Code::NotFound
    );
    assert!(
        list_kela_notices(&env, &stranger, rpb::ListKelaNoticesRequest::default())
            .await
            .expect("theirs")
            .is_empty()
    );
    assert_eq!(
        list_kela_notices(&env, &stranger, of_provider(&p))
            .await
            .expect_err("another provider's list")
            .code(),
        Code::NotFound
    );
    assert_eq!(
        mark_sent(&env, &env.social_worker(), &v, ymd(2026, 3, 16), today)
            .await
            .expect_err("the provider sends")
            .code(),
        Code::PermissionDenied
    );
    let audited = reporting_audit_actions(&env, &c_of(&env, &v).await).await;
    for action in ["GetKelaNotice", "GetKelaNoticePdf", "MarkKelaNoticeSent"] {
        assert!(
            audited.iter().any(|a| a == action),
            "{action} in {audited:?}"
        );
    }
}

#[tokio::test]
async fn a_kela_notice_marked_sent_on_an_earlier_day_says_why() {
    // Issue 30: a provider could mark a late notice sent "on time" by back-dating `sent_on`.
    // Tuesday 14 April 2026: the notice of 2–15 March was due on Monday 16 March.
    let today = ymd(2026, 4, 14);
    let (env, p) = with_provider(start_reporting_on(today).await, 1_000_834).await;
    let from = ymd(2026, 3, 2);
    let v = ktt_voucher(&env, &p, 834, from, validity_end(from, 3)).await;
    record(&env, &p, &v, at(from, 9, 11))
        .await
        .expect("the service starts");
    kela_notices_listed(&env, &v).await;
    let user = env.provider_user(&p);
    let march = ymd(2026, 3, 2);

    // Back-dated to its due date without a reason: refused, naming the field, nothing marked.
    let err = mark_sent(&env, &user, &v, march, ymd(2026, 3, 16))
        .await
        .expect_err("back-dated without a reason");
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(bad_fields(&err), vec!["backdated_reason"]);
    let blank = mark_sent_saying(&env, &user, &v, (march, ymd(2026, 3, 16)), "  ")
        .await
        .expect_err("a blank reason");
    assert_eq!(bad_fields(&blank), vec!["backdated_reason"]);
    let too_long = "x".repeat(2001);
    let long = mark_sent_saying(&env, &user, &v, (march, ymd(2026, 3, 16)), &too_long)
        .await
        .expect_err("a reason too long");
    assert_eq!(bad_fields(&long), vec!["backdated_reason"]);
    let on_today = mark_sent_saying(&env, &user, &v, (march, today), "miksi")
        .await
        .expect_err("a reason for today");
    assert_eq!(bad_fields(&on_today), vec!["backdated_reason"]);
    let still = kela_notices_listed(&env, &v).await;
    assert!(
        still
            .iter()
            .any(|n| day_of(n.period_from) == march
                && n.status == rpb::KelaNoticeStatus::Overdue as i32),
        "still overdue: {still:?}"
    );

    // With a reason: marked, the reason on the notice wherever it is read, audited as
    // back-dated; sent by its due date it is not late.
    let why = "lähetetty 16.3. postitse, kuittaus löytyi vasta nyt";
    let sent = mark_sent_saying(&env, &user, &v, (march, ymd(2026, 3, 16)), why)
        .await
        .expect("back-dated with a reason");
    assert_eq!(day_of(sent.sent_on), ymd(2026, 3, 16));
    assert_eq!(sent.backdated_reason, why);
    assert!(!sent.late);
    let notice = get(&env, &user, &v, march).await.expect("the notice");
    let summary = notice.summary.expect("summary");
    assert_eq!(summary.backdated_reason, why);
    let listed = kela_notices_listed(&env, &v).await;
    let listed = listed
        .iter()
        .find(|n| day_of(n.period_from) == march)
        .expect("listed");
    assert_eq!(listed.backdated_reason, why);
    let audited = reporting_audit_actions(&env, &c_of(&env, &v).await).await;
    assert!(
        audited
            .iter()
            .any(|a| a == "MarkKelaNoticeSent (back-dated)"),
        "{audited:?}"
    );

    // Back-dated past its due date, with a reason: still late (ABS-KELA).
    let late = mark_sent_saying(
        &env,
        &user,
        &v,
        (ymd(2026, 3, 16), ymd(2026, 4, 1)),
        "lähetetty 1.4.",
    )
    .await
    .expect("late, back-dated");
    assert!(late.late);
}

/// The client of a voucher.
async fn c_of(env: &Env, voucher_id: &str) -> String {
    get_voucher(env, voucher_id)
        .await
        .client
        .expect("client")
        .client_id
}

#[tokio::test]
async fn sk_has_no_kela_notice_and_a_service_not_started_has_none_yet() {
    let today = ymd(2026, 4, 14);
    let (env, p) = with_provider(start_reporting_on(today).await, 1_000_832).await;
    let from = ymd(2026, 3, 2);
    let s = sk_group_voucher(&env, &p, 832, from, validity_end(from, 3)).await;
    let user = env.provider_user(&p);
    // ABS-KELA: only KTT absences go to Kela.
    refused_by(
        get(&env, &user, &s, ymd(2026, 3, 2)).await,
        ["ABS-KELA"],
        "SK",
    );
    refused_by(
        mark_sent(&env, &user, &s, ymd(2026, 3, 2), today).await,
        ["ABS-KELA"],
        "SK",
    );
    refused_by(
        kela_notice_pdf(
            &env,
            &user,
            rpb::GetKelaNoticePdfRequest {
                voucher_id: s.clone(),
                day: d(ymd(2026, 3, 2)),
            },
        )
        .await,
        ["ABS-KELA"],
        "SK",
    );
    // A KTT service not started yet has no notices.
    let k = ktt_voucher(&env, &p, 833, from, validity_end(from, 3)).await;
    refused_by(
        get(&env, &user, &k, ymd(2026, 3, 2)).await,
        ["STATE-TRANSITION"],
        "not started",
    );
    let none = list_kela_notices(&env, &user, of_voucher(&k))
        .await
        .expect("list");
    assert!(none.is_empty());
    // An unknown voucher, a missing day.
    refused_with(
        get(&env, &user, "no-such-voucher", today).await,
        Code::NotFound,
        "unknown",
    );
    let err = get_kela_notice(&env, &user, &k, None)
        .await
        .expect_err("no day");
    assert_eq!(bad_fields(&err), vec!["day"]);
}

#[tokio::test]
async fn kela_gets_the_full_identity_code_from_the_provider_and_nobody_else_sees_it() {
    // Tuesday 14 April 2026.
    let today = ymd(2026, 4, 14);
    let (env, p) = with_provider(start_reporting_on(today).await, 1_000_841).await;
    let from = ymd(2026, 3, 2);
    let v = ktt_voucher(&env, &p, 841, from, validity_end(from, 3)).await;
    record(&env, &p, &v, at(from, 9, 11))
        .await
        .expect("the first session starts the service");
    // Reporting learns of the start from the vouchers feed.
    kela_notices_listed(&env, &v).await;
    let client = voucher_usage(&env, &v).await.client_id;
    let full = read_client(&env, &env.admin(), &client)
        .await
        .expect("the county reads the client")
        .identity_code;
    assert!(!full.is_empty() && !full.contains('*'), "{full}");
    let pdf_of = |token: String| {
        let env = &env;
        let v = v.clone();
        async move {
            let request = rpb::GetKelaNoticePdfRequest {
                voucher_id: v,
                day: d(from),
            };
            let pdf = kela_notice_pdf(env, &token, request).await.expect("pdf");
            squeezed(&pdf_text(&pdf.content))
        }
    };
    // The voucher's provider, who sends it to Kela: the full code, on the data and the paper.
    let user = env.provider_user(&p);
    let notice = get(&env, &user, &v, from)
        .await
        .expect("the provider's notice");
    assert_eq!(notice.client_identity_code, full);
    assert!(pdf_of(user.clone()).await.contains(&squeezed(&full)));
    // Audited as a read of the full code.
    let entries = audit_entries(&env, &client).await;
    assert!(
        entries
            .iter()
            .any(|e| e.action == "GetClient (full identity code)" && e.purpose == "kela_notice"),
        "{entries:?}"
    );
    // The social worker reads the notice with the masked code only, on paper too.
    let sw = env.social_worker();
    let theirs = get(&env, &sw, &v, from)
        .await
        .expect("the social worker's notice");
    assert!(theirs.client_identity_code.is_empty());
    assert!(!pdf_of(sw).await.contains(&squeezed(&full)));
    // Another provider's user: the client's code is not theirs for any purpose.
    let q = approved_provider(&env, "Toinen ry", 2_000_841, SIILINJARVI).await;
    let other = env
        .v()
        .get_client(seteli_platform::testing::with_token(
            &env.provider_user(&q),
            seteli_api::vouchers::v1::GetClientRequest {
                client_id: client.clone(),
                for_kela_notice: true,
            },
        ))
        .await;
    refused_with(other, Code::NotFound, "another provider");
}

#[tokio::test]
async fn kela_s_notice_names_the_provider_who_sends_it_and_reads_without_the_registry() {
    use seteli_api::providers::v1 as ppb;
    // Tuesday 14 April 2026.
    let today = ymd(2026, 4, 14);
    let (mut env, p) = with_provider(start_reporting_on(today).await, 1_000_847).await;
    // The registry's contact person gets a phone number.
    let admin = env.admin();
    let record = env
        .p()
        .get_provider(with_token(
            &admin,
            ppb::GetProviderRequest {
                provider_id: p.clone(),
            },
        ))
        .await
        .expect("the registry's record")
        .into_inner()
        .provider
        .expect("provider");
    let mut details = record.details.expect("details");
    let contact = details.contact.get_or_insert_default();
    contact.name = "Maija Meikäläinen".into();
    contact.phone = "+358 40 765 4321".into();
    let business_id = details.business_id.clone();
    env.p()
        .update_provider(with_token(
            &admin,
            ppb::UpdateProviderRequest {
                request_id: rid(),
                validate_only: false,
                provider_id: p.clone(),
                details: Some(details),
            },
        ))
        .await
        .expect("a phone for the contact person");
    let from = ymd(2026, 3, 2);
    let v = ktt_voucher(&env, &p, 847, from, validity_end(from, 3)).await;
    record_session_and_follow(&env, &p, &v, from).await;

    // As data and on paper, for the provider who sends it and the social worker alike.
    let expected = rpb::KelaNoticeProvider {
        provider_id: p.clone(),
        name: "Valmennus ry".into(),
        business_id: business_id.clone(),
        contact_name: "Maija Meikäläinen".into(),
        contact_phone: "+358 40 765 4321".into(),
    };
    for token in [env.provider_user(&p), env.social_worker()] {
        let notice = get(&env, &token, &v, from).await.expect("the notice");
        assert_eq!(notice.provider.as_ref(), Some(&expected));
        let text = notice_pdf_text(&env, &token, &v, from).await;
        for fact in [
            "Valmennus ry",
            &business_id,
            "Maija Meikäläinen",
            "+358 40 765 4321",
        ] {
            assert!(
                squeezed(&text).contains(&squeezed(fact)),
                "{fact:?} in the PDF text:\n{text}"
            );
        }
    }

    // The registry down: the notice still reads, naming the voucher's provider and asking for
    // the rest to be completed before it is sent.
    env.take(Svc::Providers)
        .stop()
        .await
        .expect("stop providers");
    let user = env.provider_user(&p);
    let notice = get(&env, &user, &v, from)
        .await
        .expect("the notice without the registry");
    assert_eq!(notice.provider, None);
    assert_eq!(notice.provider_name, "Valmennus ry");
    assert_eq!(notice.days.len(), 14);
    let text = squeezed(&notice_pdf_text(&env, &user, &v, from).await);
    assert!(text.contains(&squeezed("Valmennus ry")), "{text}");
    assert!(
        text.contains(&squeezed("palveluntuottajarekisteri ei vastannut")),
        "{text}"
    );
    assert!(!text.contains(&squeezed(&business_id)), "{text}");
}

/// Records the session that starts the service of `v` on `from`, and waits until reporting
/// has followed the start.
async fn record_session_and_follow(env: &Env, p: &str, v: &str, from: chrono::NaiveDate) {
    record(env, p, v, at(from, 9, 11))
        .await
        .expect("the first session starts the service");
    kela_notices_listed(env, v).await;
}

/// The extracted text of the PDF of the notice of `day`'s period, as `token` fetches it.
async fn notice_pdf_text(env: &Env, token: &str, v: &str, day: chrono::NaiveDate) -> String {
    let request = rpb::GetKelaNoticePdfRequest {
        voucher_id: v.into(),
        day: d(day),
    };
    let pdf = kela_notice_pdf(env, token, request).await.expect("pdf");
    pdf_text(&pdf.content)
}
