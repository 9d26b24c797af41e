//! The voucher context's own types: the voucher state machine, the kinds of change the feed
//! carries, the codes of why a service ended or a provider declined, units, and the checked
//! inputs of clients and decisions.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use seteli_api::vouchers::v1 as pb;
use seteli_platform::{coded, pb_enum};
use seteli_rules::ServiceType;

coded! {
    /// State of a voucher (see the life cycle in the contract).
    VoucherState {
        /// Issued; a chosen provider may be pending acceptance.
        Issued = "ISSUED",
        /// Accepted by the chosen provider.
        Assigned = "ASSIGNED",
        /// Service running.
        Active = "ACTIVE",
        /// Service ended.
        Completed = "COMPLETED",
        /// Stopped for the client's reasons (PROC-INTERRUPT).
        Interrupted = "INTERRUPTED",
        /// Cancelled before it started.
        Cancelled = "CANCELLED",
        /// Validity ended unused.
        Expired = "EXPIRED",
    }
}

impl VoucherState {
    /// States in which a voucher counts as held by its client for VOUCHER-EXTENSION's overlap
    /// check. Cancelled, expired and interrupted vouchers no longer hold the period.
    pub const HELD: &'static [VoucherState] =
        &[Self::Issued, Self::Assigned, Self::Active, Self::Completed];
}

coded! {
    /// What a voucher change was (the change feed).
    ChangeKind {
        /// IssueVoucher.
        Issued = "ISSUED",
        /// ChooseProvider.
        ProviderChosen = "PROVIDER_CHOSEN",
        /// AcceptVoucher.
        Accepted = "ACCEPTED",
        /// DeclineVoucher.
        Declined = "DECLINED",
        /// Started (explicitly or by the first units).
        Started = "STARTED",
        /// The units used changed (attendance's usage feed).
        UnitsChanged = "UNITS_CHANGED",
        /// Completed.
        Completed = "COMPLETED",
        /// Interrupted.
        Interrupted = "INTERRUPTED",
        /// Cancelled.
        Cancelled = "CANCELLED",
        /// Expired.
        Expired = "EXPIRED",
    }
}

coded! {
    /// Why a service ended before its time (an interruption or a cancellation): the code the
    /// change feed carries instead of the free-text reason.
    EndReasonKind {
        /// The client's state of health (asiakkaan terveydentila).
        ClientHealth = "CLIENT_HEALTH",
        /// The client moved away (muutto).
        ClientMoved = "CLIENT_MOVED",
        /// The client found work or began studies (työllistyminen tai opiskelu).
        ClientEmployedOrStudying = "CLIENT_EMPLOYED_OR_STUDYING",
        /// The client chose to stop or not to start (asiakas keskeytti tai perui).
        ClientWithdrew = "CLIENT_WITHDREW",
        /// The client does not take part or cannot be reached.
        ClientNotAttending = "CLIENT_NOT_ATTENDING",
        /// The service does not suit the client's needs (palvelu ei sovellu).
        ServiceNotSuitable = "SERVICE_NOT_SUITABLE",
        /// The client moves to another service or benefit.
        OtherService = "OTHER_SERVICE",
        /// No suitable provider could take the client.
        NoSuitableProvider = "NO_SUITABLE_PROVIDER",
        /// The provider cannot continue the service.
        ProviderCannotContinue = "PROVIDER_CANNOT_CONTINUE",
        /// The service decision was changed or withdrawn (päätös muuttui).
        DecisionChanged = "DECISION_CHANGED",
        /// Another reason (muu syy).
        Other = "OTHER",
    }
}

