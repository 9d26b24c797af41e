//! The printed report (REP-DELIVERY): a report in Finnish for the client's paper copy and the
//! county, with what it says of the county, voucher, provider and client ([`Printed`]); an SK
//! interim report of a continued service prints the earlier periods' dated sections first
//! (REP-INTERIM-SK, SK 3.1).

use seteli_rules::reports::ReportKind;

use super::document::{Document, Section, finnish_date};
use crate::model::{DatedSection, ObligationRow, ReportState, Sections, Voucher};

/// What a printed report says of its county, voucher, provider and client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Printed {
    /// The county's name.
    pub county: String,
    /// The voucher's number (its id when the number is not known).
    pub voucher_number: String,
    /// The provider's name (its id when the name is not known).
    pub provider_name: String,
    /// The client's name, and nothing more of the client.
    pub client_name: String,
}

/// The Finnish headings of a report's sections, in print order.
fn topics(s: &Sections) -> [(&'static str, &str); 5] {
    [
        (
            "Palvelun tavoitteet ja niiden toteutuminen",
            &s.goals_and_attainment,
        ),
        ("Palvelun aikana toteutuneet muutokset", &s.changes),
        ("Käytetyt keinot ja esimerkit", &s.means_with_examples),
        ("Realistinen jatkosuunnitelma", &s.follow_up_plan),
        ("Muuta", &s.notes),
    ]
}

fn period(from: chrono::NaiveDate, until: chrono::NaiveDate) -> String {
    format!("{}–{}", finnish_date(from), finnish_date(until))
}

/// The printed report: the county, provider, voucher number, client's name, service, period
/// and dates in the header; then, for an SK interim report of a continued service, each earlier
/// period's sections dated by their submission; then the report's own sections.
pub fn report_document(
    printed: &Printed,
    o: &ObligationRow,
    v: &Voucher,
    earlier: &[DatedSection],
) -> Document {
    let title = match o.kind {
        ReportKind::Interim => "Väliraportti",
        ReportKind::Final => "Loppuraportti",
    };
    let mut own_period = period(v.valid_from, v.valid_until);
    if let Some(ended) = v.ended_on.filter(|e| *e < v.valid_until) {
        own_period.push_str(&format!(" (päättyi {})", finnish_date(ended)));
    }
    let state = match o.state {
        ReportState::NotStarted => "Ei aloitettu".to_owned(),
        ReportState::Draft => "Luonnos – ei vielä palautettu".to_owned(),
        ReportState::RevisionRequested => "Palautettu täydennettäväksi".to_owned(),
        ReportState::Submitted | ReportState::Acknowledged => {
            let on = o.submitted_on.map(finnish_date).unwrap_or_default();
            let mut s = format!("Palautettu {on}");
            if o.state == ReportState::Acknowledged {
                s.push_str(", vastaanotettu");
            }
            if o.late {
                s.push_str(" (myöhässä)");
            }
            s
        }
    };
    let mut doc = Document::new(title)
        .subtitle(printed.county.clone())
        .field("Palveluntuottaja", printed.provider_name.clone())
        .field("Palveluseteli", printed.voucher_number.clone())
        .field("Asiakas", printed.client_name.clone())
        .field("Palvelu", o.service.name_fi())
        .field("Palvelujakso", own_period.clone())
        .field("Määräpäivä", finnish_date(o.due_on))
        .field("Tila", state)
        .field(
            "Sääntökirja",
            seteli_rules::rule_ids::section(&o.rule).to_owned(),
        )
        .footer(format!(
            "Luottamuksellinen · {} · palveluseteli {}",
            printed.county, printed.voucher_number
        ));
    if o.state == ReportState::RevisionRequested && !o.revision_reason.is_empty() {
        doc = doc.section(Section::new("Täydennyspyyntö").paragraph(o.revision_reason.clone()));
    }
    let with_topics = |mut section: Section, s: &Sections| {
        let mut any = false;
        for (heading, text) in topics(s) {
            if !text.trim().is_empty() {
                section = section.heading(heading).paragraph(text);
                any = true;
            }
        }
        if !any {
            section = section.paragraph("(ei kirjattu)");
        }
        section
    };
    if earlier.is_empty() {
        let mut any = false;
        for (heading, text) in topics(&o.sections) {
            if !text.trim().is_empty() {
                doc = doc.section(Section::new(heading).paragraph(text));
                any = true;
            }
        }
        if !any {
            doc = doc.section(Section::new("Raportti").paragraph("(ei kirjattu)"));
        }
    } else {
        // SK 3.1: the same report, supplemented period by period, each dated.
        for e in earlier {
            let section = Section::new(format!("Jakso {}", period(e.period_from, e.period_until)))
                .dated(e.dated_on);
            doc = doc.section(with_topics(section, &e.sections));
        }
        let mut section = Section::new(format!("Jakso {own_period}"));
        if let Some(on) = o.submitted_on.filter(|_| o.state.handed_in()) {
            section = section.dated(on);
        }
        doc = doc.section(with_topics(section, &o.sections));
    }
    doc
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use seteli_rules::ServiceType;
    use seteli_rules::rule_ids::{REP_FINAL, REP_INTERIM_SK};

    use super::*;
    use crate::pdf::{Block, Field};
    use crate::testing::{d, voucher};

    fn printed() -> Printed {
        Printed {
            county: "Pohjois-Savon hyvinvointialue".into(),
            voucher_number: "PS-2026-0001".into(),
            provider_name: "Työpaja Örö Oy".into(),
            client_name: "Åsa Öberg".into(),
        }
    }

    fn report(kind: ReportKind, rule: &str, state: ReportState) -> ObligationRow {
        ObligationRow {
            id: format!("v-2/{rule}"),
            voucher_id: "v-2".into(),
            client_id: "c-1".into(),
            provider_id: "p-1".into(),
            social_worker: "sw-1".into(),
            social_worker_team: String::new(),
            service: ServiceType::SkGroup,
            kind,
            rule: rule.into(),
            due_on: d(2026, 9, 14),
            active: true,
            state,
            sections: Sections::default(),
            submitted_on: None,
            late: false,
            revision_reason: String::new(),
            version: 1,
        }
    }

    fn field<'a>(doc: &'a Document, label: &str) -> Option<&'a str> {
        doc.header
            .iter()
            .find(|f| f.label == label)
            .map(|f| f.value.as_str())
    }

    fn paragraphs(section: &Section) -> Vec<&str> {
        section
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Paragraph(p) => Some(p.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_late_final_report_of_a_service_ended_early_prints_its_header_and_written_sections() {
        let mut v = voucher(ServiceType::KttGroup);
        v.ended_on = Some(d(2026, 6, 12));
        let mut o = report(ReportKind::Final, REP_FINAL, ReportState::Submitted);
        o.submitted_on = Some(d(2026, 7, 1));
        o.late = true;
        o.sections.goals_and_attainment = "Tavoitteet saavutettiin.".into();
        o.sections.follow_up_plan = "Jatketaan työkokeilulla.".into();
        let doc = report_document(&printed(), &o, &v, &[]);
        assert_eq!(doc.title, "Loppuraportti");
        assert_eq!(
            doc.subtitle.as_deref(),
            Some("Pohjois-Savon hyvinvointialue")
        );
        assert_eq!(field(&doc, "Asiakas"), Some("Åsa Öberg"));
        assert_eq!(field(&doc, "Palveluseteli"), Some("PS-2026-0001"));
        assert_eq!(
            field(&doc, "Palvelujakso"),
            Some("2.3.2026–31.8.2026 (päättyi 12.6.2026)")
        );
        assert_eq!(field(&doc, "Määräpäivä"), Some("14.9.2026"));
        assert_eq!(field(&doc, "Tila"), Some("Palautettu 1.7.2026 (myöhässä)"));
        // Only the sections written, in print order.
        let titles: Vec<&str> = doc.sections.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Palvelun tavoitteet ja niiden toteutuminen",
                "Realistinen jatkosuunnitelma"
            ]
        );
        assert!(
            doc.footer
                .as_deref()
                .is_some_and(|f| f.contains("PS-2026-0001"))
        );
        assert!(
            doc.header
                .contains(&Field::new("Palveluntuottaja", "Työpaja Örö Oy"))
        );
    }

    #[test]
    fn a_report_sent_back_prints_the_request_and_an_empty_one_says_so() {
        let mut o = report(
            ReportKind::Interim,
            REP_INTERIM_SK,
            ReportState::RevisionRequested,
        );
        o.revision_reason = "Lisää esimerkkejä.".into();
        let doc = report_document(&printed(), &o, &voucher(ServiceType::SkGroup), &[]);
        assert_eq!(doc.title, "Väliraportti");
        assert_eq!(field(&doc, "Tila"), Some("Palautettu täydennettäväksi"));
        assert_eq!(doc.sections[0].title, "Täydennyspyyntö");
        assert_eq!(paragraphs(&doc.sections[0]), ["Lisää esimerkkejä."]);
        assert_eq!(doc.sections[1].title, "Raportti");
        assert_eq!(paragraphs(&doc.sections[1]), ["(ei kirjattu)"]);
    }

    #[test]
    fn an_sk_interim_report_of_a_continued_service_prints_each_period_dated() {
        let earlier = DatedSection {
            report_id: format!("v-1/{REP_INTERIM_SK}"),
            voucher_id: "v-1".into(),
            period_from: d(2025, 9, 1),
            period_until: d(2026, 3, 1),
            dated_on: d(2025, 12, 1),
            sections: Sections {
                changes: "Osallistuminen vakiintui.".into(),
                ..Sections::default()
            },
        };
        let mut o = report(
            ReportKind::Interim,
            REP_INTERIM_SK,
            ReportState::Acknowledged,
        );
        o.submitted_on = Some(d(2026, 6, 1));
        o.sections.notes = "Ryhmä vaihtui.".into();
        let doc = report_document(&printed(), &o, &voucher(ServiceType::SkGroup), &[earlier]);
        assert_eq!(
            field(&doc, "Tila"),
            Some("Palautettu 1.6.2026, vastaanotettu")
        );
        let periods: Vec<(&str, Option<NaiveDate>)> = doc
            .sections
            .iter()
            .map(|s| (s.title.as_str(), s.date))
            .collect();
        assert_eq!(
            periods,
            [
                ("Jakso 1.9.2025–1.3.2026", Some(d(2025, 12, 1))),
                ("Jakso 2.3.2026–31.8.2026", Some(d(2026, 6, 1))),
            ]
        );
        assert_eq!(paragraphs(&doc.sections[0]), ["Osallistuminen vakiintui."]);
        assert_eq!(paragraphs(&doc.sections[1]), ["Ryhmä vaihtui."]);
        assert!(doc.render().is_ok());
    }
}
