//! The `seteli` binary itself, run as a person or a script would, against services the kit
//! started on port 0: JSON for scripts, tables for people, a refusal's rule id and Finnish
//! message, a voucher's decline, interruption and cancellation with their reason codes, dev
//! tokens, shell completions.

use std::path::PathBuf;
use std::process::Output;

use seteli_tests::fixtures::*;

/// The `seteli` binary (the same `main`, built with the tests: `src/bin/seteli-cli-under-test.rs`).
pub(crate) fn seteli() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_seteli-cli-under-test"))
}

/// The `seteli` binary pointed at the kit's services, with the kit's key as its dev key.
pub(crate) struct Cli {
    args: Vec<String>,
    _keys: tempfile::TempDir,
}

impl Cli {
    /// The binary pointed at `env`'s `services`.
    pub(crate) fn new(env: &Env, services: &[Svc]) -> Self {
        let keys = tempfile::tempdir().expect("tempdir");
        let args = cli_args(env, services, keys.path());
        Cli { args, _keys: keys }
    }

    /// Runs it with `args`.
    pub(crate) async fn run(&self, args: &[&str]) -> Output {
        let mut cmd = tokio::process::Command::new(seteli());
        cmd.args(&self.args)
            .args(args)
            .env("SETELI_JWT_ISSUER", seteli_platform::testing::ISSUER)
            .env("SETELI_JWT_AUDIENCE", seteli_platform::testing::AUDIENCE)
            .env_remove("SETELI_TOKEN");
        cmd.output().await.expect("run seteli")
    }

    /// Runs it with `--json` and `args`, which must succeed: the JSON it printed.
    pub(crate) async fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.run(&[&["--json"], args].concat()).await;
        assert!(
            out.status.success(),
            "seteli {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("JSON on stdout")
    }

    /// Runs `args` with `--json`, expecting a refusal (exit code 1): the error it printed.
    pub(crate) async fn refused(&self, args: &[&str]) -> serde_json::Value {
        let out = self.run(&[&["--json"], args].concat()).await;
        assert_eq!(out.status.code(), Some(1), "seteli {args:?}");
        serde_json::from_slice(&out.stdout).expect("JSON error")
    }
}

/// Prices set, a client (`individual` its henkilötunnus's number) and the CLI on the platform.
async fn a_client(individual: u16) -> (Env, String, Cli) {
    let env = start_vouchers(Prices::County).await;
    // Registered by the county's administrator: nobody's client yet, so the CLI's social
    // worker may decide for them (a social worker's own caseload otherwise).
    let details = client_details(&hetu(ymd(1990, 5, 5), individual), "Kuopio", KUOPIO);
    let client = create_client_as(&env, &env.admin(), details)
        .await
        .expect("registered");
    let cli = Cli::new(&env, &[Svc::Providers, Svc::Vouchers]);
    (env, client.id, cli)
}

/// The `key` of each item of a refusal's `list` (its rules' ids, its fields' names).
pub(crate) fn each<'a>(refusal: &'a serde_json::Value, list: &str, key: &str) -> Vec<&'a str> {
    let items = refusal["error"][list].as_array().expect(list);
    items.iter().filter_map(|i| i[key].as_str()).collect()
}

/// `client add` of `name` with identity code `hetu`, living in Kuopio.
pub(crate) fn add_client<'a>(name: &'a str, hetu: &'a str) -> [&'a str; 10] {
    [
        "client",
        "add",
        "--name",
        name,
        "--identity-code",
        hetu,
        "--municipality",
        "Kuopio",
        "--at",
        "62.8924,27.6770",
    ]
}

/// `voucher issue` of KTT individual coaching, `units` hours, for `client`, with the facts
/// KTT asks of a decision.
pub(crate) fn issue<'a>(client: &'a str, units: &'a str) -> [&'a str; 13] {
    [
        "voucher",
        "issue",
        "--client",
        client,
        "--service",
        "KTT_INDIVIDUAL",
        "--units",
        units,
        "--activation-plan",
        "AS-2026-0042",
        "--job-search-in-force",
        "--benefit",
        "labour-market-subsidy",
    ]
}

