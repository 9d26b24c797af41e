//! Delivery of reports (REP-DELIVERY) and the closing checklist (REP-FEEDBACK, ARCHIVE): the
//! printable PDF read back with a PDF text extractor (`pdf-extract`, not the generator), who may
//! print it, the delivery marks and their refusals, and each closing item marked by its role.

use seteli_api::reporting::v1 as rpb;
use seteli_platform::testing::with_token;
use seteli_rules::ServiceType;
use seteli_rules::calendar::next_business_day_on_or_after;
use seteli_rules::terms::validity_end;
use seteli_tests::fixtures::*;
use tonic::Code;

/// A date as the printed report shows it: `7.4.2026`.
fn fi(date: chrono::NaiveDate) -> String {
    seteli_reporting::pdf::finnish_date(date)
}

/// A final report's sections with Finnish and Swedish letters in each.
fn nordic_sections() -> rpb::ReportSections {
    rpb::ReportSections {
        goals_and_attainment: "Tavoitteena säännöllinen päivärytmi; tavoite täyttyi hyvin.".into(),
        changes: "Åsa-valmentajan tuella osallistuminen kasvoi kahdesta neljään päivään.".into(),
        means_with_examples: "Keinot: kahvilan vuorot ja pyöräkorjaamo, esim. Öljymäen retki."
            .into(),
        follow_up_plan: "Jatkosuunnitelma: työkokeilu Kuopion kaupungin puistotoimessa.".into(),
        notes: "Merkit: äöå ÄÖÅ".into(),
    }
}

#[tokio::test]
async fn a_report_prints_in_finnish_for_whoever_reads_it_and_nobody_else() {
    let env = start_reporting().await;
    let p = approved_provider(&env, "Työpaja Åkerö Oy", 1_000_401, SIILINJARVI).await;
    let other = approved_provider(&env, "Valmennus ry", 1_000_402, SIILINJARVI).await;
    let from = today();
    let until = validity_end(from, 3);
    let v = ktt_voucher(&env, &p, 401, from, until).await;
    interrupt_today(&env, &p, &v).await;
    let id = report_id(&v, "REP-FINAL");
    save_draft(&env, &p, &id, nordic_sections())
        .await
        .expect("draft");
    let submitted = submit_report(&env, &p, &id).await.expect("submitted");
    let due = next_business_day_on_or_after(days(today(), 14));

    let pdf = report_pdf(&env, &env.provider_user(&p), &id)
        .await
        .expect("the provider prints its report");
    assert_eq!(pdf.content_type, "application/pdf");
    assert!(pdf.content.starts_with(b"%PDF-"));
    // Archived by the county (ARCHIVE): PDF/A-2b.
    assert_pdf_a_2b(&pdf.content);
    assert!(
        pdf.file_name.starts_with("loppuraportti-"),
        "{}",
        pdf.file_name
    );
    assert!(pdf.file_name.ends_with(".pdf"), "{}", pdf.file_name);
    let text = pdf_text_of(&pdf.content);
    let voucher = get_voucher(&env, &v).await;
    let sections = nordic_sections();
    for wanted in [
        "Loppuraportti",
        "Pohjois-Savon hyvinvointialue",
        "Työpaja Åkerö Oy",
        voucher.voucher_number.as_str(),
        "Matti Meikäläinen",
        ServiceType::KttIndividual.name_fi(),
        &format!("Palvelujakso{}–{}", fi(from), fi(until)),
        &format!("Määräpäivä{}", fi(due)),
        &format!("Palautettu{}", fi(today())),
        "Palvelun tavoitteet ja niiden toteutuminen",
        &sections.goals_and_attainment,
        "Palvelun aikana toteutuneet muutokset",
        &sections.changes,
        "Käytetyt keinot ja esimerkit",
        &sections.means_with_examples,
        "Realistinen jatkosuunnitelma",
        &sections.follow_up_plan,
        "äöå ÄÖÅ",
        "Sivu 1 / 1",
    ] {
        assert!(pdf_holds(&text, wanted), "{wanted:?} not in:\n{text}");
    }
    // As little of the client as a paper copy needs: the name, no identity code.
    let hetu_prefix = &hetu(ymd(1990, 5, 5), 401)[..6];
    assert!(
        !text.contains(hetu_prefix),
        "identity code printed:\n{text}"
    );
    // The same report prints to the same bytes.
    let again = report_pdf(&env, &env.provider_user(&p), &id)
        .await
        .expect("again");
    assert_eq!(again.content, pdf.content);
    assert_eq!(
        submitted.obligation.as_ref().map(|o| o.report_state),
        Some(rpb::ReportState::Submitted as i32)
    );

    // The voucher's social worker prints it too.
    let by_worker = report_pdf(&env, &env.social_worker(), &id)
        .await
        .expect("the voucher's social worker prints it");
    assert!(pdf_holds(
        &pdf_text_of(&by_worker.content),
        &sections.changes
    ));

    // Whoever reads the report prints it: the county's administrator too. For another provider
    // and another social worker it is not there; the auditor and the financial system read no
    // reports.
    report_pdf(&env, &env.admin(), &id)
        .await
        .expect("the county's administrator reads the report, and prints it");
    for token in [env.provider_user(&other), other_social_worker(&env)] {
        let hidden = report_pdf(&env, &token, &id).await.expect_err("not theirs");
        assert_eq!(hidden.code(), Code::NotFound, "{hidden:?}");
        let hidden = get_report(&env, &token, &id).await.expect_err("not theirs");
        assert_eq!(hidden.code(), Code::NotFound, "{hidden:?}");
    }
    for token in [env.auditor(), env.finance()] {
        let denied = report_pdf(&env, &token, &id)
            .await
            .expect_err("no reports for this role");
        assert_eq!(denied.code(), Code::PermissionDenied, "{denied:?}");
    }
    let unknown = report_pdf(
        &env,
        &env.provider_user(&p),
        &report_id("nope", "REP-FINAL"),
    )
    .await
    .expect_err("unknown");
    assert_eq!(unknown.code(), Code::NotFound);
    let empty = report_pdf(&env, &env.provider_user(&p), " ")
        .await
        .expect_err("no id");
    assert_eq!(empty.code(), Code::InvalidArgument);

    // Printing is an access to the client's data: audited.
    let client = voucher.client.expect("client").client_id;
    let actions = reporting_audit_actions(&env, &client).await;
    assert!(
        actions.iter().filter(|a| *a == "GetReportPdf").count() >= 3,
        "{actions:?}"
    );
}

