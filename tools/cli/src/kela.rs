//! `seteli kela …`: Kela's absence notices (ABS-KELA, TT3) from the command line — the list
//! (with each notice's voucher number and client's name, overdue ones marked), a notice's PDF
//! written to the file named, and marking one sent (MarkKelaNoticeSent) as the provider's
//! user who sent it.
//!
//! A notice is named by its id as the list shows it, `<voucher id>/<first day of the period>`
//! (a voucher id with `--day` also does). Without `--provider` the notice's provider is looked
//! up (as a county administrator) where a provider's user must act: marking sent.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use chrono::NaiveDate;
use clap::{Subcommand, ValueEnum};
use serde_json::Value;
use seteli_api::reporting::v1 as rpb;

use crate::actions;
use crate::conn::Platform;
use crate::output::{self, Fmt, Out, written};
use crate::values::parse_date;

/// `seteli kela …`.
#[derive(Debug, Subcommand)]
pub enum KelaCmd {
    /// Kela absence notices due and sent, by due date, with the voucher number and client's
    /// name; overdue ones marked `!` (a provider's, as its user; or every one, as the county).
    List {
        /// Only this provider's, as its user.
        #[arg(long)]
        provider: Option<String>,
        /// Only this voucher's.
        #[arg(long)]
        voucher: Option<String>,
        /// Only in this status.
        #[arg(long, value_enum)]
        status: Option<KelaStatusArg>,
        /// Ask again until the list holds something, for up to this many seconds: reporting
        /// learns that a service started (its first session) within a second or two.
        #[arg(long, value_name = "SECONDS", default_value_t = 0)]
        wait: u64,
    },
    /// Write a notice as a PDF (TT3) to the file --out names.
    Pdf {
        /// The notice, `<voucher id>/<first day>` as `kela list` shows it (or a voucher id
        /// with --day).
        id: String,
        /// Any day of the period, when the id is a voucher's.
        #[arg(long, value_parser = parse_date)]
        day: Option<NaiveDate>,
        /// The voucher's provider, whose user fetches it (default: the county).
        #[arg(long)]
        provider: Option<String>,
        /// The file to write (a folder: the service's file name in it; default: the service's
        /// file name in the current folder).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace the file if it exists already (else refused).
        #[arg(long)]
        force: bool,
    },
    /// Mark a notice sent to Kela, as the provider's user (MarkKelaNoticeSent); sent after its
    /// due date it is marked late (ABS-KELA).
    MarkSent {
        /// The notice, `<voucher id>/<first day>` as `kela list` shows it (or a voucher id
        /// with --day).
        id: String,
        /// Any day of the period, when the id is a voucher's.
        #[arg(long, value_parser = parse_date)]
        day: Option<NaiveDate>,
        /// The voucher's provider, whose user marks it (default: looked up).
        #[arg(long)]
        provider: Option<String>,
        /// The day it was sent (default today); an earlier day needs --backdated-reason.
        #[arg(long, value_parser = parse_date)]
        sent_on: Option<NaiveDate>,
        /// Why it is marked on a later day than it was sent (required with an earlier
        /// --sent-on; the notice shows it and the audit log keeps it).
        #[arg(long, default_value = "")]
        backdated_reason: String,
    },
}

/// Where a Kela notice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KelaStatusArg {
    /// Not sent, not yet due.
    Due,
    /// Not sent, past its due date.
    Overdue,
    /// Sent.
    Sent,
}

/// The notice `id` names: its voucher and a day of its period.
pub fn notice_of(id: &str, day: Option<NaiveDate>) -> anyhow::Result<(String, NaiveDate)> {
    let id = id.trim();
    if let Some((voucher, first)) = id.rsplit_once('/') {
        let first =
            parse_date(first).map_err(|e| anyhow::anyhow!("{id}: the notice's first day: {e}"))?;
        anyhow::ensure!(!voucher.is_empty(), "{id}: no voucher before the '/'");
        return Ok((voucher.to_owned(), day.unwrap_or(first)));
    }
    let day = day.with_context(|| {
        format!("{id}: a notice id is <voucher id>/<YYYY-MM-DD> (or give a voucher id and --day)")
    })?;
    Ok((id.to_owned(), day))
}