#[tokio::test]
async fn a_script_issues_a_voucher_and_reads_the_json() {
    let env = start_vouchers(Prices::County).await;
    let cli = Cli::new(&env, &[Svc::Providers, Svc::Vouchers]);
    let hetu = hetu(ymd(1990, 5, 5), 321);
    let client = cli.json(&add_client("Aino Asiakas", &hetu)).await;
    let client_id = client["id"].as_str().expect("client id").to_owned();
    assert_eq!(client["name"], "Aino Asiakas");

    let voucher = cli.json(&issue(&client_id, "30")).await;
    assert_eq!(voucher["state"], "VOUCHER_STATE_ISSUED");
    assert_eq!(
        voucher["decision"]["service_type"],
        "SERVICE_TYPE_KTT_INDIVIDUAL"
    );
    // The protobuf JSON mapping: an int64 is a string.
    assert_eq!(voucher["units_granted"]["hundredths"], "3000");
    assert!(voucher["version"].is_string(), "{voucher}");
    let number = voucher["voucher_number"].as_str().expect("number");
    assert!(number.starts_with("PS-"), "{number}");

    // The same voucher, read by its number, as a table for people.
    let out = cli.run(&["voucher", "get", number]).await;
    assert!(out.status.success());
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains(number) && table.contains("ISSUED"),
        "{table}"
    );
    assert!(
        table.contains("KTT_INDIVIDUAL") && table.contains("30"),
        "{table}"
    );
}

#[tokio::test]
async fn a_refusal_shows_the_rule_id_and_the_finnish_message() {
    let (_env, client, cli) = a_client(322).await;
    // KTT individual coaching is at most 30 h a period (CAP-UNITS).
    let args = issue(&client, "31");

    let v = cli.refused(&args).await;
    assert_eq!(v["error"]["code"], "FAILED_PRECONDITION", "{v}");
    assert_eq!(each(&v, "rules", "id"), ["CAP-UNITS"], "{v}");
    let fi = v["error"]["message_fi"].as_str().expect("Finnish message");
    assert!(fi.contains("CAP-UNITS"), "{fi}");
    assert!(
        v["error"]["request_id"]
            .as_str()
            .is_some_and(|r| !r.is_empty()),
        "{v}"
    );

    // For people: the rule with its section, and the Finnish message.
    let out = cli.run(&args).await;
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("FAILED_PRECONDITION"), "{err}");
    assert!(err.contains("rule CAP-UNITS"), "{err}");
    assert!(
        err.contains("suomeksi:") && err.contains(fi.lines().next().unwrap_or("?")),
        "{err}"
    );
}

#[tokio::test]
async fn a_role_that_may_not_gets_permission_denied_and_input_errors_name_the_field() {
    let (_env, client, cli) = a_client(323).await;
    // Only a social worker issues vouchers.
    let as_finance = [&["--as", "finance_system"][..], &issue(&client, "10")].concat();
    let v = cli.refused(&as_finance).await;
    assert_eq!(v["error"]["code"], "PERMISSION_DENIED", "{v}");
    // A malformed identity code: INVALID_ARGUMENT naming the field.
    let bad_hetu = add_client("X", "not-a-hetu");
    let v = cli.refused(&bad_hetu).await;
    assert_eq!(v["error"]["code"], "INVALID_ARGUMENT", "{v}");
    let fields = each(&v, "fields", "field");
    assert!(fields.iter().any(|f| f.contains("identity_code")), "{v}");
}

#[tokio::test]
async fn a_decline_an_interruption_and_a_cancellation_each_name_their_reason_code() {
    let (env, client, cli) = a_client(324).await;
    let provider = approved_provider(&env, "Syykoodi ry", 1_800_324, KUOPIO).await;
    let v = cli.json(&issue(&client, "10")).await;
    let id = v["id"].as_str().expect("voucher id").to_owned();
    let choose = ["voucher", "choose", &id, "--provider", &provider];
    cli.json(&choose).await;
    let declined = cli
        .json(&[
            "voucher",
            "decline",
            &id,
            "--provider",
            &provider,
            "--reason-kind",
            "no-place",
            "--reason",
            "Ryhmä on täynnä.",
        ])
        .await;
    assert_eq!(
        declined["declined_reason_kind"], "DECLINE_REASON_KIND_NO_PLACE",
        "{declined}"
    );
    assert_eq!(declined["declined_reason"], "Ryhmä on täynnä.");
    // Chosen again and accepted; the provider's user interrupts it.
    cli.json(&choose).await;
    cli.json(&[
        "voucher",
        "accept",
        &id,
        "--provider",
        &provider,
        "--coach",
        "Olli Ohjaaja",
    ])
    .await;
    let stopped = cli
        .json(&[
            "voucher",
            "interrupt",
            &id,
            "--provider",
            &provider,
            "--reason-kind",
            "client-health",
            "--reason",
            "Asiakas on sairaalahoidossa.",
        ])
        .await;
    assert_eq!(stopped["state"], "VOUCHER_STATE_INTERRUPTED", "{stopped}");
    assert_eq!(stopped["end_reason_kind"], "END_REASON_KIND_CLIENT_HEALTH");
    // An interrupted voucher no longer holds its period: a new one, cancelled before its start.
    let w = cli.json(&issue(&client, "10")).await;
    let w = w["id"].as_str().expect("voucher id").to_owned();
    let cancel = ["voucher", "cancel", &w, "--reason", "Asiakas perui."];
    // Without a code the command line itself refuses, naming the option.
    let out = cli.run(&cancel).await;
    assert_eq!(out.status.code(), Some(2), "a usage error");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--reason-kind"), "{err}");
    let cancelled = cli
        .json(&[&cancel[..], &["--reason-kind", "client-withdrew"]].concat())
        .await;
    assert_eq!(cancelled["state"], "VOUCHER_STATE_CANCELLED", "{cancelled}");
    assert_eq!(
        cancelled["end_reason_kind"],
        "END_REASON_KIND_CLIENT_WITHDREW"
    );
    // --help lists every code with its Finnish term.
    let out = cli.run(&["voucher", "cancel", "--help"]).await;
    let help = String::from_utf8_lossy(&out.stdout);
    for code in ["client-moved", "muutto", "decision-changed", "other"] {
        assert!(help.contains(code), "{code} in {help}");
    }
}

