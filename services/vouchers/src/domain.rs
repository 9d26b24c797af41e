//! Voucher decisions that are not SQL: input validation, the voucher state machine, and the
//! evaluation of a service decision against the rulebooks. The rules themselves live in
//! `seteli_rules` (eligibility, terms, extension, distance, process); this module only gathers
//! their facts and adds what the rules crate leaves to the service (noted where it does).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use seteli_api::vouchers::v1 as pb;
use seteli_platform::convert::{coordinates, date, service_type};
use seteli_platform::{AppError, FieldErrors};
use seteli_rules::eligibility::{
    EligibilityFacts, EmploymentPlan, FourDayRequest, NeedAssessment, PlanKind,
    UnemploymentBenefit, check_eligibility,
};
use seteli_rules::rule_ids::{SK_ELIG_NEED, VOUCHER_VALUE};
use seteli_rules::terms::{VoucherRequest, VoucherSpan, check_extension, check_terms};
use seteli_rules::{ServiceType, Violation};

/// Precondition type when `providers` says the chosen provider is not approved. Not a
/// rulebook rule (RULES.md has no id for it), reported the same way.
pub const PROVIDER_NOT_APPROVED: &str = "PROVIDER-NOT-APPROVED";
/// Precondition type when the chosen provider does not offer the voucher's service.
pub const SERVICE_NOT_OFFERED: &str = "SERVICE-NOT-OFFERED";

/// State of a voucher (see the life cycle in the contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoucherState {
    /// Issued; a chosen provider may be pending acceptance.
    Issued,
    /// Accepted by the chosen provider.
    Assigned,
    /// Service running.
    Active,
    /// Service ended.
    Completed,
    /// Stopped for the client's reasons (PROC-INTERRUPT).
    Interrupted,
    /// Cancelled before it started.
    Cancelled,
    /// Validity ended unused.
    Expired,
}

impl VoucherState {
    /// Every state.
    pub const ALL: [VoucherState; 7] = [
        Self::Issued,
        Self::Assigned,
        Self::Active,
        Self::Completed,
        Self::Interrupted,
        Self::Cancelled,
        Self::Expired,
    ];

    /// Stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Issued => "ISSUED",
            Self::Assigned => "ASSIGNED",
            Self::Active => "ACTIVE",
            Self::Completed => "COMPLETED",
            Self::Interrupted => "INTERRUPTED",
            Self::Cancelled => "CANCELLED",
            Self::Expired => "EXPIRED",
        }
    }

    /// Parses a stored code.
    pub fn parse(s: &str) -> Result<Self, AppError> {
        Self::ALL
            .into_iter()
            .find(|st| st.code() == s)
            .ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!("unknown stored voucher state {s:?}"))
            })
    }

    /// Contract value.
    pub fn to_pb(self) -> i32 {
        pb::VoucherState::from_str_name(&format!("VOUCHER_STATE_{}", self.code()))
            .map(|v| v as i32)
            .unwrap_or_default()
    }

    /// From a contract filter value; `None` for unspecified.
    pub fn from_pb(v: i32) -> Result<Option<Self>, AppError> {
        match pb::VoucherState::try_from(v) {
            Ok(pb::VoucherState::Unspecified) => Ok(None),
            Ok(s) => Self::parse(s.as_str_name().trim_start_matches("VOUCHER_STATE_")).map(Some),
            Err(_) => Err(AppError::invalid("state", "unknown voucher state")),
        }
    }

    /// States in which a voucher counts as held by its client for VOUCHER-EXTENSION's overlap
    /// check. Cancelled, expired and interrupted vouchers no longer hold the period.
    pub const HELD: &'static [VoucherState] =
        &[Self::Issued, Self::Assigned, Self::Active, Self::Completed];
}

/// What a voucher change was (the change feed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// IssueVoucher.
    Issued,
    /// ChooseProvider.
    ProviderChosen,
    /// AcceptVoucher.
    Accepted,
    /// DeclineVoucher.
    Declined,
    /// Started (explicitly or by the first units).
    Started,
    /// RecordUnitsUsed.
    UnitsChanged,
    /// Completed.
    Completed,
    /// Interrupted.
    Interrupted,
    /// Cancelled.
    Cancelled,
    /// Expired.
    Expired,
}

impl ChangeKind {
    /// Every kind.
    pub const ALL: [ChangeKind; 10] = [
        Self::Issued,
        Self::ProviderChosen,
        Self::Accepted,
        Self::Declined,
        Self::Started,
        Self::UnitsChanged,
        Self::Completed,
        Self::Interrupted,
        Self::Cancelled,
        Self::Expired,
    ];

