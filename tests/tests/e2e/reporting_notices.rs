//! Notices to the social worker: attendance's alerts (ABS-SICK-CERT, ABS-PROLONGED,
//! ABS-REPEATED, SK-GROUP-MIN-FILL for closed groups cancelled or delayed), interruptions
//! (PROC-INTERRUPT), changes in the client's situation (NOTIFY-CHANGE) and damages
//! (PROV-DAMAGE-NOTICE); one inbox per social worker, acknowledged there, and "without delay"
//! measured; an interruption's notice names its reason by the code the voucher feed carries,
//! never by its free text. Every environment's "today" is pinned.

use seteli_api::attendance::v1 as apb;
use seteli_api::common::v1::ServiceType;
use seteli_api::reporting::v1 as rpb;
use seteli_api::vouchers::v1 as vpb;
use seteli_platform::testing::with_token;
use seteli_rules::terms::validity_end;
use seteli_tests::fixtures::*;
use tonic::Code;

async fn get_notice(env: &Env, token: &str, id: &str) -> Result<rpb::Notice, tonic::Status> {
    env.r()
        .get_notice(with_token(
            token,
            rpb::GetNoticeRequest {
                notice_id: id.into(),
            },
        ))
        .await
        .map(|r| r.into_inner().notice.expect("notice"))
}

fn acknowledge_request(id: &str, note: &str) -> rpb::AcknowledgeNoticeRequest {
    rpb::AcknowledgeNoticeRequest {
        request_id: rid(),
        validate_only: false,
        notice_id: id.into(),
        note: note.into(),
    }
}

async fn acknowledge(
    env: &Env,
    token: &str,
    req: rpb::AcknowledgeNoticeRequest,
) -> Result<rpb::Notice, tonic::Status> {
    env.r()
        .acknowledge_notice(with_token(token, req))
        .await
        .map(|r| r.into_inner().notice.expect("notice"))
}

fn one<'a>(notices: &'a [rpb::Notice], rule: &str) -> &'a rpb::Notice {
    let found: Vec<&rpb::Notice> = notices.iter().filter(|n| n.rule == rule).collect();
    assert_eq!(found.len(), 1, "one {rule} notice in {notices:?}");
    found[0]
}

fn rules_of(notices: &[rpb::Notice]) -> Vec<String> {
    let mut r: Vec<String> = notices.iter().map(|n| n.rule.clone()).collect();
    r.sort();
    r
}

