//! Client feedback on the county's form (REP-FEEDBACK, KTT 4: the provider "collects client
//! feedback when the service ends on the client feedback form the county defines (paper or
//! electronic)" — "hyvinvointialueen määrittämällä asiakaspalautelomakkeella (paperinen tai
//! sähköinen)"). This is the electronic form: one fixed county form version ([`FORM_VERSION`])
//! defined here, in Finnish, five statements answered on a 1–5 scale and an optional comment.
//!
//! - [`get_client_feedback_form`]: the form, and whether the voucher's holder may answer now;
//! - [`submit_client_feedback`]: the holder's answer — their own voucher only, once per voucher
//!   (`ALREADY_EXISTS` after), after the service has ended (REP-FEEDBACK otherwise, decided on
//!   the followed voucher, caught up first); on a KTT voucher it also marks the closing
//!   checklist's CLIENT_FEEDBACK_COLLECTED done. The answer is the client's personal data: the
//!   write is audited. Stored with the voucher's service and provider, so the summary depends on
//!   nothing else;
//! - [`get_client_feedback_summary`]: per service and provider, how many answered and each
//!   question's mean in a period; a row of fewer than [`MIN_CLIENTS_PER_FIGURE`] clients is
//!   suppressed (as the follow-up's small cells are: one client's answers are never shown);
//!   comments only to the county.
//!
//! A client's request asks the voucher service whose the voucher is ([`holders_voucher`]).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use seteli_api::reporting::v1 as pb;
use seteli_platform::audit::{self, AccessOfMany};
use seteli_platform::auth::Role;
use seteli_platform::change::Change;
use seteli_platform::convert::to_service_type;
use seteli_platform::error::FieldViolation;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};
use seteli_rules::rule_ids::REP_FEEDBACK;
use seteli_rules::{ServiceType, Violation};

use super::common::{CLIENT, client_access};
use super::followup::{MIN_CLIENTS_PER_FIGURE, period};
use super::holder::holders_voucher;
use super::voucher_feed::{catch_up, with_fresh_vouchers};
use crate::access;
use crate::app::App;
use crate::model::{ClientFeedback, ClosingItem, ClosingVoucher, DoneMark, FeedbackSums, Voucher};
use crate::store;
use crate::wire::{self, required_id};

/// The county's client feedback form in use.
pub const FORM_VERSION: &str = "2026-1";

/// The lowest answer: "täysin eri mieltä".
pub const SCALE_MIN: i32 = 1;
/// The highest answer: "täysin samaa mieltä".
pub const SCALE_MAX: i32 = 5;

/// The longest comment, in characters.
pub const MAX_COMMENT: usize = 2_000;

/// The form's statements (key, Finnish text), in order; each answered on
/// [`SCALE_MIN`]–[`SCALE_MAX`].
pub const QUESTIONS: [(&str, &str); 5] = [
    (
        "overall",
        "Olen kokonaisuutena tyytyväinen saamaani palveluun.",
    ),
    (
        "support",
        "Sain palvelussa tarvitsemaani tukea ja ohjausta.",
    ),
    ("respect", "Minua kohdeltiin palvelussa arvostavasti."),
    (
        "goals",
        "Palvelu auttoi minua eteenpäin omissa tavoitteissani.",
    ),
    ("recommend", "Suosittelisin tätä palveluntuottajaa muille."),
];

/// The voucher states in which its service has ended, as the voucher feed names them.
const ENDED: [&str; 3] = ["COMPLETED", "INTERRUPTED", "EXPIRED"];

/// The form's questions as the contract shows them.
fn questions() -> Vec<pb::FeedbackQuestion> {
    QUESTIONS
        .iter()
        .map(|(key, text)| pb::FeedbackQuestion {
            key: (*key).to_owned(),
            text: (*text).to_owned(),
            scale_min: SCALE_MIN,
            scale_max: SCALE_MAX,
        })
        .collect()
}

/// REP-FEEDBACK: why voucher `v`'s client cannot answer yet (`None`: they can, its service has
/// ended).
fn not_answerable(v: &Voucher) -> Option<Violation> {
    if ENDED.contains(&v.state.as_str()) {
        return None;
    }
    Some(if v.state == "CANCELLED" {
        Violation::of(
            REP_FEEDBACK,
            "Palveluseteli peruttiin ennen palvelua: palvelusta ei kerätä asiakaspalautetta.",
            "The voucher was cancelled before the service: there is no service to give \
             feedback on.",
        )
    } else {
        Violation::of(
            REP_FEEDBACK,
            "Asiakaspalaute annetaan palvelun päätyttyä; palvelu ei ole vielä päättynyt.",
            "Client feedback is given when the service has ended; it has not ended yet.",
        )
    })
}

