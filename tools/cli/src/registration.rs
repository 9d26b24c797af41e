//! What `seteli provider register` registers: the provider's data from its flags and from a
//! TOML file (`--from-file`; a flag wins over the file, a listed flag adds to the file's list),
//! over the draft it resumes; example values only with `--example`, each named; everything the
//! registry requires of a provider's details asked for by name when missing. Nothing else is
//! filled in: what an approval needs beyond that (a site, the documents, the staff, the Soteri
//! class) the registry's rules ask for when the draft is submitted.

use std::path::Path;

use anyhow::Context as _;
use chrono::NaiveDate;
use serde::Deserialize;
use seteli_api::common::v1::{Coordinates, Money};
use seteli_api::providers::v1 as ppb;

use crate::actions::ProviderSpec;
use crate::cli::{LegalFormArg, RegisterArgs};
use crate::examples::{self, Used};
use crate::values::{
    document, parse_date, parse_document_kind, parse_euros, parse_qualification, parse_service,
};

/// A provider as its file (`--from-file`) gives it; every key optional, unknown keys refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProviderFile {
    name: Option<String>,
    business_id: Option<String>,
    legal_form: Option<String>,
    iban: Option<String>,
    bic: Option<String>,
    einvoice_address: Option<String>,
    supplier_number: Option<String>,
    uses_subcontractors: Option<bool>,
    contact: Option<ContactFile>,
    #[serde(default)]
    sites: Vec<SiteFile>,
    #[serde(default)]
    offerings: Vec<OfferingFile>,
    #[serde(default)]
    staff: Vec<StaffFile>,
    #[serde(default)]
    documents: Vec<DocumentFile>,
    #[serde(default)]
    soteri_classes: Vec<i32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactFile {
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    postal_address: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SiteFile {
    name: String,
    #[serde(default)]
    street_address: String,
    postal_code: String,
    municipality: String,
    /// `[latitude, longitude]`.
    at: (f64, f64),
    #[serde(default)]
    worker_location: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OfferingFile {
    service: String,
    price: Amount,
    #[serde(default)]
    max_group_size: i32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StaffFile {
    name: String,
    qualification: String,
    #[serde(default)]
    register_number: String,
    #[serde(default)]
    role: String,
    does_coaching: Option<bool>,
    #[serde(default)]
    degree_accepted_by_county: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DocumentFile {
    kind: String,
    issued_on: Day,
    expires_on: Option<Day>,
    file: String,
}

/// An amount of euros as TOML gives it: `"60.00"` or `60.0`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Amount {
    Text(String),
    Number(f64),
}

/// A day as TOML gives it: `2026-01-02` or `"2026-01-02"`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Day {
    Toml(toml::value::Datetime),
    Text(String),
}

impl Day {
    fn date(&self, field: &str) -> anyhow::Result<NaiveDate> {
        let text = match self {
            Day::Toml(d) => d.to_string(),
            Day::Text(s) => s.clone(),
        };
        parse_date(&text).map_err(|e| anyhow::anyhow!("{field}: {e}"))
    }
}

/// What was given of a provider, by the file or by flags: each field unset unless given.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Given {
    name: Option<String>,
    business_id: Option<String>,
    legal_form: Option<ppb::LegalForm>,
    contact_name: Option<String>,
    contact_email: Option<String>,
    contact_phone: Option<String>,
    postal_address: Option<String>,
    iban: Option<String>,
    bic: Option<String>,
    einvoice_address: Option<String>,
    supplier_number: Option<String>,
    uses_subcontractors: Option<bool>,
    sites: Vec<ppb::Site>,
    offerings: Vec<ppb::Offering>,
    staff: Vec<ppb::StaffMember>,
    documents: Vec<ppb::Document>,
    soteri_classes: Vec<i32>,
}

fn legal_form(arg: LegalFormArg) -> ppb::LegalForm {
    match arg {
        LegalFormArg::Company => ppb::LegalForm::Company,
        LegalFormArg::Association => ppb::LegalForm::Association,
        LegalFormArg::Foundation => ppb::LegalForm::Foundation,
        LegalFormArg::Cooperative => ppb::LegalForm::Cooperative,
        LegalFormArg::PublicBody => ppb::LegalForm::PublicBody,
        LegalFormArg::Other => ppb::LegalForm::Other,
    }
}

fn place(at: (f64, f64)) -> Option<Coordinates> {
    Some(Coordinates {
        latitude: at.0,
        longitude: at.1,
    })
}

/// An offering of `service` at `cents` a unit, groups of at most `size` (0: individual).
pub fn offering(
    service: seteli_api::common::v1::ServiceType,
    cents: i64,
    size: i32,
) -> ppb::Offering {
    ppb::Offering {
        service_type: service as i32,
        unit_price: Some(Money { cents }),
        max_group_size: size,
        ..Default::default()
    }
}

impl Given {
    /// What the file at `path` gives.
    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the provider file {}", path.display()))?;
        let file: ProviderFile =
            toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        file.given()
            .with_context(|| format!("in the provider file {}", path.display()))
    }

    /// What the flags of `a` give (their provider file aside).
    pub fn from_flags(a: &RegisterArgs) -> anyhow::Result<Self> {
        let site_flags = [&a.site_name, &a.street, &a.postal_code, &a.municipality];
        let sites = if site_flags.iter().any(|f| f.is_some()) || a.at.is_some() {
            let mut missing = Vec::new();
            for (flag, given) in [
                ("--site-name", a.site_name.is_some()),
                ("--postal-code", a.postal_code.is_some()),
                ("--municipality", a.municipality.is_some()),
                ("--at", a.at.is_some()),
            ] {
                if !given {
                    missing.push(flag);
                }
            }
            anyhow::ensure!(
                missing.is_empty(),
                "a site needs {} as well (its street: --street)",
                missing.join(", ")
            );
            vec![ppb::Site {
                kind: if a.worker_location {
                    ppb::SiteKind::WorkerLocation
                } else {
                    ppb::SiteKind::Site
                } as i32,
                name: a.site_name.clone().unwrap_or_default(),
                street_address: a.street.clone().unwrap_or_default(),
                postal_code: a.postal_code.clone().unwrap_or_default(),
                municipality: a.municipality.clone().unwrap_or_default(),
                coordinates: a.at.and_then(place),
                ..Default::default()
            }]
        } else {
            Vec::new()
        };
        Ok(Given {
            name: a.name.clone(),
            business_id: a.business_id.clone(),
            legal_form: a.legal_form.map(legal_form),
            contact_name: a.contact_name.clone(),
            contact_email: a.contact_email.clone(),
            contact_phone: a.contact_phone.clone(),
            postal_address: a.postal_address.clone(),
            iban: a.iban.clone(),
            bic: a.bic.clone(),
            einvoice_address: a.einvoice_address.clone(),
            supplier_number: None,
            uses_subcontractors: a.uses_subcontractors.then_some(true),
            sites,
            offerings: a
                .offers
                .iter()
                .map(|(s, cents, size)| offering(*s, *cents, *size))
                .collect(),
            staff: a.staff.clone(),
            documents: a.documents.clone(),
            soteri_classes: a.soteri.clone(),
        })
    }

    /// `self` with `over` laid over it: a field `over` gives wins, its lists are added.
    pub fn and(self, over: Given) -> Given {
        fn or<T>(over: Option<T>, under: Option<T>) -> Option<T> {
            over.or(under)
        }
        fn cat<T>(mut a: Vec<T>, b: Vec<T>) -> Vec<T> {
            a.extend(b);
            a
        }
        Given {
            name: or(over.name, self.name),
            business_id: or(over.business_id, self.business_id),
            legal_form: or(over.legal_form, self.legal_form),
            contact_name: or(over.contact_name, self.contact_name),
            contact_email: or(over.contact_email, self.contact_email),
            contact_phone: or(over.contact_phone, self.contact_phone),
            postal_address: or(over.postal_address, self.postal_address),
            iban: or(over.iban, self.iban),
            bic: or(over.bic, self.bic),
            einvoice_address: or(over.einvoice_address, self.einvoice_address),
            supplier_number: or(over.supplier_number, self.supplier_number),
            uses_subcontractors: or(over.uses_subcontractors, self.uses_subcontractors),
            sites: cat(self.sites, over.sites),
            offerings: cat(self.offerings, over.offerings),
            staff: cat(self.staff, over.staff),
            documents: cat(self.documents, over.documents),
            soteri_classes: cat(self.soteri_classes, over.soteri_classes),
        }
    }

    /// The business id given, which a registration needs: it finds the draft to resume.
    pub fn business_id(&self) -> anyhow::Result<String> {
        self.business_id
            .clone()
            .map(|b| b.trim().to_owned())
            .filter(|b| !b.is_empty())
            .context("provider register: missing --business-id (business_id in the file): the Y-tunnus, e.g. 0737546-2")
    }

    /// The provider to register: what was given, over the details of `draft` when one is
    /// resumed; with `example`, example values where neither gives one (each noted in the
    /// answer's [`Used`]). Refused, naming each, when a detail the registry requires is missing.
    pub fn complete(
        self,
        draft: Option<&ppb::Provider>,
        example: bool,
        today: NaiveDate,
    ) -> anyhow::Result<(ProviderSpec, Used)> {
        let business_id = self.business_id()?;
        let had = draft.and_then(|d| d.details.clone()).unwrap_or_default();
        let had_contact = had.contact.clone().unwrap_or_default();
        let keep = |given: Option<String>, had: &str| given.unwrap_or_else(|| had.to_owned());
        let mut used = Used::default();
        let mut missing = Vec::new();
        let mut need = |filled: bool, what: &'static str| {
            if !filled {
                missing.push(what);
            }
        };
        let mut name = keep(self.name, &had.name);
        need(
            used.fill(example, &mut name, "Esimerkki ry", "name"),
            "--name (name)",
        );
        let form = self
            .legal_form
            .or_else(|| ppb::LegalForm::try_from(had.legal_form).ok())
            .filter(|f| *f != ppb::LegalForm::Unspecified);
        let form = match form {
            None if example => {
                used.note("legal form (association)");
                Some(ppb::LegalForm::Association)
            }
            other => other,
        };
        need(form.is_some(), "--legal-form (legal_form)");
        let (c_name, c_email, c_phone) = examples::CONTACT;
        let mut contact = ppb::Contact {
            name: keep(self.contact_name, &had_contact.name),
            email: keep(self.contact_email, &had_contact.email),
            phone: keep(self.contact_phone, &had_contact.phone),
            postal_address: keep(self.postal_address, &had_contact.postal_address),
        };
        let example_contact = example && contact.name.trim().is_empty();
        need(
            used.fill(example, &mut contact.name, c_name, "contact name"),
            "--contact-name (contact.name)",
        );
        need(
            used.fill(example, &mut contact.email, c_email, "contact e-mail"),
            "--contact-email (contact.email)",
        );
        // An example contact person comes with their phone.
        used.fill(
            example_contact,
            &mut contact.phone,
            c_phone,
            "contact phone",
        );
        let (iban, bic) = examples::BANK;
        let mut details = ppb::ProviderDetails {
            name,
            business_id,
            legal_form: form.unwrap_or_default() as i32,
            contact: Some(contact),
            iban: keep(self.iban, &had.iban),
            bic: keep(self.bic, &had.bic),
            einvoice_address: keep(self.einvoice_address, &had.einvoice_address),
            supplier_number: keep(self.supplier_number, &had.supplier_number),
            uses_subcontractors: self.uses_subcontractors.unwrap_or(had.uses_subcontractors),
        };
        need(
            used.fill(example, &mut details.iban, iban, "IBAN"),
            "--iban (iban)",
        );
        need(
            used.fill(example, &mut details.bic, bic, "BIC"),
            "--bic (bic)",
        );
        if !missing.is_empty() {
            anyhow::bail!(
                "provider register: missing {}; give them, or --example to use example values \
                 (named in the answer)",
                missing.join(", ")
            );
        }
        let mut spec = ProviderSpec {
            details,
            sites: self.sites,
            offerings: self.offerings,
            staff: self.staff,
            documents: self.documents,
            soteri_classes: self.soteri_classes,
        };
        if example {
            fill_approval_examples(&mut spec, draft, today, &mut used);
        }
        Ok((spec, used))
    }
}

