//! Delivery of reports (REP-DELIVERY) and a voucher's closing checklist (REP-FEEDBACK, ARCHIVE):
//! one function per RPC.
//!
//! - **The printed report** ([`get_report_pdf`]): a report in Finnish for the client's paper
//!   copy and the county, laid out by [`crate::pdf::report`]. The voucher's number, its
//!   provider's name and the client's name are read from the voucher service with the caller's
//!   own token (what the caller may see there is what gets printed); nothing else of the client
//!   is printed. An SK interim report of a continued service prints the earlier periods' dated
//!   sections first (REP-INTERIM-SK, SK 3.1: "seuraavat väliraportit kirjataan samaa pohjaa
//!   täydentäen (eri jaksojen palautteet voi erottaa päivämäärillä)").
//! - **Delivery marks** ([`mark_client_copy_given`], [`mark_delivered_to_county`]): once per
//!   report, on a submitted report only, with who and when.
//! - **The closing checklist** ([`get_closing_checklist`], [`mark_closing_item`]): what
//!   `seteli_rules::reports::check_closure` asks when a service ends — the final report's paper
//!   copy and delivery (REP-DELIVERY), KTT's provider feedback form and client feedback
//!   (REP-FEEDBACK), SK's records archived to the county (ARCHIVE).
//!
//! Every mark is one idempotent change ([`Change::apply_to`]) that locks its report or voucher
//! row, so the same step is never recorded twice.

use seteli_api::Mutation;
use seteli_api::common::v1::Date;
use seteli_api::reporting::v1 as pb;
use seteli_api::vouchers::v1 as vpb;
use seteli_platform::audit;
use seteli_platform::change::Change;
use seteli_platform::convert::{PbEnum, to_date, to_service_type};
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};
use seteli_rules::Violation;
use seteli_rules::reports::{ClosureFacts, ReportKind, check_closure};
use seteli_rules::rule_ids::{ARCHIVE, REP_DELIVERY, REP_FEEDBACK, REP_FINAL};
use sqlx::AnyConnection;

use super::common::{audited_report, report_access};
use super::reports::visible_report;
use super::voucher_feed::with_fresh_vouchers;
use crate::access;
use crate::app::App;
use crate::model::{
    ClosingItem, ClosingVoucher, DoneMark, ObligationRow, ReportState, StoredMark, Voucher,
    obligation_id,
};
use crate::pdf::finnish_date;
use crate::pdf::report::{Printed, report_document};
use crate::store;
use crate::wire::{self, required_id};

/// The media type of a printed report.
const PDF: &str = "application/pdf";

/// GetReportPdf.
pub async fn get_report_pdf(
    app: &App,
    ctx: Ctx,
    req: pb::GetReportPdfRequest,
) -> AppResult<pb::GetReportPdfResponse> {
    ctx.caller.require(access::READERS)?;
    let id = required_id("report_id", &req.report_id)?;
    let o = visible_report(app, &ctx, &id).await?;
    if o.state == ReportState::NotStarted {
        return Err(AppError::StateConflict(format!(
            "report {} has nothing written yet: there is nothing to print",
            o.id
        )));
    }
    let (followed, earlier) = {
        let mut conn = app.db.pool().acquire().await?;
        let followed = store::load_voucher(&mut conn, &o.voucher_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("report {id}")))?;
        let earlier = store::earlier_sections(&mut conn, &o).await?;
        (followed, earlier)
    };
    // The voucher's number and names, as the caller may see them.
    let voucher = app
        .vouchers
        .call(
            &ctx,
            vpb::GetVoucherRequest {
                voucher_id: o.voucher_id.clone(),
                voucher_number: String::new(),
            },
            |mut c, r| async move { c.get_voucher(r).await },
        )
        .await?
        .voucher
        .unwrap_or_default();
    let printed = Printed {
        county: app.county_name.clone(),
        voucher_number: non_empty(&voucher.voucher_number, &o.voucher_id),
        provider_name: non_empty(&voucher.provider_name, &o.provider_id),
        client_name: voucher.client.map(|c| c.name).unwrap_or_default(),
    };
    let file_name = format!(
        "{}-{}.pdf",
        match o.kind {
            ReportKind::Interim => "valiraportti",
            ReportKind::Final => "loppuraportti",
        },
        printed
            .voucher_number
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect::<String>()
    );
    let document = report_document(&printed, &o, &followed, &earlier).printed_on(ctx.today());
    let content = tokio::task::spawn_blocking(move || document.render())
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("rendering a report: {e}")))?
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    // Report text is client personal data.
    audit::record_read(
        &app.db,
        &ctx.caller,
        ctx.request_id(),
        report_access(&ctx.caller, &o, "GetReportPdf"),
    )
    .await?;
    Ok(pb::GetReportPdfResponse {
        file_name,
        content_type: PDF.into(),
        content,
    })
}