/// Whether a refusal may come from an old copy of the voucher: unknown yet, or not ended yet
/// (REP-FEEDBACK) while the voucher service may already have ended it.
fn maybe_stale(e: &AppError) -> bool {
    match e {
        AppError::NotFound(_) => true,
        AppError::RuleViolations(v) => v.iter().any(|x| x.rule == REP_FEEDBACK),
        _ => false,
    }
}

/// The answers of a submission, checked against the form: every question answered once, on its
/// scale (`INVALID_ARGUMENT` naming each field that is not), in the form's order.
fn checked_answers(given: &[pb::FeedbackAnswer]) -> AppResult<Vec<(String, i32)>> {
    let mut wrong = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, a) in given.iter().enumerate() {
        let key = a.question_key.trim();
        if !QUESTIONS.iter().any(|(k, _)| *k == key) {
            wrong.push(FieldViolation {
                field: format!("answers[{i}].question_key"),
                description: format!("no question {key:?} on form {FORM_VERSION}"),
            });
        } else if !seen.insert(key) {
            wrong.push(FieldViolation {
                field: format!("answers[{i}].question_key"),
                description: format!("question {key:?} answered twice"),
            });
        }
        if !(SCALE_MIN..=SCALE_MAX).contains(&a.score) {
            wrong.push(FieldViolation {
                field: format!("answers[{i}].score"),
                description: format!("an answer from {SCALE_MIN} to {SCALE_MAX}"),
            });
        }
    }
    for (key, _) in QUESTIONS {
        if !seen.contains(key) {
            wrong.push(FieldViolation {
                field: "answers".into(),
                description: format!("question {key:?} is not answered"),
            });
        }
    }
    if !wrong.is_empty() {
        return Err(AppError::InvalidArgument(wrong));
    }
    Ok(QUESTIONS
        .iter()
        .filter_map(|(key, _)| {
            given
                .iter()
                .find(|a| a.question_key.trim() == *key)
                .map(|a| ((*key).to_owned(), a.score))
        })
        .collect())
}

/// The optional comment: trimmed, at most [`MAX_COMMENT`] characters.
fn checked_comment(comment: &str) -> AppResult<String> {
    let c = comment.trim();
    if c.chars().count() > MAX_COMMENT {
        return Err(AppError::invalid("comment", "at most 2000 characters"));
    }
    Ok(c.to_owned())
}

/// GetClientFeedbackForm.
pub async fn get_client_feedback_form(
    app: &App,
    ctx: Ctx,
    req: pb::GetClientFeedbackFormRequest,
) -> AppResult<pb::GetClientFeedbackFormResponse> {
    ctx.caller.require(access::FEEDBACK_FORM_READERS)?;
    let id = required_id("voucher_id", &req.voucher_id)?;
    let load = || async {
        if ctx.caller.role == Role::Client {
            return Ok(holders_voucher(app, &ctx, &id).await?.0);
        }
        with_fresh_vouchers(app, || async {
            let mut conn = app.db.pool().acquire().await?;
            store::load_voucher(&mut conn, &id)
                .await?
                .filter(|v| access::may_see_voucher(&ctx.caller, v))
                .ok_or_else(|| AppError::NotFound(format!("voucher {id}")))
        })
        .await
    };
    let mut v = load().await?;
    if not_answerable(&v).is_some() {
        // The voucher service may have ended it since the copy last heard (REP-FEEDBACK).
        catch_up(app).await?;
        let mut conn = app.db.pool().acquire().await?;
        v = store::load_voucher(&mut conn, &id).await?.unwrap_or(v);
    }
    let answered = {
        let mut conn = app.db.pool().acquire().await?;
        store::feedback_given(&mut conn, &v.id).await?
    };
    // Whether the client answered is theirs to know, and their social worker's: audited.
    let access = client_access(&ctx.caller, &v.client_id, "GetClientFeedbackForm");
    audit::record_read(&app.db, &ctx.caller, ctx.request_id(), access).await?;
    let refusal = not_answerable(&v);
    Ok(pb::GetClientFeedbackFormResponse {
        form_version: FORM_VERSION.into(),
        questions: questions(),
        may_answer: !answered && refusal.is_none(),
        answered,
        why_not: match refusal {
            Some(r) if !answered => r.message_fi,
            _ => String::new(),
        },
    })
}