#[tokio::test]
async fn attendance_alerts_reach_only_their_social_worker_who_acknowledges_them() {
    // Tuesday 24 March 2026.
    let today = ymd(2026, 3, 24);
    let env = start_reporting_on(today).await;
    let p = ktt_provider(&env, "Työpaja ry", 1_000_801, SIILINJARVI).await;
    let q = approved_provider(&env, "Toinen ry", 2_000_801, SIILINJARVI).await;
    let from = ymd(2026, 3, 2);
    let c = client_at(&env, 801, SIILINJARVI).await;
    let work = voucher_for_client(
        &env,
        &p,
        &c.id,
        ServiceType::KttWorkCapacity,
        (from, validity_end(from, 3)),
        40,
    )
    .await;
    // Own illness from Monday 9 to Friday 13 March without a certificate: more than 3 days
    // (ABS-SICK-CERT), and five arranged days absent in a row (ABS-PROLONGED, to be told by
    // Monday 16 March: recorded only today, it is late).
    for n in 0..5 {
        record_absence(
            &env,
            &p,
            &work,
            days(ymd(2026, 3, 9), n),
            apb::AbsenceKind::Absent,
            apb::AbsenceReason::OwnIllness,
        )
        .await
        .expect("absence");
    }
    // Two no-shows within a week on coaching: ABS-REPEATED to the social worker (and a
    // "contact the client" alert to the provider, which is no notice).
    let coaching = ktt_voucher(&env, &p, 802, from, validity_end(from, 3)).await;
    no_show(&env, &p, &coaching, ymd(2026, 3, 16)).await;
    no_show(&env, &p, &coaching, ymd(2026, 3, 18)).await;

    let sw = env.social_worker();
    let inbox = notices_of(&env, &sw, &work, &["ABS-SICK-CERT", "ABS-PROLONGED"]).await;
    assert_eq!(
        rules_of(&inbox),
        vec!["ABS-PROLONGED", "ABS-SICK-CERT"],
        "no ABS-KELA"
    );
    let prolonged = one(&inbox, "ABS-PROLONGED");
    assert_eq!(prolonged.kind, rpb::NoticeKind::ProlongedAbsence as i32);
    assert_eq!(prolonged.social_worker, "test-social_worker");
    assert_eq!(prolonged.provider_id, p);
    assert_eq!(prolonged.client_id, c.id);
    assert_eq!(day_of(prolonged.due_on), ymd(2026, 3, 16));
    assert_eq!(day_of(prolonged.told_on), today);
    assert!(prolonged.late, "told on {today}, due 16 March");
    assert_eq!(prolonged.state, rpb::NoticeState::Open as i32);
    let sick = one(&inbox, "ABS-SICK-CERT");
    assert_eq!(sick.kind, rpb::NoticeKind::SickCertificate as i32);
    assert!(!sick.late, "due today");
    let repeated = notices_of(&env, &sw, &coaching, &["ABS-REPEATED"]).await;
    assert_eq!(
        rules_of(&repeated),
        vec!["ABS-REPEATED"],
        "one, to the social worker"
    );
    assert_eq!(repeated[0].kind, rpb::NoticeKind::RepeatedNoShows as i32);

    // The late ones: told after their due date.
    let late = list_notices(
        &env,
        &sw,
        rpb::ListNoticesRequest {
            late_only: true,
            ..Default::default()
        },
    )
    .await
    .expect("late");
    assert_eq!(rules_of(&late), vec!["ABS-PROLONGED", "ABS-REPEATED"]);
    assert!(late.iter().all(|n| n.late));

    // Another social worker: an empty inbox, and not this one's.
    let other = other_social_worker(&env);
    let theirs = list_notices(&env, &other, rpb::ListNoticesRequest::default())
        .await
        .expect("own inbox");
    assert!(theirs.is_empty(), "{theirs:?}");
    refused_with(
        list_notices(
            &env,
            &other,
            rpb::ListNoticesRequest {
                social_worker: "test-social_worker".into(),
                ..Default::default()
            },
        )
        .await,
        Code::NotFound,
        "another's inbox",
    );
    refused_with(
        get_notice(&env, &other, &prolonged.id).await,
        Code::NotFound,
        "another's notice",
    );
    refused_with(
        acknowledge(&env, &other, acknowledge_request(&prolonged.id, "")).await,
        Code::NotFound,
        "another's notice",
    );

    // Another provider's user knows none of them; the provider's own user sees what it told.
    refused_with(
        get_notice(&env, &env.provider_user(&q), &prolonged.id).await,
        Code::NotFound,
        "another provider's",
    );
    refused_with(
        list_notices(&env, &env.provider_user(&q), of_provider(&p)).await,
        Code::NotFound,
        "another provider's list",
    );
    assert!(
        list_notices(
            &env,
            &env.provider_user(&q),
            rpb::ListNoticesRequest::default()
        )
        .await
        .expect("own list")
        .is_empty()
    );
    let own = list_notices(
        &env,
        &env.provider_user(&p),
        rpb::ListNoticesRequest::default(),
    )
    .await
    .expect("own provider's");
    assert_eq!(own.len(), 3);
    assert_eq!(
        get_notice(&env, &env.provider_user(&p), &prolonged.id)
            .await
            .expect("own")
            .id,
        prolonged.id
    );
    // A provider's user does not acknowledge.
    refused_with(
        acknowledge(
            &env,
            &env.provider_user(&p),
            acknowledge_request(&prolonged.id, ""),
        )
        .await,
        Code::PermissionDenied,
        "provider",
    );

    // The social worker acknowledges; a retry answers the same; a second acknowledgement is
    // refused.
    let req = acknowledge_request(&prolonged.id, "Soitettu asiakkaalle.");
    let acked = acknowledge(&env, &sw, req.clone())
        .await
        .expect("acknowledged");
    assert_eq!(acked.state, rpb::NoticeState::Acknowledged as i32);
    assert_eq!(acked.acknowledgement_note, "Soitettu asiakkaalle.");
    assert_eq!(
        acked.acknowledged_by.as_ref().map(|a| a.subject.as_str()),
        Some("test-social_worker")
    );
    assert!(acked.acknowledged_at_micros > 0);
    assert_eq!(acked.version, prolonged.version + 1);
    let again = acknowledge(&env, &sw, req).await.expect("retry");
    assert_eq!(again, acked);
    refused_by(
        acknowledge(&env, &sw, acknowledge_request(&prolonged.id, "")).await,
        ["STATE-TRANSITION"],
        "twice",
    );
    let open = list_notices(
        &env,
        &sw,
        rpb::ListNoticesRequest {
            state: rpb::NoticeState::Open as i32,
            ..Default::default()
        },
    )
    .await
    .expect("open");
    assert_eq!(rules_of(&open), vec!["ABS-REPEATED", "ABS-SICK-CERT"]);

    // Reading and acknowledging notices is audited as client data; the follower's progress
    // shows.
    let audited = reporting_audit_actions(&env, &c.id).await;
    for action in ["ListNotices", "GetNotice", "AcknowledgeNotice"] {
        assert!(
            audited.iter().any(|a| a == action),
            "{action} in {audited:?}"
        );
    }
    let status = reporting_feed_status(&env).await;
    assert!(status.attendance_last_sequence > 0);
    assert_eq!(status.notices, 3);
}