#[tokio::test]
async fn a_voucher_issued_with_a_distance_exemption_may_go_to_a_provider_far_away() {
    let (env, client, cli) = a_client(325).await;
    // Iisalmi is some 75 km from the client's home in Kuopio.
    let far = approved_provider(&env, "Kaukana ry", 1_800_325, IISALMI).await;
    let plain = cli.json(&issue(&client, "10")).await;
    let plain_id = plain["id"].as_str().expect("voucher id").to_owned();
    let v = cli
        .refused(&["voucher", "choose", &plain_id, "--provider", &far])
        .await;
    assert!(each(&v, "rules", "id").contains(&"PROV-DISTANCE"), "{v}");
    // The decision is made again, with the permission.
    cli.json(&[
        "voucher",
        "cancel",
        &plain_id,
        "--reason-kind",
        "decision-changed",
        "--reason",
        "Uusi päätös.",
    ])
    .await;
    let exempt = [
        &issue(&client, "10")[..],
        &[
            "--distance-exemption",
            "Lähempänä ei ole palveluntuottajaa.",
        ],
    ]
    .concat();
    let w = cli.json(&exempt).await;
    assert_eq!(
        w["decision"]["distance_exemption"]["reason"], "Lähempänä ei ole palveluntuottajaa.",
        "{w}"
    );
    let id = w["id"].as_str().expect("voucher id");
    let chosen = cli
        .json(&["voucher", "choose", id, "--provider", &far])
        .await;
    assert_eq!(chosen["provider_id"], far.as_str(), "{chosen}");
}

#[tokio::test]
async fn dev_tokens_health_and_completions() {
    let env = start_vouchers(Prices::Unset).await;
    let cli = Cli::new(&env, &[Svc::Providers, Svc::Vouchers]);
    let out = cli.run(&["token", "--role", "county_admin"]).await;
    assert!(out.status.success());
    let token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert_eq!(token.split('.').count(), 3, "{token}");
    // The token works: the registry lists providers with it.
    let out = cli
        .run(&["--json", "--token", &token, "provider", "list"])
        .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(v["providers"].is_array(), "{v}");
    // A provider's user needs its provider.
    let out = cli.run(&["token", "--role", "provider_user"]).await;
    assert_eq!(out.status.code(), Some(1));

    let out = cli.run(&["completions", "bash"]).await;
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("seteli"));
}

/// The claims of a JWT, decoded (not verified: the services do that).
fn claims_of(token: &str) -> serde_json::Value {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).expect("a JWT");
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice(&json).expect("JSON claims")
}

#[tokio::test]
async fn a_dev_token_of_a_client_carries_their_identity_code_and_the_services_take_it() {
    let env = start_vouchers(Prices::Unset).await;
    let cli = Cli::new(&env, &[Svc::Providers, Svc::Vouchers]);
    let code = seteli_tests::kit::STRANGER_IDENTITY_CODE;
    let out = cli
        .run(&["token", "--role", "client", "--identity-code", code])
        .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let claims = claims_of(&token);
    assert_eq!(claims["role"], "client", "{claims}");
    assert_eq!(claims["hetu"], code, "{claims}");
    assert_eq!(claims["sub"], format!("dev-client-{code}"), "{claims}");
    // The services verify it: a person the county has no client record of holds no voucher
    // (answered as such, not as a token they refuse).
    let out = cli
        .run(&["--token", &token, "voucher", "get", "PS-1999-999999"])
        .await;
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!said.contains("UNAUTHENTICATED"), "{said}");
    // A client without an identity code, or with an invalid one, gets no token; nor does
    // another role with one.
    for args in [
        &["token", "--role", "client"][..],
        &[
            "token",
            "--role",
            "client",
            "--identity-code",
            "010199-9999",
        ],
        &["token", "--role", "social_worker", "--identity-code", code],
    ] {
        let out = cli.run(args).await;
        assert_eq!(out.status.code(), Some(1), "{args:?}");
    }
}