/// SubmitClientFeedback.
pub async fn submit_client_feedback(
    app: &App,
    ctx: Ctx,
    req: pb::SubmitClientFeedbackRequest,
) -> AppResult<pb::SubmitClientFeedbackResponse> {
    ctx.caller.require(access::FEEDBACK_GIVERS)?;
    let id = required_id("voucher_id", &req.voucher_id)?;
    let answers = checked_answers(&req.answers)?;
    let comment = checked_comment(&req.comment)?;
    // A retry is answered from the store first, before the voucher service is asked.
    if let Some(first) = Change::new(&app.db, &ctx, &req)?.replay().await? {
        return Ok(first);
    }
    let (_, own) = holders_voucher(app, &ctx, &id).await?;
    let (ctx, req, id, own) = (&ctx, &req, id.as_str(), &own);
    let attempt = || {
        let (answers, comment) = (answers.clone(), comment.clone());
        async move {
            let change = Change::new(&app.db, ctx, req)?;
            let caller = ctx.caller.clone();
            let request = ctx.request_id().to_owned();
            let (today, now) = (ctx.today(), ctx.now_micros());
            change
                .apply_to::<ClosingVoucher, _, _>(
                    id,
                    |c| access::is_holder(&c.0, own),
                    move |conn, ClosingVoucher(v)| {
                        Box::pin(async move {
                            // REP-FEEDBACK: when the service has ended.
                            if let Some(refusal) = not_answerable(&v) {
                                return Err(AppError::RuleViolations(vec![refusal]));
                            }
                            if store::feedback_given(&mut *conn, &v.id).await? {
                                return Err(AppError::AlreadyExists(format!(
                                    "voucher {}: its feedback is already given",
                                    v.id
                                )));
                            }
                            let feedback = ClientFeedback {
                                voucher_id: v.id.clone(),
                                client_id: v.client_id.clone(),
                                service: v.service,
                                provider_id: v.provider_id.clone(),
                                form_version: FORM_VERSION.into(),
                                answers,
                                comment,
                                submitted_on: today,
                                submitted_at: now,
                            };
                            store::insert_feedback(&mut *conn, &feedback).await?;
                            if v.service.is_ktt() {
                                mark_collected(&mut *conn, &v, &caller, today, now).await?;
                            }
                            let access =
                                client_access(&caller, &v.client_id, "SubmitClientFeedback");
                            audit::record(&mut *conn, &caller, &request, access).await?;
                            Ok(pb::SubmitClientFeedbackResponse {
                                voucher_id: v.id,
                                form_version: FORM_VERSION.into(),
                                submitted_at_micros: now,
                            })
                        })
                    },
                )
                .await
        }
    };
    app.voucher_feed.fresh(attempt, maybe_stale).await
}

/// REP-FEEDBACK (KTT): the closing checklist's CLIENT_FEEDBACK_COLLECTED marked done by the
/// client's answer, unless the provider already marked it (a paper form).
async fn mark_collected(
    conn: &mut sqlx::AnyConnection,
    v: &Voucher,
    caller: &seteli_platform::auth::Caller,
    today: NaiveDate,
    now: i64,
) -> AppResult<()> {
    let mark = DoneMark {
        done_on: today,
        recorded_at: now,
        by_subject: caller.subject.clone(),
        by_role: caller.role.as_str().to_owned(),
        by_organisation: "client".into(),
        note: format!("sähköinen asiakaspalautelomake {FORM_VERSION}"),
    };
    let item = ClosingItem::ClientFeedbackCollected;
    store::mark_closing_item(&mut *conn, &v.id, item, mark).await?;
    Ok(())
}

