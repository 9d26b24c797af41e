//! `seteli provider …`: registering a provider (from flags or a file, resuming its draft),
//! submitting, discarding, approving and reading providers.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use seteli_api::common::v1::ServiceType;
use seteli_api::providers::v1 as ppb;

use crate::values::{parse_document, parse_offer, parse_point, parse_staff};

/// A legal form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LegalFormArg {
    /// Osakeyhtiö, toiminimi or other company (KTT: individual coaching only).
    Company,
    /// Registered association (yhdistys).
    Association,
    /// Foundation (säätiö).
    Foundation,
    /// Cooperative (osuuskunta; a company under KTT-COMPANY).
    Cooperative,
    /// A public body (municipality, joint authority).
    PublicBody,
    /// Any other form.
    Other,
}

/// `seteli provider …`.
#[derive(Debug, Subcommand)]
pub enum ProviderCmd {
    /// Register a provider and submit it for approval (county admin). A provider whose draft
    /// exists with the same business id resumes it: its details brought up to what is given
    /// now, what it lacks added, then submitted. Refused at submission, the draft is kept.
    Register(Box<RegisterArgs>),
    /// Submit a draft (or a rejected provider) for approval (county admin).
    Submit {
        /// The provider id.
        id: String,
    },
    /// Give a draft up (county admin): its business id is free for a new registration; its
    /// record and history stay.
    Discard {
        /// The provider id.
        id: String,
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

/// `seteli provider register`: every value the registry records is one the user gave, on the
/// command line or in the `--from-file` TOML file (a flag wins over the file; a repeated flag
/// adds to the file's list), or an example value where `--example` says so.
#[derive(Debug, Args)]
pub struct RegisterArgs {
    /// A TOML file with the provider: the keys `name`, `business_id`, `legal_form`, `iban`,
    /// `bic`, `einvoice_address`, `uses_subcontractors`, `soteri_classes`, a `[contact]` table
    /// (`name`, `email`, `phone`, `postal_address`) and the lists `[[sites]]` (`name`,
    /// `street_address`, `postal_code`, `municipality`, `at = [LAT, LON]`, `worker_location`),
    /// `[[offerings]]` (`service`, `price`, `max_group_size`), `[[staff]]` (`name`,
    /// `qualification`, `register_number`, `role`, `does_coaching`) and `[[documents]]` (`kind`,
    /// `issued_on`, `expires_on`, `file`). docs/walk.sh writes one.
    #[arg(long, value_name = "FILE")]
    pub from_file: Option<PathBuf>,
    /// Official name.
    #[arg(long)]
    pub name: Option<String>,
    /// Y-tunnus, e.g. 0737546-2: also how a draft to resume is found.
    #[arg(long)]
    pub business_id: Option<String>,
    /// Legal form (KTT-COMPANY: a company offers only KTT individual coaching under KTT).
    #[arg(long, value_enum)]
    pub legal_form: Option<LegalFormArg>,
    /// The contact person's name.
    #[arg(long)]
    pub contact_name: Option<String>,
    /// The contact person's e-mail address.
    #[arg(long)]
    pub contact_email: Option<String>,
    /// The contact person's phone number.
    #[arg(long)]
    pub contact_phone: Option<String>,
    /// The provider's postal address, one line.
    #[arg(long)]
    pub postal_address: Option<String>,
    /// The IBAN invoices are paid to.
    #[arg(long)]
    pub iban: Option<String>,
    /// The BIC of the IBAN's bank.
    #[arg(long)]
    pub bic: Option<String>,
    /// The e-invoice address (OVT).
    #[arg(long)]
    pub einvoice_address: Option<String>,
    /// The provider uses subcontractors (PROV-DOCS then asks for their statement).
    #[arg(long)]
    pub uses_subcontractors: bool,
    /// A site's name (with --postal-code, --municipality and --at; more sites: the file).
    #[arg(long)]
    pub site_name: Option<String>,
    /// The site's street address.
    #[arg(long)]
    pub street: Option<String>,
    /// The site's postal code (five digits).
    #[arg(long)]
    pub postal_code: Option<String>,
    /// The site's municipality.
    #[arg(long)]
    pub municipality: Option<String>,
    /// The site's coordinates, LAT,LON, e.g. 62.8924,27.6770 (PROV-DISTANCE).
    #[arg(long, value_parser = parse_point)]
    pub at: Option<(f64, f64)>,
    /// The site is a worker's work location (counts for SK only) rather than a site.
    #[arg(long)]
    pub worker_location: bool,
    /// An offering: SERVICE=EUR[:GROUP SIZE], e.g. KTT_INDIVIDUAL=60.00 or SK_GROUP=30.00:8.
    #[arg(long = "offer", value_parser = parse_offer)]
    pub offers: Vec<(ServiceType, i64, i32)>,
    /// A staff member: NAME:QUALIFICATION[:REGISTER NUMBER], e.g.
    /// "Sanna Sosionomi:sosionomi:JS-123456" (qualifications: sosionomi, social-worker,
    /// uas-social-or-health, … ; a wrong one lists them all).
    #[arg(long = "staff", value_parser = parse_staff)]
    pub staff: Vec<ppb::StaffMember>,
    /// A document: KIND:ISSUED[..EXPIRES]=FILE, e.g.
    /// liability-insurance:2026-01-02..2027-01-01=docs/vakuutus.pdf (PROV-DOCS).
    #[arg(long = "document", value_parser = parse_document)]
    pub documents: Vec<ppb::Document>,
    /// A Soteri service class, e.g. 2903 (PROV-SOTERI: SK).
    #[arg(long = "soteri", value_name = "CLASS")]
    pub soteri: Vec<i32>,
    /// Leave the draft unsubmitted (`seteli provider submit <id>` later).
    #[arg(long)]
    pub no_submit: bool,
    /// Use example values for whatever is not given (contact, bank details, a site, the
    /// documents, the staff, the Soteri class); the answer names each one used.
    #[arg(long)]
    pub example: bool,
}