#[tokio::test]
async fn a_draft_prints_marked_as_a_draft_and_an_unwritten_report_does_not_print() {
    let (env, p) = with_provider(start_reporting().await, 1_000_411).await;
    let from = today();
    let until = validity_end(from, 3);
    let v = ktt_voucher(&env, &p, 411, from, until).await;
    let interim = next_business_day_on_or_after(days(until, -21));
    let id = report_id(&v, "REP-INTERIM");
    owed_becomes(
        &env,
        &v,
        &[
            ("REP-INTERIM", interim),
            ("REP-FINAL", next_business_day_on_or_after(days(until, 14))),
        ],
    )
    .await;
    let provider_user = env.provider_user(&p);
    let (env_ref, token, report) = (&env, &provider_user, &id);
    eventually("the provider sees the interim report", || async move {
        get_report(env_ref, token, report).await.is_ok()
    })
    .await;

    let nothing = report_pdf(&env, &env.provider_user(&p), &id)
        .await
        .expect_err("nothing written");
    assert_eq!(nothing.code(), Code::FailedPrecondition);
    assert_eq!(rule_ids(&nothing), vec!["STATE-TRANSITION".to_owned()]);

    save_draft(
        &env,
        &p,
        &id,
        rpb::ReportSections {
            notes: "Väliarvio: edistystä näkyy.".into(),
            ..Default::default()
        },
    )
    .await
    .expect("draft");
    let text = pdf_text_of(
        &report_pdf(&env, &env.provider_user(&p), &id)
            .await
            .expect("a draft prints")
            .content,
    );
    for wanted in [
        "Väliraportti",
        "Luonnos",
        "Muuta",
        "Väliarvio: edistystä näkyy.",
    ] {
        assert!(pdf_holds(&text, wanted), "{wanted:?} not in:\n{text}");
    }
}

