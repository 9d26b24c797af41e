//! The command line: `seteli <noun> <verb> [options]`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use crate::kela::KelaCmd;
use crate::values::parse_date;

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
    /// Print JSON (field names as in the .proto, enums by name) instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
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
    /// The provider registry: register, approve, read.
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
    /// Reports: list obligations, write, submit, read.
    #[command(subcommand)]
    Report(ReportCmd),
    /// Kela's absence notices (ABS-KELA): list, print, mark sent.
    #[command(subcommand)]
    Kela(KelaCmd),
    /// Invoices: generate, submit, approve, pull as the financial system, export.
    #[command(subcommand)]
    Invoice(InvoiceCmd),
    /// Walk one realistic month of the journey against the running platform (`make demo`).
    Demo(DemoArgs),
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
    /// The token's subject (default dev-<role>).
    #[arg(long)]
    pub subject: Option<String>,
    /// Validity in seconds.
    #[arg(long, default_value_t = 8 * 3600)]
    pub ttl: i64,
}

/// A legal form.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LegalFormArg {
    /// Osakeyhtiö, toiminimi or other company (KTT: individual coaching only).
    Company,
    /// Registered association (yhdistys).
    Association,
    /// Foundation (säätiö).
    Foundation,
    /// Cooperative (osuuskunta).
    Cooperative,
}

/// `seteli provider …`.
#[derive(Debug, Subcommand)]
pub enum ProviderCmd {
    /// Register a provider that meets every approval rule, and submit it (county admin).
    Register {
        /// Official name.
        #[arg(long)]
        name: String,
        /// Y-tunnus, e.g. 0737546-2.
        #[arg(long)]
        business_id: String,
        /// Legal form.
        #[arg(long, value_enum, default_value = "association")]
        legal_form: LegalFormArg,
        /// The site's municipality.
        #[arg(long, default_value = "Kuopio")]
        municipality: String,
        /// The site's coordinates, LAT,LON.
        #[arg(long, default_value = "62.8924,27.6770", value_parser = parse_point)]
        at: (f64, f64),
        /// An offering: SERVICE=EUR[:GROUP SIZE], e.g. KTT_INDIVIDUAL=60.00 or SK_GROUP=30.00:8.
        #[arg(long = "offer", value_parser = parse_offer, required = true)]
        offers: Vec<(seteli_api::common::v1::ServiceType, i64, i32)>,
    },
    /// Approve a submitted provider (county admin).
    Approve {
        /// The provider id.
        id: String,
    },
    /// One provider.
    Get {
        /// The provider id.
        id: String,
    },
    /// Every provider.
    List,
}

/// `seteli client …`.
#[derive(Debug, Subcommand)]
pub enum ClientCmd {
    /// Register a client (social worker).
    Add {
        /// Full name.
        #[arg(long)]
        name: String,
        /// Henkilötunnus, e.g. 050590-123A.
        #[arg(long)]
        identity_code: String,
        /// Home municipality.
        #[arg(long, default_value = "Kuopio")]
        municipality: String,
        /// Home coordinates, LAT,LON.
        #[arg(long, default_value = "62.8924,27.6770", value_parser = parse_point)]
        at: (f64, f64),
        /// Phone number.
        #[arg(long, default_value = "+358 40 765 4321")]
        phone: String,
    },
    /// Every client (identity codes masked).
    List,
}

