//! `seteli`: the command-line client of the Seteli platform.
//!
//! For people and scripts alike, on the generated gRPC clients of `seteli_api`: mint a dev
//! token; register and approve a provider; add a client; issue a voucher; choose and accept
//! (or decline); interrupt or cancel it, each with its reason's code (`--reason-kind`); record
//! sessions, cancellations and absences; write and submit reports; list, print and mark sent
//! Kela's absence notices; generate, submit and approve invoices; pull them as the financial
//! system and write the Finvoice and UBL files.
//! `seteli demo` walks one realistic month of all of it (`make demo`).
//!
//! - [`cli`]: the command line (clap; `seteli completions <shell>` prints completions), its
//!   values parsed by [`values`];
//! - [`conn`]: where the services listen and which token each call carries;
//! - [`actions`]: one function per step, each with the role that takes it;
//! - [`commands`]: runs a command and prints its answer through [`output`] — tables for
//!   people, `--json` (the protobuf JSON mapping) for scripts;
//! - [`kela`]: Kela's absence notices — list (overdue ones marked), PDF, mark sent;
//! - [`failure`]: a refusal's rule ids, sections and Finnish message, from the status details;
//! - [`demo`]: the month.

pub mod actions;
pub mod cli;
pub mod commands;
pub mod conn;
pub mod demo;
pub mod examples;
pub mod failure;
pub mod kela;
pub mod names;
pub mod output;
pub mod registration;
pub mod values;

use std::process::ExitCode;

pub use cli::Cli;
use conn::{DevTokens, Endpoints, Platform, Tokens};
use output::Out;

/// The platform `cli`'s options name: its URLs, and its token or the dev key.
pub fn platform(global: &cli::Global) -> anyhow::Result<Platform> {
    let endpoints = Endpoints {
        providers: global.providers_url.clone(),
        vouchers: global.vouchers_url.clone(),
        attendance: global.attendance_url.clone(),
        reporting: global.reporting_url.clone(),
        billing: global.billing_url.clone(),
    };
    let tokens = match &global.token {
        Some(t) if !t.trim().is_empty() => Tokens::Fixed(t.trim().to_owned()),
        _ => Tokens::Dev(Box::new(DevTokens::from_dir(&global.keys)?)),
    };
    let mut p = Platform::new(endpoints, tokens);
    p.role_override = global.as_role.map(commands::role_of);
    Ok(p)
}

/// The binary's `main`: parses the process's arguments and runs them.
pub async fn main() -> ExitCode {
    use clap::Parser as _;
    run(Cli::parse()).await
}

/// Runs the command line: 0 when done, 1 when a call was refused or failed (the refusal is
/// printed: its rule ids and Finnish message; as JSON with `--json`).
pub async fn run(cli: Cli) -> ExitCode {
    let out = Out {
        json: cli.global.json,
        id_only: cli.global.id_only,
    };
    let result = match &cli.command {
        // Minting and completions need no platform (nor a dev key for completions).
        cli::Command::Completions { .. } | cli::Command::Token(_) => {
            let p = Platform::new(Endpoints::default(), Tokens::Fixed(String::new()));
            commands::run(&p, &cli.global, out, cli.command).await
        }
        _ => match platform(&cli.global) {
            Ok(p) => commands::run(&p, &cli.global, out, cli.command).await,
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // `seteli … | head`: the reader has what it wanted.
        Err(e) if e.is::<output::OutputClosed>() => ExitCode::SUCCESS,
        Err(e) => {
            match unreachable(&e, &cli.global) {
                // Nothing refused it: say only what did not answer.
                Some(said) if !out.json => eprintln!("seteli: {said}"),
                Some(said) => report_error(&e.context(said), out),
                None => report_error(&e, out),
            }
            ExitCode::FAILURE
        }
    }
}

/// When `e` is a call that got no answer (nothing listening, no route, no such host), what to
/// say: which service, at which address, and how to name another.
fn unreachable(e: &anyhow::Error, global: &cli::Global) -> Option<String> {
    let status = failure::status_of(e)?;
    let m = status.message();
    let transport = ["connect", "transport error", "dns error", "connection"]
        .iter()
        .any(|w| m.contains(w));
    if status.code() != tonic::Code::Unavailable || !transport {
        return None;
    }
    // The outermost context of a call is its RPC's name (`actions::calling::call!`).
    let outermost = e.to_string();
    let rpc = outermost.split(':').next().unwrap_or_default();
    let (what, flag, url) = match output::package_of_rpc(rpc)?.as_str() {
        "seteli.providers.v1" => ("the provider registry", "providers", &global.providers_url),
        "seteli.vouchers.v1" => ("the voucher service", "vouchers", &global.vouchers_url),
        "seteli.attendance.v1" => (
            "the attendance service",
            "attendance",
            &global.attendance_url,
        ),
        "seteli.reporting.v1" => ("the reporting service", "reporting", &global.reporting_url),
        "seteli.billing.v1" => ("the billing service", "billing", &global.billing_url),
        _ => return None,
    };
    Some(format!(
        "{rpc}: no answer from {what} at {url} ({m}): start the platform (`make run`), or name \
         where it runs with --{flag}-url or SETELI_{}_URL",
        flag.to_uppercase()
    ))
}

/// Prints `e`: a refused call with its rules and Finnish message, anything else as its chain.
pub fn report_error(e: &anyhow::Error, out: Out) {
    let refusal = failure::status_of(e).map(failure::Refusal::of);
    if out.json {
        let v = match &refusal {
            Some(r) => serde_json::json!({ "error": r.to_json(), "context": format!("{e}") }),
            None => serde_json::json!({ "error": { "message": format!("{e:#}") } }),
        };
        // A closed output has nobody to tell.
        let _ = output::emit(&v.to_string());
    } else {
        match refusal {
            Some(r) => eprintln!("seteli: {e}\n{}", r.human()),
            None => eprintln!("seteli: {e:#}"),
        }
    }
}
