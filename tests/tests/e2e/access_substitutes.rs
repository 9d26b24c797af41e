//! A substitute's reads and a team's caseload (issue 30). A social worker reads outside their
//! caseload only as a substitute (sijaisuus), with a reason stated in the
//! `x-seteli-substitute-reason` header of a read: every audit entry of the read carries the
//! reason and an auditor lists them; a change with the header is still refused (a substitute
//! reads, the responsible social worker acts). Where the identity provider names teams
//! (`SETELI_JWT_TEAM_CLAIM`), a team shares its members' caseloads in the client register.

use seteli_api::attendance::v1 as apb;
use seteli_api::audit::v1 as audit;
use seteli_api::audit::v1::audit_service_client::AuditServiceClient;
use seteli_api::vouchers::v1 as pb;
use seteli_platform::testing::{TestServer, with_token};
use seteli_rules::terms::validity_end;
use seteli_tests::fixtures::*;
use tonic::Code;

const HEADER: &str = "x-seteli-substitute-reason";
/// "sijaisuus: omatyöntekijä lomalla", percent-encoded (a header is ASCII).
const REASON_SENT: &str = "sijaisuus%3A%20omaty%C3%B6ntekij%C3%A4%20lomalla";
const REASON: &str = "sijaisuus: omatyöntekijä lomalla";

fn as_substitute<T>(token: &str, reason: &str, message: T) -> tonic::Request<T> {
    let mut request = with_token(token, message);
    request
        .metadata_mut()
        .insert(HEADER, reason.parse().expect("an ASCII header"));
    request
}

/// The substitutes' reads an auditor lists on `server`.
async fn substitute_reads(env: &Env, server: &TestServer) -> Vec<audit::AuditEntry> {
    let request = audit::ListAuditEntriesRequest {
        substitute_reads_only: true,
        page_size: 500,
        ..Default::default()
    };
    AuditServiceClient::new(server.channel())
        .list_audit_entries(with_token(&env.auditor(), request))
        .await
        .expect("audit entries")
        .into_inner()
        .entries
}

#[tokio::test]
async fn a_substitute_reads_with_a_stated_reason_that_the_auditor_lists() {
    let env = start_attendance().await;
    let p = approved_provider(&env, "Valmennus ry", 1_030_011, SIILINJARVI).await;
    let from = today();
    let v = ktt_voucher(&env, &p, 511, from, validity_end(from, 3)).await;
    record(&env, &p, &v, at(today(), 9, 11))
        .await
        .expect("session");
    let client = voucher_usage(&env, &v).await.client_id;
    let other = other_social_worker(&env);
    refused_with(
        read_client(&env, &other, &client).await,
        Code::NotFound,
        "no reason stated",
    );

    // With a reason: the client, the voucher and its sessions.
    let get_client: pb::GetClientRequest = of_client(&client);
    let read = env
        .v()
        .get_client(as_substitute(&other, REASON_SENT, get_client.clone()))
        .await
        .expect("a substitute reads the client")
        .into_inner();
    assert_eq!(read.client.expect("client").id, client);
    let get_voucher = of_voucher(&v);
    env.v()
        .get_voucher(as_substitute(&other, REASON_SENT, get_voucher))
        .await
        .expect("a substitute reads the voucher");
    let by_client = of_client(&client);
    let sessions = env
        .a()
        .list_sessions(as_substitute(&other, REASON_SENT, by_client))
        .await
        .expect("a substitute reads the sessions")
        .into_inner()
        .sessions;
    assert_eq!(sessions.len(), 1);

    // A change with the header is still not theirs.
    let cancel = pb::CancelVoucherRequest {
        request_id: rid(),
        validate_only: false,
        voucher_id: v.clone(),
        reason: "Asiakas muutti.".into(),
        reason_kind: pb::EndReasonKind::ClientMoved.into(),
    };
    refused_with(
        env.v()
            .cancel_voucher(as_substitute(&other, REASON_SENT, cancel))
            .await,
        Code::NotFound,
        "a substitute does not act",
    );
    // A reason must say something.
    for unusable in ["", "x", "%FF%FE"] {
        let err = env
            .v()
            .get_client(as_substitute(&other, unusable, get_client.clone()))
            .await
            .expect_err("no usable reason");
        assert_eq!(err.code(), Code::InvalidArgument, "{unusable:?}: {err:?}");
        assert!(err.message().contains(HEADER), "{err:?}");
    }

    // The auditor lists the substitute's reads, each with its reason, on every service read.
    let on_vouchers = substitute_reads(&env, env.vouchers()).await;
    assert!(
        on_vouchers
            .iter()
            .any(|e| e.action == "GetClient" && e.subject_id == client),
        "{on_vouchers:?}"
    );
    let on_attendance = substitute_reads(&env, env.attendance()).await;
    assert!(!on_attendance.is_empty());
    for e in on_vouchers.iter().chain(&on_attendance) {
        assert_eq!(e.substitute_reason, REASON, "{e:?}");
        assert_eq!(
            e.actor.as_ref().map(|a| a.subject.as_str()),
            Some("another-social-worker"),
            "{e:?}"
        );
    }
    // The responsible social worker's own reads are not among them.
    read_client(&env, &env.social_worker(), &client)
        .await
        .expect("own client");
    assert_eq!(
        substitute_reads(&env, env.vouchers()).await.len(),
        on_vouchers.len()
    );
}