/// `seteli voucher …`.
#[derive(Debug, Subcommand)]
pub enum VoucherCmd {
    /// Decide a service and issue its voucher (social worker).
    Issue {
        /// The client id.
        #[arg(long)]
        client: String,
        /// The service, e.g. KTT_INDIVIDUAL, SK_GROUP.
        #[arg(long, value_parser = parse_service)]
        service: seteli_api::common::v1::ServiceType,
        /// First valid day (default today); also the decision date.
        #[arg(long, value_parser = parse_date)]
        from: Option<chrono::NaiveDate>,
        /// Last valid day (default: --months after --from).
        #[arg(long, value_parser = parse_date)]
        until: Option<chrono::NaiveDate>,
        /// Validity in months when --until is not given.
        #[arg(long, default_value_t = 3)]
        months: u32,
        /// Granted units (hours or days).
        #[arg(long)]
        units: f64,
        /// KTT: the activation plan's reference (KTT-ELIG-PLAN).
        #[arg(long, default_value = "AS-2026-0042")]
        plan: String,
        /// SK: the service-need assessment's reference (SK-ELIG-NEED).
        #[arg(long, default_value = "PTA-2026-77")]
        assessment: String,
        /// Permit a provider farther than 20 km from the client's home, and why (PROV-DISTANCE:
        /// no provider near, or a special need).
        #[arg(long, value_name = "REASON")]
        distance_exemption: Option<String>,
    },
    /// Record the client's choice of provider (social worker).
    Choose {
        /// The voucher id.
        id: String,
        /// The chosen provider.
        #[arg(long)]
        provider: String,
        /// A start date agreed with the client.
        #[arg(long, value_parser = parse_date)]
        agreed_start: Option<chrono::NaiveDate>,
    },
    /// Accept the voucher as the chosen provider's user, naming the responsible coach.
    Accept {
        /// The voucher id.
        id: String,
        /// The provider whose user accepts.
        #[arg(long)]
        provider: String,
        /// The responsible coach (PROC-COACH).
        #[arg(long, default_value = "Olli Ohjaaja")]
        coach: String,
        /// KTT: when the chief shop steward was notified (KTT-STEWARD).
        #[arg(long, value_parser = parse_date)]
        steward_notified: Option<chrono::NaiveDate>,
    },
    /// Decline the voucher as the chosen provider's user: the choice is cleared, the voucher
    /// goes back to the client.
    Decline {
        /// The voucher id.
        id: String,
        /// The provider whose user declines.
        #[arg(long)]
        provider: String,
        /// Why, as a code: all the services that follow vouchers learn of it.
        #[arg(long, value_enum)]
        reason_kind: DeclineReasonArg,
        /// Why, in your own words: read only by those who may see the client.
        #[arg(long)]
        reason: String,
    },
    /// Interrupt the service (PROC-INTERRUPT) as the social worker, or with --provider as the
    /// provider's user; the social worker gets a notice naming the reason's code.
    Interrupt {
        /// The voucher id.
        id: String,
        /// Interrupt as this provider's user instead of the social worker.
        #[arg(long)]
        provider: Option<String>,
        /// Why, as a code: all the services that follow vouchers learn of it.
        #[arg(long, value_enum)]
        reason_kind: EndReasonArg,
        /// Why, in your own words: read only by those who may see the client.
        #[arg(long)]
        reason: String,
        /// The day the service stopped (default today).
        #[arg(long, value_parser = parse_date)]
        on: Option<chrono::NaiveDate>,
    },
    /// Cancel the voucher before the service starts (social worker).
    Cancel {
        /// The voucher id.
        id: String,
        /// Why, as a code: all the services that follow vouchers learn of it.
        #[arg(long, value_enum)]
        reason_kind: EndReasonArg,
        /// Why, in your own words: read only by those who may see the client.
        #[arg(long)]
        reason: String,
    },
    /// One voucher, by id or number (PS-…).
    Get {
        /// Voucher id or number.
        id: String,
    },
    /// Vouchers, of a client or a provider.
    List {
        /// Only this client's.
        #[arg(long)]
        client: Option<String>,
        /// Only this provider's.
        #[arg(long)]
        provider: Option<String>,
    },
}

/// Why a service ended before its time: an interruption or a cancellation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EndReasonArg {
    /// The client's state of health (asiakkaan terveydentila).
    ClientHealth,
    /// The client moved away (muutto).
    ClientMoved,
    /// The client found work or began studies (työllistyminen tai opiskelu).
    ClientEmployedOrStudying,
    /// The client chose to stop or not to start (asiakas keskeytti tai perui).
    ClientWithdrew,
    /// The client does not take part or cannot be reached (ei osallistu tai ole tavoitettavissa).
    ClientNotAttending,
    /// The service does not suit the client (palvelu ei sovellu).
    ServiceNotSuitable,
    /// The client moves to another service or benefit (siirtyminen muuhun palveluun).
    OtherService,
    /// No suitable provider could take the client (sopivaa palveluntuottajaa ei löytynyt).
    NoSuitableProvider,
    /// The provider cannot continue (palveluntuottaja ei voi jatkaa).
    ProviderCannotContinue,
    /// The service decision was changed or withdrawn (päätös muuttui).
    DecisionChanged,
    /// Another reason (muu syy): say which in --reason.
    Other,
}

/// Why the chosen provider declines a voucher.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DeclineReasonArg {
    /// No free place (ei vapaita paikkoja).
    NoPlace,
    /// Cannot meet the client's needs (ei pysty vastaamaan asiakkaan tarpeisiin).
    CannotMeetNeeds,
    /// The client lives outside the area of operation (toiminta-alueen ulkopuolella).
    OutsideArea,
    /// The service cannot start in time (aloitus ei onnistu ajallaan).
    CannotStartInTime,
    /// The client could not be reached (asiakasta ei tavoitettu).
    ClientNotReached,
    /// Another reason (muu syy): say which in --reason.
    Other,
}

/// What a provider's user records a day of (a session, an absence) on.
#[derive(Debug, Args)]
pub struct RecordedDay {
    /// The voucher id.
    pub voucher: String,
    /// The provider whose user records.
    #[arg(long)]
    pub provider: String,
    /// The day.
    #[arg(long, value_parser = parse_date)]
    pub date: chrono::NaiveDate,
}

/// Who cancelled a session.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ByArg {
    /// The client (before the day: not billable; on the day or not at all: a no-show).
    Client,
    /// The provider (BILL-PROVIDER-CANCEL: never billable).
    Provider,
}

