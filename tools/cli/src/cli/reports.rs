//! `seteli report …`, `seteli notice …` and `seteli invoice …`: reports and their PDFs, the
//! notices social workers are told, invoices and the financial system's pull.

use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};

use crate::values::parse_month;

/// An obligation status.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StatusArg {
    /// Not submitted, not yet due.
    Due,
    /// Not submitted, past its due date.
    Overdue,
    /// Submitted.
    Submitted,
}

/// `seteli report …`.
#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// Report obligations (a provider's, as its user; or every one, as the county).
    List {
        /// Only this provider's, as its user.
        #[arg(long)]
        provider: Option<String>,
        /// Only in this status.
        #[arg(long, value_enum)]
        status: Option<StatusArg>,
        /// Ask again until the list holds something, for up to this many seconds: what one
        /// service derives from another's change reaches it within a second or so.
        #[arg(long, value_name = "SECONDS", default_value_t = 0)]
        wait: u64,
    },
    /// One report (its id is `<voucher id>/<rule>`).
    Get {
        /// The report id.
        id: String,
    },
    /// Write (save a draft of) a report as the provider's user.
    Write {
        /// The report id.
        id: String,
        /// The provider whose user writes.
        #[arg(long)]
        provider: String,
        /// The goals and how they were met.
        #[arg(long, default_value = "")]
        goals: String,
        /// The changes during the service.
        #[arg(long, default_value = "")]
        changes: String,
        /// The means used, with examples.
        #[arg(long, default_value = "")]
        means: String,
        /// A realistic follow-up plan.
        #[arg(long, default_value = "")]
        follow_up: String,
        /// Anything else (an interim report's free text).
        #[arg(long, default_value = "")]
        notes: String,
    },
    /// Submit a report to the social worker as the provider's user.
    Submit {
        /// The report id.
        id: String,
        /// The provider whose user submits.
        #[arg(long)]
        provider: String,
    },
    /// Fetch a report's printable PDF (REP-DELIVERY): as the provider's user, or without
    /// --provider as the voucher's social worker.
    Pdf {
        /// The report id.
        id: String,
        /// The voucher's provider, whose user fetches it.
        #[arg(long)]
        provider: Option<String>,
        /// The file to write (default: the service's file name in the current folder).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// An e-invoice format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Finvoice 3.0.
    Finvoice,
    /// Peppol BIS Billing 3.0 UBL.
    Ubl,
}

/// `seteli invoice …`.
#[derive(Debug, Subcommand)]
pub enum InvoiceCmd {
    /// Generate a provider's invoice of a closed month (as its user; --county: as the county).
    Generate {
        /// The provider.
        #[arg(long)]
        provider: String,
        /// The month, YYYY-MM.
        #[arg(long, value_parser = parse_month)]
        month: (i32, u32),
        /// Generate as a county administrator.
        #[arg(long)]
        county: bool,
    },
    /// Submit an invoice for approval as the provider's user.
    Submit {
        /// The invoice id.
        id: String,
        /// The provider whose user submits.
        #[arg(long)]
        provider: String,
    },
    /// Approve a submitted invoice (county admin).
    Approve {
        /// The invoice id.
        id: String,
    },
    /// One invoice with its lines.
    Get {
        /// The invoice id.
        id: String,
    },
    /// Invoices, of a provider or every one.
    List {
        /// Only this provider's.
        #[arg(long)]
        provider: Option<String>,
    },
    /// As the financial system: pull the approved invoices, write their e-invoices, acknowledge.
    Pull {
        /// Where the files go.
        #[arg(long, default_value = "data/invoices")]
        out: PathBuf,
        /// The formats to write (default both).
        #[arg(long = "format", value_enum)]
        formats: Vec<FormatArg>,
        /// Do not acknowledge (they come again in the next pull).
        #[arg(long)]
        no_ack: bool,
    },
    /// Write one invoice as an e-invoice (county admin).
    Export {
        /// The invoice id.
        id: String,
        /// The format.
        #[arg(long, value_enum)]
        format: FormatArg,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
    },
}

/// `seteli notice …`.
#[derive(Debug, Subcommand)]
pub enum NoticeCmd {
    /// The notices social workers are told (a sick certificate, repeated no-shows, a prolonged
    /// absence, an interruption), with the voucher number and the client's name: a provider's,
    /// as its user; or every one, as the county.
    List {
        /// Only this provider's, as its user.
        #[arg(long)]
        provider: Option<String>,
        /// Only this voucher's.
        #[arg(long)]
        voucher: Option<String>,
        /// Only those not acknowledged yet.
        #[arg(long)]
        open: bool,
        /// Ask again until the list holds something, for up to this many seconds: what one
        /// service derives from another's change reaches it within a second or so.
        #[arg(long, value_name = "SECONDS", default_value_t = 0)]
        wait: u64,
    },
}
