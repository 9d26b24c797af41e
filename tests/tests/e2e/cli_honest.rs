//! The `seteli` binary records what its user said, and says what went wrong: a provider from
//! flags or a file, its draft kept when the rules refuse it and resumed by the same business id,
//! submitted or discarded; example values only with `--example`, each named; a missing field
//! named with its flag and rule; `--id` for scripts; lists with voucher numbers and names; and
//! error texts that name the real problem (unknown service, bad money, missing flag, a service
//! that does not answer).

use seteli_tests::fixtures::*;

use crate::cli::{Cli, add_client, each, issue};

/// The services from the registry to the reports.
const THROUGH_REPORTS: [Svc; 4] = [
    Svc::Providers,
    Svc::Vouchers,
    Svc::Attendance,
    Svc::Reporting,
];

/// A provider file: every detail the registry requires, an offering and a staff, no site and
/// no documents (PROV-DOCS will say no).
fn provider_file(business_id: &str) -> String {
    format!(
        r#"name = "Puolivalmis ry"
business_id = "{business_id}"
legal_form = "association"
iban = "FI21 1234 5600 0007 85"
bic = "NDEAFIHH"
contact = {{ name = "Maija Meikäläinen", email = "maija@esimerkki.fi" }}
offerings = [{{ service = "KTT_INDIVIDUAL", price = "60.00" }}]
staff = [
  {{ name = "Sanna Sosionomi", qualification = "sosionomi", register_number = "JS-123456" }},
  {{ name = "Olli Ohjaaja", qualification = "uas-social-or-health" }},
]
"#
    )
}

/// The documents an approval needs, as `--document` flags.
fn document_flags() -> Vec<String> {
    let kinds = [
        "service-description",
        "staff-form",
        "self-monitoring-plan",
        "liability-insurance",
        "group-insurance",
        "tax-certificate",
        "pension-insurance-certificate",
        "avi-licence-or-registration",
    ];
    let issued = seteli_cli::actions::today() - chrono::Duration::days(10);
    let expires = issued + chrono::Duration::days(400);
    kinds
        .iter()
        .flat_map(|k| {
            [
                "--document".to_owned(),
                format!("{k}:{issued}..{expires}=docs/{k}.pdf"),
            ]
        })
        .collect()
}

/// The 36-character provider id that follows `after` in `text`.
fn id_after(text: &str, after: &str) -> String {
    let (_, rest) = text
        .split_once(after)
        .unwrap_or_else(|| panic!("{after:?} in {text}"));
    rest.chars().take(36).collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn a_refused_registration_keeps_its_draft_which_the_same_business_id_resumes() {
    let env = start_vouchers(Prices::County).await;
    let cli = Cli::new(&env, &[Svc::Providers, Svc::Vouchers]);
    let dir = tempfile::tempdir().expect("tempdir");
    let bid = business_id(2_470_101);
    // What the registry requires is asked for by its flags, before anything is called.
    let out = cli
        .run(&[
            "provider",
            "register",
            "--business-id",
            &bid,
            "--name",
            "X ry",
        ])
        .await;
    assert_eq!(out.status.code(), Some(1));
    let said = text(&out.stderr);
    for flag in [
        "--legal-form",
        "--contact-email (contact.email)",
        "--iban",
        "--example",
    ] {
        assert!(said.contains(flag), "{flag} in {said}");
    }

    // From a file without documents: PROV-DOCS says no at submission, the draft is kept.
    let file = dir.path().join("provider.toml");
    std::fs::write(&file, provider_file(&bid)).expect("the file");
    let file = file.display().to_string();
    let refused = cli
        .refused(&["provider", "register", "--from-file", &file])
        .await;
    assert!(
        each(&refused, "rules", "id").contains(&"PROV-DOCS"),
        "{refused}"
    );
    let context = refused["context"].as_str().expect("what happened");
    assert!(context.contains("seteli provider discard"), "{context}");
    let draft = id_after(context, "the draft ");

    // Again with the same business id and what was missing: the draft resumed and submitted.
    let site = [
        "--site-name",
        "Kuopion toimipiste",
        "--postal-code",
        "70100",
        "--municipality",
        "Kuopio",
        "--at",
        "62.8924,27.6770",
    ];
    let docs = document_flags();
    let mut again: Vec<&str> = vec!["--json", "provider", "register", "--business-id", &bid];
    again.extend(site);
    again.extend(docs.iter().map(String::as_str));
    let out = cli.run(&again).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains(&format!("resuming the draft {draft}")),
        "{}",
        text(&out.stderr)
    );
    let p: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(p["id"], draft.as_str());
    assert_eq!(p["state"], "PROVIDER_STATE_SUBMITTED", "{p}");
    // Recorded as given: the file's contact without a phone or an address, nothing invented.
    let got = cli.json(&["provider", "get", &draft]).await;
    assert_eq!(got["details"]["contact"]["phone"], "", "{got}");
    assert_eq!(got["details"]["contact"]["postal_address"], "", "{got}");
    assert_eq!(got["documents"].as_array().map(Vec::len), Some(8));
    assert_eq!(
        got["staff"].as_array().map(Vec::len),
        Some(2),
        "not added twice"
    );

    // A submitted provider is not resumed: its state is named.
    let out = cli
        .run(&["provider", "register", "--from-file", &file])
        .await;
    assert_eq!(out.status.code(), Some(1));
    let said = text(&out.stderr);
    assert!(
        said.contains("registered already") && said.contains("SUBMITTED"),
        "{said}"
    );

    // A draft given up frees its business id for a new registration.
    let other = business_id(2_470_201);
    std::fs::write(dir.path().join("other.toml"), provider_file(&other)).expect("file");
    let other_file = dir.path().join("other.toml").display().to_string();
    let kept = [
        "--id",
        "provider",
        "register",
        "--no-submit",
        "--from-file",
        &other_file,
    ];
    let out = cli.run(&kept).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let first = text(&out.stdout).trim().to_owned();
    let discarded = cli.json(&["provider", "discard", &first]).await;
    assert_eq!(
        discarded["state"], "PROVIDER_STATE_DISCARDED",
        "{discarded}"
    );
    let out = cli.run(&kept).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let second = text(&out.stdout).trim().to_owned();
    assert_ne!(second, first, "a new draft, not the discarded one");
    let submitted = cli.refused(&["provider", "submit", &second]).await;
    assert!(each(&submitted, "rules", "id").contains(&"PROV-DOCS"));
}