fn non_empty(value: &str, fallback: &str) -> String {
    if value.trim().is_empty() {
        fallback.to_owned()
    } else {
        value.to_owned()
    }
}

// ------------------------------------------------------------------------------ delivery marks

/// A refusal of REP-DELIVERY.
fn rep_delivery(message_fi: &str, message_en: &str) -> AppError {
    AppError::RuleViolations(vec![Violation::of(REP_DELIVERY, message_fi, message_en)])
}

/// A step done on `done_on` as `caller` records it at `recorded_at` (microseconds).
fn done_by(
    caller: &seteli_platform::auth::Caller,
    done_on: chrono::NaiveDate,
    recorded_at: i64,
    note: String,
) -> DoneMark {
    DoneMark {
        done_on,
        recorded_at,
        by_subject: caller.subject.clone(),
        by_role: caller.role.as_str().to_owned(),
        by_organisation: caller.organisation(),
        note,
    }
}

/// A request to record one delivery mark on a report (REP-DELIVERY).
trait MarkRequest: Mutation {
    /// The mark it records.
    const ITEM: ClosingItem;
    /// Its RPC, as audited.
    const ACTION: &'static str;
    /// The name of its day field (for errors).
    const DAY_FIELD: &'static str;
    /// The name of its free-text field (for errors).
    const NOTE_FIELD: &'static str;
    /// Its report id, day and free text.
    fn parts(&self) -> (&str, Option<Date>, &str);
}

impl MarkRequest for pb::MarkClientCopyGivenRequest {
    const ITEM: ClosingItem = ClosingItem::ClientCopyGiven;
    const ACTION: &'static str = "MarkClientCopyGiven";
    const DAY_FIELD: &'static str = "given_on";
    const NOTE_FIELD: &'static str = "note";
    fn parts(&self) -> (&str, Option<Date>, &str) {
        (&self.report_id, self.given_on, &self.note)
    }
}

impl MarkRequest for pb::MarkDeliveredToCountyRequest {
    const ITEM: ClosingItem = ClosingItem::DeliveredToCounty;
    const ACTION: &'static str = "MarkDeliveredToCounty";
    const DAY_FIELD: &'static str = "delivered_on";
    const NOTE_FIELD: &'static str = "channel";
    fn parts(&self) -> (&str, Option<Date>, &str) {
        (&self.report_id, self.delivered_on, &self.channel)
    }
}

/// Records the mark `req` asks for on its report as one idempotent change for `req`.
async fn mark_report<Req: MarkRequest>(app: &App, ctx: &Ctx, req: &Req) -> AppResult<pb::Report> {
    ctx.caller.require(access::DELIVERERS)?;
    let (report_id, day, note) = req.parts();
    let report_id = &required_id("report_id", report_id)?;
    let note = wire::optional_note(Req::NOTE_FIELD, note)?;
    let (item, field) = (Req::ITEM, Req::DAY_FIELD);
    with_fresh_vouchers(app, || {
        let note = note.clone();
        async move {
            let change = Change::new(&app.db, ctx, req)?;
            let caller = ctx.caller.clone();
            let request = ctx.request_id().to_owned();
            let today = ctx.today();
            let now = ctx.now_micros();
            change
                .apply_to::<ObligationRow, _, _>(
                    report_id,
                    |o| access::may_see(&ctx.caller, o),
                    move |conn, o| {
                        Box::pin(async move {
                            if !access::may_write(&caller, &o) {
                                return Err(AppError::PermissionDenied(
                                    "only a user of the voucher's provider delivers its reports"
                                        .into(),
                                ));
                            }
                            // REP-DELIVERY: what is delivered is the submitted report.
                            if !o.state.handed_in() {
                                return Err(rep_delivery(
                                    "Vain palautettu raportti toimitetaan asiakkaalle ja \
                                     hyvinvointialueelle.",
                                    "Only a submitted report is delivered to the client and the \
                                     county; this one is not submitted.",
                                ));
                            }
                            let marks = store::voucher_marks(&mut *conn, &o.voucher_id).await?;
                            if marks.iter().any(|m| m.report_id == o.id && m.item == item) {
                                return Err(AppError::StateConflict(format!(
                                    "report {}: {} is already marked",
                                    o.id,
                                    item.code()
                                )));
                            }
                            let done_on =
                                wire::done_on(field, day.as_ref(), today, o.submitted_on)?;
                            store::add_mark(
                                &mut *conn,
                                &StoredMark {
                                    voucher_id: o.voucher_id.clone(),
                                    report_id: o.id.clone(),
                                    item,
                                    mark: done_by(&caller, done_on, now, note),
                                },
                            )
                            .await?;
                            let who = (&caller, request.as_str());
                            audited_report(&mut *conn, who, &o, Req::ACTION, today).await
                        })
                    },
                )
                .await
        }
    })
    .await
}

