//! `seteli session …`, `seteli absence …` and `seteli alert …`: what a provider's user records of
//! a day, and the alerts attendance raises of them.

use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};

use crate::values::{parse_date, parse_time, parse_units};

/// What a provider's user records a day of (a session, an absence) on.
#[derive(Debug, Args)]
pub struct RecordedDay {
    /// The voucher id.
    pub voucher: String,
    /// The provider whose user records.
    #[arg(long)]
    pub provider: String,
    /// The day.
    #[arg(long, value_parser = parse_date)]
    pub date: NaiveDate,
}

/// Where a session took place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModalityArg {
    /// On site, in person.
    OnSite,
    /// Remote, by phone.
    Phone,
    /// Remote, by video.
    Video,
}

/// What a session is, beside a regular one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SessionKindArg {
    /// A session of the voucher's service.
    Regular,
    /// A KTT group coaching individual discussion (KTT_GROUP only; consumes no units).
    IndividualDiscussion,
    /// The individual coaching included in KTT work activity (consumes no units).
    IndividualCoaching,
}

/// Who cancelled a session.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ByArg {
    /// The client (before the day: not billable; on the day or not at all: a no-show).
    Client,
    /// The provider (BILL-PROVIDER-CANCEL: never billable).
    Provider,
}

/// `seteli session …`.
#[derive(Debug, Subcommand)]
pub enum SessionCmd {
    /// Record a session as the provider's user.
    Record {
        /// The voucher, the provider and the day.
        #[command(flatten)]
        day: RecordedDay,
        /// Start time HH:MM.
        #[arg(long, value_parser = parse_time)]
        start: Option<(i32, i32)>,
        /// End time HH:MM.
        #[arg(long, value_parser = parse_time)]
        end: Option<(i32, i32)>,
        /// Hours (group sessions, activity days) when not given by the clock times, e.g. 4
        /// or 2.5.
        #[arg(long, value_parser = parse_units)]
        hours: Option<i64>,
        /// Where it took place: on site, or remote by phone or video (KTT-NOT-ONLY-REMOTE).
        #[arg(long, value_enum)]
        modality: ModalityArg,
        /// What it was, when not a regular session of the voucher's service.
        #[arg(long, value_enum)]
        kind: Option<SessionKindArg>,
        /// SK group: an excursion day (CAP-SESSION-LENGTH allows it more hours).
        #[arg(long)]
        excursion: bool,
        /// Group services: the clients in the session, this one included.
        #[arg(long, default_value_t = 0)]
        participants: i32,
        /// The coach (default: the responsible coach).
        #[arg(long, default_value = "")]
        coach: String,
        /// The daily record.
        #[arg(long, default_value = "")]
        notes: String,
        /// The provider-cancelled session this one replaces.
        #[arg(long)]
        replaces: Option<String>,
    },
    /// Cancel a session as the provider's user.
    Cancel {
        /// The session id.
        id: String,
        /// The provider whose user cancels.
        #[arg(long)]
        provider: String,
        /// Who cancelled.
        #[arg(long, value_enum)]
        by: ByArg,
        /// When it was cancelled (unset and by the client: the client did not come).
        #[arg(long, value_parser = parse_date)]
        on: Option<NaiveDate>,
        /// Provider: a substitute worker would not suit the client.
        #[arg(long)]
        substitute_unsuitable: bool,
        /// Provider: when the client was told.
        #[arg(long, value_parser = parse_date)]
        client_told: Option<NaiveDate>,
        /// Provider: the replacement session.
        #[arg(long, default_value = "")]
        replacement: String,
        /// Provider: what was written in the client's daily record.
        #[arg(long, default_value = "")]
        documentation: String,
    },
    /// A voucher's sessions.
    List {
        /// The voucher id.
        voucher: String,
    },
}

/// A Kela absence reason.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReasonArg {
    /// Own illness.
    OwnIllness,
    /// Illness of the client's child under 10.
    ChildIllness,
    /// A job interview or similar.
    JobInterview,
    /// A public office of trust.
    PublicOffice,
    /// Any other reason (loses the benefit for the day).
    Other,
}

/// `seteli absence …`.
#[derive(Debug, Subcommand)]
pub enum AbsenceCmd {
    /// Record an absence (or a day with no service arranged) as the provider's user.
    Record {
        /// The voucher, the provider and the day.
        #[command(flatten)]
        day: RecordedDay,
        /// The Kela reason of an absence.
        #[arg(long, value_enum, conflicts_with = "not_arranged")]
        reason: Option<ReasonArg>,
        /// No service was arranged that day (not an absence).
        #[arg(long)]
        not_arranged: bool,
        /// A nurse's or doctor's certificate was delivered.
        #[arg(long)]
        certificate: bool,
        /// Notes.
        #[arg(long, default_value = "")]
        notes: String,
    },
    /// A voucher's absences.
    List {
        /// The voucher id.
        voucher: String,
    },
}

/// `seteli alert …`.
#[derive(Debug, Subcommand)]
pub enum AlertCmd {
    /// Attendance's alerts (ABS-*, a week without a session …) with the voucher number and the
    /// client's name: a provider's, as its user; or every one, as the county.
    List {
        /// Only this provider's, as its user.
        #[arg(long)]
        provider: Option<String>,
        /// Only this voucher's.
        #[arg(long)]
        voucher: Option<String>,
        /// Only those still open.
        #[arg(long)]
        open: bool,
        /// Ask again until the list holds something, for up to this many seconds: what one
        /// service derives from another's change reaches it within a second or so.
        #[arg(long, value_name = "SECONDS", default_value_t = 0)]
        wait: u64,
    },
}
