//! Drafts given up (DiscardProviderDraft): a DRAFT is discarded by whoever may edit it (its own
//! users, county administrators); its business id is free for a new registration, its staff
//! (personal data) removed and each removal audited, its record and history kept. Anything but a
//! draft is refused; `validate_only` changes nothing. Lists leave discarded drafts out unless
//! asked for them by state; ListProviders finds a provider by its business id.

use seteli_api::providers::v1 as pb;
use seteli_tests::fixtures::*;
use tonic::Code;

fn discard(provider_id: &str, validate_only: bool) -> pb::DiscardProviderDraftRequest {
    pb::DiscardProviderDraftRequest {
        request_id: rid(),
        provider_id: provider_id.into(),
        validate_only,
    }
}

/// The ids ListProviders answers `token`'s holder for `req`.
async fn listed(c: &mut Registry, token: &str, req: pb::ListProvidersRequest) -> Vec<String> {
    let page = list_providers(c, token, req).await.expect("listed");
    page.providers.into_iter().map(|p| p.id).collect()
}

fn by_business_id(business_id: &str) -> pb::ListProvidersRequest {
    pb::ListProvidersRequest {
        business_id: business_id.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_discarded_draft_frees_its_business_id_and_keeps_its_history() {
    let (env, a, mut c) = registry_desk().await;
    let bid = business_id(2_460_101);
    let draft = association(&mut c, &a.admin, "Keskeneräinen ry", &bid).await;
    add_social_and_coach(&mut c, &a.admin, &draft.id, ("Sanna", "Olli")).await;
    let staff: Vec<String> = read_provider(&mut c, &a.admin, &draft.id)
        .await
        .expect("read")
        .staff
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(staff.len(), 2);
    // While the draft holds the business id, it cannot be registered again; it is found by it.
    let held = details("Uusi ry", &bid, pb::LegalForm::Association);
    let refused = try_create(&mut c, &a.admin, held.clone())
        .await
        .expect_err("held by the draft");
    assert_eq!(refused.code(), Code::AlreadyExists, "{refused:?}");
    assert_eq!(
        listed(&mut c, &a.admin, by_business_id(&bid)).await,
        std::slice::from_ref(&draft.id)
    );

    // Checked only (AIP-163): the answer is the discard's, and nothing changes.
    let checked = discard_draft(&mut c, &a.admin, discard(&draft.id, true))
        .await
        .expect("it may be discarded");
    assert_eq!(checked.state, pb::ProviderState::Discarded as i32);
    let still = read_provider(&mut c, &a.admin, &draft.id)
        .await
        .expect("read");
    assert_eq!(still.state, pb::ProviderState::Draft as i32);
    assert_eq!(still.staff.len(), 2);

    // Discarded: its record stays, with its business id, without its staff.
    let req = discard(&draft.id, false);
    let discarded = discard_draft(&mut c, &a.admin, req.clone())
        .await
        .expect("discarded");
    assert_eq!(discarded.state, pb::ProviderState::Discarded as i32);
    let d = discarded.details.clone().expect("details");
    assert_eq!(d.business_id, bid);
    assert!(discarded.staff.is_empty(), "{discarded:?}");
    // A retry is answered with the first answer.
    let replayed = discard_draft(&mut c, &a.admin, req).await.expect("replay");
    assert_eq!(replayed, discarded);

    // The history says who discarded it and that the business id is free.
    let history = provider_history(&mut c, &a.admin, of_provider(&draft.id))
        .await
        .expect("history");
    let last = history.entries.last().expect("entries");
    assert_eq!(last.action, "DiscardProviderDraft");
    assert!(
        last.summary.contains("DRAFT → DISCARDED") && last.summary.contains(&bid),
        "{}",
        last.summary
    );
    assert_eq!(
        last.actor.as_ref().map(|a| a.role.as_str()),
        Some("county_admin")
    );
    // Each staff member's removal is in the audit log.
    for member in &staff {
        let entries = audit_entries_of(env.providers(), &a.auditor, member)
            .await
            .expect("audit entries");
        assert!(
            entries.iter().any(|e| e.action == "DiscardProviderDraft"),
            "{entries:?}"
        );
    }

    // Lists leave it out; asked for by its state, they show it.
    let all = listed(&mut c, &a.admin, pb::ListProvidersRequest::default()).await;
    assert!(!all.contains(&draft.id), "{all:?}");
    let only_discarded = pb::ListProvidersRequest {
        state: pb::ProviderState::Discarded as i32,
        ..Default::default()
    };
    assert_eq!(
        listed(&mut c, &a.admin, only_discarded).await,
        std::slice::from_ref(&draft.id)
    );

    // The business id is free: registered again, and found by it is the new provider.
    let new = create(&mut c, &a.admin, held).await;
    assert_eq!(
        listed(&mut c, &a.admin, by_business_id(&bid)).await,
        std::slice::from_ref(&new.id)
    );

    // A discarded draft is final: neither edited, submitted nor discarded again.
    let member = pb::StaffMember {
        name: "Uusi Ohjaaja".into(),
        qualification: pb::Qualification::UasSocialOrHealth as i32,
        ..Default::default()
    };
    for refused in [
        submit(&mut c, &a.admin, &draft.id)
            .await
            .expect_err("submit"),
        try_add_staff_member(&mut c, &a.admin, &draft.id, member)
            .await
            .expect_err("edit"),
    ] {
        assert_eq!(refused.code(), Code::FailedPrecondition, "{refused:?}");
    }
    let again = discard_draft(&mut c, &a.admin, discard(&draft.id, false))
        .await
        .expect_err("again");
    assert_eq!(again.code(), Code::FailedPrecondition, "{again:?}");
    assert!(again.message().contains("DISCARDED"), "{again:?}");
}

#[tokio::test]
async fn only_a_draft_is_discarded_and_only_by_those_who_may_edit_it() {
    let (env, a, mut c) = registry_desk().await;
    // An approved provider is revoked, never discarded; validate_only says the same.
    let approved = approved_provider(&env, "Hyväksytty ry", 2_460_201, KUOPIO).await;
    for validate_only in [true, false] {
        let refused = discard_draft(&mut c, &a.admin, discard(&approved, validate_only))
            .await
            .expect_err("not a draft");
        assert_eq!(refused.code(), Code::FailedPrecondition, "{refused:?}");
        assert!(refused.message().contains("APPROVED"), "{refused:?}");
    }
    let own = association(&mut c, &a.admin, "Oma ry", &business_id(2_460_301)).await;
    // Another provider's user does not see the draft; a social worker may not discard at all.
    let other = env.provider_user(&approved);
    let hidden = discard_draft(&mut c, &other, discard(&own.id, false))
        .await
        .expect_err("not theirs");
    assert_eq!(hidden.code(), Code::NotFound, "{hidden:?}");
    let denied = discard_draft(&mut c, &a.social_worker, discard(&own.id, false))
        .await
        .expect_err("a social worker");
    assert_eq!(denied.code(), Code::PermissionDenied, "{denied:?}");
    let missing = discard_draft(&mut c, &a.admin, discard("no-such-provider", true))
        .await
        .expect_err("missing");
    assert_eq!(missing.code(), Code::NotFound, "{missing:?}");
    // The provider's own user gives its own draft up.
    let mine = env.provider_user(&own.id);
    let discarded = discard_draft(&mut c, &mine, discard(&own.id, false))
        .await
        .expect("discarded by its own user");
    assert_eq!(discarded.state, pb::ProviderState::Discarded as i32);
    // A malformed business id in a listing is named.
    let bad = list_providers(&mut c, &a.admin, by_business_id("1234567-8"))
        .await
        .expect_err("not a Y-tunnus");
    assert_eq!(bad.code(), Code::InvalidArgument, "{bad:?}");
}