coded! {
    /// Why the chosen provider declined a voucher: the code the change feed carries instead of
    /// the free-text reason.
    DeclineReasonKind {
        /// No free place (ei vapaita paikkoja).
        NoPlace = "NO_PLACE",
        /// The provider cannot meet the client's needs.
        CannotMeetNeeds = "CANNOT_MEET_NEEDS",
        /// The client lives outside the provider's area of operation.
        OutsideArea = "OUTSIDE_AREA",
        /// The service cannot start in time.
        CannotStartInTime = "CANNOT_START_IN_TIME",
        /// The client could not be reached to agree on the start.
        ClientNotReached = "CLIENT_NOT_REACHED",
        /// Another reason (muu syy).
        Other = "OTHER",
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
pub const MAX_UNITS_HUNDREDTHS: i64 = 10_000_000;

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

/// A service decision, checked for shape (the rules come later, in `ops`).
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

/// The dates of a voucher's start checklist (PROC-START, PROC-COACH, KTT-STEWARD), as stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StartDates {
    /// When the client chose the pending or accepting provider; `None` for a choice recorded
    /// before the date was stored.
    pub provider_chosen_on: Option<NaiveDate>,
    /// A start date agreed at the choice.
    pub agreed_start_on: Option<NaiveDate>,
    /// When the provider accepted (the contract was made).
    pub accepted_on: Option<NaiveDate>,
    /// When the responsible coach was named.
    pub coach_named_on: Option<NaiveDate>,
    /// When the chief shop steward was notified.
    pub steward_notified_on: Option<NaiveDate>,
    /// When the service started.
    pub started_on: Option<NaiveDate>,
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

pb_enum!(VoucherState, pb::VoucherState {
    Issued => Issued,
    Assigned => Assigned,
    Active => Active,
    Completed => Completed,
    Interrupted => Interrupted,
    Cancelled => Cancelled,
    Expired => Expired,
});

pb_enum!(ChangeKind, pb::VoucherChangeKind {
    Issued => Issued,
    ProviderChosen => ProviderChosen,
    Accepted => Accepted,
    Declined => Declined,
    Started => Started,
    UnitsChanged => UnitsChanged,
    Completed => Completed,
    Interrupted => Interrupted,
    Cancelled => Cancelled,
    Expired => Expired,
});

pb_enum!(EndReasonKind, pb::EndReasonKind {
    ClientHealth => ClientHealth,
    ClientMoved => ClientMoved,
    ClientEmployedOrStudying => ClientEmployedOrStudying,
    ClientWithdrew => ClientWithdrew,
    ClientNotAttending => ClientNotAttending,
    ServiceNotSuitable => ServiceNotSuitable,
    OtherService => OtherService,
    NoSuitableProvider => NoSuitableProvider,
    ProviderCannotContinue => ProviderCannotContinue,
    DecisionChanged => DecisionChanged,
    Other => Other,
});

pb_enum!(DeclineReasonKind, pb::DeclineReasonKind {
    NoPlace => NoPlace,
    CannotMeetNeeds => CannotMeetNeeds,
    OutsideArea => OutsideArea,
    CannotStartInTime => CannotStartInTime,
    ClientNotReached => ClientNotReached,
    Other => Other,
});

#[cfg(test)]
mod tests {
    use super::*;
    use seteli_platform::convert::PbEnum;

    #[test]
    fn states_and_kinds_round_trip() {
        for &s in VoucherState::ALL {
            assert_eq!(VoucherState::parse(s.code()).ok(), Some(s));
            assert_eq!(VoucherState::from_pb(s.to_pb()), Some(s));
        }
        for &k in ChangeKind::ALL {
            assert_eq!(ChangeKind::parse(k.code()).ok(), Some(k));
            assert_eq!(ChangeKind::from_pb(k.to_pb()), Some(k));
        }
    }

    #[test]
    fn reason_codes_are_the_contract_names_without_their_prefix() {
        for k in EndReasonKind::ALL {
            assert_eq!(EndReasonKind::parse(k.code()).ok(), Some(*k));
            assert_eq!(EndReasonKind::from_pb(k.to_pb()), Some(*k));
            let name = pb::EndReasonKind::try_from(k.to_pb()).expect("a contract value");
            assert_eq!(name.as_str_name(), format!("END_REASON_KIND_{}", k.code()));
        }
        for k in DeclineReasonKind::ALL {
            assert_eq!(DeclineReasonKind::parse(k.code()).ok(), Some(*k));
            assert_eq!(DeclineReasonKind::from_pb(k.to_pb()), Some(*k));
            let name = pb::DeclineReasonKind::try_from(k.to_pb()).expect("a contract value");
            assert_eq!(
                name.as_str_name(),
                format!("DECLINE_REASON_KIND_{}", k.code())
            );
        }
        assert_eq!(EndReasonKind::from_pb(0), None);
        assert_eq!(DeclineReasonKind::from_pb(0), None);
    }

    #[test]
    fn hundredths() {
        assert_eq!(decimal_hundredths(Decimal::new(25, 1)), Some(250));
        assert_eq!(decimal_hundredths(Decimal::new(1, 3)), None);
        assert_eq!(units_decimal(150), Decimal::new(15, 1));
    }
}
