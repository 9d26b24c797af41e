//! The ledger as a whole (RULES.md §10) under random sequences, through the public API with a
//! clock the test moves: sessions agreed ahead and realised as their day comes, client
//! cancellations ahead and on the day, no-shows, absences (ahead for the reasons known ahead),
//! an interruption, and late records once the validity ended. After every step, on attendance,
//! its billable feed and reporting's Kela notice:
//!
//! - a refused step changes nothing and is refused as the caller's mistake (never INTERNAL);
//! - no two recorded sessions of the voucher overlap in clock time;
//! - no recorded session or no-show shares a date with an absence;
//! - used = the realised sessions (recorded, their day come) + the allowed no-shows (one unit
//!   per calendar month, BILL-NO-SHOW); reserved = the sessions agreed for a later day;
//! - billable = exactly the realised sessions and the allowed no-shows, none dated after the
//!   voucher's end, and nothing recorded stands after the end;
//! - the Kela notice shows a day present exactly when a session was realised on it, and a
//!   recorded absence as absent.
//!
//! proptest shrinks a failing sequence and prints it; `PROPTEST_CASES` runs more than CI does.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};

use chrono::{Datelike, NaiveDate, NaiveTime};
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};
use seteli_api::attendance::v1 as apb;
use seteli_api::reporting::v1 as rpb;
use seteli_platform::testing::with_token;
use seteli_rules::terms::validity_end;
use seteli_tests::fixtures::*;
use seteli_tests::kit::{Env, Prices, Svc};
use tonic::Code;

/// One step of a sequence; days count from the test's "today" at the step.
#[derive(Debug, Clone)]
enum Op {
    /// A session `offset` days from today (ahead: agreed; today or before: realised or late),
    /// from `from` o'clock for `hours` hours.
    Session { offset: i64, from: u32, hours: u32 },
    /// The client cancels the `nth` recorded session today (free ahead, a no-show on the day).
    ClientCancels { nth: usize },
    /// The client did not come to the `nth` recorded session (refused before its day).
    DidNotCome { nth: usize },
    /// An absence `offset` days from today with a reason (some are known ahead).
    Absence { offset: i64, reason: usize },
    /// `days` pass: agreed sessions whose day comes are realised.
    DaysPass { days: i64 },
    /// The service is interrupted `offset` days from today.
    Interrupt { offset: i64 },
    /// Today moves to `days` after the voucher's last valid day: later steps are late records.
    PastTheEnd { days: i64 },
}

const REASONS: [apb::AbsenceReason; 4] = [
    apb::AbsenceReason::Other,
    apb::AbsenceReason::JobInterview,
    apb::AbsenceReason::OwnIllness,
    apb::AbsenceReason::ChildIllness,
];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (-8i64..=10, 8u32..=14, 1u32..=3)
            .prop_map(|(offset, from, hours)| Op::Session { offset, from, hours }),
        2 => (0usize..16).prop_map(|nth| Op::ClientCancels { nth }),
        2 => (0usize..16).prop_map(|nth| Op::DidNotCome { nth }),
        2 => (-8i64..=5, 0usize..REASONS.len())
            .prop_map(|(offset, reason)| Op::Absence { offset, reason }),
        3 => (1i64..=6).prop_map(|days| Op::DaysPass { days }),
        1 => (-4i64..=3).prop_map(|offset| Op::Interrupt { offset }),
        1 => (1i64..=18).prop_map(|days| Op::PastTheEnd { days }),
    ]
}

/// One sequence's voucher and what the test knows of it.
struct Case<'a> {
    env: &'a Env,
    today: &'a MovedToday,
    provider: String,
    voucher: String,
    from: NaiveDate,
    until: NaiveDate,
    /// Days checked on a Kela notice, over every sequence.
    kela_days: &'a AtomicUsize,
}

/// A session as the ledger holds it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Held {
    date: NaiveDate,
    start: NaiveTime,
    end: NaiveTime,
    status: i32,
    units: i64,
    id: String,
}

/// What attendance holds for the voucher: its sessions and absence days.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ledger {
    sessions: Vec<Held>,
    absences: BTreeMap<NaiveDate, i32>,
}

fn time(t: Option<apb::ClockTime>) -> NaiveTime {
    let t = t.expect("clock time");
    NaiveTime::from_hms_opt(t.hours as u32, t.minutes as u32, 0).expect("a time")
}

fn is(s: &Held, status: apb::SessionStatus) -> bool {
    s.status == status as i32
}

