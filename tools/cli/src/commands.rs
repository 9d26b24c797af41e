//! Runs one command: calls [`crate::actions`] and prints what it answered.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::CommandFactory as _;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;
use seteli_api::attendance::v1 as apb;
use seteli_api::billing::v1 as bpb;
use seteli_api::providers::v1 as ppb;
use seteli_api::reporting::v1 as rpb;
use seteli_api::vouchers::v1 as vpb;

use crate::actions::{self, date, today};
use crate::cli::*;
use crate::conn::{DevTokens, Platform};
use crate::output::{self, Out, at, items, record, rows, rule_notes, written};

/// The role a `--as` or `--role` names.
pub fn role_of(r: RoleArg) -> crate::conn::Role {
    use crate::conn::Role;
    match r {
        RoleArg::SocialWorker => Role::SocialWorker,
        RoleArg::ProviderUser => Role::ProviderUser,
        RoleArg::CountyAdmin => Role::CountyAdmin,
        RoleArg::FinanceSystem => Role::FinanceSystem,
        RoleArg::Auditor => Role::Auditor,
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

fn format_of(f: FormatArg) -> bpb::ExportFormat {
    match f {
        FormatArg::Finvoice => bpb::ExportFormat::Finvoice30,
        FormatArg::Ubl => bpb::ExportFormat::PeppolBis30,
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
            let token = dev.mint(
                role_of(a.role).as_str(),
                a.provider.as_deref(),
                a.subject.as_deref(),
                a.ttl,
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
        Command::Provider(c) => provider(p, out, c).await?,
        Command::Client(c) => client(p, out, c).await?,
        Command::Voucher(c) => voucher(p, out, c).await?,
        Command::Session(c) => session(p, out, c).await?,
        Command::Absence(c) => absence(p, out, c).await?,
        Command::Report(c) => report(p, out, c).await?,
        Command::Invoice(c) => invoice(p, out, c).await?,
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

async fn provider(p: &Platform, out: Out, c: ProviderCmd) -> anyhow::Result<()> {
    let show = |x: &ppb::Provider| out.record(x, output::PROVIDER);
    match c {
        ProviderCmd::Register {
            name,
            business_id,
            legal_form,
            municipality,
            at,
            offers,
        } => {
            let spec = actions::ProviderSpec {
                name,
                business_id,
                legal_form: match legal_form {
                    LegalFormArg::Company => ppb::LegalForm::Company,
                    LegalFormArg::Association => ppb::LegalForm::Association,
                    LegalFormArg::Foundation => ppb::LegalForm::Foundation,
                    LegalFormArg::Cooperative => ppb::LegalForm::Cooperative,
                },
                municipality,
                at,
                offerings: offers,
            };
            show(&actions::register_provider(p, &spec).await?)
        }
        ProviderCmd::Approve { id } => show(&actions::approve_provider(p, &id).await?),
        ProviderCmd::Get { id } => show(&actions::get_provider(p, &id).await?),
        ProviderCmd::List => out.rows(&actions::list_providers(p).await?, output::PROVIDER),
    }
}

async fn client(p: &Platform, out: Out, c: ClientCmd) -> anyhow::Result<()> {
    match c {
        ClientCmd::Add {
            name,
            identity_code,
            municipality,
            at,
            phone,
        } => {
            let client = actions::add_client(
                p,
                vpb::ClientDetails {
                    identity_code,
                    name,
                    home_municipality: municipality,
                    home_coordinates: Some(seteli_api::common::v1::Coordinates {
                        latitude: at.0,
                        longitude: at.1,
                    }),
                    contact: Some(vpb::ClientContact {
                        phone,
                        ..Default::default()
                    }),
                },
            )
            .await?;
            out.record(&client, output::CLIENT)
        }
        ClientCmd::List => out.rows(&actions::list_clients(p).await?, output::CLIENT),
    }
}

async fn voucher(p: &Platform, out: Out, c: VoucherCmd) -> anyhow::Result<()> {
    let show = |x: &vpb::Voucher| out.record(x, output::VOUCHER);
    match c {
        VoucherCmd::Issue {
            client,
            service,
            from,
            until,
            months,
            units,
            plan,
            assessment,
            distance_exemption,
        } => {
            let from = from.unwrap_or_else(today);
            let until = until.unwrap_or_else(|| seteli_rules::terms::validity_end(from, months));
            let mut decision =
                actions::decision(&client, service, (from, until), units, &plan, &assessment);
            decision.distance_exemption =
                distance_exemption.map(|reason| vpb::DistanceExemption { reason });
            let v = actions::issue_voucher(p, decision).await?;
            show(&v)
        }
        VoucherCmd::Choose {
            id,
            provider,
            agreed_start,
        } => show(&actions::choose_provider(p, &id, &provider, agreed_start).await?),
        VoucherCmd::Accept {
            id,
            provider,
            coach,
            steward_notified,
        } => show(&actions::accept_voucher(p, &provider, &id, &coach, steward_notified).await?),
        VoucherCmd::Decline {
            id,
            provider,
            reason_kind,
            reason,
        } => {
            let kind = decline_reason_of(reason_kind);
            show(&actions::decline_voucher(p, &provider, &id, kind, &reason).await?)
        }
        VoucherCmd::Interrupt {
            id,
            provider,
            reason_kind,
            reason,
            on,
        } => {
            let (kind, on) = (end_reason_of(reason_kind), on.unwrap_or_else(today));
            let v = actions::interrupt_voucher(p, provider.as_deref(), &id, kind, &reason, on);
            show(&v.await?)
        }
        VoucherCmd::Cancel {
            id,
            reason_kind,
            reason,
        } => show(&actions::cancel_voucher(p, &id, end_reason_of(reason_kind), &reason).await?),
        VoucherCmd::Get { id } => show(&actions::get_voucher(p, &id).await?),
        VoucherCmd::List { client, provider } => out.rows(
            &actions::list_vouchers(p, client.as_deref(), provider.as_deref()).await?,
            output::VOUCHER,
        ),
    }
}

async fn session(p: &Platform, out: Out, c: SessionCmd) -> anyhow::Result<()> {
    match c {
        SessionCmd::Record {
            day:
                RecordedDay {
                    voucher,
                    provider,
                    date: on,
                },
            start,
            end,
            hours,
            participants,
            coach,
            notes,
            replaces,
        } => {
            let clock =
                |t: Option<(i32, i32)>| t.map(|(hours, minutes)| apb::ClockTime { hours, minutes });
            let details = apb::SessionDetails {
                date: date(on),
                start_time: clock(start),
                end_time: clock(end),
                hours: hours.map(|h| apb::Units {
                    hundredths: actions::hundredths(h),
                }),
                modality: apb::Modality::OnSite as i32,
                coach,
                notes,
                participants,
                ..Default::default()
            };
            let r = actions::record_session(p, &provider, &voucher, details, replaces.as_deref())
                .await?;
            out.print(&r, |v| {
                record(at(v, "session"), output::SESSION) + &rule_notes(v, "warnings", "warning")
            })
        }
        SessionCmd::Cancel {
            id,
            provider,
            by,
            on,
            substitute_unsuitable,
            client_told,
            replacement,
            documentation,
        } => {
            let s = actions::cancel_session(
                p,
                &provider,
                &id,
                apb::Cancellation {
                    by: match by {
                        ByArg::Client => apb::CancelledBy::Client,
                        ByArg::Provider => apb::CancelledBy::Provider,
                    } as i32,
                    cancelled_on: on.and_then(date),
                    substitute_unsuitable,
                    client_told_on: client_told.and_then(date),
                    replacement_session_id: replacement,
                    documentation,
                },
            )
            .await?;
            out.record(&s, output::SESSION)
        }
        SessionCmd::List { voucher } => {
            out.rows(&actions::list_sessions(p, &voucher).await?, output::SESSION)
        }
    }
}

async fn absence(p: &Platform, out: Out, c: AbsenceCmd) -> anyhow::Result<()> {
    match c {
        AbsenceCmd::Record {
            day:
                RecordedDay {
                    voucher,
                    provider,
                    date: on,
                },
            reason,
            not_arranged,
            certificate,
            notes,
        } => {
            let reason = reason.map(|r| match r {
                ReasonArg::OwnIllness => apb::AbsenceReason::OwnIllness,
                ReasonArg::ChildIllness => apb::AbsenceReason::ChildIllness,
                ReasonArg::JobInterview => apb::AbsenceReason::JobInterview,
                ReasonArg::PublicOffice => apb::AbsenceReason::PublicOffice,
                ReasonArg::Other => apb::AbsenceReason::Other,
            });
            let r = actions::record_absence(
                p,
                &provider,
                apb::RecordAbsenceRequest {
                    voucher_id: voucher,
                    date: date(on),
                    kind: if not_arranged {
                        apb::AbsenceKind::NotArranged
                    } else {
                        apb::AbsenceKind::Absent
                    } as i32,
                    reason: reason.map(|r| r as i32).unwrap_or_default(),
                    notes,
                    certificate_delivered: certificate,
                    ..Default::default()
                },
            )
            .await?;
            out.print(&r, |v| {
                record(at(v, "absence"), output::ABSENCE) + &rule_notes(v, "alerts", "alert")
            })
        }
        AbsenceCmd::List { voucher } => {
            out.rows(&actions::list_absences(p, &voucher).await?, output::ABSENCE)
        }
    }
}

async fn report(p: &Platform, out: Out, c: ReportCmd) -> anyhow::Result<()> {
    let show = |x: &rpb::Report| out.record(x, output::REPORT);
    match c {
        ReportCmd::List { provider, status } => {
            let status = match status {
                None => rpb::ObligationStatus::Unspecified,
                Some(StatusArg::Due) => rpb::ObligationStatus::Due,
                Some(StatusArg::Overdue) => rpb::ObligationStatus::Overdue,
                Some(StatusArg::Submitted) => rpb::ObligationStatus::Submitted,
            };
            out.rows(
                &actions::list_obligations(p, provider.as_deref(), status).await?,
                output::OBLIGATION,
            )
        }
        ReportCmd::Get { id } => show(&actions::get_report(p, &id).await?),
        ReportCmd::Write {
            id,
            provider,
            goals,
            changes,
            means,
            follow_up,
            notes,
        } => {
            let r = actions::save_report(
                p,
                &provider,
                &id,
                rpb::ReportSections {
                    goals_and_attainment: goals,
                    changes,
                    means_with_examples: means,
                    follow_up_plan: follow_up,
                    notes,
                },
            )
            .await?;
            show(&r)
        }
        ReportCmd::Submit { id, provider } => {
            show(&actions::submit_report(p, &provider, &id).await?)
        }
        ReportCmd::Pdf {
            id,
            provider,
            out: file,
        } => {
            let pdf = actions::report_pdf(p, provider.as_deref(), &id).await?;
            let path = match file {
                Some(f) => {
                    let dir = f
                        .parent()
                        .map(std::path::Path::to_path_buf)
                        .unwrap_or_default();
                    let name = f.file_name().map(|n| n.to_string_lossy().into_owned());
                    actions::write_file(&dir, &name.unwrap_or(pdf.file_name.clone()), &pdf.content)?
                }
                None => {
                    actions::write_file(std::path::Path::new("."), &pdf.file_name, &pdf.content)?
                }
            };
            written(out, &path, pdf.content.len(), &pdf.content_type)
        }
    }
}

async fn invoice(p: &Platform, out: Out, c: InvoiceCmd) -> anyhow::Result<()> {
    let show = |x: &bpb::Invoice| out.record(x, output::INVOICE);
    match c {
        InvoiceCmd::Generate {
            provider,
            month: (year, month),
            county,
        } => {
            let r = actions::generate_invoice(p, &provider, year, month, county).await?;
            out.print(&r, |v| {
                let mut s = record(at(v, "invoice"), output::INVOICE);
                if !at(v, "credit_note").is_null()
                    && !at(v, "credit_note.id").as_str().unwrap_or("").is_empty()
                {
                    s.push_str("\ncredit note:\n");
                    s.push_str(&record(at(v, "credit_note"), output::INVOICE));
                }
                s
            })
        }
        InvoiceCmd::Submit { id, provider } => {
            show(&actions::submit_invoice(p, &provider, &id).await?)
        }
        InvoiceCmd::Approve { id } => show(&actions::approve_invoice(p, &id).await?),
        InvoiceCmd::Get { id } => {
            let i = actions::get_invoice(p, &id).await?;
            out.print(&i, |v| {
                let mut s = record(v, output::INVOICE);
                s.push('\n');
                s.push_str(&rows(
                    &items(v, "lines"),
                    &[
                        ("line", "line_number", output::Fmt::Text),
                        ("voucher", "voucher_number", output::Fmt::Text),
                        (
                            "service",
                            "service_type",
                            output::Fmt::Enum("SERVICE_TYPE_"),
                        ),
                        ("realised", "realised_units", output::Fmt::Units),
                        ("no-show", "no_show_units", output::Fmt::Units),
                        ("unit price", "unit_price", output::Fmt::Money),
                        ("amount", "amount", output::Fmt::Money),
                    ],
                ));
                s
            })
        }
        InvoiceCmd::List { provider } => out.rows(
            &actions::list_invoices(p, provider.as_deref()).await?,
            output::INVOICE,
        ),
        InvoiceCmd::Pull {
            out: dir,
            formats,
            no_ack,
        } => {
            let formats: Vec<bpb::ExportFormat> = if formats.is_empty() {
                vec![
                    bpb::ExportFormat::Finvoice30,
                    bpb::ExportFormat::PeppolBis30,
                ]
            } else {
                formats.into_iter().map(format_of).collect()
            };
            let bar = spinner("pulling approved invoices", out.json);
            let pulled = actions::pull_invoices(p, &formats, &dir, !no_ack, |i| {
                bar.inc(1);
                bar.set_message(format!("pulled {}", i.invoice_number));
            })
            .await?;
            bar.finish_and_clear();
            let v = Value::Array(
                pulled
                    .iter()
                    .map(|x| {
                        serde_json::json!({
                            "invoice_id": x.invoice.id,
                            "invoice_number": x.invoice.invoice_number,
                            "total_cents": x.invoice.total.as_ref().map(|m| m.cents).unwrap_or_default(),
                            "files": x.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
                            "acknowledged": x.ack.map(|a| a.as_str_name()),
                        })
                    })
                    .collect(),
            );
            out.print_value(&v, |v| {
                format!(
                    "{}\n{} invoice(s) written to {}",
                    rows(
                        v.as_array().map(Vec::as_slice).unwrap_or_default(),
                        &[
                            ("invoice", "invoice_number", output::Fmt::Text),
                            ("files", "files", output::Fmt::Text),
                            (
                                "acknowledged",
                                "acknowledged",
                                output::Fmt::Enum("ACK_OUTCOME_")
                            ),
                        ],
                    ),
                    pulled.len(),
                    dir.display()
                )
            })
        }
        InvoiceCmd::Export {
            id,
            format,
            out: file,
        } => {
            let doc = actions::export_invoice(p, &id, format_of(format)).await?;
            if let Some(parent) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&file, &doc.content)
                .with_context(|| format!("writing {}", file.display()))?;
            written(out, &file, doc.content.len(), &doc.content_type)
        }
    }
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