    /// Stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Issued => "ISSUED",
            Self::ProviderChosen => "PROVIDER_CHOSEN",
            Self::Accepted => "ACCEPTED",
            Self::Declined => "DECLINED",
            Self::Started => "STARTED",
            Self::UnitsChanged => "UNITS_CHANGED",
            Self::Completed => "COMPLETED",
            Self::Interrupted => "INTERRUPTED",
            Self::Cancelled => "CANCELLED",
            Self::Expired => "EXPIRED",
        }
    }

    /// Contract value of a stored code (unspecified when unknown).
    pub fn pb_of_code(code: &str) -> i32 {
        pb::VoucherChangeKind::from_str_name(&format!("VOUCHER_CHANGE_KIND_{code}"))
            .map(|v| v as i32)
            .unwrap_or_default()
    }
}

/// Hundredths of a unit as an exact decimal.
pub fn units_decimal(hundredths: i64) -> Decimal {
    Decimal::new(hundredths, 2)
}

/// Contract units.
pub fn to_units(hundredths: i64) -> pb::Units {
    pb::Units { hundredths }
}

/// A decimal number of units as hundredths (the rulebook caps are whole numbers).
pub fn decimal_hundredths(d: Decimal) -> Option<i64> {
    let h = d.checked_mul(Decimal::ONE_HUNDRED)?;
    if !h.fract().is_zero() {
        return None;
    }
    i64::try_from(h).ok()
}

/// Largest accepted quantity of units: 100 000 units (far above any rulebook cap).
const MAX_UNITS_HUNDREDTHS: i64 = 10_000_000;

/// A client's details, checked.
#[derive(Debug, Clone)]
pub struct ClientInput {
    /// The identity code, normalised (upper case).
    pub identity_code: String,
    /// The masked identity code.
    pub identity_code_masked: String,
    /// Date of birth from the identity code.
    pub birth_date: NaiveDate,
    /// Name.
    pub name: String,
    /// Home municipality.
    pub home_municipality: String,
    /// Home latitude.
    pub latitude: f64,
    /// Home longitude.
    pub longitude: f64,
    /// Contact.
    pub contact: pb::ClientContact,
}

/// Checks a client's details; every malformed field at once. The identity code is checked
/// with `seteli_rules::ids::parse_hetu` and never echoed.
pub fn validate_client(d: Option<&pb::ClientDetails>) -> Result<ClientInput, AppError> {
    let d = d.ok_or_else(|| AppError::invalid("details", "required"))?;
    let mut errors = FieldErrors::new();
    let hetu = errors.take(
        "details.identity_code",
        seteli_rules::ids::parse_hetu(&d.identity_code),
    );
    let name = d.name.trim().to_owned();
    errors.check(
        name.is_empty() || name.chars().count() > 200,
        "details.name",
        "required, at most 200 characters",
    );
    let municipality = d.home_municipality.trim().to_owned();
    errors.check(
        municipality.is_empty() || municipality.chars().count() > 100,
        "details.home_municipality",
        "required, at most 100 characters",
    );
    let point = match coordinates("details.home_coordinates", d.home_coordinates.as_ref()) {
        Ok(p) => Some(p),
        Err(AppError::InvalidArgument(v)) => {
            for f in v {
                errors.add(f.field, f.description);
            }
            None
        }
        Err(e) => return Err(e),
    };
    let contact = d.contact.clone().unwrap_or_default();
    let email = contact.email.trim();
    errors.check(
        !(email.is_empty()
            || (email.contains('@')
                && !email.starts_with('@')
                && !email.ends_with('@')
                && !email.contains(' '))),
        "details.contact.email",
        "must be an e-mail address or empty",
    );
    errors.check(
        contact.phone.chars().count() > 50,
        "details.contact.phone",
        "at most 50 characters",
    );
    errors.check(
        contact.postal_address.chars().count() > 300,
        "details.contact.postal_address",
        "at most 300 characters",
    );
    errors.finish()?;
    let (Some(hetu), Some(point)) = (hetu, point) else {
        return Err(AppError::invalid("details", "invalid"));
    };
    Ok(ClientInput {
        identity_code: hetu.to_string(),
        identity_code_masked: hetu.masked(),
        birth_date: hetu.birth_date(),
        name,
        home_municipality: municipality,
        latitude: point.lat,
        longitude: point.lon,
        contact: pb::ClientContact {
            phone: contact.phone.trim().to_owned(),
            email: email.to_owned(),
            postal_address: contact.postal_address.trim().to_owned(),
        },
    })
}