/// Runs a `seteli kela` command.
pub async fn run(p: &Platform, out: Out, c: KelaCmd) -> anyhow::Result<()> {
    match c {
        KelaCmd::List {
            provider,
            voucher,
            status,
            wait,
        } => {
            let filter = (provider.as_deref(), voucher.as_deref(), status);
            list(p, out, filter, wait).await
        }
        KelaCmd::Pdf {
            id,
            day,
            provider,
            out: file,
            force,
        } => {
            let (voucher, day) = notice_of(&id, day)?;
            let pdf = actions::kela_notice_pdf(p, provider.as_deref(), &voucher, day).await?;
            let path = target(file.as_deref(), &pdf.file_name);
            write_new(&path, &pdf.content, force)?;
            written(out, &path, pdf.content.len(), &pdf.content_type)
        }
        KelaCmd::MarkSent {
            id,
            day,
            provider,
            sent_on,
            backdated_reason,
        } => {
            let (voucher, day) = notice_of(&id, day)?;
            let provider = match provider {
                Some(p) => p,
                None => provider_of(p, &voucher).await?,
            };
            let notice = actions::mark_kela_notice_sent(
                p,
                &provider,
                (&voucher, day),
                sent_on,
                &backdated_reason,
            )
            .await?;
            out.record(&notice, COLUMNS)
        }
    }
}

/// A notice's columns.
const COLUMNS: &[output::Column] = &[
    ("id", "id", Fmt::Text),
    ("from", "period_from", Fmt::Date),
    ("until", "period_until", Fmt::Date),
    ("due", "due_on", Fmt::Date),
    ("status", "status", Fmt::Enum("KELA_NOTICE_STATUS_")),
    ("sent", "sent_on", Fmt::Date),
    ("late", "late", Fmt::Text),
    ("back-dated because", "backdated_reason", Fmt::Text),
];

/// `kela list`: each notice with its voucher's number and client's name, overdue ones marked.
async fn list(
    p: &Platform,
    out: Out,
    (provider, voucher, status): (Option<&str>, Option<&str>, Option<KelaStatusArg>),
    wait: u64,
) -> anyhow::Result<()> {
    let status = match status {
        None => rpb::KelaNoticeStatus::Unspecified,
        Some(KelaStatusArg::Due) => rpb::KelaNoticeStatus::Due,
        Some(KelaStatusArg::Overdue) => rpb::KelaNoticeStatus::Overdue,
        Some(KelaStatusArg::Sent) => rpb::KelaNoticeStatus::Sent,
    };
    let fetch = || actions::list_kela_notices(p, provider, voucher, status);
    let all = actions::listed(wait, fetch, |l| l.notices.is_empty()).await?;
    let mut names = crate::names::Vouchers::new(p, provider);
    let mut notices = Vec::new();
    for n in &all.notices {
        let mut item = output::json_of(n, <rpb::KelaNoticeSummary as output::Proto>::NAME)?;
        let overdue = n.status == rpb::KelaNoticeStatus::Overdue as i32;
        if let Value::Object(fields) = &mut item {
            fields.insert("overdue".into(), overdue.into());
            fields.insert("mark".into(), if overdue { "!" } else { "" }.into());
        }
        notices.push(item);
    }
    let unnamed = names.name(&mut notices).await?;
    let overdue = all
        .notices
        .iter()
        .filter(|n| n.status == rpb::KelaNoticeStatus::Overdue as i32)
        .count();
    let v = serde_json::json!({ "notices": notices, "overdue": overdue });
    out.print_value(&v, |v| {
        let table = output::rows(
            &output::items(v, "notices"),
            &[
                ("!", "mark", Fmt::Text),
                ("id", "id", Fmt::Text),
                ("voucher", "voucher_number", Fmt::Text),
                ("client", "client_name", Fmt::Text),
                ("from", "period_from", Fmt::Date),
                ("until", "period_until", Fmt::Date),
                ("due", "due_on", Fmt::Date),
                ("status", "status", Fmt::Enum("KELA_NOTICE_STATUS_")),
                ("sent", "sent_on", Fmt::Date),
                ("late", "late", Fmt::Text),
            ],
        );
        let note = crate::names::unnamed_note(unnamed);
        format!("{table}\n{overdue} overdue (!): to Kela without delay{note}")
    })
}