/// Anna and Ben of team "pohjoinen", Cecilia of another, and a client Anna registered and
/// issued a KTT voucher for.
struct Team {
    anna: String,
    ben: String,
    cecilia: String,
    client: String,
    voucher: String,
}

async fn team_with_a_client(env: &Env, individual: u16) -> Team {
    let anna = env.keys.social_worker_in_team("anna", "pohjoinen");
    let details = client_details(
        &hetu(ymd(1990, 5, 5), individual),
        "Siilinjärvi",
        SIILINJARVI,
    );
    let client = create_client_as(env, &anna, details)
        .await
        .expect("registered by Anna")
        .id;
    let voucher = issue_as(env, &anna, ktt_decision(&client))
        .await
        .expect("issued by Anna")
        .id;
    Team {
        ben: env.keys.social_worker_in_team("ben", "pohjoinen"),
        cecilia: env.keys.social_worker_in_team("cecilia", "etela"),
        anna,
        client,
        voucher,
    }
}

#[tokio::test]
async fn a_team_shares_its_members_clients_and_vouchers() {
    let env = start_attendance().await;
    let Team {
        ben,
        cecilia,
        client,
        voucher: v,
        ..
    } = team_with_a_client(&env, 512).await;
    // Ben, in Anna's team: the client and the voucher, in reads and in lists.
    read_client(&env, &ben, &client)
        .await
        .expect("the team's client");
    read_voucher(&env, &ben, &v)
        .await
        .expect("the team's voucher");
    let listed = list_vouchers(&env, &ben, pb::ListVouchersRequest::default())
        .await
        .expect("list")
        .vouchers;
    assert!(listed.iter().any(|x| x.id == v), "{listed:?}");
    let clients = list_clients(&env, &ben, pb::ListClientsRequest::default())
        .await
        .expect("list")
        .clients;
    assert!(clients.iter().any(|c| c.id == client), "{clients:?}");
    // Cecilia, in another team: not there.
    refused_with(
        read_client(&env, &cecilia, &client).await,
        Code::NotFound,
        "another team's client",
    );
    refused_with(
        read_voucher(&env, &cecilia, &v).await,
        Code::NotFound,
        "another team's voucher",
    );
    let listed = list_vouchers(&env, &cecilia, pb::ListVouchersRequest::default())
        .await
        .expect("list")
        .vouchers;
    assert!(listed.iter().all(|x| x.id != v), "{listed:?}");
}

#[tokio::test]
async fn a_team_shares_its_members_sessions_and_reports_too() {
    use seteli_api::reporting::v1 as rpb;
    let env = start_reporting_on(today()).await;
    let p = approved_provider(&env, "Valmennus ry", 1_030_013, SIILINJARVI).await;
    let Team {
        anna,
        ben,
        cecilia,
        client,
        voucher: v,
    } = team_with_a_client(&env, 513).await;
    choose_as(&env, &anna, &v, &p, None).await.expect("chosen");
    accept_as(&env, &p, accept_request(&v, "Olli Ohjaaja", Some(today())))
        .await
        .expect("accepted");
    record(&env, &p, &v, at(today(), 9, 11))
        .await
        .expect("session");
    let owed_now = poll_until(
        || owed(&env, &v),
        |o| !o.is_empty(),
        |o| format!("no obligations of {v} yet: {o:?}"),
    )
    .await;

    // Sessions (attendance): Ben by the voucher and by the client; Cecilia neither.
    let sessions = |token: String, by_client: bool| {
        let env = &env;
        let request = apb::ListSessionsRequest {
            voucher_id: if by_client { String::new() } else { v.clone() },
            client_id: if by_client {
                client.clone()
            } else {
                String::new()
            },
            ..Default::default()
        };
        async move {
            env.a()
                .list_sessions(with_token(&token, request))
                .await
                .map(|r| r.into_inner().sessions)
        }
    };
    for by_client in [false, true] {
        let seen = sessions(ben.clone(), by_client).await.expect("the team's");
        assert_eq!(seen.len(), 1, "by client: {by_client}");
        refused_with(
            sessions(cecilia.clone(), by_client).await,
            Code::NotFound,
            "another team's sessions",
        );
    }
    // Obligations (reporting): Ben's list holds them, Cecilia's does not.
    let listed = |token: String| {
        let env = &env;
        let v = v.clone();
        async move {
            list_obligations(env, &token, rpb::ListObligationsRequest::default())
                .await
                .expect("obligations")
                .into_iter()
                .filter(|o| o.voucher_id == v)
                .count()
        }
    };
    assert_eq!(listed(ben).await, owed_now.len());
    assert_eq!(listed(cecilia).await, 0);
}