#[tokio::test]
async fn example_values_are_used_only_when_asked_for_and_are_named() {
    let env = start_vouchers(Prices::County).await;
    let cli = Cli::new(&env, &[Svc::Providers, Svc::Vouchers]);
    let hetu = hetu(ymd(1990, 5, 5), 471);
    let add = [
        "client",
        "add",
        "--name",
        "Eero Esimerkki",
        "--identity-code",
        &hetu,
    ];
    // Without a home, the command line names what is missing.
    let out = cli.run(&add).await;
    assert_eq!(out.status.code(), Some(2), "a usage error");
    assert!(
        text(&out.stderr).contains("--municipality"),
        "{}",
        text(&out.stderr)
    );
    let out = cli
        .run(&[&["--id"], &add[..], &["--example"]].concat())
        .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stderr);
    assert!(
        said.contains("example values were used for: home municipality (Kuopio)"),
        "{said}"
    );
    let client = text(&out.stdout).trim().to_owned();
    assert_eq!(client.len(), 36, "only the id: {client}");

    // A KTT decision without its facts names the flags and the rules.
    let bare = [
        "voucher",
        "issue",
        "--client",
        &client,
        "--service",
        "KTT_INDIVIDUAL",
        "--units",
        "10",
    ];
    let out = cli.run(&bare).await;
    assert_eq!(out.status.code(), Some(1));
    let said = text(&out.stderr);
    for named in [
        "--activation-plan",
        "KTT-ELIG-PLAN",
        "--benefit",
        "KTT-ELIG-UNEMPLOYED",
    ] {
        assert!(said.contains(named), "{named} in {said}");
    }
    let out = cli
        .run(&[&["--json"], &bare[..], &["--example"]].concat())
        .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("activation plan (AS-2026-0042)"),
        "{}",
        text(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["decision"]["job_search_in_force"], true, "{v}");

    // A provider with only its name, business id and offering: the rest example values, named.
    let bid = business_id(2_470_301);
    let out = cli
        .run(&[
            "--json",
            "provider",
            "register",
            "--name",
            "Kokeilu ry",
            "--business-id",
            &bid,
            "--offer",
            "KTT_INDIVIDUAL=60",
            "--example",
        ])
        .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stderr);
    for named in [
        "contact name (Maija Meikäläinen)",
        "IBAN",
        "8 document(s)",
        "Soteri class 2903",
    ] {
        assert!(said.contains(named), "{named} in {said}");
    }
    let p: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(p["state"], "PROVIDER_STATE_SUBMITTED", "{p}");
    assert_eq!(p["details"]["name"], "Kokeilu ry");
}

