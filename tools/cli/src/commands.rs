//! Runs one command: calls [`crate::actions`] and prints what it answered. The root here
//! (dispatch, tokens, health, examples, the reason codes); each noun's commands in a child:
//! `providers`, `vouchers` (clients and vouchers), `records` (sessions and absences), `reports`
//! (reports and invoices).

use std::time::{Duration, Instant};

use clap::CommandFactory as _;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;
use seteli_api::vouchers::v1 as vpb;

use crate::cli::*;
use crate::conn::{DevTokens, Platform};
use crate::names;
use crate::output::{self, Listing, Out, items, rows};

mod providers;
mod records;
mod reports;
mod vouchers;

/// The role a `--as` or `--role` names.
pub fn role_of(r: RoleArg) -> crate::conn::Role {
    use crate::conn::Role;
    match r {
        RoleArg::SocialWorker => Role::SocialWorker,
        RoleArg::ProviderUser => Role::ProviderUser,
        RoleArg::CountyAdmin => Role::CountyAdmin,
        RoleArg::FinanceSystem => Role::FinanceSystem,
        RoleArg::Auditor => Role::Auditor,
        RoleArg::Client => Role::Client,
    }
}

/// The contract's code of why a service ended.
pub fn end_reason_of(r: EndReasonArg) -> vpb::EndReasonKind {
    use vpb::EndReasonKind as K;
    match r {
        EndReasonArg::ClientHealth => K::ClientHealth,
        EndReasonArg::ClientMoved => K::ClientMoved,
        EndReasonArg::ClientEmployedOrStudying => K::ClientEmployedOrStudying,
        EndReasonArg::ClientWithdrew => K::ClientWithdrew,
        EndReasonArg::ClientNotAttending => K::ClientNotAttending,
        EndReasonArg::ServiceNotSuitable => K::ServiceNotSuitable,
        EndReasonArg::OtherService => K::OtherService,
        EndReasonArg::NoSuitableProvider => K::NoSuitableProvider,
        EndReasonArg::ProviderCannotContinue => K::ProviderCannotContinue,
        EndReasonArg::DecisionChanged => K::DecisionChanged,
        EndReasonArg::Other => K::Other,
    }
}

/// The contract's code of why a provider declined.
pub fn decline_reason_of(r: DeclineReasonArg) -> vpb::DeclineReasonKind {
    use vpb::DeclineReasonKind as K;
    match r {
        DeclineReasonArg::NoPlace => K::NoPlace,
        DeclineReasonArg::CannotMeetNeeds => K::CannotMeetNeeds,
        DeclineReasonArg::OutsideArea => K::OutsideArea,
        DeclineReasonArg::CannotStartInTime => K::CannotStartInTime,
        DeclineReasonArg::ClientNotReached => K::ClientNotReached,
        DeclineReasonArg::Other => K::Other,
    }
}

/// Runs `command` against `platform`, printing through `out`.
pub async fn run(
    platform: &Platform,
    global: &Global,
    out: Out,
    command: Command,
) -> anyhow::Result<()> {
    let p = platform;
    match command {
        Command::Token(a) => {
            let dev = DevTokens::from_dir(&global.keys)?;
            let token = dev.mint_with_identity_code(
                role_of(a.role).as_str(),
                a.provider.as_deref(),
                a.subject.as_deref(),
                a.ttl,
                a.identity_code.as_deref(),
            )?;
            if out.json {
                output::emit(&serde_json::json!({ "token": token }).to_string())?;
            } else {
                output::emit(&token)?;
            }
        }
        Command::Health { wait } => health(p, out, wait).await?,
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "seteli", &mut script);
            output::emit(String::from_utf8_lossy(&script).trim_end())?;
        }
        Command::Provider(c) => providers::run(p, out, c).await?,
        Command::Client(c) => vouchers::client(p, out, c).await?,
        Command::Voucher(c) => vouchers::voucher(p, out, c).await?,
        Command::Session(c) => records::session(p, out, c).await?,
        Command::Absence(c) => records::absence(p, out, c).await?,
        Command::Alert(c) => records::alert(p, out, c).await?,
        Command::Report(c) => reports::report(p, out, c).await?,
        Command::Notice(c) => reports::notice(p, out, c).await?,
        Command::Invoice(c) => reports::invoice(p, out, c).await?,
        Command::Example(c) => example(c)?,
        Command::Kela(c) => crate::kela::run(p, out, c).await?,
        Command::Demo(a) => {
            let summary = crate::demo::run(
                p,
                &crate::demo::Options {
                    out: a.out,
                    feed_wait: Duration::from_secs(a.wait),
                    progress: !out.json,
                },
            )
            .await?;
            out.print_value(&summary.to_json(), |_| summary.human())?;
        }
    }
    Ok(())
}