impl Case<'_> {
    fn day(&self, offset: i64) -> NaiveDate {
        days(self.today.get(), offset)
    }

    async fn ledger(&self) -> Ledger {
        let page = self
            .env
            .a()
            .list_sessions(with_token(
                &self.env.admin(),
                apb::ListSessionsRequest {
                    voucher_id: self.voucher.clone(),
                    page_size: 500,
                    ..Default::default()
                },
            ))
            .await
            .expect("sessions")
            .into_inner();
        assert!(page.next_page_token.is_empty(), "more than a page");
        let mut sessions: Vec<Held> = page
            .sessions
            .into_iter()
            .map(|s| {
                let details = s.details.clone().expect("details");
                Held {
                    date: day_of(details.date),
                    start: time(details.start_time),
                    end: time(details.end_time),
                    status: s.status,
                    units: s.units.map(|u| u.hundredths).unwrap_or_default(),
                    id: s.id,
                }
            })
            .collect();
        sessions.sort();
        let request = apb::ListAbsencesRequest {
            voucher_id: self.voucher.clone(),
            page_size: 500,
            ..Default::default()
        };
        let absences = list_absences(self.env, &self.env.admin(), request)
            .await
            .expect("absences")
            .absences
            .into_iter()
            .map(|a| (day_of(a.date), a.kind))
            .collect();
        Ledger { sessions, absences }
    }

    /// The nth recorded session (modulo), if any.
    fn nth_recorded(&self, ledger: &Ledger, nth: usize) -> Option<Held> {
        let recorded: Vec<&Held> = ledger
            .sessions
            .iter()
            .filter(|s| is(s, apb::SessionStatus::Recorded))
            .collect();
        (!recorded.is_empty()).then(|| recorded[nth % recorded.len()].clone())
    }

    /// Applies `op`; its refusal, if refused.
    async fn apply(&self, op: &Op, ledger: &Ledger) -> Option<tonic::Status> {
        let env = self.env;
        let p = &self.provider;
        let v = &self.voucher;
        let answer = match op {
            Op::Session {
                offset,
                from,
                hours,
            } => {
                let details = at(self.day(*offset), *from as i32, (from + hours) as i32);
                record(env, p, v, details).await.map(|_| ())
            }
            Op::ClientCancels { nth } | Op::DidNotCome { nth } => {
                let s = self.nth_recorded(ledger, *nth)?;
                let cancelled_on = match op {
                    Op::ClientCancels { .. } => d(self.today.get()),
                    _ => None,
                };
                let by = apb::Cancellation {
                    by: apb::CancelledBy::Client as i32,
                    cancelled_on,
                    ..Default::default()
                };
                cancel(env, p, &s.id, by).await.map(|_| ())
            }
            Op::Absence { offset, reason } => {
                let kind = apb::AbsenceKind::Absent;
                let date = self.day(*offset);
                record_absence(env, p, v, date, kind, REASONS[*reason])
                    .await
                    .map(|_| ())
            }
            Op::DaysPass { days: n } => {
                self.today.set(self.day(*n));
                Ok(())
            }
            Op::PastTheEnd { days: n } => {
                let to = days(self.until, *n);
                if to > self.today.get() {
                    self.today.set(to);
                }
                Ok(())
            }
            Op::Interrupt { offset } => {
                let on = d(self.day(*offset));
                let token = env.provider_user(p);
                let r =
                    interrupt_voucher(env, &token, v, INTERRUPTION_KIND, INTERRUPTION_REASON, on)
                        .await;
                if r.is_ok() {
                    eventually("attendance follows the interruption", || async {
                        voucher_usage(env, v).await.voucher_state == "INTERRUPTED"
                    })
                    .await;
                }
                r.map(|_| ())
            }
        };
        answer.err()
    }

    /// Every invariant of the module documentation, after `op`.
    async fn check(&self, op: &Op, before: &Ledger, refused: Option<&tonic::Status>) -> Ledger {
        let today = self.today.get();
        let after = self.ledger().await;
        if let Some(status) = refused {
            assert!(
                matches!(
                    status.code(),
                    Code::FailedPrecondition
                        | Code::InvalidArgument
                        | Code::NotFound
                        | Code::AlreadyExists
                ),
                "{op:?} answered {:?}: {}",
                status.code(),
                status.message()
            );
            assert_eq!(&after, before, "{op:?} was refused but changed the ledger");
        }
        let recorded: Vec<&Held> = after
            .sessions
            .iter()
            .filter(|s| is(s, apb::SessionStatus::Recorded))
            .collect();
        // One record per hour (BILL-REALISED).
        for (i, a) in recorded.iter().enumerate() {
            for b in &recorded[i + 1..] {
                let overlap = a.date == b.date && a.start < b.end && b.start < a.end;
                assert!(!overlap, "after {op:?}: {a:?} and {b:?} overlap");
            }
        }
        // A day is either attended or missed (ABS-RECORD).
        for s in after
            .sessions
            .iter()
            .filter(|s| is(s, apb::SessionStatus::Recorded) || is(s, apb::SessionStatus::NoShow))
        {
            assert!(
                !after.absences.contains_key(&s.date),
                "after {op:?}: {s:?} on an absence day"
            );
        }
        // Nothing after the end (PROC-INTERRUPT).
        let usage = voucher_usage(self.env, &self.voucher).await;
        let ended_on = self.ended_on().await;
        if let Some(end) = ended_on {
            for s in &recorded {
                assert!(
                    s.date <= end,
                    "after {op:?}: {s:?} stands after the end {end}"
                );
            }
        }
        // Used and reserved (BILL-REALISED, BILL-NO-SHOW).
        let realised: BTreeSet<String> = recorded
            .iter()
            .filter(|s| s.date <= today)
            .map(|s| s.id.clone())
            .collect();
        let reserved: i64 = recorded
            .iter()
            .filter(|s| s.date > today)
            .map(|s| s.units)
            .sum();
        let mut no_show_allowed: BTreeMap<(i32, u32), (NaiveDate, String, i64)> = BTreeMap::new();
        for s in after
            .sessions
            .iter()
            .filter(|s| is(s, apb::SessionStatus::NoShow))
        {
            assert!(
                s.date <= today,
                "after {op:?}: a no-show ahead of its day: {s:?}"
            );
            let first = (s.date, s.id.clone(), s.units.min(100));
            no_show_allowed
                .entry((s.date.year(), s.date.month()))
                .and_modify(|f| {
                    if (s.date, &s.id) < (f.0, &f.1) {
                        *f = first.clone();
                    }
                })
                .or_insert(first);
        }
        let realised_units: i64 = recorded
            .iter()
            .filter(|s| s.date <= today)
            .map(|s| s.units)
            .sum();
        let no_show_units: i64 = no_show_allowed.values().map(|(_, _, u)| u).sum();
        let count = |u: Option<apb::Units>| u.map(|u| u.hundredths).unwrap_or_default();
        assert_eq!(
            (count(usage.units_used), count(usage.units_reserved)),
            (realised_units + no_show_units, reserved),
            "after {op:?}: used ≠ realised + allowed no-shows, or reserved ≠ agreed ({today})"
        );
        // The billable feed: the realised sessions and the allowed no-shows, up to the end.
        let mut billed_realised = BTreeSet::new();
        let mut billed_no_shows = BTreeSet::new();
        let mut month = self.from.with_day(1).expect("first of the month");
        while month <= self.until {
            for item in self.billable_items(month).await {
                let date = day_of(item.date);
                assert!(
                    ended_on.is_none_or(|end| date <= end) || count(item.units) == 0,
                    "after {op:?}: {item:?} billable after the end"
                );
                if item.kind == apb::BillableKind::Realised as i32 {
                    billed_realised.insert(item.session_id.clone());
                } else if count(item.units) > 0 {
                    billed_no_shows.insert(item.session_id.clone());
                }
            }
            month = month
                .checked_add_months(chrono::Months::new(1))
                .expect("next month");
        }
        assert_eq!(
            billed_realised, realised,
            "after {op:?}: billable ≠ realised"
        );
        let allowed: BTreeSet<String> = no_show_allowed
            .values()
            .filter(|(_, _, u)| *u > 0)
            .map(|(_, id, _)| id.clone())
            .collect();
        assert_eq!(billed_no_shows, allowed, "after {op:?}: billable no-shows");
        self.check_kela(op, &after).await;
        after
    }

    /// The voucher's end as attendance's billable feed says it.
    async fn ended_on(&self) -> Option<NaiveDate> {
        let mut month = self.from.with_day(1).expect("first of the month");
        while month <= self.until {
            if let Some(end) = self
                .billable_vouchers(month)
                .await
                .into_iter()
                .find_map(|v| v.ended_on)
            {
                return Some(day_of(Some(end)));
            }
            month = month
                .checked_add_months(chrono::Months::new(1))
                .expect("next month");
        }
        None
    }

    async fn billable_vouchers(&self, month: NaiveDate) -> Vec<apb::VoucherBillable> {
        let (y, m) = (month.year(), month.month() as i32);
        billable(self.env, &self.provider, y, m)
            .await
            .into_iter()
            .filter(|v| v.voucher_id == self.voucher)
            .collect()
    }

    async fn billable_items(&self, month: NaiveDate) -> Vec<apb::BillableItem> {
        self.billable_vouchers(month)
            .await
            .into_iter()
            .flat_map(|v| v.items)
            .collect()
    }

    /// The Kela notice (ABS-KELA) of every period with a realised session or an absence, once
    /// reporting knows the service started: present exactly where a session was realised,
    /// absent where an absence was recorded.
    async fn check_kela(&self, op: &Op, ledger: &Ledger) {
        let today = self.today.get();
        let mut dates: BTreeSet<NaiveDate> = ledger
            .sessions
            .iter()
            .filter(|s| s.date <= today)
            .map(|s| s.date)
            .collect();
        dates.extend(ledger.absences.keys().filter(|d| **d <= today));
        let mut seen = BTreeSet::new();
        for date in dates {
            if seen.contains(&date) {
                continue;
            }
            let notice =
                match get_kela_notice(self.env, &self.env.admin(), &self.voucher, d(date)).await {
                    Ok(n) => n,
                    // Before reporting knows of the start, or a day before the service started
                    // (an absence recorded ahead of the first session) or after its end.
                    Err(e) if matches!(e.code(), Code::FailedPrecondition | Code::NotFound) => {
                        continue;
                    }
                    Err(e)
                        if e.code() == Code::InvalidArgument
                            && e.message().contains("not a day of the service") =>
                    {
                        continue;
                    }
                    Err(e) => panic!("after {op:?}: the Kela notice of {date}: {e:?}"),
                };
            for day in &notice.days {
                let on = day_of(day.date);
                seen.insert(on);
                self.kela_days.fetch_add(1, Ordering::SeqCst);
                let realised = ledger
                    .sessions
                    .iter()
                    .any(|s| s.date == on && is(s, apb::SessionStatus::Recorded));
                let present = day.status == rpb::KelaDayStatus::Present as i32;
                assert_eq!(
                    present, realised,
                    "after {op:?}: the Kela notice says {day:?} (today {today})"
                );
                if ledger.absences.get(&on) == Some(&(apb::AbsenceKind::Absent as i32)) {
                    assert_eq!(
                        day.status,
                        rpb::KelaDayStatus::Absent as i32,
                        "after {op:?}: an absence not on the Kela notice: {day:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn random_sequences_of_the_ledger_keep_every_invariant() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    // Monday 4 January 2027; each sequence moves on from where the last one left "today".
    let (today, clock) = MovedToday::starts(ymd(2027, 1, 4));
    let (env, provider) = runtime.block_on(async {
        let env = Env::builder()
            .services(&[
                Svc::Providers,
                Svc::Vouchers,
                Svc::Attendance,
                Svc::Reporting,
            ])
            .prices(Prices::Every)
            .clock(clock)
            .start()
            .await;
        let provider = approved_provider(&env, "Kirjanpito Oy", 1_024_301, SIILINJARVI).await;
        (env, provider)
    });
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let mut runner = TestRunner::new(ProptestConfig {
        cases,
        max_shrink_iters: 32,
        ..ProptestConfig::default()
    });
    let individual = AtomicU16::new(400);
    let (admitted, refused) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let kela_days = AtomicUsize::new(0);
    let result = runner.run(&prop::collection::vec(op(), 1..16), |ops| {
        runtime.block_on(async {
            // A fresh client and voucher of three months, its last valid day two weeks ahead.
            today.set(days(today.get(), 1));
            let from = days(today.get(), -75);
            let until = validity_end(from, 3);
            let n = individual.fetch_add(1, Ordering::SeqCst);
            let voucher = ktt_voucher(&env, &provider, n, from, until).await;
            let case = Case {
                env: &env,
                today: &today,
                provider: provider.clone(),
                voucher,
                from,
                until,
                kela_days: &kela_days,
            };
            eventually("attendance knows the voucher", || async {
                voucher_usage_as(&env, &env.admin(), &case.voucher)
                    .await
                    .is_ok()
            })
            .await;
            let mut ledger = case.ledger().await;
            for op in &ops {
                let refusal = case.apply(op, &ledger).await;
                let counter = if refusal.is_some() {
                    &refused
                } else {
                    &admitted
                };
                counter.fetch_add(1, Ordering::SeqCst);
                ledger = case.check(op, &ledger, refusal.as_ref()).await;
            }
        });
        Ok(())
    });
    runtime.block_on(async move { drop(env) });
    if let Err(failure) = result {
        panic!("{failure}");
    }
    // The sequences did something: steps were admitted and refused, and Kela notices were
    // read, so the checks saw real ledgers.
    let (admitted, refused) = (admitted.into_inner(), refused.into_inner());
    let kela_days = kela_days.into_inner();
    eprintln!("{admitted} steps admitted, {refused} refused, {kela_days} Kela days checked");
    assert!(
        admitted >= cases as usize && refused > 0 && kela_days > 0,
        "{admitted} steps admitted, {refused} refused, {kela_days} Kela days checked: \
         too few to mean anything"
    );
}