#[tokio::test]
async fn a_long_report_wraps_and_flows_onto_further_pages() {
    let (env, p) = with_provider(start_reporting().await, 1_000_421).await;
    let v = ktt_voucher(&env, &p, 421, today(), validity_end(today(), 3)).await;
    interrupt_today(&env, &p, &v).await;
    let id = report_id(&v, "REP-FINAL");
    let long: String = (1..=150)
        .map(|n| format!("Viikolla {n} harjoiteltiin säännöllistä päivärytmiä ja työtehtäviä. "))
        .collect();
    let long = format!("{long}LOPPUMERKKI-äöå");
    assert!(long.chars().count() < 20_000);
    save_draft(
        &env,
        &p,
        &id,
        rpb::ReportSections {
            means_with_examples: long.clone(),
            ..full_sections()
        },
    )
    .await
    .expect("draft");
    submit_report(&env, &p, &id).await.expect("submitted");
    let pdf = report_pdf(&env, &env.provider_user(&p), &id)
        .await
        .expect("pdf");
    let pages = pdf_extract::extract_text_from_mem_by_pages(&pdf.content).expect("pages");
    assert!(pages.len() >= 3, "{} pages", pages.len());
    let count = pages.len();
    for (n, page) in pages.iter().enumerate() {
        let label = format!("Sivu {} / {count}", n + 1);
        assert!(pdf_holds(page, &label), "{label} missing on page {}", n + 1);
    }
    // Every sentence is there, in order (the page footers aside), and what follows the long
    // section comes after it.
    let number = get_voucher(&env, &v).await.voucher_number;
    let footer = squeezed(&format!(
        "Luottamuksellinen · Pohjois-Savon hyvinvointialue · palveluseteli {number}"
    ));
    let text: String = pages
        .iter()
        .enumerate()
        .map(|(n, page)| {
            squeezed(page)
                .replace(&squeezed(&format!("Sivu {} / {count}", n + 1)), "")
                .replace(&footer, "")
        })
        .collect();
    let mut at = 0;
    for n in 1..=150 {
        let sentence = squeezed(&format!("Viikolla {n} harjoiteltiin"));
        let found = text[at..].find(&sentence).unwrap_or_else(|| {
            let near: String = text[at..].chars().take(300).collect();
            panic!("sentence {n} missing or out of order; next: {near}")
        });
        at += found + sentence.len();
    }
    let end = text
        .find("LOPPUMERKKI-äöå")
        .expect("the end of the long section");
    let plan = text
        .find(&squeezed(&full_sections().follow_up_plan))
        .expect("the plan");
    assert!(end < plan);
    assert!(!pdf_holds(&pages[0], "LOPPUMERKKI"));
}

