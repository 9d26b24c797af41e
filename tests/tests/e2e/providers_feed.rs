//! The registry's change feed (issue 29): every change of what the services following it see
//! (a provider's name and details, approval state, offerings) on ListProviderChanges, for the
//! service accounts of vouchers and attendance only; the first entry of a provider registered
//! before the feed; and vouchers and attendance deciding from their copy, so a provider's users
//! work with the registry stopped.

use seteli_api::attendance::v1 as apb;
use seteli_api::common::v1::ServiceType;
use seteli_api::providers::v1 as pb;
use seteli_platform::db::Database;
use seteli_platform::testing::with_token;
use seteli_rules::terms::validity_end;
use seteli_tests::fixtures::*;
use tonic::Code;

/// Every entry of the feed about `provider`, as attendance's service account reads it.
async fn entries_of(env: &Env, provider: &str) -> Vec<pb::ProviderChange> {
    let page = provider_feed_page(&mut env.p(), &env.service(Svc::Attendance), 0, 1000)
        .await
        .expect("the feed");
    page.changes
        .into_iter()
        .filter(|c| c.provider.as_ref().is_some_and(|p| p.id == provider))
        .collect()
}

fn action(c: &pb::ProviderChange) -> &str {
    &c.action
}

#[tokio::test]
async fn the_feed_carries_each_change_of_name_state_and_offerings_for_the_followers_only() {
    let env = registry().await;
    let (mut c, admin) = (env.p(), env.admin());
    let p = draft_provider(&mut c, &admin, "Syöte ry", 1_290_001, KUOPIO).await;
    submit_and_approve(&mut c, &admin, &p)
        .await
        .expect("approve");
    // A site is not on the feed.
    add_site(&mut c, &admin, &p, pb::SiteKind::Site, KUOPIO, "Kuopio").await;
    suspend_provider(
        &mut c,
        &admin,
        pb::SuspendProviderRequest {
            request_id: rid(),
            provider_id: p.clone(),
            reason: "Vakuutus lakannut.".into(),
            ..Default::default()
        },
    )
    .await
    .expect("suspend");

    let entries = entries_of(&env, &p).await;
    let actions: Vec<&str> = entries.iter().map(action).collect();
    assert_eq!(
        actions,
        [
            "CreateProvider",
            "SetOffering",
            "SetOffering",
            "SubmitProvider",
            "ApproveProvider",
            "SuspendProvider",
        ]
    );
    let versions: Vec<i64> = entries
        .iter()
        .map(|e| e.provider.as_ref().expect("provider").version)
        .collect();
    assert!(
        versions.windows(2).all(|w| w[0] < w[1]),
        "each entry a newer version: {versions:?}"
    );
    let sequences: Vec<i64> = entries.iter().map(|e| e.sequence).collect();
    assert!(sequences.windows(2).all(|w| w[0] < w[1]), "{sequences:?}");
    let last = entries.last().expect("an entry");
    let actor = last.actor.as_ref().expect("actor");
    assert_eq!(
        (actor.role.as_str(), actor.organisation.as_str()),
        ("county_admin", "county")
    );
    let shown = last.provider.as_ref().expect("provider");
    assert_eq!(shown.state, pb::ProviderState::Suspended as i32);
    let details = shown.details.as_ref().expect("details");
    assert_eq!(details.name, "Syöte ry");
    assert_eq!(details.business_id, business_id(1_290_001));
    let offered: Vec<(i32, i64, i32)> = shown
        .offerings
        .iter()
        .map(|o| {
            let cents = o.unit_price.map(|m| m.cents).unwrap_or_default();
            (o.service_type, cents, o.max_group_size)
        })
        .collect();
    assert_eq!(
        offered,
        [
            (ServiceType::KttIndividual as i32, 6000, 0),
            (ServiceType::SkGroup as i32, 3000, 8),
        ]
    );
    // What followers do not need stays in the registry.
    assert_eq!(details.contact, None);
    assert!(details.iban.is_empty() && details.bic.is_empty());
    assert!(shown.sites.is_empty() && shown.staff.is_empty() && shown.documents.is_empty());
    assert!(shown.state_reasons.is_empty() && shown.soteri_classes.is_empty());

    // Pages resume after the last sequence seen.
    let first = provider_feed_page(&mut c, &env.service(Svc::Vouchers), 0, 2)
        .await
        .expect("vouchers follows the feed");
    assert_eq!(first.changes.len(), 2);
    assert_eq!(first.last_sequence, first.changes[1].sequence);
    let rest = provider_feed_page(&mut c, &env.service(Svc::Vouchers), first.last_sequence, 0)
        .await
        .expect("the rest");
    assert_eq!(rest.changes.len(), entries.len() - 2);
    assert!(rest.changes[0].sequence > first.last_sequence);

    // Only the followers' service accounts read it; a bad cursor is the caller's mistake.
    for token in [
        admin.clone(),
        env.auditor(),
        env.provider_user(&p),
        env.service(Svc::Billing),
    ] {
        let refused = provider_feed_page(&mut c, &token, 0, 0)
            .await
            .expect_err("not a follower");
        assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
    }
    let refused = provider_feed_page(&mut c, &env.service(Svc::Attendance), -1, 0)
        .await
        .expect_err("negative");
    assert_eq!(bad_fields(&refused), ["after_sequence"]);
}