#[tokio::test]
async fn ids_for_scripts_and_lists_with_voucher_numbers_and_names() {
    let env = Env::builder()
        .services(&THROUGH_REPORTS)
        .prices(Prices::County)
        .start()
        .await;
    let provider = approved_provider(&env, "Nimet ry", 2_470_401, KUOPIO).await;
    let cli = Cli::new(&env, &THROUGH_REPORTS);
    let hetu = hetu(ymd(1988, 3, 3), 472);
    let out = cli
        .run(&[&["--id"], &add_client("Kaisa Koivu", &hetu)[..]].concat())
        .await;
    let client = text(&out.stdout).trim().to_owned();
    let out = cli
        .run(&[&["--id"], &issue(&client, "20")[..]].concat())
        .await;
    let voucher = text(&out.stdout).trim().to_owned();
    assert_eq!(voucher.len(), 36, "{voucher}");
    let listed = cli
        .run(&["--id", "voucher", "list", "--client", &client])
        .await;
    assert_eq!(text(&listed.stdout).trim(), voucher);
    cli.json(&["voucher", "choose", &voucher, "--provider", &provider])
        .await;
    let accept = ["voucher", "accept", &voucher, "--provider", &provider];
    cli.json(&[&accept[..], &["--coach", "Olli Ohjaaja"]].concat())
        .await;
    let today = seteli_cli::actions::today().to_string();
    let record = [
        "--id",
        "session",
        "record",
        &voucher,
        "--provider",
        &provider,
        "--date",
        &today,
        "--start",
        "9:00",
        "--end",
        "10:30",
        "--modality",
        "on-site",
    ];
    let out = cli.run(&record).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let session = text(&out.stdout).trim().to_owned();
    let number = cli.json(&["voucher", "get", &voucher]).await["voucher_number"]
        .as_str()
        .expect("number")
        .to_owned();

    // The session list and the report obligations carry the number and the names.
    let sessions = cli.json(&["session", "list", &voucher]).await;
    let s = &sessions["sessions"][0];
    assert_eq!(s["id"], session.as_str());
    assert_eq!(s["voucher_number"], number.as_str(), "{sessions}");
    assert_eq!(s["client_name"], "Kaisa Koivu");
    let out = cli.run(&["report", "list", "--provider", &provider]).await;
    let table = text(&out.stdout);
    for shown in [number.as_str(), "Kaisa Koivu", "Nimet ry", "REP-INTERIM"] {
        assert!(table.contains(shown), "{shown:?} in\n{table}");
    }
    let obligations = cli.json(&["report", "list"]).await;
    let o = &obligations["obligations"][0];
    assert_eq!(o["voucher_number"], number.as_str(), "{obligations}");
    assert_eq!(o["client_name"], "Kaisa Koivu");
    // --id of a report list: the report ids, a line each.
    let out = cli.run(&["--id", "report", "list"]).await;
    let ids = text(&out.stdout);
    assert!(
        ids.lines().any(|l| l == format!("{voucher}/REP-INTERIM")),
        "{ids}"
    );
}

#[tokio::test]
async fn error_texts_name_the_real_problem() {
    let env = start_vouchers(Prices::County).await;
    let cli = Cli::new(&env, &[Svc::Providers]);
    let usage = |out: &std::process::Output| {
        assert_eq!(out.status.code(), Some(2), "a usage error: {out:?}");
        text(&out.stderr)
    };
    // An unknown service lists every service.
    let said = usage(
        &cli.run(&[
            "voucher",
            "issue",
            "--client",
            "c",
            "--service",
            "KTT_INDIVIDAUL",
            "--units",
            "1",
        ])
        .await,
    );
    assert!(
        said.contains("unknown service \"KTT_INDIVIDAUL\"") && said.contains("SK_PARTICIPATION"),
        "{said}"
    );
    // Money with three decimals says what an amount looks like.
    let said = usage(
        &cli.run(&["provider", "register", "--offer", "KTT_INDIVIDUAL=60,505"])
            .await,
    );
    assert!(
        said.contains("is not an amount of euros") && said.contains("60.50"),
        "{said}"
    );
    // A missing flag is named.
    let said = usage(
        &cli.run(&["voucher", "accept", "v", "--provider", "p"])
            .await,
    );
    assert!(said.contains("--coach"), "{said}");
    // A day not in the calendar is named as such.
    let said = usage(
        &cli.run(&[
            "session",
            "record",
            "v",
            "--provider",
            "p",
            "--date",
            "2026-11-31",
            "--modality",
            "on-site",
        ])
        .await,
    );
    assert!(
        said.contains("2026-11-31 is not a day of the calendar"),
        "{said}"
    );
    // A service that does not answer: which one, where, and how to name another.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let url = format!("http://{}", closed.local_addr().expect("its address"));
    drop(closed);
    let out = cli.run(&["--vouchers-url", &url, "client", "list"]).await;
    assert_eq!(out.status.code(), Some(1));
    let said = text(&out.stderr);
    assert!(
        said.contains(&format!("no answer from the voucher service at {url}"))
            && said.contains("--vouchers-url"),
        "{said}"
    );
}
