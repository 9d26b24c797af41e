//! The documents a provider supplies (PROV-DOCS: KTT 1.2, SK 2.3) and its liability insurance
//! (PROV-INSURANCE): which kinds are required ([`required_documents_for`]), whether each is
//! present and in force on a date ([`check_documents_for`], [`check_insurance`]), and which
//! have expired or expire soon, for the county's view ([`document_alerts`]).

use crate::calendar::plus_days;
use crate::rule_ids::{PROV_DOCS, PROV_INSURANCE};
use crate::violation::Violation;
use chrono::NaiveDate;

coded_enum! {
    /// A document a provider supplies (PROV-DOCS: KTT 1.2, SK 2.3).
    DocumentKind, 9 {
        /// Service descriptions of the services offered.
        ServiceDescription = "SERVICE_DESCRIPTION", "palvelukuvaus";
        /// Staff form (henkilöstölomake).
        StaffForm = "STAFF_FORM", "henkilöstölomake";
        /// Self-monitoring plan (omavalvontasuunnitelma).
        SelfMonitoringPlan = "SELF_MONITORING_PLAN", "omavalvontasuunnitelma";
        /// Certified copy of the liability insurance.
        LiabilityInsurance = "LIABILITY_INSURANCE", "vastuuvakuutus";
        /// Certified copy of the group insurance for personal and property damage.
        GroupInsurance = "GROUP_INSURANCE", "ryhmävakuutus";
        /// Tax administration certificate of paid taxes and contributions.
        TaxCertificate = "TAX_CERTIFICATE", "verovelkatodistus";
        /// Pension insurance payment certificate.
        PensionInsuranceCertificate = "PENSION_INSURANCE_CERTIFICATE", "eläkevakuutustodistus";
        /// AVI licence or registration in the private social and health services register.
        AviLicenceOrRegistration = "AVI_LICENCE_OR_REGISTRATION", "AVI:n lupa tai rekisteröinti";
        /// Statement of subcontractors (only if the provider uses them).
        SubcontractorStatement = "SUBCONTRACTOR_STATEMENT", "selvitys alihankkijoista";
    }
}

/// A document the provider supplied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderDocument {
    /// What it is.
    pub kind: DocumentKind,
    /// Issue date.
    pub issued_on: NaiveDate,
    /// Last day valid, where it expires.
    pub expires_on: Option<NaiveDate>,
}

impl ProviderDocument {
    /// Issued on or before `on` and not expired on `on`.
    pub fn in_force_on(&self, on: NaiveDate) -> bool {
        self.issued_on <= on && self.expires_on.is_none_or(|e| on <= e)
    }
}

/// Days before a document's expiry the county is warned (configurable; RULES.md §4).
pub const DEFAULT_EXPIRY_WARNING_DAYS: u64 = 30;

/// The document kinds required of a provider offering everything (PROV-DOCS), including the
/// group insurance that only KTT offerings need; see [`required_documents_for`].
pub fn required_documents(uses_subcontractors: bool) -> Vec<DocumentKind> {
    required_documents_for(uses_subcontractors, true)
}

/// The document kinds required of a provider (PROV-DOCS, KTT 1.2, SK 2.3): every kind, except
/// the subcontractor statement (only if it uses subcontractors) and the group insurance for
/// personal and property damage (only for KTT offerings: the county insures SK clients with
/// group accident insurance itself, SK 2.5).
pub fn required_documents_for(uses_subcontractors: bool, offers_ktt: bool) -> Vec<DocumentKind> {
    DocumentKind::ALL
        .into_iter()
        .filter(|k| uses_subcontractors || *k != DocumentKind::SubcontractorStatement)
        .filter(|k| offers_ktt || *k != DocumentKind::GroupInsurance)
        .collect()
}