/// With `--example`: a site, the required documents, a staff and a Soteri class, each where
/// neither the draft nor what was given has one.
fn fill_approval_examples(
    spec: &mut ProviderSpec,
    draft: Option<&ppb::Provider>,
    today: NaiveDate,
    used: &mut Used,
) {
    let had = draft.cloned().unwrap_or_default();
    if spec.sites.is_empty() && had.sites.is_empty() {
        spec.sites.push(examples::site("Kuopio", examples::KUOPIO));
        used.note("a site (Kauppakatu 1, 70100 Kuopio)");
    }
    let has = |kind: ppb::DocumentKind| {
        let kind = kind as i32;
        spec.documents
            .iter()
            .chain(&had.documents)
            .any(|d| d.kind == kind)
    };
    let mut kinds: Vec<_> = examples::REQUIRED_DOCUMENTS.to_vec();
    if spec.details.uses_subcontractors {
        kinds.push(ppb::DocumentKind::SubcontractorStatement);
    }
    let lacking: Vec<_> = kinds.into_iter().filter(|k| !has(*k)).collect();
    if !lacking.is_empty() {
        used.note(format!(
            "{} document(s) (docs/…pdf, issued 60 days ago)",
            lacking.len()
        ));
        for kind in lacking {
            spec.documents.push(examples::document_of(kind, today));
        }
    }
    if spec.staff.is_empty() && had.staff.is_empty() {
        spec.staff = examples::staff();
        used.note("staff (Sanna Sosionomi, Olli Ohjaaja)");
    }
    if spec.soteri_classes.is_empty() && had.soteri_classes.is_empty() {
        spec.soteri_classes.push(examples::SOTERI_CLASS);
        used.note(format!("Soteri class {}", examples::SOTERI_CLASS));
    }
}