#[tokio::test]
async fn a_closed_output_ends_the_command_quietly() {
    let env = start_vouchers(Prices::County).await;
    let cli = Cli::new(&env, &[Svc::Providers, Svc::Vouchers]);
    // `seteli … | head -0`: the reader is gone before anything is written.
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let out = tokio::process::Command::new(seteli())
        .args(&cli.args)
        .args(["--json", "provider", "list"])
        .env("SETELI_JWT_ISSUER", seteli_platform::testing::ISSUER)
        .env("SETELI_JWT_AUDIENCE", seteli_platform::testing::AUDIENCE)
        .env_remove("SETELI_TOKEN")
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        // Not `output()`: it would capture stdout through a pipe of its own.
        .spawn()
        .expect("run seteli")
        .wait_with_output()
        .await
        .expect("seteli ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
}

#[tokio::test]
async fn kela_notices_are_listed_with_name_and_number_marked_sent_and_written_as_pdf() {
    // Tuesday 14 April 2026: the notice of 2–15 March was due on Monday 16 March.
    let today = ymd(2026, 4, 14);
    let (env, p) = with_provider(start_reporting_on(today).await, 1_000_857).await;
    let from = ymd(2026, 3, 2);
    let v = ktt_voucher(
        &env,
        &p,
        857,
        from,
        seteli_rules::terms::validity_end(from, 3),
    )
    .await;
    record(&env, &p, &v, at(from, 9, 11))
        .await
        .expect("the first session starts the service");
    kela_notices_listed(&env, &v).await;
    let voucher = get_voucher(&env, &v).await;
    let name = voucher.client.expect("client").name;
    let cli = Cli::new(
        &env,
        &[
            Svc::Providers,
            Svc::Vouchers,
            Svc::Attendance,
            Svc::Reporting,
        ],
    );
    let first = format!("{v}/2026-03-02");

    // The list, for people: the voucher number and the client's name; overdue ones marked.
    let out = cli.run(&["kela", "list", "--provider", &p]).await;
    assert!(out.status.success(), "{out:?}");
    let table = String::from_utf8_lossy(&out.stdout);
    for expected in [
        voucher.voucher_number.as_str(),
        name.as_str(),
        "OVERDUE",
        "!",
    ] {
        assert!(table.contains(expected), "{expected:?} in\n{table}");
    }
    assert!(table.contains("3 overdue"), "{table}");
    // And for scripts.
    let listed = cli.json(&["kela", "list"]).await;
    let notices = listed["notices"].as_array().expect("notices");
    let march = notices
        .iter()
        .find(|n| n["id"] == first.as_str())
        .expect("the notice of 2 March");
    assert_eq!(march["voucher_number"], voucher.voucher_number.as_str());
    assert_eq!(march["client_name"], name.as_str());
    assert_eq!(march["status"], "KELA_NOTICE_STATUS_OVERDUE");
    assert_eq!(march["overdue"], true);

    // Marked sent on an earlier day: refused without a reason, naming the field.
    let backdated = ["kela", "mark-sent", &first, "--sent-on", "2026-03-16"];
    let refused = cli.refused(&backdated).await;
    assert_eq!(each(&refused, "fields", "field"), ["backdated_reason"]);
    let why = "lähetetty 16.3. postitse";
    let sent = cli
        .json(&[&backdated[..], &["--backdated-reason", why]].concat())
        .await;
    assert_eq!(sent["status"], "KELA_NOTICE_STATUS_SENT");
    assert_eq!(sent["backdated_reason"], why);
    assert_eq!(sent["late"], false);
    // Today, with no day given: the next one, late.
    let second = format!("{v}/2026-03-16");
    let sent = cli
        .json(&["kela", "mark-sent", &second, "--provider", &p])
        .await;
    assert_eq!(sent["status"], "KELA_NOTICE_STATUS_SENT");
    assert_eq!(sent["late"], true);
    let listed = cli.json(&["kela", "list", "--status", "sent"]).await;
    let ids: Vec<_> = listed["notices"]
        .as_array()
        .expect("notices")
        .iter()
        .map(|n| n["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(ids, [first.clone(), second]);

    // The PDF, to the file named; never over a file that exists already.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("tt3.pdf");
    let file_arg = file.display().to_string();
    let pdf = ["kela", "pdf", &first, "--provider", &p, "--out", &file_arg];
    let wrote = cli.json(&pdf).await;
    assert_eq!(wrote["file"], file_arg.as_str());
    let bytes = std::fs::read(&file).expect("the PDF written");
    assert!(bytes.starts_with(b"%PDF-"));
    assert!(squeezed(&pdf_text_of(&bytes)).contains(&squeezed(&voucher.voucher_number)));
    let again = cli.run(&pdf).await;
    assert_eq!(again.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("exists already"),
        "{again:?}"
    );
    cli.json(&[&pdf[..], &["--force"]].concat()).await;
}
