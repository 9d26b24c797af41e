//! The printed Kela absence notice (ABS-KELA, KTT 3; Kela's form TT3 "Ilmoitus poissaolosta"):
//! a notice's days in a table — present, absent with the reason and whether the benefit is
//! kept, or no service arranged — with the period, its due date and whether it was sent.

use chrono::Datelike;
use seteli_api::reporting::v1 as pb;
use seteli_platform::convert::PbEnum;
use seteli_rules::absences::AbsenceReason;

use super::document::{Document, Section, Table, finnish_date};
use crate::wire::calendar_day as day_of;

/// Finnish weekday abbreviations, Monday first.
const WEEKDAYS_FI: [&str; 7] = ["ma", "ti", "ke", "to", "pe", "la", "su"];

/// Kela's reason in Finnish.
fn reason_fi(r: i32) -> &'static str {
    match pb::KelaAbsenceReason::try_from(r) {
        Ok(pb::KelaAbsenceReason::OwnIllness) => AbsenceReason::OwnIllness.name_fi(),
        Ok(pb::KelaAbsenceReason::ChildIllness) => AbsenceReason::ChildIllness.name_fi(),
        Ok(pb::KelaAbsenceReason::JobInterview) => AbsenceReason::JobInterview.name_fi(),
        Ok(pb::KelaAbsenceReason::PublicOffice) => AbsenceReason::PublicOffice.name_fi(),
        Ok(pb::KelaAbsenceReason::Other) => AbsenceReason::Other.name_fi(),
        _ => "",
    }
}

/// The printable notice (Finnish).
pub fn document(n: &pb::KelaNotice) -> Document {
    let s = n.summary.clone().unwrap_or_default();
    let day =
        |d: Option<&seteli_api::common::v1::Date>| day_of(d).map(finnish_date).unwrap_or_default();
    let mut table = Table::new([
        "Päivä",
        "Tila",
        "Poissaolon syy",
        "Etuus säilyy",
        "Huomautus",
    ])
    .widths([0.18, 0.22, 0.26, 0.12, 0.22]);
    for d in &n.days {
        let date = day_of(d.date.as_ref());
        let weekday = date
            .map(|x| WEEKDAYS_FI[x.weekday().num_days_from_monday() as usize])
            .unwrap_or_default();
        let (status, reason, kept) = match pb::KelaDayStatus::try_from(d.status) {
            Ok(pb::KelaDayStatus::Present) => ("läsnä", "", ""),
            Ok(pb::KelaDayStatus::Absent) => (
                "poissa",
                reason_fi(d.reason),
                if d.benefit_kept { "kyllä" } else { "ei" },
            ),
            _ => ("palvelua ei järjestetä", "", ""),
        };
        let mut note = d.note.clone();
        if d.certificate_delivered {
            note = format!("{note} todistus toimitettu").trim().to_owned();
        }
        table = table.row([
            format!("{weekday} {}", date.map(finnish_date).unwrap_or_default()),
            status.to_owned(),
            reason.to_owned(),
            kept.to_owned(),
            note,
        ]);
    }
    let sent = if s.status == pb::KelaNoticeStatus::Sent as i32 {
        format!(
            "lähetetty {}{}",
            day(s.sent_on.as_ref()),
            if s.late { " (myöhässä)" } else { "" }
        )
    } else {
        "ei lähetetty".to_owned()
    };
    let service = seteli_rules::ServiceType::from_pb(n.service_type)
        .map(|x| x.name_fi())
        .unwrap_or_default();
    Document::new("Ilmoitus poissaolosta (TT3)")
        .subtitle("Kuntouttava työtoiminta – poissaoloilmoitus Kelalle")
        .field("Asiakas", n.client_name.clone())
        .field("Henkilötunnus", n.client_identity_code_masked.clone())
        .field("Palveluntuottaja", n.provider_name.clone())
        .field("Palveluseteli", n.voucher_number.clone())
        .field("Palvelu", service)
        .field(
            "Ajanjakso",
            format!(
                "{}–{}",
                day(s.period_from.as_ref()),
                day(s.period_until.as_ref())
            ),
        )
        .field("Ilmoitettava viimeistään", day(s.due_on.as_ref()))
        .field("Tila", sent)
        .section(
            Section::new("Päivät")
                .paragraph(
                    "Jokainen ajanjakson päivä: läsnä, poissa syineen tai \"palvelua ei \
                     järjestetä\" (esim. arkipyhä tai tauko; ei poissaolo).",
                )
                .table(table),
        )
        .section(
            Section::new("Yhteenveto")
                .field("Läsnäolopäivät", n.present_days.to_string())
                .field("Poissaolopäivät", n.absent_days.to_string())
                .field(
                    "Poissaolopäivät, joilta etuus menetetään",
                    n.benefit_lost_days.to_string(),
                )
                .paragraph(if n.complete {
                    "Ajanjakso on päättynyt."
                } else {
                    "Ajanjakso on kesken: päivät tähän päivään asti."
                }),
        )
        .footer("Seteli – Pohjois-Savon hyvinvointialue (ABS-KELA, KTT 3)")
}
