//! The command line: `seteli <noun> <verb> [options]`. The root here (the options every
//! command takes, the commands); each noun's verbs and options in a child: `providers`,
//! `vouchers` (clients and vouchers), `records` (sessions and absences), `reports` (reports and
//! invoices); Kela's notices in [`crate::kela`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod providers;
mod records;
mod reports;
mod vouchers;

pub use crate::kela::KelaCmd;
use crate::values::parse_date;
pub use providers::{LegalFormArg, ProviderCmd, RegisterArgs};
pub use records::{
    AbsenceCmd, AlertCmd, ByArg, ModalityArg, ReasonArg, RecordedDay, SessionCmd, SessionKindArg,
};
pub use reports::{FormatArg, InvoiceCmd, NoticeCmd, ReportCmd, StatusArg};
pub use vouchers::{BenefitArg, ClientCmd, DeclineReasonArg, EndReasonArg, IssueArgs, VoucherCmd};

/// The command-line client of Seteli, the service-voucher platform.
///
/// Every command calls the services' public gRPC APIs. Without --token, each call carries a dev
/// token of the role that takes the step (minted from the dev key that `make run` creates);
/// with --token (or SETELI_TOKEN), every call carries that token. Errors name the rules that
/// said no, with the Finnish message.
#[derive(Debug, Parser)]
#[command(name = "seteli", version, propagate_version = true)]
pub struct Cli {
    /// Options of every command.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Clone, Args)]
pub struct Global {
    /// Print JSON (the protobuf JSON mapping: field names as in the .proto, enums by name,
    /// 64-bit integers as strings) instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// Print only the id of what the command made or read (one per line for a list; a file's
    /// path for a file written): for scripts, `V=$(seteli --id voucher issue …)`.
    #[arg(long = "id", short = 'q', global = true, conflicts_with = "json")]
    pub id_only: bool,
    /// Call with this bearer token; unset: a dev token of each step's role is minted.
    #[arg(long, env = "SETELI_TOKEN", global = true, hide_env_values = true)]
    pub token: Option<String>,
    /// Mint dev tokens as this role instead of each step's own (to see what a role may not do).
    #[arg(long = "as", value_enum, global = true)]
    pub as_role: Option<RoleArg>,
    /// The dev signing key's folder (signing-key.pem, jwks.json), as `make run` makes it.
    #[arg(
        long,
        env = "SETELI_DEV_KEYS",
        default_value = "deploy/dev-keys",
        global = true
    )]
    pub keys: PathBuf,
    /// The provider registry.
    #[arg(
        long,
        env = "SETELI_PROVIDERS_URL",
        default_value = "http://127.0.0.1:50051",
        global = true
    )]
    pub providers_url: String,
    /// The voucher service.
    #[arg(
        long,
        env = "SETELI_VOUCHERS_URL",
        default_value = "http://127.0.0.1:50052",
        global = true
    )]
    pub vouchers_url: String,
    /// The attendance service.
    #[arg(
        long,
        env = "SETELI_ATTENDANCE_URL",
        default_value = "http://127.0.0.1:50053",
        global = true
    )]
    pub attendance_url: String,
    /// The reporting service.
    #[arg(
        long,
        env = "SETELI_REPORTING_URL",
        default_value = "http://127.0.0.1:50054",
        global = true
    )]
    pub reporting_url: String,
    /// The billing service.
    #[arg(
        long,
        env = "SETELI_BILLING_URL",
        default_value = "http://127.0.0.1:50055",
        global = true
    )]
    pub billing_url: String,
}

/// A role of the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum RoleArg {
    /// A county social worker.
    SocialWorker,
    /// A user of one provider (needs --provider).
    ProviderUser,
    /// A county administrator.
    CountyAdmin,
    /// The county's financial system.
    FinanceSystem,
    /// An auditor.
    Auditor,
    /// A voucher holder, strongly identified (needs --identity-code; only `seteli token`).
    Client,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Mint a dev token (signed with the dev key; never valid in production).
    Token(TokenArgs),
    /// Ask every service's health (grpc.health.v1).
    Health {
        /// Wait up to this many seconds for every service to serve.
        #[arg(long, default_value_t = 0)]
        wait: u64,
    },
    /// The provider registry: register (or resume a draft), submit, discard, approve, read.
    #[command(subcommand)]
    Provider(ProviderCmd),
    /// Clients: add, list.
    #[command(subcommand)]
    Client(ClientCmd),
    /// Vouchers: issue, choose a provider, accept or decline, interrupt, cancel, read.
    #[command(subcommand)]
    Voucher(VoucherCmd),
    /// Sessions: record, cancel (client, no-show, provider), list.
    #[command(subcommand)]
    Session(SessionCmd),
    /// Absences (Kela's absence information): record, list.
    #[command(subcommand)]
    Absence(AbsenceCmd),
    /// Attendance's alerts: list.
    #[command(subcommand)]
    Alert(AlertCmd),
    /// Reports: list obligations, write, submit, read.
    #[command(subcommand)]
    Report(ReportCmd),
    /// Notices to social workers: list.
    #[command(subcommand)]
    Notice(NoticeCmd),
    /// Kela's absence notices (ABS-KELA): list, print, mark sent.
    #[command(subcommand)]
    Kela(KelaCmd),
    /// Invoices: generate, submit, approve, pull as the financial system, export.
    #[command(subcommand)]
    Invoice(InvoiceCmd),
    /// Walk one realistic month of the journey against the running platform (`make demo`).
    Demo(DemoArgs),
    /// Print a made-up, valid value to try things with: a Y-tunnus, an identity code.
    #[command(subcommand)]
    Example(ExampleCmd),
    /// Print shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// `seteli token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The role.
    #[arg(long, value_enum)]
    pub role: RoleArg,
    /// The provider of a provider_user.
    #[arg(long)]
    pub provider: Option<String>,
    /// The identity code (henkilötunnus) of a client, carried in the claim `hetu` (the
    /// services' default SETELI_JWT_IDENTITY_CODE_CLAIM); `seteli example identity-code` makes one.
    #[arg(long, value_name = "HETU")]
    pub identity_code: Option<String>,
    /// The token's subject (default dev-<role>; a client's dev-client-<identity code>).
    #[arg(long)]
    pub subject: Option<String>,
    /// Validity in seconds.
    #[arg(long, default_value_t = 8 * 3600)]
    pub ttl: i64,
}

/// `seteli demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where the report PDFs, Kela notices and e-invoices go.
    #[arg(long, default_value = "data/demo")]
    pub out: PathBuf,
    /// How long to wait for a feed between services, in seconds.
    #[arg(long, default_value_t = 60)]
    pub wait: u64,
}

/// `seteli example …`: made-up values that pass the checks, fresh each time.
#[derive(Debug, Subcommand)]
pub enum ExampleCmd {
    /// A valid Y-tunnus (business id) nobody was given, drawn at random.
    BusinessId,
    /// A valid henkilötunnus (identity code) of a made-up person, its individual number drawn
    /// at random (never a temporary one).
    IdentityCode {
        /// The person's day of birth.
        #[arg(long, value_parser = parse_date, default_value = "1990-05-05")]
        born: chrono::NaiveDate,
    },
}