/// PROV-DOCS for documents alone, for a provider offering everything (group insurance
/// included): each required kind present and in force on `on`. See [`check_documents_for`].
pub fn check_documents(
    documents: &[ProviderDocument],
    uses_subcontractors: bool,
    on: NaiveDate,
) -> Vec<Violation> {
    check_documents_for(documents, uses_subcontractors, true, on)
}

/// PROV-DOCS: each kind of [`required_documents_for`] present and in force on `on` (issued
/// on or before it, not expired).
pub fn check_documents_for(
    documents: &[ProviderDocument],
    uses_subcontractors: bool,
    offers_ktt: bool,
    on: NaiveDate,
) -> Vec<Violation> {
    let mut out = Vec::new();
    for kind in required_documents_for(uses_subcontractors, offers_ktt) {
        let of_kind: Vec<&ProviderDocument> = documents.iter().filter(|d| d.kind == kind).collect();
        if of_kind.iter().any(|d| d.in_force_on(on)) {
            continue;
        }
        // PROV-DOCS
        let (fi, en) = if of_kind.is_empty() {
            ("puuttuu", "is missing")
        } else if of_kind.iter().all(|d| d.issued_on > on) {
            ("ei ole vielä voimassa", "is not yet in force")
        } else {
            ("on vanhentunut", "has expired")
        };
        out.push(Violation::of(
            PROV_DOCS,
            format!("Asiakirja {} ({}) {fi} {on}.", kind.name_fi(), kind.code()),
            format!("Document {} {en} on {on}.", kind.code()),
        ));
    }
    out
}

/// PROV-INSURANCE (KTT 1.4, SK 2.5): liability insurance in force on `on`.
pub fn check_insurance(documents: &[ProviderDocument], on: NaiveDate) -> Vec<Violation> {
    let ok = documents
        .iter()
        .any(|d| d.kind == DocumentKind::LiabilityInsurance && d.in_force_on(on));
    if ok {
        return Vec::new();
    }
    // PROV-INSURANCE
    vec![Violation::of(
        PROV_INSURANCE,
        format!("Palveluntuottajalla ei ole voimassa olevaa vastuuvakuutusta {on}."),
        format!("The provider has no liability insurance in force on {on}."),
    )]
}

/// Where a required document stands on a date, for the county's view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentStatus {
    /// Expired (no document of the kind in force; the last one expired on the date).
    Expired {
        /// The last expiry date.
        expired_on: NaiveDate,
    },
    /// In force, but expiring within the warning window.
    Expiring {
        /// The last day valid.
        expires_on: NaiveDate,
    },
}

/// A required document that has expired or expires soon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentAlert {
    /// Which document.
    pub kind: DocumentKind,
    /// Expired or expiring.
    pub status: DocumentStatus,
}

