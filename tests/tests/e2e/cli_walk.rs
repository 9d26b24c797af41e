//! The README's examples, run as written: `docs/walk.sh` — the README's "The command line"
//! shows exactly that script — against all five services the kit starts, and the request of the
//! README's grpcurl example (`docs/create-provider.json`, what grpcurl sends) decoded by the
//! protobuf JSON mapping and sent to the registry, and the public comparison's request sent with
//! no token. Both backends, like every test here.

use std::path::{Path, PathBuf};

use prost_reflect::{DescriptorPool, DynamicMessage};
use seteli_api::providers::v1 as pb;
use seteli_tests::fixtures::*;

/// The repository's root.
fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The fenced code block of the README that follows the line `marker`.
fn readme_block_after(marker: &str) -> String {
    let readme = read("README.md");
    let (_, after) = readme
        .split_once(marker)
        .unwrap_or_else(|| panic!("the README has no {marker:?}"));
    let (_, code) = after.split_once("```sh\n").expect("a sh block after it");
    let (code, _) = code.split_once("\n```").expect("the block's end");
    format!("{code}\n")
}

#[test]
fn the_readme_shows_the_walk_script_exactly() {
    assert_eq!(
        readme_block_after("<!-- docs/walk.sh, verbatim"),
        read("docs/walk.sh"),
        "README.md's walk differs from docs/walk.sh: copy the file into the README"
    );
}

#[tokio::test]
async fn the_readme_walk_runs_end_to_end_against_a_started_platform() {
    let env = Env::builder()
        .services(&Svc::ALL)
        .prices(Prices::Every)
        .start()
        .await;
    let (keys, out) = (
        tempfile::tempdir().expect("keys"),
        tempfile::tempdir().expect("out"),
    );
    let ran = tokio::process::Command::new("sh")
        .arg("docs/walk.sh")
        .current_dir(repo())
        .env("SETELI", env!("CARGO_BIN_EXE_seteli-cli-under-test"))
        .env("WALK_OUT", out.path())
        .env_remove("SETELI_TOKEN")
        .envs(cli_environment(&env, keys.path()))
        .output()
        .await
        .expect("sh runs the walk");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&ran.stdout),
        String::from_utf8_lossy(&ran.stderr),
    );
    assert!(
        ran.status.success(),
        "the walk failed ({:?}):\n{stdout}\n{stderr}",
        ran.status
    );
    assert!(
        !stderr.contains("example values"),
        "nothing made up: {stderr}"
    );
    // It says what it did: the last line names the provider, voucher and invoice.
    let last = stdout.lines().last().unwrap_or_default();
    let ids: Vec<&str> = last
        .strip_prefix("walked: provider ")
        .unwrap_or_else(|| panic!("the summary line: {last}"))
        .split_whitespace()
        .map(|w| w.trim_end_matches([',', ';']))
        .filter(|w| w.len() == 36)
        .collect();
    let [provider, voucher, invoice] = ids[..] else {
        panic!("three ids in {last:?}");
    };
    for shown in [
        "SERVING",
        "APPROVED",
        "Aino Asiakas",
        "NO_PLACE",
        "CLIENT_EMPLOYED_OR_STUDYING",
        "CLIENT_WITHDREW",
        "NO_SHOW",
        "OWN_ILLNESS",
        "ABS-KELA",
        "INTERRUPTION",
        "REP-INTERIM",
        "SUBMITTED",
        "KTT_INDIVIDUAL",
        "INTERRUPTED",
        "CANCELLED",
    ] {
        assert!(
            stdout.contains(shown),
            "{shown:?} in the walk's output:\n{stdout}"
        );
    }
    // What the services now hold is what the walk said, and nothing else.
    let admin = env.admin();
    let v = get_voucher(&env, voucher).await;
    // The lists name the voucher and the client: sessions, obligations, alerts, notices.
    for kind in ["NO_SHOW", "REP-INTERIM", "ABS-KELA", "INTERRUPTION"] {
        assert!(
            stdout.lines().any(|l| l.contains(kind)
                && l.contains(&v.voucher_number)
                && l.contains("Aino Asiakas")),
            "a row of {kind} with {} and the client's name:\n{stdout}",
            v.voucher_number
        );
    }
    let p = read_provider(&mut env.p(), &admin, provider)
        .await
        .expect("the provider");
    let d = p.details.expect("details");
    let contact = d.contact.expect("contact");
    assert_eq!(
        (contact.name.as_str(), contact.postal_address.as_str()),
        ("Maija Meikäläinen", ""),
        "the contact as the file gave it, no address made up"
    );
    assert_eq!(p.documents.len(), 8);
    let mut staff: Vec<&str> = p.staff.iter().map(|s| s.name.as_str()).collect();
    staff.sort_unstable();
    assert_eq!(staff, ["Olli Ohjaaja", "Sanna Sosionomi"]);
    let i = seteli_tests::fixtures::invoice(&env, &admin, invoice)
        .await
        .expect("the invoice");
    assert_eq!(
        i.state,
        seteli_api::billing::v1::InvoiceState::Exported as i32
    );
    // The files it wrote: the provider file, the TT3 notice, the Finvoice and UBL invoices.
    let files: Vec<String> = walk_files(out.path());
    for expected in ["provider.toml", "kela-tt3-", "invoices/"] {
        assert!(
            files.iter().any(|f| f.contains(expected)),
            "{expected} among {files:?}"
        );
    }
    let xml = files.iter().filter(|f| f.ends_with(".xml")).count();
    assert_eq!(xml, 2, "a Finvoice and a UBL file: {files:?}");
}

