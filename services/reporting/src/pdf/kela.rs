//! The printed Kela absence notice (ABS-KELA, KTT 3; Kela's form TT3 "Ilmoitus poissaolosta"):
//! a notice's days in a table — present, absent with the reason and whether the benefit is
//! kept, or no service arranged — with the period, its due date and whether it was sent, and
//! the provider who sends it: name, business id, contact person and phone (TT3).

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

/// Where the registry did not answer: the provider's details are left to be filled in.
pub const PROVIDER_UNKNOWN: &str =
    "ei saatavilla (palveluntuottajarekisteri ei vastannut) – täydennä ennen lähettämistä";

/// The provider's part of the header: (label, value) in TT3's order, from the registry's
/// record on the notice; without one, the voucher's provider name and [`PROVIDER_UNKNOWN`].
fn provider_fields(n: &pb::KelaNotice) -> [(&'static str, String); 4] {
    match &n.provider {
        Some(p) => [
            ("Palveluntuottaja", p.name.clone()),
            ("Y-tunnus", p.business_id.clone()),
            ("Yhteyshenkilö", p.contact_name.clone()),
            ("Puhelin", p.contact_phone.clone()),
        ],
        None => [
            ("Palveluntuottaja", n.provider_name.clone()),
            ("Y-tunnus", PROVIDER_UNKNOWN.to_owned()),
            ("Yhteyshenkilö", PROVIDER_UNKNOWN.to_owned()),
            ("Puhelin", PROVIDER_UNKNOWN.to_owned()),
        ],
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
    let mut doc = Document::new("Ilmoitus poissaolosta (TT3)")
        .subtitle("Kuntouttava työtoiminta – poissaoloilmoitus Kelalle")
        .field("Asiakas", n.client_name.clone())
        // Kela identifies the person by the full code, which only the voucher's provider and the
        // county get (KelaNotice.client_identity_code); anybody else's copy carries the mask.
        .field(
            "Henkilötunnus",
            if n.client_identity_code.is_empty() {
                n.client_identity_code_masked.clone()
            } else {
                n.client_identity_code.clone()
            },
        );
    for (label, value) in provider_fields(n) {
        doc = doc.field(label, value);
    }
    doc.field("Palveluseteli", n.voucher_number.clone())
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

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use seteli_platform::convert::to_date;
    use seteli_rules::ServiceType;

    use super::*;
    use crate::pdf::Block;
    use crate::testing::d;

    fn day(date: NaiveDate, status: pb::KelaDayStatus) -> pb::KelaDay {
        pb::KelaDay {
            date: Some(to_date(date)),
            status: status as i32,
            ..Default::default()
        }
    }

    fn notice() -> pb::KelaNotice {
        pb::KelaNotice {
            summary: Some(pb::KelaNoticeSummary {
                period_from: Some(to_date(d(2026, 3, 30))),
                period_until: Some(to_date(d(2026, 4, 12))),
                due_on: Some(to_date(d(2026, 4, 14))),
                status: pb::KelaNoticeStatus::Sent as i32,
                sent_on: Some(to_date(d(2026, 4, 15))),
                late: true,
                ..Default::default()
            }),
            voucher_number: "PS-2026-0001".into(),
            client_name: "Åsa Öberg".into(),
            client_identity_code_masked: "010190-****".into(),
            client_identity_code: String::new(),
            provider_name: "Työpaja Örö Oy".into(),
            provider: Some(pb::KelaNoticeProvider {
                provider_id: "p1".into(),
                name: "Työpaja Örö Oy".into(),
                business_id: "0737546-2".into(),
                contact_name: "Maija Meikäläinen".into(),
                contact_phone: "+358 40 123 4567".into(),
            }),
            service_type: ServiceType::KttWorkCapacity.to_pb(),
            days: vec![
                day(d(2026, 3, 30), pb::KelaDayStatus::Present),
                pb::KelaDay {
                    reason: pb::KelaAbsenceReason::ChildIllness as i32,
                    benefit_kept: true,
                    certificate_delivered: true,
                    ..day(d(2026, 3, 31), pb::KelaDayStatus::Absent)
                },
                pb::KelaDay {
                    reason: pb::KelaAbsenceReason::Other as i32,
                    note: "ei saapunut".into(),
                    ..day(d(2026, 4, 1), pb::KelaDayStatus::Absent)
                },
                pb::KelaDay {
                    note: "pitkäperjantai".into(),
                    ..day(d(2026, 4, 3), pb::KelaDayStatus::NotArranged)
                },
            ],
            complete: true,
            present_days: 1,
            absent_days: 2,
            benefit_lost_days: 1,
        }
    }

    #[test]
    fn the_notice_lists_every_day_with_its_reason_and_benefit() {
        let doc = document(&notice());
        assert_eq!(doc.title, "Ilmoitus poissaolosta (TT3)");
        let field = |label: &str| {
            doc.header
                .iter()
                .find(|f| f.label == label)
                .map(|f| f.value.clone())
        };
        assert_eq!(field("Henkilötunnus").as_deref(), Some("010190-****"));
        assert_eq!(field("Palveluntuottaja").as_deref(), Some("Työpaja Örö Oy"));
        assert_eq!(field("Y-tunnus").as_deref(), Some("0737546-2"));
        assert_eq!(field("Yhteyshenkilö").as_deref(), Some("Maija Meikäläinen"));
        assert_eq!(field("Puhelin").as_deref(), Some("+358 40 123 4567"));
        assert_eq!(field("Ajanjakso").as_deref(), Some("30.3.2026–12.4.2026"));
        assert_eq!(
            field("Ilmoitettava viimeistään").as_deref(),
            Some("14.4.2026")
        );
        assert_eq!(
            field("Tila").as_deref(),
            Some("lähetetty 15.4.2026 (myöhässä)")
        );
        assert_eq!(
            field("Palvelu").as_deref(),
            Some(ServiceType::KttWorkCapacity.name_fi())
        );
        let Some(Block::Table(table)) = doc.sections[0].blocks.get(1) else {
            panic!("the days' table");
        };
        assert_eq!(
            table.rows,
            [
                ["ma 30.3.2026", "läsnä", "", "", ""],
                [
                    "ti 31.3.2026",
                    "poissa",
                    AbsenceReason::ChildIllness.name_fi(),
                    "kyllä",
                    "todistus toimitettu"
                ],
                [
                    "ke 1.4.2026",
                    "poissa",
                    AbsenceReason::Other.name_fi(),
                    "ei",
                    "ei saapunut"
                ],
                [
                    "pe 3.4.2026",
                    "palvelua ei järjestetä",
                    "",
                    "",
                    "pitkäperjantai"
                ],
            ]
        );
        if let Err(e) = doc.render() {
            panic!("renders: {e:?}");
        }
    }

    #[test]
    fn a_notice_not_sent_says_so_and_an_open_period_is_marked_unfinished() {
        let mut n = notice();
        n.complete = false;
        if let Some(s) = n.summary.as_mut() {
            s.status = pb::KelaNoticeStatus::Due as i32;
            s.sent_on = None;
        }
        let doc = document(&n);
        assert!(
            doc.header
                .iter()
                .any(|f| f.label == "Tila" && f.value == "ei lähetetty")
        );
        let summary = &doc.sections[1];
        assert_eq!(summary.title, "Yhteenveto");
        assert!(summary.blocks.iter().any(|b| matches!(
            b,
            Block::Paragraph(p) if p.starts_with("Ajanjakso on kesken")
        )));
    }

    #[test]
    fn without_the_registry_the_notice_names_the_voucher_s_provider_and_asks_to_complete_it() {
        let mut n = notice();
        n.provider = None;
        n.provider_name = "Valmennus ry".into();
        let doc = document(&n);
        let field = |label: &str| {
            doc.header
                .iter()
                .find(|f| f.label == label)
                .map(|f| f.value.clone())
        };
        assert_eq!(field("Palveluntuottaja").as_deref(), Some("Valmennus ry"));
        for label in ["Y-tunnus", "Yhteyshenkilö", "Puhelin"] {
            assert_eq!(field(label).as_deref(), Some(PROVIDER_UNKNOWN), "{label}");
        }
        if let Err(e) = doc.render() {
            panic!("renders: {e:?}");
        }
    }
}
