//! The county's follow-up of a period: vouchers by service and provider, units granted and
//! used, reports due, overdue and submitted late, no-show and absence rates; as data and as a
//! CSV that parses back to the same figures; a cell of fewer than five clients suppressed, the
//! totals honest. "Today" is pinned.

use seteli_api::attendance::v1 as apb;
use seteli_api::common::v1::ServiceType;
use seteli_api::reporting::v1 as rpb;
use seteli_rules::terms::validity_end;
use seteli_tests::fixtures::*;
use tonic::Code;

fn april() -> (chrono::NaiveDate, chrono::NaiveDate) {
    (ymd(2026, 4, 1), ymd(2026, 4, 30))
}

async fn follow_up(
    env: &Env,
    token: &str,
    service: Option<ServiceType>,
    provider_id: &str,
) -> Result<rpb::GetFollowUpResponse, tonic::Status> {
    let (from, until) = april();
    get_follow_up(
        env,
        token,
        rpb::GetFollowUpRequest {
            period_from: d(from),
            period_until: d(until),
            service_type: service.map_or(0, |s| s as i32),
            provider_id: provider_id.into(),
        },
    )
    .await
}

/// Two KTT coaching vouchers' validity: 2 February – 1 May 2026 (interim reports due Friday 10
/// April, 21 days before the end; final reports on 15 May).
fn feb_to_may() -> (chrono::NaiveDate, chrono::NaiveDate) {
    let from = ymd(2026, 2, 2);
    (from, validity_end(from, 3))
}

/// The reports a voucher of [`feb_to_may`] owes.
const OWED: [(&str, (i32, u32, u32)); 2] =
    [("REP-INTERIM", (2026, 4, 10)), ("REP-FINAL", (2026, 5, 15))];

/// KTT coaching vouchers of `provider_id` of [`feb_to_may`], a fresh client each (from
/// `seeds`), once attendance and reporting both follow them (so the follow-up counts them).
async fn followed_ktt_vouchers(
    env: &Env,
    provider_id: &str,
    seeds: std::ops::Range<u16>,
) -> Vec<String> {
    let (from, until) = feb_to_may();
    let owed: Vec<(&str, chrono::NaiveDate)> = OWED
        .iter()
        .map(|(r, (y, m, d))| (*r, ymd(*y, *m, *d)))
        .collect();
    let admin = env.admin();
    let mut vouchers = Vec::new();
    for seed in seeds {
        let v = ktt_voucher(env, provider_id, seed, from, until).await;
        owed_becomes(env, &v, &owed).await;
        poll_until(
            || voucher_usage_as(env, &admin, &v),
            Result::is_ok,
            |_| format!("attendance does not follow {v}"),
        )
        .await
        .expect("followed");
        vouchers.push(v);
    }
    vouchers
}

fn row<'a>(
    rows: &'a [rpb::FollowUpRow],
    service: ServiceType,
    provider: &str,
) -> &'a rpb::FollowUpRow {
    rows.iter()
        .find(|r| r.service_type == service as i32 && r.provider_id == provider)
        .unwrap_or_else(|| panic!("a row of {service:?} and {provider} in {rows:?}"))
}