/// MarkClientCopyGiven.
pub async fn mark_client_copy_given(
    app: &App,
    ctx: Ctx,
    req: pb::MarkClientCopyGivenRequest,
) -> AppResult<pb::MarkClientCopyGivenResponse> {
    let report = Some(mark_report(app, &ctx, &req).await?);
    Ok(pb::MarkClientCopyGivenResponse { report })
}

/// MarkDeliveredToCounty.
pub async fn mark_delivered_to_county(
    app: &App,
    ctx: Ctx,
    req: pb::MarkDeliveredToCountyRequest,
) -> AppResult<pb::MarkDeliveredToCountyResponse> {
    let report = Some(mark_report(app, &ctx, &req).await?);
    Ok(pb::MarkDeliveredToCountyResponse { report })
}

// ------------------------------------------------------------------------------ the closing checklist

/// Voucher `v`'s closing checklist on `today`: its items (those `check_closure` asks of its
/// service), each done or not, and what is still missing.
async fn checklist(
    conn: &mut AnyConnection,
    v: &Voucher,
    today: chrono::NaiveDate,
) -> AppResult<pb::ClosingChecklist> {
    let continues = store::is_continued(conn, &v.id).await?;
    let end = v.report_facts(continues).map(|f| f.service_end());
    let marks = store::voucher_marks(conn, &v.id).await?;
    let final_report = obligation_id(&v.id, REP_FINAL);
    let mark_of = |item: ClosingItem| {
        let on = if item.on_report() {
            final_report.as_str()
        } else {
            ""
        };
        marks
            .iter()
            .find(|m| m.item == item && m.report_id == on)
            .map(|m| &m.mark)
    };
    let done = |item: ClosingItem| mark_of(item).is_some();
    // REP-DELIVERY, REP-FEEDBACK (KTT), ARCHIVE (SK)
    let outstanding = check_closure(&ClosureFacts {
        service: Some(v.service),
        paper_copy_to_client: done(ClosingItem::ClientCopyGiven),
        delivered_to_county: done(ClosingItem::DeliveredToCounty),
        provider_feedback_form: done(ClosingItem::ProviderFeedbackForm),
        client_feedback_collected: done(ClosingItem::ClientFeedbackCollected),
        archived_to_county: done(ClosingItem::ArchivedToCounty),
    });
    let items = ClosingItem::ALL
        .into_iter()
        .filter(|item| item.applies_to(v.service))
        .map(|item| pb::ClosingChecklistItem {
            item: item.to_pb(),
            rule: item.rule().to_owned(),
            done: done(item),
            mark: mark_of(item).map(wire::to_done_mark),
            report_id: if item.on_report() {
                final_report.clone()
            } else {
                String::new()
            },
        })
        .collect();
    Ok(pb::ClosingChecklist {
        voucher_id: v.id.clone(),
        service_type: to_service_type(v.service),
        service_end: end.map(to_date),
        service_ended: end.is_some_and(|e| e <= today),
        items,
        complete: outstanding.is_empty(),
        outstanding: outstanding
            .into_iter()
            .map(|x| pb::ClosingGap {
                rule: x.rule.to_owned(),
                message_en: x.message_en,
                message_fi: x.message_fi,
            })
            .collect(),
    })
}

/// GetClosingChecklist.
pub async fn get_closing_checklist(
    app: &App,
    ctx: Ctx,
    req: pb::GetClosingChecklistRequest,
) -> AppResult<pb::GetClosingChecklistResponse> {
    ctx.caller.require(access::CLOSERS)?;
    let id = required_id("voucher_id", &req.voucher_id)?;
    let checklist = with_fresh_vouchers(app, || async {
        let mut conn = app.db.pool().acquire().await?;
        let v = store::load_voucher(&mut conn, &id)
            .await?
            .filter(|v| access::may_see_closing(&ctx.caller, v))
            .ok_or_else(|| AppError::NotFound(format!("voucher {id}")))?;
        checklist(&mut conn, &v, ctx.today()).await
    })
    .await?;
    Ok(pb::GetClosingChecklistResponse {
        checklist: Some(checklist),
    })
}