/// The required documents (see [`required_documents_for`]) that have expired on `on`, or are
/// in force but expire within `warn_days` days (default [`DEFAULT_EXPIRY_WARNING_DAYS`]); a
/// kind with a later document in force that does not expire soon is not reported. Missing
/// kinds are PROV-DOCS violations ([`check_documents_for`]), not alerts.
pub fn document_alerts(
    documents: &[ProviderDocument],
    uses_subcontractors: bool,
    offers_ktt: bool,
    on: NaiveDate,
    warn_days: u64,
) -> Vec<DocumentAlert> {
    let horizon = plus_days(on, warn_days);
    let mut out = Vec::new();
    for kind in required_documents_for(uses_subcontractors, offers_ktt) {
        let of_kind: Vec<&ProviderDocument> = documents.iter().filter(|d| d.kind == kind).collect();
        let in_force: Vec<&&ProviderDocument> =
            of_kind.iter().filter(|d| d.in_force_on(on)).collect();
        if in_force.is_empty() {
            if let Some(expired_on) = of_kind
                .iter()
                .filter_map(|d| d.expires_on)
                .filter(|e| *e < on)
                .max()
            {
                out.push(DocumentAlert {
                    kind,
                    status: DocumentStatus::Expired { expired_on },
                });
            }
            continue;
        }
        // The latest cover among documents in force (None = does not expire).
        let latest = in_force
            .iter()
            .map(|d| d.expires_on)
            .max_by(|a, b| match (a, b) {
                (None, None) => std::cmp::Ordering::Equal,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some(_), None) => std::cmp::Ordering::Less,
                (Some(x), Some(y)) => x.cmp(y),
            })
            .flatten();
        if let Some(expires_on) = latest
            && expires_on <= horizon
        {
            out.push(DocumentAlert {
                kind,
                status: DocumentStatus::Expiring { expires_on },
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::fixtures::{all_docs, d};

    #[test]
    fn document_kind_codes_round_trip() {
        for x in DocumentKind::ALL {
            assert_eq!(DocumentKind::from_code(x.code()), Some(x));
        }
        assert_eq!(
            DocumentKind::SelfMonitoringPlan.code(),
            "SELF_MONITORING_PLAN"
        );
    }

    #[test]
    fn a_document_is_in_force_from_its_issue_to_its_last_day() {
        let doc = ProviderDocument {
            kind: DocumentKind::TaxCertificate,
            issued_on: d(2026, 1, 10),
            expires_on: Some(d(2026, 3, 31)),
        };
        assert!(!doc.in_force_on(d(2026, 1, 9)));
        assert!(doc.in_force_on(d(2026, 1, 10)));
        assert!(doc.in_force_on(d(2026, 3, 31)));
        assert!(!doc.in_force_on(d(2026, 4, 1)));
        let open_ended = ProviderDocument {
            expires_on: None,
            ..doc
        };
        assert!(open_ended.in_force_on(d(2099, 12, 31)));
    }

    #[test]
    fn prov_docs_subcontractors_and_future_documents() {
        let mut docs = all_docs();
        docs.retain(|x| x.kind != DocumentKind::SubcontractorStatement);
        assert!(check_documents(&docs, false, d(2025, 6, 1)).is_empty());
        let v = check_documents(&docs, true, d(2025, 6, 1));
        assert_eq!(v.len(), 1);
        assert!(v[0].message_en.contains("SUBCONTRACTOR_STATEMENT"));
        let v = check_documents(&docs, false, d(2024, 6, 1));
        assert_eq!(v.len(), 8);
        assert!(v[0].message_en.contains("not yet in force"));
    }

    #[test]
    fn expiring_and_expired_documents() {
        let mut docs = all_docs();
        docs.retain(|x| x.kind != DocumentKind::SubcontractorStatement);
        for doc in &mut docs {
            match doc.kind {
                DocumentKind::TaxCertificate => doc.expires_on = Some(d(2026, 3, 20)),
                DocumentKind::LiabilityInsurance => doc.expires_on = Some(d(2026, 2, 28)),
                _ => {}
            }
        }
        // A renewed pension certificate: the old one expired, the new one runs on.
        docs.push(ProviderDocument {
            kind: DocumentKind::PensionInsuranceCertificate,
            issued_on: d(2024, 1, 1),
            expires_on: Some(d(2025, 1, 1)),
        });
        let alerts = document_alerts(
            &docs,
            false,
            true,
            d(2026, 3, 1),
            DEFAULT_EXPIRY_WARNING_DAYS,
        );
        assert_eq!(
            alerts,
            vec![
                DocumentAlert {
                    kind: DocumentKind::LiabilityInsurance,
                    status: DocumentStatus::Expired {
                        expired_on: d(2026, 2, 28)
                    },
                },
                DocumentAlert {
                    kind: DocumentKind::TaxCertificate,
                    status: DocumentStatus::Expiring {
                        expires_on: d(2026, 3, 20)
                    },
                },
            ]
        );
        assert_eq!(
            document_alerts(&docs, false, true, d(2026, 3, 1), 10).len(),
            1
        );
    }
}