/// Every file under `dir`, as paths relative to it.
fn walk_files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).expect("a folder").flatten() {
            let path = e.path();
            if path.is_dir() {
                todo.push(path);
            } else if let Ok(rel) = path.strip_prefix(dir) {
                found.push(rel.display().to_string());
            }
        }
    }
    found
}

#[tokio::test]
async fn the_readme_grpcurl_request_is_one_create_provider_takes() {
    // The README runs grpcurl with this file as its request; grpcurl sends the protobuf JSON
    // mapping of it, as this test does.
    let block = readme_block_after("Then, for example with [grpcurl]");
    assert!(
        block.contains(
            "seteli.providers.v1.ProvidersService/CreateProvider < docs/create-provider.json"
        ),
        "{block}"
    );
    let json = read("docs/create-provider.json");
    let pool = DescriptorPool::decode(seteli_api::FILE_DESCRIPTOR_SET).expect("descriptors");
    let message = pool
        .get_message_by_name("seteli.providers.v1.CreateProviderRequest")
        .expect("the request type");
    let mut de = serde_json::Deserializer::from_str(&json);
    let dynamic = DynamicMessage::deserialize(message, &mut de).expect("the JSON mapping");
    let request: pb::CreateProviderRequest = dynamic.transcode_to().expect("the request");
    let business_id = request
        .details
        .as_ref()
        .expect("details")
        .business_id
        .clone();
    assert!(
        !read("docs/walk.sh").contains(&business_id),
        "the walk registers another business id"
    );
    let (env, a, mut c) = registry_desk().await;
    let first = create_with(&mut c, &a.admin, request.clone())
        .await
        .expect("created");
    assert_eq!(first.state, pb::ProviderState::Draft as i32);
    assert_eq!(
        first.details.as_ref().map(|d| d.business_id.as_str()),
        Some(business_id.as_str())
    );
    // Copied twice, it is answered the same (the same request id), not ALREADY_EXISTS.
    let again = create_with(&mut c, &a.admin, request)
        .await
        .expect("answered again");
    assert_eq!(again.id, first.id);
    drop(env);
}

#[tokio::test]
async fn the_readmes_public_comparison_answers_without_a_token() {
    let block = readme_block_after("The public comparison of providers needs no token");
    assert!(
        block.contains("seteli.catalogue.v1.ProviderCatalogueService/CompareProviders"),
        "{block}"
    );
    assert!(!block.contains("authorization"), "no token: {block}");
    // The request grpcurl sends: the JSON between `-d '` and the next `'`.
    let (_, after) = block.split_once("-d '").expect("a request in the block");
    let (json, _) = after.split_once('\'').expect("the request's end");
    let pool = DescriptorPool::decode(seteli_api::FILE_DESCRIPTOR_SET).expect("descriptors");
    let message = pool
        .get_message_by_name("seteli.catalogue.v1.CompareProvidersRequest")
        .expect("the request type");
    let mut de = serde_json::Deserializer::from_str(json);
    let dynamic = DynamicMessage::deserialize(message, &mut de).expect("the JSON mapping");
    let request: seteli_api::catalogue::v1::CompareProvidersRequest =
        dynamic.transcode_to().expect("the request");
    let (env, _, _) = registry_desk().await;
    let answer = compare_providers(&env, None, request)
        .await
        .expect("answered without a token");
    assert_eq!(answer.place.map(|p| p.name).as_deref(), Some("Kuopio"));
}
