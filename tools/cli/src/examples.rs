//! Example values: what `--example` fills in where nothing was given, what `seteli example`
//! prints (a fresh valid Y-tunnus or identity code), and what `seteli demo` registers its made-up
//! providers with.
//!
//! The command line records only what its user said: an example value is used only behind an
//! explicit `--example`, and every one used is named ([`Used`]) so the command prints it.

use anyhow::Context as _;
use chrono::NaiveDate;
use seteli_api::common::v1::Coordinates;
use seteli_api::providers::v1 as ppb;

use crate::values::document;

/// The example values one command used, by what they stand for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Used(Vec<String>);

impl Used {
    /// Notes that an example value stands for `what`.
    pub fn note(&mut self, what: impl Into<String>) {
        self.0.push(what.into());
    }

    /// Fills `field` with `example` when it is empty (and `allowed`), noting `what`; whether it
    /// is filled now.
    pub fn fill(&mut self, allowed: bool, field: &mut String, example: &str, what: &str) -> bool {
        if field.trim().is_empty() && allowed {
            *field = example.to_owned();
            self.note(format!("{what} ({example})"));
        }
        !field.trim().is_empty()
    }

    /// What the command prints when it used any: `example values were used for: …`.
    pub fn said(&self) -> Option<String> {
        (!self.0.is_empty()).then(|| format!("example values were used for: {}", self.0.join("; ")))
    }

    /// Prints [`Used::said`] on standard error (standard output stays the answer's).
    pub fn tell(&self) {
        if let Some(said) = self.said() {
            eprintln!("seteli: {said}");
        }
    }
}

/// Kuopio market square.
pub const KUOPIO: (f64, f64) = (62.8924, 27.6770);
/// An example contact person: name, e-mail, phone.
pub const CONTACT: (&str, &str, &str) =
    ("Maija Meikäläinen", "maija@example.fi", "+358 40 123 4567");
/// An example IBAN (a valid one of no real account) and its bank's BIC.
pub const BANK: (&str, &str) = ("FI21 1234 5600 0007 85", "NDEAFIHH");
/// An example KTT activation plan's reference (KTT-ELIG-PLAN).
pub const ACTIVATION_PLAN: &str = "AS-2026-0042";
/// An example SK service-need assessment's reference (SK-ELIG-NEED).
pub const NEED_ASSESSMENT: &str = "PTA-2026-77";
/// An example Soteri service class: social services for working-age people (PROV-SOTERI).
pub const SOTERI_CLASS: i32 = 2903;

/// The documents an approval needs (PROV-DOCS) besides the statement of subcontractors.
pub const REQUIRED_DOCUMENTS: [ppb::DocumentKind; 8] = [
    ppb::DocumentKind::ServiceDescription,
    ppb::DocumentKind::StaffForm,
    ppb::DocumentKind::SelfMonitoringPlan,
    ppb::DocumentKind::LiabilityInsurance,
    ppb::DocumentKind::GroupInsurance,
    ppb::DocumentKind::TaxCertificate,
    ppb::DocumentKind::PensionInsuranceCertificate,
    ppb::DocumentKind::AviLicenceOrRegistration,
];

/// An example site in `municipality` at `at`.
pub fn site(municipality: &str, at: (f64, f64)) -> ppb::Site {
    ppb::Site {
        kind: ppb::SiteKind::Site as i32,
        name: format!("{municipality} toimipiste"),
        street_address: "Kauppakatu 1".into(),
        postal_code: "70100".into(),
        municipality: municipality.into(),
        coordinates: Some(Coordinates {
            latitude: at.0,
            longitude: at.1,
        }),
        ..Default::default()
    }
}

/// An example document of `kind`: issued 60 days before `today`, in force for three years.
pub fn document_of(kind: ppb::DocumentKind, today: NaiveDate) -> ppb::Document {
    let file = format!("docs/{}.pdf", kind.as_str_name().to_lowercase());
    let (issued, expires) = (
        today - chrono::Duration::days(60),
        today + chrono::Duration::days(3 * 365),
    );
    document(kind, issued, Some(expires), &file)
}