/// GetClientFeedbackSummary.
pub async fn get_client_feedback_summary(
    app: &App,
    ctx: Ctx,
    req: pb::GetClientFeedbackSummaryRequest,
) -> AppResult<pb::GetClientFeedbackSummaryResponse> {
    ctx.caller.require(access::FEEDBACK_SUMMARY_READERS)?;
    let (from, until) = period(("from", req.from.as_ref()), ("until", req.until.as_ref()))?;
    let service = wire::optional_enum::<ServiceType>("service_type", req.service_type)?;
    // A provider's user: its own provider's rows. Another provider is public (it exists), its
    // clients' feedback is not this caller's: refused, whichever provider is named.
    let asked = req.provider_id.trim();
    if ctx.caller.role == Role::ProviderUser && !asked.is_empty() && !ctx.caller.is_user_of(asked) {
        return Err(AppError::PermissionDenied(
            "a provider's user reads its own provider's feedback only".into(),
        ));
    }
    if ctx.caller.role == Role::ProviderUser {
        whole_calendar_quarter(from, until)?;
    }
    let scope = access::list_scope(&ctx.caller, asked, "")?;
    let comments = access::reads_feedback_comments(&ctx.caller);
    let sums = {
        let mut conn = app.db.pool().acquire().await?;
        store::feedback_sums(
            &mut conn,
            from,
            until,
            service.map(ServiceType::code).unwrap_or_default(),
            &scope.provider_id,
            comments,
        )
        .await?
    };
    let rows: Vec<pb::FeedbackSummaryRow> = sums.iter().map(|s| summary_row(s, comments)).collect();
    // The comments shown are their clients' own words: one entry naming them.
    let shown: Vec<String> = sums
        .iter()
        .zip(&rows)
        .filter(|(_, r)| !r.comments.is_empty())
        .flat_map(|(s, _)| s.comments.iter().map(|(client, _)| client.clone()))
        .collect();
    let access = AccessOfMany {
        subject_kind: CLIENT,
        subject_ids: shown,
        action: "GetClientFeedbackSummary",
        purpose: access::purpose(&ctx.caller),
    };
    audit::record_read_of_many(&app.db, &ctx.caller, ctx.request_id(), access).await?;
    Ok(pb::GetClientFeedbackSummaryResponse {
        questions: questions(),
        rows,
    })
}

/// A provider's user reads the summary by whole calendar quarters only. Two overlapping
/// periods would show one client's answers as their difference (five answers to 30 November,
/// six to 1 December: the sixth is one person's), however each is suppressed on its own;
/// quarters never overlap, and each is suppressed under five clients by itself.
fn whole_calendar_quarter(from: NaiveDate, until: NaiveDate) -> AppResult<()> {
    use chrono::Datelike;
    let quarter_end = match from.month() {
        1 | 4 | 7 => NaiveDate::from_ymd_opt(from.year(), from.month() + 3, 1),
        10 => NaiveDate::from_ymd_opt(from.year() + 1, 1, 1),
        _ => None,
    }
    .and_then(|next| next.pred_opt());
    if from.day() == 1 && quarter_end == Some(until) {
        return Ok(());
    }
    Err(AppError::invalid(
        "from",
        "a provider's user reads feedback by whole calendar quarter (e.g. 2026-10-01 to \
         2026-12-31): overlapping periods could show one client's answers",
    ))
}

/// One service's and provider's row: suppressed (means zero, no comments) under
/// [`MIN_CLIENTS_PER_FIGURE`] distinct clients; comments only `with_comments` (the county).
fn summary_row(s: &FeedbackSums, with_comments: bool) -> pb::FeedbackSummaryRow {
    let suppressed = usize::try_from(s.clients).unwrap_or(0) < MIN_CLIENTS_PER_FIGURE;
    pb::FeedbackSummaryRow {
        service_type: to_service_type(s.service),
        provider_id: s.provider_id.clone(),
        answers: i32::try_from(s.answers).unwrap_or(i32::MAX),
        suppressed,
        means: QUESTIONS
            .iter()
            .map(|(key, _)| pb::FeedbackMean {
                question_key: (*key).to_owned(),
                mean: if suppressed {
                    0.0
                } else {
                    s.questions.get(*key).map_or(0.0, |&(n, sum)| mean(sum, n))
                },
            })
            .collect(),
        comments: if suppressed || !with_comments {
            Vec::new()
        } else {
            s.comments.iter().map(|(_, c)| c.clone()).collect()
        },
    }
}