#[tokio::test]
async fn delivery_is_marked_on_a_submitted_report_once_with_who_and_when() {
    let (env, p) = with_provider(start_reporting().await, 1_000_431).await;
    let v = ktt_voucher(&env, &p, 431, today(), validity_end(today(), 3)).await;
    interrupt_today(&env, &p, &v).await;
    let id = report_id(&v, "REP-FINAL");
    save_draft(&env, &p, &id, full_sections())
        .await
        .expect("draft");

    // REP-DELIVERY: a report not submitted is neither given to the client nor delivered.
    let early = mark_client_copy(&env, &p, &id)
        .await
        .expect_err("not submitted");
    assert_eq!(early.code(), Code::FailedPrecondition);
    assert_eq!(rule_ids(&early), vec!["REP-DELIVERY".to_owned()]);
    let early = mark_delivered(&env, &p, &id, "turvasähköposti")
        .await
        .expect_err("not submitted");
    assert_eq!(rule_ids(&early), vec!["REP-DELIVERY".to_owned()]);

    let submitted = submit_report(&env, &p, &id).await.expect("submitted");
    let delivery = submitted.delivery.expect("delivery");
    assert!(delivery.client_copy_given.is_none() && delivery.delivered_to_county.is_none());

    // Only the provider's user marks it; not in the future.
    let sw = env
        .r()
        .mark_client_copy_given(with_token(
            &env.social_worker(),
            rpb::MarkClientCopyGivenRequest {
                request_id: rid(),
                report_id: id.clone(),
                ..Default::default()
            },
        ))
        .await
        .expect_err("social worker");
    assert_eq!(sw.code(), Code::PermissionDenied);
    let future = env
        .r()
        .mark_client_copy_given(with_token(
            &env.provider_user(&p),
            rpb::MarkClientCopyGivenRequest {
                request_id: rid(),
                report_id: id.clone(),
                given_on: d(days(today(), 1)),
                ..Default::default()
            },
        ))
        .await
        .expect_err("tomorrow");
    assert_eq!(future.code(), Code::InvalidArgument);
    assert_eq!(bad_fields(&future), vec!["given_on".to_owned()]);

    // Marked, with who and when; a retry gets the same answer; a second mark is refused.
    let request = rpb::MarkClientCopyGivenRequest {
        request_id: rid(),
        report_id: id.clone(),
        note: "Annettu tapaamisessa.".into(),
        ..Default::default()
    };
    let given = env
        .r()
        .mark_client_copy_given(with_token(&env.provider_user(&p), request.clone()))
        .await
        .expect("given")
        .into_inner();
    let retried = env
        .r()
        .mark_client_copy_given(with_token(&env.provider_user(&p), request))
        .await
        .expect("retry")
        .into_inner();
    assert_eq!(given, retried);
    let mark = given
        .report
        .and_then(|r| r.delivery)
        .and_then(|d| d.client_copy_given)
        .expect("client copy mark");
    assert_eq!(mark.done_on, d(today()));
    assert_eq!(mark.note, "Annettu tapaamisessa.");
    let by = mark.recorded_by.expect("who");
    assert_eq!(
        (by.role.as_str(), by.organisation.as_str()),
        ("provider_user", p.as_str())
    );
    assert_eq!(by.subject, format!("user-of-{p}"));
    assert!(mark.recorded_at_micros > 0);
    let twice = mark_client_copy(&env, &p, &id)
        .await
        .expect_err("already given");
    assert_eq!(twice.code(), Code::FailedPrecondition);
    assert_eq!(rule_ids(&twice), vec!["STATE-TRANSITION".to_owned()]);

    let delivered = mark_delivered(&env, &p, &id, "turvasähköposti")
        .await
        .expect("delivered")
        .delivery
        .expect("delivery");
    let county = delivered.delivered_to_county.expect("county mark");
    assert_eq!(county.note, "turvasähköposti");
    assert!(delivered.client_copy_given.is_some());

    // The report shows both marks to its social worker; another provider does not know it.
    let read = get_report(&env, &env.social_worker(), &id)
        .await
        .expect("read")
        .delivery
        .expect("delivery");
    assert!(read.client_copy_given.is_some() && read.delivered_to_county.is_some());
    let other = approved_provider(&env, "Toinen ry", 1_000_432, SIILINJARVI).await;
    let hidden = mark_delivered(&env, &other, &id, "posti")
        .await
        .expect_err("another provider");
    assert_eq!(hidden.code(), Code::NotFound);
}

