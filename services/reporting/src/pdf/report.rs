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