/// The provider of voucher `voucher`'s notices, as the county lists them.
async fn provider_of(p: &Platform, voucher: &str) -> anyhow::Result<String> {
    let listed =
        actions::list_kela_notices(p, None, Some(voucher), rpb::KelaNoticeStatus::Unspecified)
            .await?;
    listed
        .notices
        .into_iter()
        .map(|n| n.provider_id)
        .find(|id| !id.is_empty())
        .with_context(|| format!("voucher {voucher} has no Kela notices: name --provider"))
}

/// Where the PDF goes: the file `out` names, the service's `file_name` in the folder `out`
/// names, or in the current folder without `out`. Only the last part of the service's name is
/// used: a name from a service never leaves the folder.
fn target(out: Option<&Path>, file_name: &str) -> PathBuf {
    let name = Path::new(file_name)
        .file_name()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("kela-tt3.pdf"));
    match out {
        Some(dir) if dir.is_dir() => dir.join(name),
        Some(file) => file.to_path_buf(),
        None => name,
    }
}

/// Writes `content` to `path` (its folder created), refusing to replace a file that exists
/// already unless `force`.
fn write_new(path: &Path, content: &[u8], force: bool) -> anyhow::Result<()> {
    use std::io::Write as _;
    if let Some(parent) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = match options.open(path) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            anyhow::bail!("{} exists already: --force replaces it", path.display())
        }
        other => other.with_context(|| format!("writing {}", path.display()))?,
    };
    file.write_all(content)
        .with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a day")
    }

    #[test]
    fn a_notice_is_named_by_its_id_or_by_a_voucher_and_a_day() {
        assert_eq!(
            notice_of("0190-abc/2026-03-02", None).expect("an id"),
            ("0190-abc".to_owned(), day(2026, 3, 2))
        );
        assert_eq!(
            notice_of("0190-abc", Some(day(2026, 3, 5))).expect("a voucher and a day"),
            ("0190-abc".to_owned(), day(2026, 3, 5))
        );
        assert!(notice_of("0190-abc", None).is_err(), "no day");
        assert!(notice_of("0190-abc/2.3.2026", None).is_err(), "not a date");
        assert!(notice_of("/2026-03-02", None).is_err(), "no voucher");
    }

    #[test]
    fn the_pdf_goes_to_the_file_named_and_replaces_one_only_when_forced() {
        let dir = tempfile_dir();
        let file = dir.join("tt3.pdf");
        assert_eq!(target(Some(&file), "kela-tt3-x.pdf"), file);
        assert_eq!(
            target(Some(&dir), "../kela-tt3-x.pdf"),
            dir.join("kela-tt3-x.pdf")
        );
        assert_eq!(
            target(None, "kela-tt3-x.pdf"),
            PathBuf::from("kela-tt3-x.pdf")
        );
        write_new(&file, b"%PDF-1", false).expect("a new file");
        let again = write_new(&file, b"%PDF-2", false).expect_err("exists");
        assert!(format!("{again}").contains("exists already"), "{again}");
        assert_eq!(std::fs::read(&file).expect("read"), b"%PDF-1");
        write_new(&file, b"%PDF-2", true).expect("forced");
        assert_eq!(std::fs::read(&file).expect("read"), b"%PDF-2");
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    /// A fresh folder under the system's temporary one.
    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("seteli-kela-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("a folder");
        dir
    }
}