#[tokio::test]
async fn the_follow_up_of_a_month_as_data_and_as_csv() {
    // Monday 4 May 2026.
    let today = ymd(2026, 5, 4);
    let (env, p) = with_provider(start_reporting_on(today).await, 1_000_841).await;
    let q = approved_provider(&env, "Toinen ry", 2_000_841, SIILINJARVI).await;
    // Two KTT coaching vouchers of p, valid 2 February – 1 May: their interim reports are due
    // on Friday 10 April (21 days before the end), their final reports after April. Three more
    // clients of p with nothing recorded: five clients, so p's figures are shown.
    let (from, until) = feb_to_may();
    assert_eq!(until, ymd(2026, 5, 1));
    let v1 = ktt_voucher(&env, &p, 841, from, until).await;
    let v2 = ktt_voucher(&env, &p, 842, from, until).await;
    followed_ktt_vouchers(&env, &p, 844..847).await;
    // An SK group voucher of q.
    let sk_from = ymd(2026, 3, 2);
    let v3 = sk_group_voucher(&env, &q, 843, sk_from, validity_end(sk_from, 3)).await;

    // v1: a session in March (not in the period), three in April and a no-show.
    record(&env, &p, &v1, at(ymd(2026, 3, 10), 9, 11))
        .await
        .expect("March");
    for day in [7, 8, 9] {
        record(&env, &p, &v1, at(ymd(2026, 4, day), 9, 11))
            .await
            .expect("April");
    }
    no_show(&env, &p, &v1, ymd(2026, 4, 14)).await;
    // v2: a session and an absence in April.
    record(&env, &p, &v2, at(ymd(2026, 4, 15), 9, 11))
        .await
        .expect("April");
    record_absence(
        &env,
        &p,
        &v2,
        ymd(2026, 4, 16),
        apb::AbsenceKind::Absent,
        apb::AbsenceReason::JobInterview,
    )
    .await
    .expect("absence");
    // v3: one group session of 2 h.
    record(&env, &q, &v3, group(ymd(2026, 4, 7), 2, 3))
        .await
        .expect("group session");

    // v1's interim report submitted today (late); v2's not at all (overdue).
    let interim = ymd(2026, 4, 10);
    owed_becomes(
        &env,
        &v1,
        &[("REP-INTERIM", interim), ("REP-FINAL", ymd(2026, 5, 15))],
    )
    .await;
    owed_becomes(
        &env,
        &v2,
        &[("REP-INTERIM", interim), ("REP-FINAL", ymd(2026, 5, 15))],
    )
    .await;
    let report = report_id(&v1, "REP-INTERIM");
    save_draft(&env, &p, &report, full_sections())
        .await
        .expect("draft");
    let submitted = submit_report(&env, &p, &report).await.expect("submitted");
    assert!(submitted.obligation.expect("obligation").late);

    let got = follow_up(&env, &env.admin(), None, "")
        .await
        .expect("follow-up");
    assert_eq!(day_of(got.period_from), ymd(2026, 4, 1));
    assert_eq!(got.rows.len(), 2, "{:?}", got.rows);
    let k = row(&got.rows, ServiceType::KttIndividual, &p);
    assert!(!k.suppressed, "five clients: {k:?}");
    assert_eq!(k.vouchers, 5);
    assert_eq!(k.units_granted_hundredths, 15000);
    assert_eq!(k.units_used_hundredths, 800, "4 sessions of 2 h in April");
    assert_eq!(
        k.units_used_total_hundredths, 1100,
        "March's 2 h, April's 8 h and one allowed no-show unit"
    );
    assert_eq!(
        (
            k.sessions_arranged,
            k.sessions_realised,
            k.no_shows,
            k.absences
        ),
        (5, 4, 1, 1)
    );
    assert!((k.no_show_rate - 0.2).abs() < 1e-9, "{k:?}");
    assert!((k.absence_rate - 1.0 / 6.0).abs() < 1e-9, "{k:?}");
    assert_eq!(
        (k.reports_due, k.reports_overdue, k.reports_submitted_late),
        (5, 4, 1)
    );
    // q's SK row is one client's: suppressed, and so is the SK total (the same client).
    let s = row(&got.rows, ServiceType::SkGroup, &q);
    assert!(s.suppressed, "one client: {s:?}");
    assert_eq!(
        (
            s.vouchers,
            s.units_granted_hundredths,
            s.units_used_hundredths
        ),
        (0, 0, 0)
    );
    assert_eq!(got.service_totals.len(), 2);
    assert!(got.service_totals.iter().all(|t| t.provider_id.is_empty()));
    let ktt_total = &got.service_totals[0];
    assert_eq!(ktt_total.service_type, ServiceType::KttIndividual as i32);
    assert_eq!((ktt_total.suppressed, ktt_total.vouchers), (false, 5));
    assert!(got.service_totals[1].suppressed);

    // Filters: a provider, a service.
    let only_q = follow_up(&env, &env.admin(), None, &q).await.expect("q");
    assert_eq!(only_q.rows.len(), 1);
    assert_eq!(only_q.rows[0].provider_id, q);
    let only_ktt = follow_up(&env, &env.admin(), Some(ServiceType::KttIndividual), "")
        .await
        .expect("KTT");
    assert_eq!(only_ktt.rows.len(), 1);
    assert_eq!(only_ktt.rows[0].provider_id, p);

    // The auditor reads the same figures; a social worker and a provider's user do not.
    let audited = follow_up(&env, &env.auditor(), None, "")
        .await
        .expect("auditor");
    assert_eq!(audited.rows, got.rows);
    for token in [env.social_worker(), env.provider_user(&p)] {
        refused_with(
            follow_up(&env, &token, None, "").await,
            Code::PermissionDenied,
            "not theirs",
        );
    }
    let err = get_follow_up(
        &env,
        &env.admin(),
        rpb::GetFollowUpRequest {
            period_from: d(ymd(2026, 4, 30)),
            period_until: d(ymd(2026, 4, 1)),
            ..Default::default()
        },
    )
    .await
    .expect_err("backwards");
    assert_eq!(bad_fields(&err), vec!["period_until"]);

    // The CSV export parses back to the same figures.
    let (from, until) = april();
    let csv = export_follow_up_csv(
        &env,
        &env.admin(),
        rpb::ExportFollowUpCsvRequest {
            period_from: d(from),
            period_until: d(until),
            ..Default::default()
        },
    )
    .await
    .expect("CSV");
    assert_eq!(csv.content_type, "text/csv; charset=utf-8");
    assert_eq!(csv.file_name, "seuranta-2026-04-01-2026-04-30.csv");
    let mut reader = csv::Reader::from_reader(csv.content.as_slice());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header[0], "service_type");
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("column {name} in {header:?}"))
    };
    let records: Vec<csv::StringRecord> =
        reader.records().collect::<Result<_, _>>().expect("records");
    assert_eq!(records.len(), 2);
    let ktt = records
        .iter()
        .find(|r| &r[column("service_type")] == "KTT_INDIVIDUAL")
        .expect("KTT row");
    assert_eq!(&ktt[column("provider_id")], p.as_str());
    assert_eq!(
        &ktt[column("service_name_fi")],
        "kuntouttavan työtoiminnan yksilövalmennus"
    );
    assert_eq!(&ktt[column("vouchers")], "5");
    assert_eq!(&ktt[column("units_granted")], "150.00");
    assert_eq!(&ktt[column("suppressed")], "false");
    assert_eq!(&ktt[column("units_used_in_period")], "8.00");
    assert_eq!(&ktt[column("units_used_total")], "11.00");
    assert_eq!(&ktt[column("no_shows")], "1");
    let rate: f64 = ktt[column("no_show_rate")].parse().expect("a number");
    assert!((rate - 0.2).abs() < 1e-9);
    let rate: f64 = ktt[column("absence_rate")].parse().expect("a number");
    assert!((rate - 1.0 / 6.0).abs() < 1e-4);
    assert_eq!(&ktt[column("reports_overdue")], "4");
    assert_eq!(&ktt[column("reports_submitted_late")], "1");
    let sk = records
        .iter()
        .find(|r| &r[column("service_type")] == "SK_GROUP")
        .expect("SK row");
    assert_eq!(&sk[column("suppressed")], "true");
    assert_eq!(&sk[column("provider_id")], q.as_str());
    for figure in [
        "vouchers",
        "units_used_in_period",
        "no_show_rate",
        "reports_due",
    ] {
        assert_eq!(&sk[column(figure)], "", "{figure} not shown");
    }
    // The auditor may export too; a provider's user may not.
    export_follow_up_csv(
        &env,
        &env.auditor(),
        rpb::ExportFollowUpCsvRequest {
            period_from: d(from),
            period_until: d(until),
            ..Default::default()
        },
    )
    .await
    .expect("auditor's CSV");
    refused_with(
        export_follow_up_csv(
            &env,
            &env.provider_user(&q),
            rpb::ExportFollowUpCsvRequest {
                period_from: d(from),
                period_until: d(until),
                ..Default::default()
            },
        )
        .await,
        Code::PermissionDenied,
        "provider",
    );
}

