//! `make run`'s settings (deploy/dev.env, read by deploy/scripts/dev-env.sh) fill only what is
//! unset: an origin given on the command line reaches the services (the browser portal recipe
//! of the README), and what is not given comes from the file.

use std::path::PathBuf;
use std::process::Command;

/// What `SETELI_CORS_ALLOWED_ORIGINS` and `SETELI_DEV` are after sourcing dev-env.sh with
/// `given` in the environment.
fn after_sourcing(given: &[(&str, &str)]) -> (String, String) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut cmd = Command::new("bash");
    cmd.current_dir(&root)
        .arg("-c")
        .arg(
            "source deploy/scripts/dev-env.sh && \
             printf '%s\\n%s\\n' \"$SETELI_CORS_ALLOWED_ORIGINS\" \"$SETELI_DEV\"",
        )
        .env_remove("SETELI_CORS_ALLOWED_ORIGINS")
        .env_remove("SETELI_DEV");
    for (k, v) in given {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("bash");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let mut lines = text.lines().map(str::to_owned);
    (
        lines.next().unwrap_or_default(),
        lines.next().unwrap_or_default(),
    )
}

#[test]
fn an_origin_given_on_the_command_line_wins_over_dev_env() {
    let (origins, dev) =
        after_sourcing(&[("SETELI_CORS_ALLOWED_ORIGINS", "http://127.0.0.1:8080")]);
    assert_eq!(origins, "http://127.0.0.1:8080");
    assert_eq!(dev, "true", "the rest still comes from dev.env");
}

#[test]
fn unset_settings_come_from_dev_env_with_the_portals_origin() {
    let (origins, dev) = after_sourcing(&[]);
    assert!(
        origins.split(',').any(|o| o == "http://127.0.0.1:3000"),
        "make portal's origin: {origins}"
    );
    assert_eq!(dev, "true");
}