/// A service decision, checked for shape (the rules come later, in [`evaluate_decision`]).
#[derive(Debug, Clone)]
pub struct DecisionInput {
    /// The client.
    pub client_id: String,
    /// The service.
    pub service: ServiceType,
    /// Decision date.
    pub decision_date: NaiveDate,
    /// First valid day.
    pub valid_from: NaiveDate,
    /// Last valid day.
    pub valid_until: NaiveDate,
    /// Granted units, hundredths.
    pub units: i64,
    /// Requested weekly cap, hundredths.
    pub weekly_cap: Option<i64>,
    /// Distance exemption given.
    pub distance_exemption: bool,
    /// The voucher continued, if an extension.
    pub continues: Option<String>,
    /// The decision as recorded (trimmed).
    pub recorded: pb::ServiceDecision,
}

fn field_of(errors: &mut FieldErrors, r: Result<NaiveDate, AppError>) -> Option<NaiveDate> {
    match r {
        Ok(d) => Some(d),
        Err(AppError::InvalidArgument(v)) => {
            for f in v {
                errors.add(f.field, f.description);
            }
            None
        }
        Err(_) => None,
    }
}

/// Checks a decision's shape; every malformed field at once.
pub fn validate_decision(d: Option<&pb::ServiceDecision>) -> Result<DecisionInput, AppError> {
    let d = d.ok_or_else(|| AppError::invalid("decision", "required"))?;
    let mut errors = FieldErrors::new();
    errors.check(
        d.client_id.trim().is_empty(),
        "decision.client_id",
        "required",
    );
    let service = match service_type("decision.service_type", d.service_type) {
        Ok(s) => Some(s),
        Err(_) => {
            errors.add(
                "decision.service_type",
                "required: one of the nine voucher services",
            );
            None
        }
    };
    let decision_date = field_of(
        &mut errors,
        date("decision.decision_date", d.decision_date.as_ref()),
    );
    let valid_from = field_of(
        &mut errors,
        date("decision.valid_from", d.valid_from.as_ref()),
    );
    let valid_until = field_of(
        &mut errors,
        date("decision.valid_until", d.valid_until.as_ref()),
    );
    let units = d.granted_units.map(|u| u.hundredths);
    errors.check(
        !units.is_some_and(|u| (1..=MAX_UNITS_HUNDREDTHS).contains(&u)),
        "decision.granted_units",
        "required: a positive number of hundredths of a unit, at most 100 000 units",
    );
    let weekly_cap = d.weekly_cap.map(|u| u.hundredths);
    errors.check(
        weekly_cap.is_some_and(|w| !(1..=MAX_UNITS_HUNDREDTHS).contains(&w)),
        "decision.weekly_cap",
        "when set: a positive number of hundredths of a unit",
    );
    errors.check(
        pb::UnemploymentBenefit::try_from(d.unemployment_benefit).is_err(),
        "decision.unemployment_benefit",
        "unknown value",
    );
    if let Some(plan) = &d.employment_plan {
        errors.check(
            !matches!(
                pb::PlanKind::try_from(plan.kind),
                Ok(pb::PlanKind::ActivationPlan | pb::PlanKind::MultiSectoralEmploymentPlan)
            ),
            "decision.employment_plan.kind",
            "required when a plan is given",
        );
        errors.check(
            plan.reference.chars().count() > 200,
            "decision.employment_plan.reference",
            "at most 200 characters",
        );
    }
    if let Some(n) = &d.need_assessment {
        errors.check(
            n.reference.chars().count() > 200,
            "decision.need_assessment.reference",
            "at most 200 characters",
        );
    }
    if let Some(v) = &d.four_day_variant {
        errors.check(
            v.justification.chars().count() > 2000,
            "decision.four_day_variant.justification",
            "at most 2000 characters",
        );
    }
    if let Some(x) = &d.distance_exemption {
        errors.check(
            x.reason.trim().is_empty() || x.reason.chars().count() > 2000,
            "decision.distance_exemption.reason",
            "required when an exemption is given, at most 2000 characters",
        );
    }
    errors.finish()?;
    let (Some(service), Some(decision_date), Some(valid_from), Some(valid_until), Some(units)) =
        (service, decision_date, valid_from, valid_until, units)
    else {
        return Err(AppError::invalid("decision", "invalid"));
    };
    let mut recorded = d.clone();
    recorded.client_id = d.client_id.trim().to_owned();
    recorded.continues_voucher_id = d.continues_voucher_id.trim().to_owned();
    Ok(DecisionInput {
        client_id: recorded.client_id.clone(),
        service,
        decision_date,
        valid_from,
        valid_until,
        units,
        weekly_cap,
        distance_exemption: d.distance_exemption.is_some(),
        continues: Some(recorded.continues_voucher_id.clone()).filter(|c| !c.is_empty()),
        recorded,
    })
}