#[tokio::test]
async fn rep_feedback_is_the_providers_to_mark_when_a_ktt_service_ends() {
    let (env, p) = with_provider(start_reporting().await, 1_000_441).await;
    let from = today();
    let until = validity_end(from, 3);
    let v = ktt_voucher(&env, &p, 441, from, until).await;
    let provider_user = env.provider_user(&p);
    let (env_ref, token, voucher) = (&env, &provider_user, &v);
    eventually("the provider sees the checklist", || async move {
        closing_checklist(env_ref, token, voucher).await.is_ok()
    })
    .await;

    // A KTT service's checklist: REP-DELIVERY and REP-FEEDBACK, no ARCHIVE; nothing done.
    let list = closing_checklist(&env, &provider_user, &v)
        .await
        .expect("checklist");
    let items: Vec<(i32, String)> = list
        .items
        .iter()
        .map(|i| (i.item, i.rule.clone()))
        .collect();
    assert_eq!(
        items,
        vec![
            (
                rpb::ClosingItem::ClientCopyGiven as i32,
                "REP-DELIVERY".into()
            ),
            (
                rpb::ClosingItem::DeliveredToCounty as i32,
                "REP-DELIVERY".into()
            ),
            (
                rpb::ClosingItem::ProviderFeedbackForm as i32,
                "REP-FEEDBACK".into()
            ),
            (
                rpb::ClosingItem::ClientFeedbackCollected as i32,
                "REP-FEEDBACK".into()
            ),
        ]
    );
    assert!(!list.complete && !list.service_ended);
    assert_eq!(list.service_end, d(until));
    assert!(list.outstanding.iter().any(|g| g.rule == "REP-FEEDBACK"));
    assert!(list.outstanding.iter().any(|g| g.rule == "REP-DELIVERY"));

    // Before the service ends: refused with REP-FEEDBACK.
    let early = mark_closing_item(
        &env,
        &provider_user,
        &v,
        rpb::ClosingItem::ClientFeedbackCollected,
    )
    .await
    .expect_err("the service has not ended");
    assert_eq!(early.code(), Code::FailedPrecondition);
    assert_eq!(rule_ids(&early), vec!["REP-FEEDBACK".to_owned()]);
    // The social worker does not fill in the provider's forms; ARCHIVE is not KTT's item.
    let not_theirs = mark_closing_item(
        &env,
        &env.social_worker(),
        &v,
        rpb::ClosingItem::ProviderFeedbackForm,
    )
    .await
    .expect_err("social worker");
    assert_eq!(not_theirs.code(), Code::PermissionDenied);
    let archive = mark_closing_item(
        &env,
        &env.social_worker(),
        &v,
        rpb::ClosingItem::ArchivedToCounty,
    )
    .await
    .expect_err("ARCHIVE is SK's");
    assert_eq!(rule_ids(&archive), vec!["ARCHIVE".to_owned()]);
    let delivery_item =
        mark_closing_item(&env, &provider_user, &v, rpb::ClosingItem::ClientCopyGiven)
            .await
            .expect_err("marked on the report");
    assert_eq!(delivery_item.code(), Code::InvalidArgument);

    // The service completes today: the provider marks both feedback items.
    start_service(&env, &p, start_request(&v, from, "", None))
        .await
        .expect("start");
    complete_voucher(&env, &provider_user, &v, d(today()))
        .await
        .expect("complete");
    let (env_ref, token, voucher) = (&env, &provider_user, &v);
    eventually("the service has ended", || async move {
        closing_checklist(env_ref, token, voucher)
            .await
            .is_ok_and(|c| c.service_ended)
    })
    .await;
    mark_closing_item(
        &env,
        &provider_user,
        &v,
        rpb::ClosingItem::ProviderFeedbackForm,
    )
    .await
    .expect("provider feedback form");
    let list = mark_closing_item(
        &env,
        &provider_user,
        &v,
        rpb::ClosingItem::ClientFeedbackCollected,
    )
    .await
    .expect("client feedback");
    assert_eq!(
        item_done(&list, rpb::ClosingItem::ClientFeedbackCollected),
        Some(true)
    );
    let mark = list
        .items
        .iter()
        .find(|i| i.item == rpb::ClosingItem::ProviderFeedbackForm as i32)
        .and_then(|i| i.mark.clone())
        .expect("mark");
    assert_eq!(mark.done_on, d(today()));
    assert_eq!(
        mark.recorded_by.map(|a| a.role),
        Some("provider_user".to_owned())
    );
    assert!(list.outstanding.iter().all(|g| g.rule == "REP-DELIVERY"));
    let twice = mark_closing_item(
        &env,
        &provider_user,
        &v,
        rpb::ClosingItem::ClientFeedbackCollected,
    )
    .await
    .expect_err("already marked");
    assert_eq!(rule_ids(&twice), vec!["STATE-TRANSITION".to_owned()]);

    // The final report delivered both ways completes the checklist.
    let id = report_id(&v, "REP-FINAL");
    save_draft(&env, &p, &id, full_sections())
        .await
        .expect("draft");
    submit_report(&env, &p, &id).await.expect("submitted");
    mark_client_copy(&env, &p, &id).await.expect("copy given");
    mark_delivered(&env, &p, &id, "turvasähköposti")
        .await
        .expect("delivered");
    let done = closing_checklist(&env, &env.social_worker(), &v)
        .await
        .expect("the voucher's social worker reads it");
    assert!(done.complete, "{:?}", done.outstanding);
    assert!(done.outstanding.is_empty());
    assert!(done.items.iter().all(|i| i.done));
    let hidden = closing_checklist(&env, &other_social_worker(&env), &v)
        .await
        .expect_err("another social worker");
    assert_eq!(hidden.code(), Code::NotFound);
    closing_checklist(&env, &env.admin(), &v)
        .await
        .expect("the county's administrator reads it");

    // An SK service has no feedback forms (REP-FEEDBACK is KTT's).
    let s = sk_group_voucher(&env, &p, 442, today(), validity_end(today(), 2)).await;
    let (env_ref, token, voucher) = (&env, &provider_user, &s);
    eventually("the provider sees the SK checklist", || async move {
        closing_checklist(env_ref, token, voucher).await.is_ok()
    })
    .await;
    let sk = mark_closing_item(
        &env,
        &provider_user,
        &s,
        rpb::ClosingItem::ProviderFeedbackForm,
    )
    .await
    .expect_err("SK");
    assert_eq!(rule_ids(&sk), vec!["REP-FEEDBACK".to_owned()]);
}