#[tokio::test]
async fn told_notices_and_interruptions_measure_without_delay() {
    // Wednesday 8 April 2026, after Easter (Good Friday 3 April, Easter Monday 6 April).
    let today = ymd(2026, 4, 8);
    let (env, p) = with_provider(start_reporting_on(today).await, 1_000_811).await;
    let q = approved_provider(&env, "Toinen ry", 2_000_811, SIILINJARVI).await;
    let from = ymd(2026, 3, 2);
    let v = ktt_voucher(&env, &p, 811, from, validity_end(from, 3)).await;
    let user = env.provider_user(&p);

    // A change on Thursday 2 April is due by Tuesday 7 April (past Easter); told today: late.
    let change_req = rpb::NotifyChangeRequest {
        request_id: rid(),
        validate_only: false,
        voucher_id: v.clone(),
        situation_change: rpb::SituationChange::FunctionalCapacity as i32,
        occurred_on: d(ymd(2026, 4, 2)),
        description: "Asiakkaan jaksaminen on heikentynyt; päivät lyhennetty.".into(),
    };
    let change = notify_change(&env, &user, change_req.clone())
        .await
        .expect("told");
    assert_eq!(change.rule, "NOTIFY-CHANGE");
    assert_eq!(change.kind, rpb::NoticeKind::SituationChange as i32);
    assert_eq!(
        change.situation_change,
        rpb::SituationChange::FunctionalCapacity as i32
    );
    assert_eq!(day_of(change.occurred_on), ymd(2026, 4, 2));
    assert_eq!(day_of(change.due_on), ymd(2026, 4, 7));
    assert_eq!(day_of(change.told_on), today);
    assert!(change.late);
    assert_eq!(change.social_worker, "test-social_worker");
    assert_eq!(
        change.told_by.as_ref().map(|a| a.subject.clone()),
        Some(format!("user-of-{p}"))
    );
    assert!(change.details.contains("jaksaminen"));
    // A retry answers the first notice.
    let again = notify_change(&env, &user, change_req).await.expect("retry");
    assert_eq!(again.id, change.id);

    // A damage yesterday is told in time.
    let damage = notify_damage(
        &env,
        &user,
        &v,
        d(ymd(2026, 4, 7)),
        "Asiakkaan puhelin putosi ja näyttö rikkoutui työtehtävässä.",
    )
    .await
    .expect("damage");
    assert_eq!(damage.rule, "PROV-DAMAGE-NOTICE");
    assert_eq!(day_of(damage.due_on), today);
    assert!(!damage.late);

    // Mistakes and strangers.
    let err = notify_damage(&env, &user, &v, d(days(today, 1)), "huomenna")
        .await
        .expect_err("tomorrow");
    assert_eq!(bad_fields(&err), vec!["occurred_on"]);
    let err = notify_change(
        &env,
        &user,
        rpb::NotifyChangeRequest {
            request_id: rid(),
            voucher_id: v.clone(),
            occurred_on: d(today),
            description: "muutos".into(),
            ..Default::default()
        },
    )
    .await
    .expect_err("what changed");
    assert_eq!(bad_fields(&err), vec!["situation_change"]);
    refused_with(
        notify_change(
            &env,
            &env.provider_user(&q),
            rpb::NotifyChangeRequest {
                request_id: rid(),
                validate_only: false,
                voucher_id: v.clone(),
                situation_change: rpb::SituationChange::Concern as i32,
                occurred_on: d(today),
                description: "huoli".into(),
            },
        )
        .await,
        Code::NotFound,
        "another provider's client",
    );
    refused_with(
        notify_damage(&env, &env.social_worker(), &v, d(today), "x").await,
        Code::PermissionDenied,
        "the provider tells",
    );

    // Interruptions from the voucher feed (PROC-INTERRUPT): one the provider made, a week
    // late, and one the social worker made, which is theirs already.
    let w = ktt_voucher(&env, &p, 812, from, validity_end(from, 3)).await;
    interrupt_on(&env, &user, &w, ymd(2026, 4, 1)).await;
    let x = ktt_voucher(&env, &p, 813, from, validity_end(from, 3)).await;
    interrupt_on(&env, &env.social_worker(), &x, today).await;
    let sw = env.social_worker();
    let by_provider = notices_of(&env, &sw, &w, &["PROC-INTERRUPT"]).await;
    let n = one(&by_provider, "PROC-INTERRUPT");
    assert_eq!(n.kind, rpb::NoticeKind::Interruption as i32);
    assert_eq!(day_of(n.occurred_on), ymd(2026, 4, 1));
    assert_eq!(day_of(n.due_on), ymd(2026, 4, 2));
    assert!(n.late);
    assert_eq!(n.state, rpb::NoticeState::Open as i32);
    // The feed carries no free text: the notice points to the voucher, whose reason the social
    // worker reads (audited) — issue 30.
    let number = read_voucher(&env, &sw, &w).await.expect("the voucher");
    assert!(n.message_fi.contains(&number.voucher_number), "{n:?}");
    assert!(!n.message_fi.contains(INTERRUPTION_REASON), "{n:?}");
    // It names the reason by the code the feed carries (INTERRUPTION_KIND: the client moved).
    assert!(n.message_fi.contains("syy: muutto"), "{n:?}");
    assert_eq!(number.end_reason, INTERRUPTION_REASON);
    let by_worker = notices_of(&env, &sw, &x, &["PROC-INTERRUPT"]).await;
    let n = one(&by_worker, "PROC-INTERRUPT");
    assert!(!n.late);
    assert_eq!(n.state, rpb::NoticeState::Acknowledged as i32);

    // The inbox: late ones, and by kind.
    let late = list_notices(
        &env,
        &sw,
        rpb::ListNoticesRequest {
            late_only: true,
            ..Default::default()
        },
    )
    .await
    .expect("late");
    assert_eq!(rules_of(&late), vec!["NOTIFY-CHANGE", "PROC-INTERRUPT"]);
    let damages = list_notices(
        &env,
        &sw,
        rpb::ListNoticesRequest {
            kind: rpb::NoticeKind::Damage as i32,
            ..Default::default()
        },
    )
    .await
    .expect("damages");
    assert_eq!(damages.len(), 1);
    assert_eq!(damages[0].id, damage.id);
    // Paging: one at a time, the latest told first, nothing twice.
    let one_a_page = rpb::ListNoticesRequest {
        page_size: 1,
        ..Default::default()
    };
    let seen: Vec<_> = list_notices(&env, &sw, one_a_page)
        .await
        .expect("pages")
        .into_iter()
        .map(|n| (n.told_at_micros, n.id))
        .collect();
    assert_eq!(seen.len(), 4);
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "{seen:?}");
}