/// The client facts a decision is checked against.
#[derive(Debug, Clone)]
pub struct ClientFacts {
    /// Date of birth.
    pub birth_date: NaiveDate,
    /// Home municipality.
    pub municipality: String,
}

/// Another voucher of the client, for VOUCHER-EXTENSION.
#[derive(Debug, Clone)]
pub struct ExistingVoucher {
    /// Id.
    pub id: String,
    /// Service.
    pub service: ServiceType,
    /// First valid day.
    pub valid_from: NaiveDate,
    /// Last valid day.
    pub valid_until: NaiveDate,
    /// Whether it still holds its period (see [`VoucherState::HELD`]).
    pub held: bool,
}

/// What a decision that passed every rule fixes on its voucher.
#[derive(Debug, Clone)]
pub struct Evaluated {
    /// Rulebook code.
    pub rulebook_code: &'static str,
    /// Rulebook version.
    pub rulebook_version: &'static str,
    /// Rulebook effective date.
    pub rulebook_effective_from: NaiveDate,
    /// Weekly cap in force, hundredths.
    pub weekly_cap: Option<i64>,
    /// Unit price, cents.
    pub unit_price_cents: i64,
    /// Value, cents (VOUCHER-VALUE).
    pub value_cents: i64,
}

/// Checks a decision against every rule at once: eligibility, terms, value and extension.
/// `price_cents` is the ceiling price in force on the decision date, if any.
pub fn evaluate_decision(
    d: &DecisionInput,
    client: &ClientFacts,
    price_cents: Option<i64>,
    existing: &[ExistingVoucher],
) -> Result<Evaluated, AppError> {
    let r = &d.recorded;
    let plan = r.employment_plan.as_ref().and_then(|p| {
        let kind = match pb::PlanKind::try_from(p.kind) {
            Ok(pb::PlanKind::ActivationPlan) => PlanKind::ActivationPlan,
            Ok(pb::PlanKind::MultiSectoralEmploymentPlan) => PlanKind::MultiSectoralEmploymentPlan,
            _ => return None,
        };
        Some(EmploymentPlan {
            kind,
            reference: p.reference.as_str(),
        })
    });
    let benefit = match pb::UnemploymentBenefit::try_from(r.unemployment_benefit) {
        Ok(pb::UnemploymentBenefit::LabourMarketSubsidy) => {
            UnemploymentBenefit::LabourMarketSubsidy
        }
        Ok(pb::UnemploymentBenefit::SocialAssistance) => UnemploymentBenefit::SocialAssistance,
        _ => UnemploymentBenefit::None,
    };
    // SK-ELIG-NEED: the rules crate takes the assessment's findings; the decision must also
    // record the assessment's reference (RULES.md: "a … service-need assessment identified").
    // An assessment without a reference counts as none.
    let need = r
        .need_assessment
        .as_ref()
        .filter(|n| !n.reference.trim().is_empty())
        .map(|n| NeedAssessment {
            social_rehabilitation_need: n.social_rehabilitation_need,
            daily_living_need: n.daily_living_need,
        });
    let missing_need_reference = d.service.is_sk()
        && r.need_assessment
            .as_ref()
            .is_some_and(|n| n.reference.trim().is_empty());
    let four_day = r.four_day_variant.as_ref().map(|v| FourDayRequest {
        not_entitled_to_ktt: v.not_entitled_to_ktt,
        justification: v.justification.as_str(),
    });

    // ELIG-AGE, ELIG-RESIDENCE, KTT-ELIG-UNEMPLOYED, KTT-ELIG-PLAN, SK-ELIG-NEED, SK-TTV-4DAYS
    let mut violations = check_eligibility(&EligibilityFacts {
        service: d.service,
        start_date: d.valid_from,
        birth_date: client.birth_date,
        municipality: &client.municipality,
        job_search_in_force: r.job_search_in_force,
        benefit,
        plan,
        need_assessment: need,
        four_day_variant: four_day,
    });
    if missing_need_reference && !violations.iter().any(|v| v.rule == SK_ELIG_NEED) {
        violations.push(Violation::of(
            SK_ELIG_NEED,
            "Päätökseen on kirjattava palvelutarpeen arvioinnin viite.",
            "The decision must record the reference of the service-need assessment.",
        ));
    }

    // TERM-VALIDITY, CAP-UNITS, CAP-WEEKLY, SK-TTV-4DAYS, VOUCHER-VALUE
    let terms = check_terms(&VoucherRequest {
        service: d.service,
        decision_date: d.decision_date,
        valid_from: d.valid_from,
        valid_until: d.valid_until,
        units: units_decimal(d.units),
        weekly_cap: d.weekly_cap.map(units_decimal),
        unit_price: price_cents
            .map(seteli_rules::money::from_cents)
            .unwrap_or_default(),
        four_day_variant: four_day.is_some(),
    })
    .map_err(|e| AppError::invalid("decision.decision_date", e.to_string()))?;
    let rulebook = seteli_rules::rulebook_for(d.service, d.decision_date)
        .map_err(|e| AppError::invalid("decision.decision_date", e.to_string()))?;
    let price_missing = price_cents.is_none();
    for v in terms.violations {
        // The rules crate reports a zero price as VOUCHER-VALUE; with no price at all the
        // message below says what is really missing.
        if price_missing && v.rule == VOUCHER_VALUE {
            continue;
        }
        violations.push(v);
    }
    // VOUCHER-VALUE: value = units × the ceiling price in force on the decision date.
    if price_missing {
        violations.push(Violation::of(
            VOUCHER_VALUE,
            format!(
                "Palvelulle {} ei ole päätöspäivänä {} voimassa olevaa kattohintaa, joten setelin \
                 arvoa ei voi laskea.",
                d.service.code(),
                d.decision_date
            ),
            format!(
                "No ceiling price of {} is in force on the decision date {}: the voucher's value \
                 cannot be computed.",
                d.service.code(),
                d.decision_date
            ),
        ));
    }

    // VOUCHER-EXTENSION
    let new_id = "(new)";
    let spans: Vec<VoucherSpan<'_>> = existing
        .iter()
        .filter(|e| e.held || d.continues.as_deref() == Some(e.id.as_str()))
        .map(|e| VoucherSpan {
            id: &e.id,
            service: e.service,
            valid_from: e.valid_from,
            valid_until: e.valid_until,
            continues: None,
        })
        .collect();
    violations.extend(check_extension(
        &VoucherSpan {
            id: new_id,
            service: d.service,
            valid_from: d.valid_from,
            valid_until: d.valid_until,
            continues: d.continues.as_deref(),
        },
        &spans,
    ));

    if !violations.is_empty() {
        return Err(AppError::RuleViolations(violations));
    }
    let unit_price_cents = price_cents.unwrap_or_default();
    let value_cents = seteli_rules::money::to_cents(terms.value).ok_or_else(|| {
        AppError::invalid(
            "decision.granted_units",
            "the voucher's value is out of range",
        )
    })?;
    let weekly_cap = match terms.weekly_cap {
        Some(w) => Some(
            decimal_hundredths(w)
                .ok_or_else(|| AppError::invalid("decision.weekly_cap", "at most two decimals"))?,
        ),
        None => None,
    };
    Ok(Evaluated {
        rulebook_code: terms.rulebook_code,
        rulebook_version: terms.rulebook_version,
        rulebook_effective_from: rulebook.effective_from,
        weekly_cap,
        unit_price_cents,
        value_cents,
    })
}