/// `seteli session …`.
#[derive(Debug, Subcommand)]
pub enum SessionCmd {
    /// Record a session as the provider's user.
    Record {
        /// The voucher, the provider and the day.
        #[command(flatten)]
        day: RecordedDay,
        /// Start time HH:MM.
        #[arg(long, value_parser = parse_time)]
        start: Option<(i32, i32)>,
        /// End time HH:MM.
        #[arg(long, value_parser = parse_time)]
        end: Option<(i32, i32)>,
        /// Hours (group sessions, activity days) when not given by the clock times.
        #[arg(long)]
        hours: Option<f64>,
        /// Group services: the clients in the session, this one included.
        #[arg(long, default_value_t = 0)]
        participants: i32,
        /// The coach (default: the responsible coach).
        #[arg(long, default_value = "")]
        coach: String,
        /// The daily record.
        #[arg(long, default_value = "")]
        notes: String,
        /// The provider-cancelled session this one replaces.
        #[arg(long)]
        replaces: Option<String>,
    },
    /// Cancel a session as the provider's user.
    Cancel {
        /// The session id.
        id: String,
        /// The provider whose user cancels.
        #[arg(long)]
        provider: String,
        /// Who cancelled.
        #[arg(long, value_enum)]
        by: ByArg,
        /// When it was cancelled (unset and by the client: the client did not come).
        #[arg(long, value_parser = parse_date)]
        on: Option<chrono::NaiveDate>,
        /// Provider: a substitute worker would not suit the client.
        #[arg(long)]
        substitute_unsuitable: bool,
        /// Provider: when the client was told.
        #[arg(long, value_parser = parse_date)]
        client_told: Option<chrono::NaiveDate>,
        /// Provider: the replacement session.
        #[arg(long, default_value = "")]
        replacement: String,
        /// Provider: what was written in the client's daily record.
        #[arg(long, default_value = "")]
        documentation: String,
    },
    /// A voucher's sessions.
    List {
        /// The voucher id.
        voucher: String,
    },
}

/// A Kela absence reason.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReasonArg {
    /// Own illness.
    OwnIllness,
    /// Illness of the client's child under 10.
    ChildIllness,
    /// A job interview or similar.
    JobInterview,
    /// A public office of trust.
    PublicOffice,
    /// Any other reason (loses the benefit for the day).
    Other,
}

/// `seteli absence …`.
#[derive(Debug, Subcommand)]
pub enum AbsenceCmd {
    /// Record an absence (or a day with no service arranged) as the provider's user.
    Record {
        /// The voucher, the provider and the day.
        #[command(flatten)]
        day: RecordedDay,
        /// The Kela reason of an absence.
        #[arg(long, value_enum, conflicts_with = "not_arranged")]
        reason: Option<ReasonArg>,
        /// No service was arranged that day (not an absence).
        #[arg(long)]
        not_arranged: bool,
        /// A nurse's or doctor's certificate was delivered.
        #[arg(long)]
        certificate: bool,
        /// Notes.
        #[arg(long, default_value = "")]
        notes: String,
    },
    /// A voucher's absences.
    List {
        /// The voucher id.
        voucher: String,
    },
}

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

// ------------------------------------------------------------------------------ value parsers

fn parse_point(s: &str) -> Result<(f64, f64), String> {
    let (lat, lon) = s.split_once(',').ok_or("expected LAT,LON")?;
    Ok((
        lat.trim().parse().map_err(|_| "bad latitude")?,
        lon.trim().parse().map_err(|_| "bad longitude")?,
    ))
}

fn parse_month(s: &str) -> Result<(i32, u32), String> {
    let (y, m) = s.split_once('-').ok_or("expected YYYY-MM")?;
    let m: u32 = m.parse().map_err(|_| "expected YYYY-MM")?;
    if !(1..=12).contains(&m) {
        return Err("the month is 1–12".into());
    }
    Ok((y.parse().map_err(|_| "expected YYYY-MM")?, m))
}

fn parse_time(s: &str) -> Result<(i32, i32), String> {
    let (h, m) = s.split_once(':').ok_or("expected HH:MM")?;
    Ok((
        h.parse().map_err(|_| "expected HH:MM")?,
        m.parse().map_err(|_| "expected HH:MM")?,
    ))
}

/// A service by its contract name without the prefix, e.g. `KTT_INDIVIDUAL`.
pub fn parse_service(s: &str) -> Result<seteli_api::common::v1::ServiceType, String> {
    let name = format!("SERVICE_TYPE_{}", s.trim().to_uppercase().replace('-', "_"));
    seteli_api::common::v1::ServiceType::from_str_name(&name)
        .filter(|t| *t != seteli_api::common::v1::ServiceType::Unspecified)
        .ok_or_else(|| format!("unknown service {s}: e.g. KTT_INDIVIDUAL, SK_GROUP"))
}

fn parse_offer(s: &str) -> Result<(seteli_api::common::v1::ServiceType, i64, i32), String> {
    let (service, rest) = s
        .split_once('=')
        .ok_or("expected SERVICE=EUR[:GROUP SIZE]")?;
    let (price, size) = match rest.split_once(':') {
        Some((p, n)) => (p, n.parse().map_err(|_| "bad group size")?),
        None => (rest, 0),
    };
    let euros: f64 = price.parse().map_err(|_| "bad price")?;
    Ok((
        parse_service(service)?,
        (euros * 100.0).round() as i64,
        size,
    ))
}