#[tokio::test]
async fn a_closed_group_cancelled_or_delayed_is_a_notice_to_each_clients_social_worker() {
    // Tuesday 24 March 2026: a week before the groups' announced start on 31 March.
    let today = ymd(2026, 3, 24);
    let (env, p) = with_provider(start_reporting_on(today).await, 1_000_821).await;
    let from = ymd(2026, 3, 2);
    let mut v = Vec::new();
    for i in 0..3 {
        v.push(sk_group_voucher(&env, &p, 821 + i, from, validity_end(from, 3)).await);
    }
    let start = ymd(2026, 3, 31);
    let decide = async |group: apb::Group, delay_to: Option<chrono::NaiveDate>| {
        let token = env.provider_user(&p);
        match delay_to {
            None => {
                cancel_group(
                    &env,
                    &token,
                    apb::CancelGroupRequest {
                        request_id: rid(),
                        validate_only: false,
                        group_id: group.id,
                        reason: "liian vähän ilmoittautuneita".into(),
                    },
                )
                .await
                .expect("cancelled");
            }
            Some(new_start) => {
                delay_group_start(
                    &env,
                    &token,
                    apb::DelayGroupStartRequest {
                        request_id: rid(),
                        validate_only: false,
                        group_id: group.id,
                        new_start: d(new_start),
                        reason: "odotetaan ilmoittautumisia".into(),
                    },
                )
                .await
                .expect("delayed");
            }
        }
    };
    let cancelled = create_group(
        &env,
        &p,
        group_details(ServiceType::SkGroup, apb::GroupMode::Closed, 5, start),
    )
    .await
    .expect("group");
    for x in &v[..2] {
        enrol(&env, &p, &cancelled.id, x, None)
            .await
            .expect("enrolled");
    }
    let delayed = create_group(
        &env,
        &p,
        group_details(ServiceType::SkGroup, apb::GroupMode::Closed, 5, start),
    )
    .await
    .expect("group");
    enrol(&env, &p, &delayed.id, &v[2], None)
        .await
        .expect("enrolled");
    decide(cancelled.clone(), None).await;
    decide(delayed.clone(), Some(ymd(2026, 4, 2))).await;

    let sw = env.social_worker();
    for (x, group, word) in [
        (&v[0], &cancelled, "cancelled"),
        (&v[1], &cancelled, "cancelled"),
        (&v[2], &delayed, "delayed"),
    ] {
        let got = notices_of(&env, &sw, x, &["SK-GROUP-MIN-FILL"]).await;
        let n = one(&got, "SK-GROUP-MIN-FILL");
        assert_eq!(n.kind, rpb::NoticeKind::GroupCancelledOrDelayed as i32);
        assert_eq!(n.subject_id, group.id);
        assert!(n.message_en.contains(word), "{n:?}");
        assert!(!n.late, "told the day it was decided");
    }
    assert!(
        list_notices(
            &env,
            &other_social_worker(&env),
            rpb::ListNoticesRequest::default()
        )
        .await
        .expect("own inbox")
        .is_empty()
    );
}