impl ProviderFile {
    /// The file's values, checked.
    fn given(self) -> anyhow::Result<Given> {
        use clap::ValueEnum as _;
        let legal_form = match &self.legal_form {
            Some(f) => Some(legal_form(LegalFormArg::from_str(f, true).map_err(
                |_| {
                    let names: Vec<String> = LegalFormArg::value_variants()
                        .iter()
                        .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_owned()))
                        .collect();
                    anyhow::anyhow!("legal_form: {f:?} is not one of {}", names.join(", "))
                },
            )?)),
            None => None,
        };
        let contact = self.contact.unwrap_or_default();
        let sites = self
            .sites
            .into_iter()
            .map(|s| ppb::Site {
                kind: if s.worker_location {
                    ppb::SiteKind::WorkerLocation
                } else {
                    ppb::SiteKind::Site
                } as i32,
                name: s.name,
                street_address: s.street_address,
                postal_code: s.postal_code,
                municipality: s.municipality,
                coordinates: place(s.at),
                ..Default::default()
            })
            .collect();
        let mut offerings = Vec::new();
        for (i, o) in self.offerings.into_iter().enumerate() {
            let at = |e: String| anyhow::anyhow!("offerings[{i}]: {e}");
            let price = match o.price {
                Amount::Text(t) => parse_euros(&t),
                Amount::Number(n) => parse_euros(&n.to_string()),
            };
            offerings.push(offering(
                parse_service(&o.service).map_err(at)?,
                price.map_err(at)?,
                o.max_group_size,
            ));
        }
        let mut staff = Vec::new();
        for (i, s) in self.staff.into_iter().enumerate() {
            let q = parse_qualification(&s.qualification)
                .map_err(|e| anyhow::anyhow!("staff[{i}].qualification: {e}"))?;
            staff.push(ppb::StaffMember {
                name: s.name,
                role: s.role,
                qualification: q as i32,
                register_number: s.register_number,
                degree_accepted_by_county: s.degree_accepted_by_county,
                does_coaching: s.does_coaching,
                ..Default::default()
            });
        }
        let mut documents = Vec::new();
        for (i, d) in self.documents.into_iter().enumerate() {
            let kind = parse_document_kind(&d.kind)
                .map_err(|e| anyhow::anyhow!("documents[{i}].kind: {e}"))?;
            let issued = d.issued_on.date(&format!("documents[{i}].issued_on"))?;
            let expires = match &d.expires_on {
                Some(e) => Some(e.date(&format!("documents[{i}].expires_on"))?),
                None => None,
            };
            documents.push(document(kind, issued, expires, &d.file));
        }
        Ok(Given {
            name: self.name,
            business_id: self.business_id,
            legal_form,
            contact_name: contact.name,
            contact_email: contact.email,
            contact_phone: contact.phone,
            postal_address: contact.postal_address,
            iban: self.iban,
            bic: self.bic,
            einvoice_address: self.einvoice_address,
            supplier_number: self.supplier_number,
            uses_subcontractors: self.uses_subcontractors,
            sites,
            offerings,
            staff,
            documents,
            soteri_classes: self.soteri_classes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 7).expect("a day")
    }

    fn parsed(text: &str) -> anyhow::Result<Given> {
        let file: ProviderFile = toml::from_str(text).map_err(|e| anyhow::anyhow!("{e}"))?;
        file.given()
    }

    const FILE: &str = r#"