async fn health(p: &Platform, out: Out, wait: u64) -> anyhow::Result<()> {
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_client::HealthClient;
    let deadline = Instant::now() + Duration::from_secs(wait);
    let mut answers = Vec::new();
    for (name, url, channel) in p.channels()? {
        let status = loop {
            let mut client = HealthClient::new(channel.clone());
            let mut req = tonic::Request::new(HealthCheckRequest {
                service: String::new(),
            });
            req.set_timeout(Duration::from_secs(2));
            let status = match client.check(req).await {
                Ok(r) => tonic_health::pb::health_check_response::ServingStatus::try_from(
                    r.into_inner().status,
                )
                .map(|s| s.as_str_name().to_owned())
                .unwrap_or_else(|_| "UNKNOWN".into()),
                Err(e) => format!("DOWN ({})", crate::failure::code_name(e.code())),
            };
            if status == "SERVING" || Instant::now() >= deadline {
                break status;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        answers.push(serde_json::json!({"service": name, "url": url, "status": status}));
    }
    let all = answers.iter().all(|a| a["status"] == "SERVING");
    out.print_value(&Value::Array(answers), |v| {
        rows(
            v.as_array().map(Vec::as_slice).unwrap_or_default(),
            &[
                ("service", "service", output::Fmt::Text),
                ("url", "url", output::Fmt::Text),
                ("status", "status", output::Fmt::Text),
            ],
        )
    })?;
    if !all {
        anyhow::bail!("not every service is serving");
    }
    Ok(())
}

/// `seteli example …`: a made-up value that passes the checks, drawn at random.
fn example(c: ExampleCmd) -> anyhow::Result<()> {
    let seed = crate::examples::seed();
    let value = match c {
        ExampleCmd::BusinessId => crate::examples::business_id(seed)?,
        ExampleCmd::IdentityCode { born } => crate::examples::identity_code(born, seed)?,
    };
    output::emit(&value)
}

/// Prints `listing` as `out` says (for people a table of `columns`), each item named by its
/// voucher ([`names::Vouchers`], read as a user of `provider` or as the county) and, with
/// `invoices`, by its invoice's number.
pub(crate) async fn named_rows<L: Listing>(
    p: &Platform,
    out: Out,
    (provider, invoices): (Option<&str>, bool),
    listing: &L,
    columns: &[output::Column],
) -> anyhow::Result<()> {
    let mut v = output::json_of(listing, L::NAME)?;
    let mut list = items(&v, L::ITEMS);
    let unnamed = names::Vouchers::new(p, provider).name(&mut list).await?;
    if invoices {
        names::Invoices::new(p).name(&mut list).await?;
    }
    v[L::ITEMS] = Value::Array(list);
    out.print_value(&v, |v| {
        let table = rows(&items(v, L::ITEMS), columns);
        format!("{table}{}", names::unnamed_note(unnamed))
    })
}

/// A progress bar counting items, hidden when printing JSON (or when stderr is no terminal).
pub fn spinner(message: &str, hidden: bool) -> ProgressBar {
    if hidden {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {pos} {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar.set_message(message.to_owned());
    bar
}

#[cfg(test)]
mod tests {
    use clap::ValueEnum as _;

    use super::*;

    /// The contract values of an enum other than its unspecified 0.
    fn specified(known: impl Fn(i32) -> bool) -> usize {
        (1..).take_while(|v| known(*v)).count()
    }

    /// An argument's name as the contract spells it (`client-moved` → `CLIENT_MOVED`).
    fn contract_name(arg: &impl clap::ValueEnum) -> String {
        let value = arg.to_possible_value().expect("listed in --help");
        value.get_name().replace('-', "_").to_uppercase()
    }

    #[test]
    fn every_reason_code_is_the_contracts_of_the_same_name_and_none_is_missing() {
        for arg in EndReasonArg::value_variants() {
            let name = format!("END_REASON_KIND_{}", contract_name(arg));
            assert_eq!(end_reason_of(*arg).as_str_name(), name);
        }
        let contract = specified(|v| vpb::EndReasonKind::try_from(v).is_ok());
        assert_eq!(EndReasonArg::value_variants().len(), contract);
        for arg in DeclineReasonArg::value_variants() {
            let name = format!("DECLINE_REASON_KIND_{}", contract_name(arg));
            assert_eq!(decline_reason_of(*arg).as_str_name(), name);
        }
        let contract = specified(|v| vpb::DeclineReasonKind::try_from(v).is_ok());
        assert_eq!(DeclineReasonArg::value_variants().len(), contract);
    }
}