#[tokio::test]
async fn an_interruption_notice_names_the_reason_by_its_code_and_not_its_words() {
    let today = today();
    let (env, p) = with_provider(start_reporting_on(today).await, 1_000_831).await;
    let from = days(today, -14);
    let v = ktt_voucher(&env, &p, 831, from, validity_end(from, 3)).await;
    let words = "Asiakas joutui psykiatriseen sairaalahoitoon.";
    interrupt_voucher(
        &env,
        &env.provider_user(&p),
        &v,
        vpb::EndReasonKind::ClientHealth,
        words,
        d(today),
    )
    .await
    .expect("interrupted");

    let sw = env.social_worker();
    let got = notices_of(&env, &sw, &v, &["PROC-INTERRUPT"]).await;
    let n = one(&got, "PROC-INTERRUPT");
    assert_eq!(n.kind, rpb::NoticeKind::Interruption as i32);
    // The Finnish label of the code, and the voucher whose details hold the words.
    assert!(
        n.message_fi.contains("syy: asiakkaan terveydentila"),
        "{n:?}"
    );
    assert!(n.message_en.contains("the client's health"), "{n:?}");
    let voucher = read_voucher(&env, &sw, &v).await.expect("the voucher");
    assert!(n.message_fi.contains(&voucher.voucher_number), "{n:?}");
    // The words themselves never leave the voucher: not in the notice, whoever reads it.
    for text in [&n.message_fi, &n.message_en, &n.details] {
        assert!(!text.contains("sairaalahoito"), "{n:?}");
    }
    assert_eq!(voucher.end_reason, words);
    assert_eq!(
        voucher.end_reason_kind,
        vpb::EndReasonKind::ClientHealth as i32
    );
}
