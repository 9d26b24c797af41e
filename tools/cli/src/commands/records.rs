//! `seteli session …` and `seteli absence …`: what a provider's user records of a day, and the
//! lists of them with the voucher's number and the client's name.

use seteli_api::attendance::v1 as apb;

use super::named_rows;
use crate::actions::{self, date};
use crate::cli::{
    AbsenceCmd, AlertCmd, ByArg, ModalityArg, ReasonArg, RecordedDay, SessionCmd, SessionKindArg,
};
use crate::conn::Platform;
use crate::output::{self, Out, at, record, rule_notes};

/// Runs a `seteli session` command.
pub(super) async fn session(p: &Platform, out: Out, c: SessionCmd) -> anyhow::Result<()> {
    match c {
        SessionCmd::Record {
            day:
                RecordedDay {
                    voucher,
                    provider,
                    date: on,
                },
            start,
            end,
            hours,
            modality,
            kind,
            excursion,
            participants,
            coach,
            notes,
            replaces,
        } => {
            let clock =
                |t: Option<(i32, i32)>| t.map(|(hours, minutes)| apb::ClockTime { hours, minutes });
            let details = apb::SessionDetails {
                date: date(on),
                start_time: clock(start),
                end_time: clock(end),
                hours: hours.map(|hundredths| apb::Units { hundredths }),
                modality: match modality {
                    ModalityArg::OnSite => apb::Modality::OnSite,
                    ModalityArg::Phone => apb::Modality::Phone,
                    ModalityArg::Video => apb::Modality::Video,
                } as i32,
                kind: kind.map_or(apb::SessionKind::Unspecified, |k| match k {
                    SessionKindArg::Regular => apb::SessionKind::Regular,
                    SessionKindArg::IndividualDiscussion => apb::SessionKind::IndividualDiscussion,
                    SessionKindArg::IndividualCoaching => apb::SessionKind::IndividualCoaching,
                }) as i32,
                excursion,
                coach,
                notes,
                participants,
            };
            let r = actions::record_session(p, &provider, &voucher, details, replaces.as_deref())
                .await?;
            out.print(&r, |v| {
                record(at(v, "session"), output::SESSION) + &rule_notes(v, "warnings", "warning")
            })
        }
        SessionCmd::Cancel {
            id,
            provider,
            by,
            on,
            substitute_unsuitable,
            client_told,
            replacement,
            documentation,
        } => {
            let s = actions::cancel_session(
                p,
                &provider,
                &id,
                apb::Cancellation {
                    by: match by {
                        ByArg::Client => apb::CancelledBy::Client,
                        ByArg::Provider => apb::CancelledBy::Provider,
                    } as i32,
                    cancelled_on: on.and_then(date),
                    substitute_unsuitable,
                    client_told_on: client_told.and_then(date),
                    replacement_session_id: replacement,
                    documentation,
                },
            )
            .await?;
            out.record(&s, output::SESSION)
        }
        SessionCmd::List { voucher } => {
            let listed = actions::list_sessions(p, &voucher).await?;
            named_rows(p, out, (None, true), &listed, &output::session_listed()).await
        }
    }
}

/// Runs a `seteli absence` command.
pub(super) async fn absence(p: &Platform, out: Out, c: AbsenceCmd) -> anyhow::Result<()> {
    match c {
        AbsenceCmd::Record {
            day:
                RecordedDay {
                    voucher,
                    provider,
                    date: on,
                },
            reason,
            not_arranged,
            certificate,
            notes,
        } => {
            let reason = reason.map(|r| match r {
                ReasonArg::OwnIllness => apb::AbsenceReason::OwnIllness,
                ReasonArg::ChildIllness => apb::AbsenceReason::ChildIllness,
                ReasonArg::JobInterview => apb::AbsenceReason::JobInterview,
                ReasonArg::PublicOffice => apb::AbsenceReason::PublicOffice,
                ReasonArg::Other => apb::AbsenceReason::Other,
            });
            let r = actions::record_absence(
                p,
                &provider,
                apb::RecordAbsenceRequest {
                    voucher_id: voucher,
                    date: date(on),
                    kind: if not_arranged {
                        apb::AbsenceKind::NotArranged
                    } else {
                        apb::AbsenceKind::Absent
                    } as i32,
                    reason: reason.map(|r| r as i32).unwrap_or_default(),
                    notes,
                    certificate_delivered: certificate,
                    ..Default::default()
                },
            )
            .await?;
            out.print(&r, |v| {
                record(at(v, "absence"), output::ABSENCE) + &rule_notes(v, "alerts", "alert")
            })
        }
        AbsenceCmd::List { voucher } => {
            let listed = actions::list_absences(p, &voucher).await?;
            named_rows(p, out, (None, false), &listed, &output::absence_listed()).await
        }
    }
}

/// Runs a `seteli alert` command.
pub(super) async fn alert(p: &Platform, out: Out, c: AlertCmd) -> anyhow::Result<()> {
    match c {
        AlertCmd::List {
            provider,
            voucher,
            open,
            wait,
        } => {
            let state = if open {
                apb::AlertState::Open
            } else {
                apb::AlertState::Unspecified
            };
            let provider = provider.as_deref();
            let fetch = || actions::list_alerts(p, provider, voucher.as_deref(), state);
            let listed = actions::listed(wait, fetch, |l| l.alerts.is_empty()).await?;
            named_rows(p, out, (provider, false), &listed, output::ALERT).await
        }
    }
}