/// The decision as a provider's user sees it: service, dates, units and weekly cap; none of
/// the client's eligibility facts.
pub fn decision_for_provider(d: &pb::ServiceDecision) -> pb::ServiceDecision {
    pb::ServiceDecision {
        client_id: d.client_id.clone(),
        service_type: d.service_type,
        decision_date: d.decision_date,
        valid_from: d.valid_from,
        valid_until: d.valid_until,
        granted_units: d.granted_units,
        weekly_cap: d.weekly_cap,
        continues_voucher_id: d.continues_voucher_id.clone(),
        ..Default::default()
    }
}

/// A trimmed, required free-text field of at most `max` characters.
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String, AppError> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max {
        return Err(AppError::invalid(
            field,
            format!("required, at most {max} characters"),
        ));
    }
    Ok(v.to_owned())
}

/// Today's date in Finland (rules are dated, so an off-by-one at midnight UTC matters).
pub fn today_in_finland() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(2)).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip() {
        for s in VoucherState::ALL {
            assert_eq!(VoucherState::parse(s.code()).ok(), Some(s));
            assert_eq!(VoucherState::from_pb(s.to_pb()).ok().flatten(), Some(s));
        }
        for k in ChangeKind::ALL {
            assert_ne!(ChangeKind::pb_of_code(k.code()), 0);
        }
    }

    #[test]
    fn hundredths() {
        assert_eq!(decimal_hundredths(Decimal::new(25, 1)), Some(250));
        assert_eq!(decimal_hundredths(Decimal::new(1, 3)), None);
        assert_eq!(units_decimal(150), Decimal::new(15, 1));
    }
}
