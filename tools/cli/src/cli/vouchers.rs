//! `seteli client …` and `seteli voucher …`: clients, and vouchers from the decision to their
//! end, with the rulebook's facts and the reasons' codes.

use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use seteli_api::common::v1::ServiceType;

use crate::values::{parse_date, parse_point, parse_service, parse_units};

/// `seteli client …`.
#[derive(Debug, Subcommand)]
pub enum ClientCmd {
    /// Register a client (social worker).
    Add {
        /// Full name.
        #[arg(long)]
        name: String,
        /// Henkilötunnus, e.g. 050590-245C (the check character is checked; `seteli example
        /// identity-code` makes a valid one up).
        #[arg(long)]
        identity_code: String,
        /// Home municipality (ELIG-RESIDENCE).
        #[arg(long, required_unless_present = "example")]
        municipality: Option<String>,
        /// Home coordinates, LAT,LON, e.g. 62.8924,27.6770 (PROV-DISTANCE).
        #[arg(long, value_parser = parse_point, required_unless_present = "example")]
        at: Option<(f64, f64)>,
        /// Phone number.
        #[arg(long)]
        phone: Option<String>,
        /// E-mail address.
        #[arg(long)]
        email: Option<String>,
        /// Postal address, one line.
        #[arg(long)]
        postal_address: Option<String>,
        /// Use example values for the home (Kuopio) when not given; the answer names them.
        #[arg(long)]
        example: bool,
    },
    /// Every client (identity codes masked).
    List,
}

/// `seteli voucher …`.
#[derive(Debug, Subcommand)]
pub enum VoucherCmd {
    /// Decide a service and issue its voucher (social worker).
    Issue(Box<IssueArgs>),
    /// Record the client's choice of provider (social worker).
    Choose {
        /// The voucher id.
        id: String,
        /// The chosen provider.
        #[arg(long)]
        provider: String,
        /// A start date agreed with the client.
        #[arg(long, value_parser = parse_date)]
        agreed_start: Option<NaiveDate>,
    },
    /// Accept the voucher as the chosen provider's user, naming the responsible coach.
    Accept {
        /// The voucher id.
        id: String,
        /// The provider whose user accepts.
        #[arg(long)]
        provider: String,
        /// The responsible coach (PROC-COACH).
        #[arg(long)]
        coach: String,
        /// KTT: when the chief shop steward was notified (KTT-STEWARD).
        #[arg(long, value_parser = parse_date)]
        steward_notified: Option<NaiveDate>,
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
        on: Option<NaiveDate>,
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

/// `seteli voucher issue`: the service decision and the facts its rulebook asks of it, each as
/// given (KTT: the plan, the job search, the benefit; SK: the service-need assessment).
#[derive(Debug, Args)]
pub struct IssueArgs {
    /// The client id.
    #[arg(long)]
    pub client: String,
    /// The service, e.g. KTT_INDIVIDUAL, SK_GROUP.
    #[arg(long, value_parser = parse_service)]
    pub service: ServiceType,
    /// First valid day (default today).
    #[arg(long, value_parser = parse_date)]
    pub from: Option<NaiveDate>,
    /// Last valid day (default: --months after --from).
    #[arg(long, value_parser = parse_date)]
    pub until: Option<NaiveDate>,
    /// Validity in months when --until is not given.
    #[arg(long, default_value_t = 3)]
    pub months: u32,
    /// The day the decision was made (default: the first valid day); the ceiling price in
    /// force on it is the voucher's (VOUCHER-VALUE).
    #[arg(long, value_parser = parse_date)]
    pub decided_on: Option<NaiveDate>,
    /// Granted units (hours or days), e.g. 30 or 12.5.
    #[arg(long, value_parser = parse_units)]
    pub units: i64,
    /// A weekly cap lower than the rulebook's (CAP-WEEKLY), in units.
    #[arg(long, value_parser = parse_units)]
    pub weekly_cap: Option<i64>,
    /// KTT: the activation plan the decision rests on, by its reference (KTT-ELIG-PLAN).
    #[arg(long, value_name = "REFERENCE", conflicts_with = "employment_plan")]
    pub activation_plan: Option<String>,
    /// KTT: the multi-sectoral employment plan it rests on, by its reference (KTT-ELIG-PLAN).
    #[arg(long, value_name = "REFERENCE")]
    pub employment_plan: Option<String>,
    /// KTT: the client's job search is in force (KTT-ELIG-UNEMPLOYED).
    #[arg(long)]
    pub job_search_in_force: bool,
    /// KTT: the unemployment-based benefit the client receives (KTT-ELIG-UNEMPLOYED).
    #[arg(long, value_enum)]
    pub benefit: Option<BenefitArg>,
    /// SK: the service-need assessment, by its reference (SK-ELIG-NEED).
    #[arg(long, value_name = "REFERENCE")]
    pub assessment: Option<String>,
    /// SK: the assessment found a need to strengthen social functioning, prevent exclusion or
    /// promote inclusion (SK-ELIG-NEED).
    #[arg(long)]
    pub social_rehabilitation_need: bool,
    /// SK: the assessment found a need for daily-living, household or money-management support
    /// (SK_INDIVIDUAL_DAILY_LIVING).
    #[arg(long)]
    pub daily_living_need: bool,
    /// Permit a provider farther than 20 km from the client's home, and why (PROV-DISTANCE:
    /// no provider near, or a special need).
    #[arg(long, value_name = "REASON")]
    pub distance_exemption: Option<String>,
    /// An extension: the voucher this one continues (VOUCHER-EXTENSION).
    #[arg(long, value_name = "VOUCHER")]
    pub continues: Option<String>,
    /// Use example values for the rulebook's facts not given (a plan, the job search and the
    /// benefit; an assessment and its finding); the answer names each one used.
    #[arg(long)]
    pub example: bool,
}

/// The unemployment-based benefit of a KTT client (KTT-ELIG-UNEMPLOYED).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenefitArg {
    /// Labour market subsidy (työmarkkinatuki).
    LabourMarketSubsidy,
    /// Social assistance (toimeentulotuki) on the basis of unemployment.
    SocialAssistance,
    /// Neither.
    None,
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