#[tokio::test]
async fn follow_up_cells_of_fewer_than_five_clients_are_suppressed() {
    // Issue 30: a follow-up row of one client told that client's sessions and absences.
    // Monday 4 May 2026; the follow-up of April, KTT coaching of three providers.
    let today = ymd(2026, 5, 4);
    let (env, p) = with_provider(start_reporting_on(today).await, 1_000_842).await;
    let q = approved_provider(&env, "Yksi ry", 2_000_842, SIILINJARVI).await;
    let r = approved_provider(&env, "Kuusi ry", 3_000_842, SIILINJARVI).await;
    followed_ktt_vouchers(&env, &p, 850..855).await;
    let r_vouchers = followed_ktt_vouchers(&env, &r, 860..866).await;
    // q's one client: two sessions in April and an absence.
    let one = followed_ktt_vouchers(&env, &q, 870..871).await.remove(0);
    for day in [7, 8] {
        record(&env, &q, &one, at(ymd(2026, 4, day), 9, 11))
            .await
            .expect("April");
    }
    record_absence(
        &env,
        &q,
        &one,
        ymd(2026, 4, 9),
        apb::AbsenceKind::Absent,
        apb::AbsenceReason::JobInterview,
    )
    .await
    .expect("absence");
    record(&env, &r, &r_vouchers[0], at(ymd(2026, 4, 7), 9, 11))
        .await
        .expect("April");

    let got = follow_up(&env, &env.admin(), Some(ServiceType::KttIndividual), "")
        .await
        .expect("follow-up");
    assert_eq!(got.rows.len(), 3, "{:?}", got.rows);
    // q's row is one client's: not shown.
    let of_q = row(&got.rows, ServiceType::KttIndividual, &q);
    assert!(of_q.suppressed, "{of_q:?}");
    assert_eq!(
        (
            of_q.vouchers,
            of_q.sessions_realised,
            of_q.absences,
            of_q.units_used_hundredths,
            of_q.reports_due
        ),
        (0, 0, 0, 0, 0)
    );
    assert!(of_q.absence_rate.abs() < f64::EPSILON);
    // The total minus the rows shown would give q's row away: p's five clients (the smallest
    // other row) are hidden with it; r's six are shown.
    assert!(row(&got.rows, ServiceType::KttIndividual, &p).suppressed);
    let of_r = row(&got.rows, ServiceType::KttIndividual, &r);
    assert!(!of_r.suppressed);
    assert_eq!((of_r.vouchers, of_r.sessions_realised), (6, 1));
    // The total is honest: every voucher and session, q's included.
    assert_eq!(got.service_totals.len(), 1);
    let total = &got.service_totals[0];
    assert!(!total.suppressed);
    assert_eq!(
        (total.vouchers, total.sessions_realised, total.absences),
        (12, 3, 1)
    );

    // Asked for q alone: its row and its total are one client's.
    let only_q = follow_up(&env, &env.auditor(), None, &q)
        .await
        .expect("q alone");
    assert!(only_q.rows.iter().all(|x| x.suppressed && x.vouchers == 0));
    assert!(
        only_q
            .service_totals
            .iter()
            .all(|x| x.suppressed && x.vouchers == 0 && x.sessions_realised == 0)
    );

    // The CSV shows q's row without figures.
    let (from, until) = april();
    let csv = export_follow_up_csv(
        &env,
        &env.admin(),
        rpb::ExportFollowUpCsvRequest {
            period_from: d(from),
            period_until: d(until),
            provider_id: q.clone(),
            ..Default::default()
        },
    )
    .await
    .expect("CSV");
    let mut reader = csv::Reader::from_reader(csv.content.as_slice());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    let records: Vec<csv::StringRecord> =
        reader.records().collect::<Result<_, _>>().expect("records");
    assert_eq!(records.len(), 1);
    for (name, value) in header.iter().zip(records[0].iter()) {
        match name.as_str() {
            "service_type" => assert_eq!(value, "KTT_INDIVIDUAL"),
            "service_name_fi" => assert!(!value.is_empty()),
            "provider_id" => assert_eq!(value, q),
            "suppressed" => assert_eq!(value, "true"),
            figure => assert_eq!(value, "", "{figure} not shown"),
        }
    }
}
