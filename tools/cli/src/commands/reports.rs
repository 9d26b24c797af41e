//! `seteli report …` and `seteli invoice …`: reports (named by their voucher's number and
//! client) and their PDFs, invoices and the financial system's pull.

use anyhow::Context as _;
use serde_json::Value;
use seteli_api::billing::v1 as bpb;
use seteli_api::reporting::v1 as rpb;

use super::{named_rows, spinner};
use crate::actions;
use crate::cli::{FormatArg, InvoiceCmd, NoticeCmd, ReportCmd, StatusArg};
use crate::conn::Platform;
use crate::names;
use crate::output::{self, Out, Proto, at, items, record, rows, written};

fn format_of(f: FormatArg) -> bpb::ExportFormat {
    match f {
        FormatArg::Finvoice => bpb::ExportFormat::Finvoice30,
        FormatArg::Ubl => bpb::ExportFormat::PeppolBis30,
    }
}

/// Runs a `seteli report` command.
pub(super) async fn report(p: &Platform, out: Out, c: ReportCmd) -> anyhow::Result<()> {
    let show =
        async |x: rpb::Report, provider: Option<&str>| named_report(p, out, provider, &x).await;
    match c {
        ReportCmd::List {
            provider,
            status,
            wait,
        } => {
            let status = match status {
                None => rpb::ObligationStatus::Unspecified,
                Some(StatusArg::Due) => rpb::ObligationStatus::Due,
                Some(StatusArg::Overdue) => rpb::ObligationStatus::Overdue,
                Some(StatusArg::Submitted) => rpb::ObligationStatus::Submitted,
            };
            let fetch = || actions::list_obligations(p, provider.as_deref(), status);
            let listed = actions::listed(wait, fetch, |l| l.obligations.is_empty()).await?;
            let provider = (provider.as_deref(), false);
            named_rows(p, out, provider, &listed, output::OBLIGATION).await
        }
        ReportCmd::Get { id } => show(actions::get_report(p, &id).await?, None).await,
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
            show(r, Some(&provider)).await
        }
        ReportCmd::Submit { id, provider } => {
            show(
                actions::submit_report(p, &provider, &id).await?,
                Some(&provider),
            )
            .await
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

/// Runs a `seteli notice` command.
pub(super) async fn notice(p: &Platform, out: Out, c: NoticeCmd) -> anyhow::Result<()> {
    match c {
        NoticeCmd::List {
            provider,
            voucher,
            open,
            wait,
        } => {
            let state = if open {
                rpb::NoticeState::Open
            } else {
                rpb::NoticeState::Unspecified
            };
            let provider = provider.as_deref();
            let fetch = || actions::list_notices(p, provider, voucher.as_deref(), state);
            let listed = actions::listed(wait, fetch, |l| l.notices.is_empty()).await?;
            named_rows(p, out, (provider, false), &listed, output::NOTICE).await
        }
    }
}

/// Prints report `r` as `out` says, with its voucher's number and its client's and provider's
/// names as a user of `provider` (or the county) reads them.
async fn named_report(
    p: &Platform,
    out: Out,
    provider: Option<&str>,
    r: &rpb::Report,
) -> anyhow::Result<()> {
    let mut v = output::json_of(r, <rpb::Report as Proto>::NAME)?;
    let mut obligation = [v["obligation"].take()];
    let unnamed = names::Vouchers::new(p, provider)
        .name(&mut obligation)
        .await?;
    let [obligation] = obligation;
    v["obligation"] = obligation;
    if out.id_only {
        return out.print(r, |_| String::new());
    }
    out.print_value(&v, |v| {
        record(v, output::REPORT) + &names::unnamed_note(unnamed)
    })
}

/// Runs a `seteli invoice` command.
pub(super) async fn invoice(p: &Platform, out: Out, c: InvoiceCmd) -> anyhow::Result<()> {
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
