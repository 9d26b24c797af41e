//! Property-level authorisation and least data in the registry (issue 14): a provider's own
//! user edits its details but not what is the county's (supplier number; business id and legal
//! form once submitted); its new bank details wait for a county administrator before any
//! invoice carries them; another provider's user sees no bank details or contact person.

use seteli_api::providers::v1 as ppb;
use seteli_platform::testing::with_token;
use seteli_tests::fixtures::*;
use tonic::Code;

async fn get(env: &Env, token: &str, id: &str) -> ppb::Provider {
    read_provider(&mut env.p(), token, id)
        .await
        .expect("get provider")
}

async fn update(
    env: &Env,
    token: &str,
    id: &str,
    details: ppb::ProviderDetails,
) -> Result<ppb::Provider, tonic::Status> {
    update_provider(
        &mut env.p(),
        token,
        ppb::UpdateProviderRequest {
            request_id: rid(),
            validate_only: false,
            provider_id: id.into(),
            details: Some(details),
        },
    )
    .await
}

#[tokio::test]
async fn what_is_the_countys_stays_the_countys() {
    let (env, id, own, details) = own_provider("Oma Polku ry", 1_900_001).await;

    for (field, changed) in [
        (
            "details.business_id",
            ppb::ProviderDetails {
                business_id: business_id(1_900_002),
                ..details.clone()
            },
        ),
        (
            "details.legal_form",
            ppb::ProviderDetails {
                legal_form: ppb::LegalForm::Company as i32,
                ..details.clone()
            },
        ),
        (
            "details.supplier_number",
            ppb::ProviderDetails {
                supplier_number: "TOIM-999".into(),
                ..details.clone()
            },
        ),
    ] {
        let refused = update(&env, &own, &id, changed)
            .await
            .expect_err("the county's field");
        assert_eq!(
            refused.code(),
            Code::PermissionDenied,
            "{field}: {refused:?}"
        );
        assert!(refused.message().contains(field), "{refused:?}");
    }
    // Its own fields it edits at once.
    let renamed = update(
        &env,
        &own,
        &id,
        ppb::ProviderDetails {
            name: "Oma Polku ry (Siilinjärvi)".into(),
            ..details.clone()
        },
    )
    .await
    .expect("its own name");
    assert_eq!(
        renamed.details.map(|d| d.name),
        Some("Oma Polku ry (Siilinjärvi)".to_owned())
    );
    // The county changes its own fields.
    let numbered = update(
        &env,
        &env.admin(),
        &id,
        ppb::ProviderDetails {
            name: "Oma Polku ry (Siilinjärvi)".into(),
            supplier_number: "TOIM-1234".into(),
            ..details
        },
    )
    .await
    .expect("the county's own field");
    assert_eq!(
        numbered.details.map(|d| d.supplier_number),
        Some("TOIM-1234".to_owned())
    );
}

#[tokio::test]
async fn a_providers_new_bank_details_wait_for_the_county() {
    let (env, id, own, before) = own_provider("Tilitarkka Oy", 1_900_011).await;
    let asked = update(
        &env,
        &own,
        &id,
        ppb::ProviderDetails {
            iban: "FI49 5000 9420 0287 30".into(),
            bic: "OKOYFIHH".into(),
            ..before.clone()
        },
    )
    .await
    .expect("asked for");
    // Not in force: the provider still shows (and invoices carry) the approved account.
    let details = asked.details.expect("details");
    assert_eq!(details.iban, before.iban);
    assert_eq!(details.bic, before.bic);
    let pending = asked.pending_bank_details.expect("pending");
    assert_eq!(pending.iban, "FI4950009420028730");
    assert_eq!(pending.bic, "OKOYFIHH");
    assert!(!pending.requested_by.is_empty());

    // Only the county approves them.
    let approve = |token: String| {
        let mut c = env.p();
        let id = id.clone();
        async move {
            c.approve_bank_details(with_token(
                &token,
                ppb::ApproveBankDetailsRequest {
                    request_id: rid(),
                    validate_only: false,
                    provider_id: id,
                },
            ))
            .await
        }
    };
    let refused = approve(own.clone()).await.expect_err("not the provider's");
    assert_eq!(refused.code(), Code::PermissionDenied);
    let approved = approve(env.admin())
        .await
        .expect("the county approves")
        .into_inner()
        .provider
        .expect("provider");
    let details = approved.details.expect("details");
    assert_eq!(details.iban, "FI4950009420028730");
    assert_eq!(details.bic, "OKOYFIHH");
    assert!(approved.pending_bank_details.is_none());
    let again = approve(env.admin()).await.expect_err("nothing pending");
    assert_eq!(again.code(), Code::FailedPrecondition);
}

#[tokio::test]
async fn another_providers_user_sees_no_bank_details_or_contact_person() {
    let env = start_vouchers(Prices::County).await;
    let id = approved_provider(&env, "Avoin Ovi ry", 1_900_021, SIILINJARVI).await;
    let other = approved_provider(&env, "Naapuri ry", 1_900_022, SIILINJARVI).await;
    let stranger = env.provider_user(&other);
    let seen = get(&env, &stranger, &id).await;
    let details = seen.details.expect("details");
    assert_eq!(details.name, "Avoin Ovi ry");
    assert!(
        details.iban.is_empty() && details.bic.is_empty(),
        "{details:?}"
    );
    assert!(details.contact.is_none(), "{details:?}");
    assert!(details.supplier_number.is_empty() && details.einvoice_address.is_empty());
    let listed = list_providers(
        &mut env.p(),
        &stranger,
        ppb::ListProvidersRequest::default(),
    )
    .await
    .expect("list")
    .providers;
    let listed_other = listed.iter().find(|p| p.id == id).expect("listed");
    let listed_details = listed_other.details.clone().expect("details");
    assert!(listed_details.iban.is_empty() && listed_details.contact.is_none());
    // Its own, and the county, see everything.
    let own = get(&env, &stranger, &other).await.details.expect("own");
    assert!(!own.iban.is_empty() && own.contact.is_some());
    let county = get(&env, &env.admin(), &id).await.details.expect("county");
    assert!(!county.iban.is_empty() && county.contact.is_some());
    let worker = get(&env, &env.social_worker(), &id)
        .await
        .details
        .expect("worker");
    assert!(
        worker.contact.is_some(),
        "a social worker reaches the provider"
    );
}

/// An approved provider `name` (of `seed`), a token of its user, and its details as the county
/// reads them.
async fn own_provider(name: &str, seed: u32) -> (Env, String, String, ppb::ProviderDetails) {
    let env = start_vouchers(Prices::County).await;
    let id = approved_provider(&env, name, seed, SIILINJARVI).await;
    let own = env.provider_user(&id);
    let details = get(&env, &env.admin(), &id).await.details.expect("details");
    (env, id, own, details)
}