#[tokio::test]
async fn archive_is_the_countys_to_mark_once_an_sk_final_report_is_in() {
    let (env, p) = with_provider(start_reporting().await, 1_000_451).await;
    let s = sk_group_voucher(&env, &p, 451, today(), validity_end(today(), 2)).await;
    interrupt_today(&env, &p, &s).await;
    let provider_user = env.provider_user(&p);
    let sw = env.social_worker();

    // An SK service's checklist: REP-DELIVERY and ARCHIVE, no REP-FEEDBACK.
    let list = closing_checklist(&env, &sw, &s).await.expect("checklist");
    let rules: Vec<&str> = list.items.iter().map(|i| i.rule.as_str()).collect();
    assert_eq!(rules, vec!["REP-DELIVERY", "REP-DELIVERY", "ARCHIVE"]);
    assert!(list.service_ended);
    assert_eq!(
        item_done(&list, rpb::ClosingItem::ProviderFeedbackForm),
        None
    );

    // Not before the final report is in (ARCHIVE); not by the provider.
    let early = mark_closing_item(&env, &sw, &s, rpb::ClosingItem::ArchivedToCounty)
        .await
        .expect_err("no final report yet");
    assert_eq!(early.code(), Code::FailedPrecondition);
    assert_eq!(rule_ids(&early), vec!["ARCHIVE".to_owned()]);
    let id = report_id(&s, "REP-FINAL");
    save_draft(&env, &p, &id, full_sections())
        .await
        .expect("draft");
    submit_report(&env, &p, &id).await.expect("submitted");
    let provider = mark_closing_item(&env, &provider_user, &s, rpb::ClosingItem::ArchivedToCounty)
        .await
        .expect_err("the provider");
    assert_eq!(provider.code(), Code::PermissionDenied);
    let another = mark_closing_item(
        &env,
        &other_social_worker(&env),
        &s,
        rpb::ClosingItem::ArchivedToCounty,
    )
    .await
    .expect_err("another social worker");
    assert_eq!(another.code(), Code::NotFound);

    // The voucher's social worker marks it, once.
    let list = mark_closing_item(&env, &sw, &s, rpb::ClosingItem::ArchivedToCounty)
        .await
        .expect("archived");
    let item = list
        .items
        .iter()
        .find(|i| i.item == rpb::ClosingItem::ArchivedToCounty as i32)
        .expect("item");
    assert!(item.done);
    let by = item
        .mark
        .as_ref()
        .and_then(|m| m.recorded_by.clone())
        .expect("who");
    assert_eq!(
        (by.role.as_str(), by.organisation.as_str()),
        ("social_worker", "county")
    );
    assert!(!list.complete);
    let twice = mark_closing_item(&env, &env.admin(), &s, rpb::ClosingItem::ArchivedToCounty)
        .await
        .expect_err("already archived");
    assert_eq!(rule_ids(&twice), vec!["STATE-TRANSITION".to_owned()]);

    // Delivered both ways: complete.
    mark_client_copy(&env, &p, &id).await.expect("copy");
    mark_delivered(&env, &p, &id, "posti")
        .await
        .expect("delivered");
    let done = closing_checklist(&env, &provider_user, &s)
        .await
        .expect("checklist");
    assert!(done.complete, "{:?}", done.outstanding);
}

