//! Provider approval (RULES.md §4): documents, staff, Soteri registration, the KTT-COMPANY
//! restriction, prices and group sizes; the offering rules of SetOffering
//! ([`check_offering`]); and whether a provider may be chosen for a voucher on a date
//! ([`check_choosable`], [`check_choice`]: documents in force, approval, the service offered,
//! PROV-DISTANCE).
//!
//! | part | holds |
//! | --- | --- |
//! | `documents` | the documents and insurance a provider supplies: PROV-DOCS, PROV-INSURANCE, expiry alerts |
//! | `offerings` | the legal form and one offering's rules: KTT-COMPANY, PROV-PRICE, CAP-GROUP-SIZE |
//! | `staff` | qualifications and the staff rules: PROV-STAFF-SOCIAL, PROV-STAFF-COACH, PROV-STAFF-WORK |
//! | `approval` | every approval rule at once, PROV-SOTERI |
//! | `choice` | choosing a provider for a voucher, and working on one |
//!
//! Every item is used from here (`seteli_rules::provider::check_choice`); the parts are not
//! public paths of their own.

mod approval;
mod choice;
mod documents;
mod offerings;
mod staff;

pub use approval::{
    ApprovalFacts, ProviderFacts, SK_SOTERI_CLASSES, check_approval, check_provider_approval,
    check_staff,
};
pub use choice::{ChoiceFacts, check_choice, check_choosable, check_provider_may_work};
pub use documents::{
    DEFAULT_EXPIRY_WARNING_DAYS, DocumentAlert, DocumentKind, DocumentStatus, ProviderDocument,
    check_documents, check_documents_for, check_insurance, document_alerts, required_documents,
    required_documents_for,
};
pub use offerings::{LegalForm, OFFERING_RULES, Offering, check_offering};
pub use staff::{Qualification, StaffMember, StaffRecord, check_staff_records};

#[cfg(test)]
mod fixtures;