/// An example staff: a sosionomi with a register number (PROV-STAFF-SOCIAL) and a coach with a
/// UAS degree in social or health care (PROV-STAFF-COACH).
pub fn staff() -> Vec<ppb::StaffMember> {
    let member = |name: &str, q: ppb::Qualification, register: &str| ppb::StaffMember {
        name: name.into(),
        role: "ohjaaja".into(),
        qualification: q as i32,
        register_number: register.into(),
        ..Default::default()
    };
    vec![
        member(
            "Sanna Sosionomi",
            ppb::Qualification::Sosionomi,
            "JS-123456",
        ),
        member("Olli Ohjaaja", ppb::Qualification::UasSocialOrHealth, ""),
    ]
}

/// A number from fresh randomness.
pub fn seed() -> u32 {
    let b = uuid::Uuid::new_v4().into_bytes();
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

/// A valid Y-tunnus drawn from `seed`: the first of the 50 bodies from it that takes a check
/// digit.
pub fn business_id(seed: u32) -> anyhow::Result<String> {
    (0..50)
        .find_map(|i| {
            let body = format!("{:07}", (seed.wrapping_add(i)) % 9_000_000 + 1_000_000);
            seteli_rules::ids::format_y_tunnus(&body).ok()
        })
        .context("no valid Y-tunnus near the seed")
}

/// A valid identity code of a person born on `birth`, its individual number drawn from `seed`
/// (2–899: never a temporary number).
pub fn identity_code(birth: NaiveDate, seed: u32) -> anyhow::Result<String> {
    let individual = u16::try_from(2 + seed % 898).unwrap_or(2);
    Ok(seteli_rules::ids::format_hetu(birth, individual)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_filled_only_when_missing_and_allowed_and_every_use_is_named() {
        let mut used = Used::default();
        let mut given = "Oma".to_owned();
        assert!(used.fill(true, &mut given, "Esimerkki", "name"));
        assert_eq!(given, "Oma");
        let mut empty = String::new();
        assert!(!used.fill(false, &mut empty, "Esimerkki", "name"));
        assert_eq!(used.said(), None);
        assert!(used.fill(true, &mut empty, "Esimerkki", "name"));
        used.note("8 documents");
        assert_eq!(
            used.said().as_deref(),
            Some("example values were used for: name (Esimerkki); 8 documents")
        );
    }

    #[test]
    fn codes_drawn_from_any_seed_are_valid() {
        let born = NaiveDate::from_ymd_opt(1990, 5, 5).expect("a day");
        for seed in [0, 1, 42, 8_999_999, u32::MAX - 3, u32::MAX] {
            let id = business_id(seed).expect("a Y-tunnus");
            assert!(seteli_rules::ids::validate_y_tunnus(&id).is_ok(), "{id}");
            let code = identity_code(born, seed).expect("an identity code");
            let hetu = seteli_rules::ids::parse_hetu(&code).expect("valid");
            assert_eq!(hetu.birth_date(), born);
            assert!(!hetu.is_temporary(), "{code}");
        }
        assert_ne!(business_id(7).ok(), business_id(7 + 101).ok());
    }

    #[test]
    fn the_example_documents_are_the_eight_required_in_force_today() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 7).expect("a day");
        let mut kinds: Vec<i32> = REQUIRED_DOCUMENTS.iter().map(|k| *k as i32).collect();
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds.len(), 8);
        let d = document_of(ppb::DocumentKind::TaxCertificate, today);
        assert_eq!(d.file_reference, "docs/document_kind_tax_certificate.pdf");
        assert!(d.issued_on.expect("issued").year == 2026);
        assert!(d.expires_on.expect("expires").year == 2029);
    }
}