/// Why voucher `v`'s `item` cannot be marked done on `today`, by the rule that says so.
async fn closing_refusal(
    conn: &mut AnyConnection,
    v: &Voucher,
    item: ClosingItem,
    today: chrono::NaiveDate,
) -> AppResult<Option<Violation>> {
    let continues = store::is_continued(conn, &v.id).await?;
    let Some(end) = v.report_facts(continues).map(|f| f.service_end()) else {
        return Err(AppError::StateConflict(format!(
            "voucher {} is {}: its service never ran, nothing is closed",
            v.id, v.state
        )));
    };
    Ok(match item {
        // REP-FEEDBACK (KTT 4): KTT's forms, when the service ends.
        ClosingItem::ProviderFeedbackForm | ClosingItem::ClientFeedbackCollected => {
            if !v.service.is_ktt() {
                Some(Violation::of(
                    REP_FEEDBACK,
                    "Palveluntuottajapalaute ja asiakaspalaute kuuluvat kuntouttavaan \
                     työtoimintaan; sosiaalisessa kuntoutuksessa niitä ei kirjata.",
                    "The provider feedback form and the client feedback are KTT's; an SK \
                     service has none.",
                ))
            } else if end > today {
                Some(Violation::of(
                    REP_FEEDBACK,
                    format!(
                        "Palaute kerätään palvelun päättyessä; palvelu päättyy {}.",
                        finnish_date(end)
                    ),
                    format!("Feedback is collected when the service ends; it ends on {end}."),
                ))
            } else {
                None
            }
        }
        // ARCHIVE (SK 3.2): the SK client records, once complete with the final report.
        ClosingItem::ArchivedToCounty => {
            let final_report = store::load_obligation(conn, &obligation_id(&v.id, REP_FINAL))
                .await?
                .filter(|o| o.active || o.state.handed_in());
            if !v.service.is_sk() {
                Some(Violation::of(
                    ARCHIVE,
                    "Arkistointi rekisterinpitäjälle kirjataan sosiaalisen kuntoutuksen \
                     palveluille; kuntouttavassa työtoiminnassa se noudattaa yleistä \
                     sääntökirjaa.",
                    "Archiving to the controller is recorded for SK services; KTT follows the \
                     county's general rulebook.",
                ))
            } else if !final_report.is_some_and(|o| o.state.handed_in()) {
                Some(Violation::of(
                    ARCHIVE,
                    "Asiakasasiakirjat arkistoidaan, kun loppuraportti on palautettu; sitä ei \
                     ole palautettu.",
                    "The client records are archived once the final report is submitted; it \
                     is not.",
                ))
            } else {
                None
            }
        }
        ClosingItem::ClientCopyGiven | ClosingItem::DeliveredToCounty => None,
    })
}

/// MarkClosingItem.
pub async fn mark_closing_item(
    app: &App,
    ctx: Ctx,
    req: pb::MarkClosingItemRequest,
) -> AppResult<pb::MarkClosingItemResponse> {
    ctx.caller.require(access::CLOSERS)?;
    let id = required_id("voucher_id", &req.voucher_id)?;
    let item = ClosingItem::required("item", req.item)?;
    if item.on_report() {
        return Err(AppError::invalid(
            "item",
            "the delivery items are marked on the final report: MarkClientCopyGiven, \
             MarkDeliveredToCounty",
        ));
    }
    let note = wire::optional_note("note", &req.note)?;
    let (ctx, req, id) = (&ctx, &req, id.as_str());
    with_fresh_vouchers(app, || {
        let (note, day) = (note.clone(), req.done_on);
        async move {
            let change = Change::new(&app.db, ctx, req)?;
            let caller = ctx.caller.clone();
            let today = ctx.today();
            let now = ctx.now_micros();
            change
                .apply_to::<ClosingVoucher, _, _>(
                    id,
                    |c| access::may_see_closing(&ctx.caller, &c.0),
                    move |conn, ClosingVoucher(v)| {
                        Box::pin(async move {
                            if !access::may_mark(&caller, &v, item) {
                                return Err(AppError::PermissionDenied(
                                    match item {
                                        ClosingItem::ArchivedToCounty => {
                                            "the county marks the records archived: the \
                                             voucher's social worker or the county's \
                                             administrator"
                                        }
                                        _ => "a user of the voucher's provider marks its feedback",
                                    }
                                    .into(),
                                ));
                            }
                            let done_on = wire::done_on("done_on", day.as_ref(), today, None)?;
                            if let Some(refusal) =
                                closing_refusal(&mut *conn, &v, item, today).await?
                            {
                                return Err(AppError::RuleViolations(vec![refusal]));
                            }
                            let mark = done_by(&caller, done_on, now, note);
                            if !store::mark_closing_item(&mut *conn, &v.id, item, mark).await? {
                                return Err(AppError::StateConflict(format!(
                                    "voucher {}: {} is already marked",
                                    v.id,
                                    item.code()
                                )));
                            }
                            let checklist = checklist(&mut *conn, &v, today).await?;
                            Ok(pb::MarkClosingItemResponse {
                                checklist: Some(checklist),
                            })
                        })
                    },
                )
                .await
        }
    })
    .await
}