name = "Esimerkki ry"
business_id = "0737546-2"
legal_form = "association"
iban = "FI21 1234 5600 0007 85"
bic = "NDEAFIHH"
soteri_classes = [2903]

[contact]
name = "Maija Meikäläinen"
email = "maija@esimerkki.fi"

[[sites]]
name = "Kuopion toimipiste"
street_address = "Kauppakatu 1"
postal_code = "70100"
municipality = "Kuopio"
at = [62.8924, 27.6770]

[[offerings]]
service = "KTT_INDIVIDUAL"
price = "60.00"

[[offerings]]
service = "SK_GROUP"
price = 30.5
max_group_size = 8

[[staff]]
name = "Sanna Sosionomi"
qualification = "sosionomi"
register_number = "JS-123456"

[[documents]]
kind = "liability-insurance"
issued_on = 2026-10-08
expires_on = "2027-10-07"
file = "docs/vakuutus.pdf"
"#;

    #[test]
    fn a_file_gives_everything_as_written_and_nothing_else() {
        let given = parsed(FILE).expect("a provider file");
        let (spec, used) = given.complete(None, false, today()).expect("complete");
        assert_eq!(used, Used::default(), "nothing made up");
        let d = &spec.details;
        assert_eq!(
            (d.name.as_str(), d.business_id.as_str()),
            ("Esimerkki ry", "0737546-2")
        );
        assert_eq!(d.legal_form, ppb::LegalForm::Association as i32);
        let c = d.contact.clone().expect("contact");
        assert_eq!(
            (c.name.as_str(), c.phone.as_str()),
            ("Maija Meikäläinen", "")
        );
        assert_eq!(spec.sites.len(), 1);
        let prices: Vec<_> = spec
            .offerings
            .iter()
            .map(|o| (o.unit_price.map(|m| m.cents), o.max_group_size))
            .collect();
        assert_eq!(prices, [(Some(6000), 0), (Some(3050), 8)]);
        assert_eq!(spec.staff[0].register_number, "JS-123456");
        let doc = &spec.documents[0];
        assert_eq!(
            doc.issued_on.map(|d| (d.year, d.month, d.day)),
            Some((2026, 10, 8))
        );
        assert_eq!(doc.expires_on.map(|d| d.year), Some(2027));
        assert_eq!(spec.soteri_classes, [2903]);
    }

    #[test]
    fn a_flag_wins_over_the_file_and_adds_to_its_lists() {
        let file = parsed(FILE).expect("file");
        let flags = Given {
            name: Some("Uusi nimi ry".into()),
            soteri_classes: vec![2464],
            ..Given::default()
        };
        let both = file.and(flags);
        assert_eq!(both.name.as_deref(), Some("Uusi nimi ry"));
        assert_eq!(both.business_id.as_deref(), Some("0737546-2"));
        assert_eq!(both.soteri_classes, [2903, 2464]);
    }

    #[test]
    fn a_missing_detail_is_named_with_its_flag_and_key() {
        let given = Given {
            name: Some("Puolikas ry".into()),
            business_id: Some("0737546-2".into()),
            ..Given::default()
        };
        let e = given
            .complete(None, false, today())
            .expect_err("incomplete");
        let said = e.to_string();
        for expected in [
            "--legal-form (legal_form)",
            "--contact-name (contact.name)",
            "--contact-email (contact.email)",
            "--iban (iban)",
            "--bic (bic)",
            "--example",
        ] {
            assert!(said.contains(expected), "{expected} in {said}");
        }
        assert!(!said.contains("--name"), "{said}");
        let none = Given::default()
            .complete(None, true, today())
            .expect_err("no id");
        assert!(none.to_string().contains("--business-id"), "{none}");
    }

    #[test]
    fn examples_fill_only_what_is_missing_and_are_named() {
        let given = Given {
            business_id: Some("0737546-2".into()),
            contact_email: Some("oma@esimerkki.fi".into()),
            ..Given::default()
        };
        let (spec, used) = given.complete(None, true, today()).expect("examples");
        let c = spec.details.contact.clone().expect("contact");
        assert_eq!(c.email, "oma@esimerkki.fi");
        assert_eq!(c.name, examples::CONTACT.0);
        assert_eq!(spec.documents.len(), 8);
        assert_eq!(spec.staff.len(), 2);
        let said = used.said().expect("named");
        for expected in [
            "name (Esimerkki ry)",
            "IBAN",
            "8 document(s)",
            "Soteri class 2903",
        ] {
            assert!(said.contains(expected), "{expected} in {said}");
        }
        assert!(!said.contains("contact e-mail"), "{said}");
    }

    #[test]
    fn a_resumed_draft_keeps_its_details_and_examples_add_only_what_it_lacks() {
        let (first, _) = parsed(FILE)
            .expect("file")
            .complete(None, false, today())
            .expect("complete");
        let draft = ppb::Provider {
            id: "p-1".into(),
            details: Some(first.details.clone()),
            documents: first.documents.clone(),
            sites: first.sites.clone(),
            ..Default::default()
        };
        let again = Given {
            business_id: Some("0737546-2".into()),
            ..Given::default()
        };
        let (spec, used) = again
            .complete(Some(&draft), true, today())
            .expect("resumed");
        assert_eq!(spec.details, first.details);
        assert!(spec.sites.is_empty(), "the draft has its site");
        assert_eq!(spec.documents.len(), 7, "the draft has its insurance");
        let said = used.said().expect("examples");
        assert!(
            said.contains("7 document(s)") && !said.contains("IBAN"),
            "{said}"
        );
    }

    #[test]
    fn a_bad_value_in_the_file_is_named_by_its_place() {
        let bad = FILE.replace("qualification = \"sosionomi\"", "qualification = \"nurse\"");
        let e = parsed(&bad).expect_err("unknown qualification");
        assert!(format!("{e:#}").contains("staff[0].qualification"), "{e:#}");
        let typo = FILE.replace("bic = ", "bicc = ");
        let e = parsed(&typo).expect_err("unknown key");
        assert!(format!("{e:#}").contains("bicc"), "{e:#}");
        let money = FILE.replace("price = 30.5", "price = \"30,505\"");
        let e = parsed(&money).expect_err("bad money");
        assert!(format!("{e:#}").contains("offerings[1]"), "{e:#}");
    }
}