#[tokio::test]
async fn a_provider_registered_before_the_feed_gets_its_first_entry_at_start() {
    let mut env = registry().await;
    let (mut c, admin) = (env.p(), env.admin());
    let approved = draft_provider(&mut c, &admin, "Vanha ry", 1_290_011, KUOPIO).await;
    submit_and_approve(&mut c, &admin, &approved)
        .await
        .expect("approve");
    let draft = draft_provider(&mut c, &admin, "Luonnos ry", 1_290_012, KUOPIO).await;
    // As a registry of the release before the feed left it: providers, no entries.
    let db = Database::connect(&env.providers().db.url, 1)
        .await
        .expect("the registry's database");
    sqlx::query("DELETE FROM provider_changes")
        .execute(db.pool())
        .await
        .expect("no entries");
    drop(db);
    env.restart(Svc::Providers).await;
    for (id, state) in [
        (&approved, pb::ProviderState::Approved),
        (&draft, pb::ProviderState::Draft),
    ] {
        let entries = entries_of(&env, id).await;
        assert_eq!(entries.len(), 1, "{entries:?}");
        assert_eq!(entries[0].action, "FeedStart");
        let shown = entries[0].provider.as_ref().expect("provider");
        assert_eq!(shown.state, state as i32);
        assert_eq!(shown.offerings.len(), 2);
    }
    // Once each has an entry, a start adds none.
    env.restart(Svc::Providers).await;
    assert_eq!(entries_of(&env, &approved).await.len(), 1);
}

#[tokio::test]
async fn with_the_registry_stopped_a_providers_user_still_records_and_accepts() {
    let (mut env, p) = with_provider(start_attendance().await, 1_290_021).await;
    let from = days(today(), -20);
    let voucher = ktt_voucher(&env, &p, 221, from, validity_end(from, 3)).await;
    // Chosen while the registry serves (a choice asks it); accepted once it is gone.
    let client = client_at(&env, 222, SIILINJARVI).await;
    let chosen = issue(&env, ktt_decision(&client.id)).await.expect("issue");
    choose(&env, &chosen.id, &p).await.expect("choose");
    // An offering set a moment ago counts at once: a refusal on the copy catches up first.
    offer(&env, &p, ServiceType::SkGroup, 3000, 10).await;
    let start = days(today(), 14);
    let group = |size| group_details(ServiceType::SkGroup, apb::GroupMode::Open, size, start);
    create_group(&env, &p, group(10))
        .await
        .expect("a group of the offering's new size");
    followed_as(&env, &p, true).await;

    env.take(Svc::Providers)
        .stop()
        .await
        .expect("the registry stops");
    record(&env, &p, &voucher, at(days(today(), -10), 9, 11))
        .await
        .expect("a session without the registry");
    record_absence(
        &env,
        &p,
        &voucher,
        days(today(), -9),
        apb::AbsenceKind::Absent,
        apb::AbsenceReason::OwnIllness,
    )
    .await
    .expect("an absence without the registry");
    accept(&env, &p, &chosen.id)
        .await
        .expect("accepted without the registry");
    create_group(&env, &p, group(8))
        .await
        .expect("a group without the registry");
    // CAP-GROUP-SIZE is still held to the offering the copy has.
    let refused = create_group(&env, &p, group(11))
        .await
        .expect_err("larger than the offering");
    assert_eq!(rule_ids(&refused), ["CAP-GROUP-SIZE"]);
    assert_eq!(units_used(&env, &voucher).await, 200);
}

#[tokio::test]
async fn without_its_feed_token_a_service_refuses_a_providers_user_as_unavailable() {
    let env = Env::builder()
        .services(&ATTENDANCE)
        .prices(Prices::County)
        .tweak(|svc, config| {
            if svc == Svc::Attendance {
                config.vars.remove("SETELI_PROVIDERS_FEED_TOKEN");
            }
        })
        .start()
        .await;
    let p = approved_provider(&env, "Seuraamaton ry", 1_290_031, SIILINJARVI).await;
    let refused = env
        .a()
        .record_session(with_token(
            &env.provider_user(&p),
            apb::RecordSessionRequest::default(),
        ))
        .await
        .expect_err("not followed");
    assert_eq!(refused.code(), Code::Unavailable, "{refused:?}");
    assert!(
        refused.message().contains("SETELI_PROVIDERS_FEED_TOKEN"),
        "{refused:?}"
    );
}