/// `sum / n` rounded to two decimals (0 when nothing is answered).
fn mean(sum: i64, n: i64) -> f64 {
    if n <= 0 {
        return 0.0;
    }
    // Counts and sums of 1–5 answers: far below 2^52, exact as f64.
    #[allow(clippy::cast_precision_loss)]
    let m = sum as f64 / n as f64;
    (m * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(key: &str, score: i32) -> pb::FeedbackAnswer {
        pb::FeedbackAnswer {
            question_key: key.into(),
            score,
        }
    }

    fn all(score: i32) -> Vec<pb::FeedbackAnswer> {
        QUESTIONS.iter().map(|(k, _)| answer(k, score)).collect()
    }

    fn fields(e: AppError) -> Vec<String> {
        match e {
            AppError::InvalidArgument(v) => v.into_iter().map(|f| f.field).collect(),
            other => panic!("not invalid: {other:?}"),
        }
    }

    #[test]
    fn a_providers_period_is_one_whole_calendar_quarter() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("a date");
        for (from, until) in [
            (d(2026, 1, 1), d(2026, 3, 31)),
            (d(2026, 4, 1), d(2026, 6, 30)),
            (d(2026, 7, 1), d(2026, 9, 30)),
            (d(2026, 10, 1), d(2026, 12, 31)),
        ] {
            assert!(
                whole_calendar_quarter(from, until).is_ok(),
                "{from}..{until}"
            );
        }
        for (from, until) in [
            (d(2026, 11, 1), d(2026, 11, 30)),
            (d(2026, 10, 1), d(2026, 12, 30)),
            (d(2026, 10, 2), d(2026, 12, 31)),
            (d(2026, 1, 1), d(2026, 6, 30)),
            (d(2026, 2, 1), d(2026, 4, 30)),
        ] {
            assert!(
                whole_calendar_quarter(from, until).is_err(),
                "{from}..{until}"
            );
        }
    }

    #[test]
    fn every_question_is_answered_once_on_its_scale() {
        let mut given = all(4);
        given.reverse();
        let ok = checked_answers(&given).expect("valid");
        assert_eq!(ok.len(), QUESTIONS.len());
        assert_eq!(ok[0], ("overall".to_owned(), 4));
        let mut bad = all(3);
        bad[1].score = 6;
        bad[2].score = 0;
        assert_eq!(
            fields(checked_answers(&bad).expect_err("refused")),
            ["answers[1].score", "answers[2].score"]
        );
        let mut twice = all(3);
        twice[4] = answer("overall", 2);
        assert_eq!(
            fields(checked_answers(&twice).expect_err("refused")),
            ["answers[4].question_key", "answers"]
        );
        assert_eq!(
            fields(checked_answers(&[answer("mood", 3)]).expect_err("refused")).len(),
            1 + QUESTIONS.len()
        );
    }

    #[test]
    fn a_comment_is_optional_and_at_most_2000_characters() {
        assert_eq!(checked_comment("  hyvä  ").expect("ok"), "hyvä");
        assert!(checked_comment(&"ä".repeat(2000)).is_ok());
        assert!(checked_comment(&"ä".repeat(2001)).is_err());
    }

    #[test]
    fn only_an_ended_service_is_answered() {
        let v = |state: &str| Voucher {
            id: "v".into(),
            client_id: "c".into(),
            provider_id: "p".into(),
            social_worker: String::new(),
            social_worker_team: String::new(),
            service: ServiceType::KttIndividual,
            state: state.into(),
            valid_from: NaiveDate::from_ymd_opt(2026, 1, 1).expect("a day"),
            valid_until: NaiveDate::from_ymd_opt(2026, 6, 30).expect("a day"),
            ended_on: None,
            continues_voucher_id: String::new(),
            version: 1,
            feed_sequence: 1,
        };
        for ended in ENDED {
            assert!(not_answerable(&v(ended)).is_none(), "{ended}");
        }
        for running in ["ISSUED", "ASSIGNED", "ACTIVE", "CANCELLED"] {
            let refusal = not_answerable(&v(running)).expect("refused");
            assert_eq!(refusal.rule, REP_FEEDBACK);
        }
    }

    #[test]
    fn a_row_of_fewer_than_five_clients_is_suppressed_and_comments_are_the_countys() {
        let sums = |clients: i64| FeedbackSums {
            service: ServiceType::KttIndividual,
            provider_id: "p".into(),
            answers: clients,
            clients,
            questions: QUESTIONS
                .iter()
                .map(|(k, _)| ((*k).to_owned(), (clients, clients * 4 + 1)))
                .collect(),
            comments: vec![("c1".into(), "kiitos".into())],
        };
        let small = summary_row(&sums(4), true);
        assert!(small.suppressed);
        assert_eq!(small.answers, 4);
        assert!(small.means.iter().all(|m| m.mean == 0.0));
        assert!(small.comments.is_empty());
        let shown = summary_row(&sums(5), true);
        assert!(!shown.suppressed);
        assert!(shown.means.iter().all(|m| (m.mean - 4.2).abs() < 1e-9));
        assert_eq!(shown.comments, ["kiitos"]);
        assert!(summary_row(&sums(5), false).comments.is_empty());
    }
}