#[tokio::test]
async fn an_sk_interim_report_prints_the_earlier_periods_dated() {
    let env = start_reporting().await;
    let p = approved_provider(&env, "Työpaja Åkerö Oy", 1_000_461, SIILINJARVI).await;
    let from = today();
    let until = validity_end(from, 2);
    let a = sk_group_voucher(&env, &p, 461, from, until).await;
    let (b, b_from, b_until) = continue_voucher(&env, &p, &a, 2).await;
    let first = report_id(&a, "REP-INTERIM-SK");
    let provider_user = env.provider_user(&p);
    let (env_ref, token, report) = (&env, &provider_user, &first);
    eventually("the first period's interim report is owed", || async move {
        get_report(env_ref, token, report).await.is_ok()
    })
    .await;
    save_draft(
        &env,
        &p,
        &first,
        rpb::ReportSections {
            notes: "Ensimmäinen jakso: ryhmään kiinnittyminen onnistui.".into(),
            ..Default::default()
        },
    )
    .await
    .expect("draft");
    submit_report(&env, &p, &first).await.expect("submitted");

    let (_c, _, _) = continue_voucher(&env, &p, &b, 2).await;
    let second = report_id(&b, "REP-INTERIM-SK");
    let (env_ref, token, report) = (&env, &provider_user, &second);
    eventually(
        "the second period's interim report is owed",
        || async move { get_report(env_ref, token, report).await.is_ok() },
    )
    .await;
    save_draft(
        &env,
        &p,
        &second,
        rpb::ReportSections {
            notes: "Toinen jakso: itsenäinen asiointi kaupassa.".into(),
            ..Default::default()
        },
    )
    .await
    .expect("draft");
    submit_report(&env, &p, &second).await.expect("submitted");

    let text = pdf_text_of(
        &report_pdf(&env, &env.social_worker(), &second)
            .await
            .expect("pdf")
            .content,
    );
    let squeezed_text = squeezed(&text);
    let first_period = squeezed(&format!("Jakso {}–{}{}", fi(from), fi(until), fi(today())));
    let second_period = squeezed(&format!(
        "Jakso {}–{}{}",
        fi(b_from),
        fi(b_until),
        fi(today())
    ));
    let at_first = squeezed_text
        .find(&first_period)
        .unwrap_or_else(|| panic!("{first_period} not in:\n{text}"));
    let at_second = squeezed_text
        .find(&second_period)
        .unwrap_or_else(|| panic!("{second_period} not in:\n{text}"));
    let first_text = squeezed_text
        .find(&squeezed("ryhmään kiinnittyminen onnistui"))
        .expect("the first period's text");
    let second_text = squeezed_text
        .find(&squeezed("itsenäinen asiointi kaupassa"))
        .expect("the second period's text");
    assert!(at_first < first_text && first_text < at_second && at_second < second_text);
    assert!(pdf_holds(&text, "Väliraportti"));
    assert!(pdf_holds(&text, ServiceType::SkGroup.name_fi()));
}
