//! Benchmark: a month's invoicing and the export of approved invoices (issue 11).
//!
//! Billing's own work, in-process, on a fresh database; no network. The other services are
//! replaced by what they would answer (synthetic `ListBillableItems` pages, `GetVoucher` and
//! `GetProvider` messages), which go through billing's own conversions ([`wire`]):
//!
//! - **month**: 100,000 sessions over 5,000 vouchers of 250 providers (20 vouchers × 20
//!   sessions each, a few no-shows, some vouchers capped), invoiced one provider after the
//!   other as GenerateInvoice does it: the generation check, the seller and the feed, the
//!   voucher terms looked up and cached, the transaction ([`Change`] + [`ops::write_month`]:
//!   plan every voucher, write the invoice, its items and the totals, store the idempotent
//!   answer) and the database half of marking the items invoiced. Target ≤ 5 s.
//! - **export**: 10,000 approved invoices (copies of the month's, 20 lines each) pulled with
//!   [`ops::stream_approved_invoices`] in both formats (Finvoice 3.0 and UBL); every document
//!   is dropped once counted. Target ≤ 2 s, and memory flat: RSS growth between the 1,000th and
//!   the 10,000th invoice ≤ `RSS_GROWTH_BUDGET_MIB`.
//! - breakdown rows (no target): planning alone (pure), writing the XML alone (no database),
//!   reading and decoding the approved invoices alone (no XML).
//!
//! Backends: SQLite in a temporary folder; PostgreSQL too when `SETELI_BENCH_POSTGRES` (or
//! `SETELI_TEST_POSTGRES`) names a server, on a database created and dropped here. Each phase
//! is bounded by `PHASE_LIMIT`. Prints a markdown table; exits 1 when a target is missed in a
//! release build. Run with `make bench` (or `cargo bench -p seteli-billing --bench invoicing`).

use std::collections::{BTreeMap, HashMap};
use std::hint::black_box;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::{Datelike, Days, Months, NaiveDate};
use futures::StreamExt;
use seteli_api::attendance::v1 as apb;
use seteli_api::billing::v1 as pb;
use seteli_api::providers::v1 as ppb;
use seteli_api::vouchers::v1 as vpb;
use seteli_billing::model::{InvoiceState, VoucherTerms, VoucherTotal, period};
use seteli_billing::ops::{self, App, MonthFacts, Settings};
use seteli_billing::plan::{self, VoucherInput};
use seteli_billing::store::{self, StateFacts};
use seteli_billing::wire::{self, FeedVoucher};
use seteli_billing::{Billing, einvoice};
use seteli_platform::auth::Role;
use seteli_platform::change::Change;
use seteli_platform::clock::Clock;
use seteli_platform::config::Config;
use seteli_platform::convert::{PbEnum, to_date, to_money};
use seteli_platform::db::{Database, new_id, now_micros};
use seteli_platform::rpc::Ctx;
use seteli_platform::server::{Service, ServiceSettings};
use seteli_rules::ServiceType;
use seteli_rules::prices::PriceHistory;
use sqlx::{Connection, Executor};

const PROVIDERS: usize = 250;
const VOUCHERS_PER_PROVIDER: usize = 20;
const SESSIONS_PER_VOUCHER: usize = 20;
const EXPORTED: usize = 10_000;
/// Where the export's RSS is first read (the second reading is after the last invoice).
const RSS_MARK: usize = 1_000;
const MONTH_BUDGET_S: f64 = 5.0;
const EXPORT_BUDGET_S: f64 = 2.0;
const RSS_GROWTH_BUDGET_MIB: f64 = 4.0;
/// No phase may take longer than this (the bench is bounded in time).
const PHASE_LIMIT: Duration = Duration::from_secs(300);
/// Copies approved per transaction while the export is set up.
const SETUP_CHUNK: usize = 500;

/// One row of the table.
struct Row {
    scenario: &'static str,
    backend: &'static str,
    items: usize,
    unit: &'static str,
    seconds: f64,
    memory: String,
    budget_s: Option<f64>,
}

/// What the other services would answer for one provider.
struct Synthetic {
    provider: ppb::Provider,
    vouchers: Vec<vpb::Voucher>,
    page: Vec<apb::VoucherBillable>,
}

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("invoicing bench: no runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("invoicing bench failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<bool> {
    sql_time::install();
    sqlx::any::install_default_drivers();
    let first = NaiveDate::from_ymd_opt(2026, 10, 1).context("date")?;
    let today = NaiveDate::from_ymd_opt(2026, 11, 2).context("date")?;
    let settings = Arc::new(Settings::read(&Config::from_vars(
        Billing::DEFAULTS,
        BTreeMap::new(),
    )?)?);
    let mut rows = Vec::new();

    // Pure: planning alone, and the XML alone (on one SQLite month's invoices, below).
    rows.push(plan_only(first)?);

    let mut backends = vec![("SQLite", None)];
    match std::env::var("SETELI_BENCH_POSTGRES")
        .ok()
        .filter(|v| !v.is_empty())
        .or_else(|| {
            std::env::var("SETELI_TEST_POSTGRES")
                .ok()
                .filter(|v| !v.is_empty())
        }) {
        Some(admin) => backends.push(("PostgreSQL", Some(admin))),
        None => println!(
            "note: PostgreSQL skipped (set SETELI_BENCH_POSTGRES or SETELI_TEST_POSTGRES to a \
             server URL to measure it)"
        ),
    }
    let mut xml_done = false;
    for (backend, admin) in backends {
        let fresh = BenchDatabase::fresh(admin.as_deref()).await?;
        let result = backend_rows(backend, &fresh.url, &settings, first, today, !xml_done).await;
        fresh.drop_database().await;
        rows.extend(result?);
        xml_done = true;
    }

    let enforce = !cfg!(debug_assertions);
    println!();
    println!("| scenario | backend | items | seconds | items/s | memory | target |");
    println!("|---|---|---:|---:|---:|---|---|");
    let mut ok = true;
    for r in &rows {
        let verdict = match r.budget_s {
            Some(b) if r.seconds <= b => format!("≤ {b} s: met"),
            Some(b) => {
                ok = false;
                format!("≤ {b} s: **missed**")
            }
            None => "—".into(),
        };
        println!(
            "| {} | {} | {} {} | {:.2} | {} | {} | {} |",
            r.scenario,
            r.backend,
            thousands(r.items),
            r.unit,
            r.seconds,
            thousands((r.items as f64 / r.seconds.max(1e-9)).round() as usize),
            r.memory,
            verdict
        );
    }
    let growth_ok = rows.iter().all(|r| !r.memory.contains("**over**"));
    ok &= growth_ok;
    println!();
    if !enforce {
        println!("debug build: targets not enforced");
        return Ok(true);
    }
    if !ok {
        eprintln!("invoicing bench: a target was missed");
    }
    Ok(ok)
}

/// The month and the export on one backend.
async fn backend_rows(
    backend: &'static str,
    url: &str,
    settings: &Arc<Settings>,
    first: NaiveDate,
    today: NaiveDate,
    with_xml: bool,
) -> anyhow::Result<Vec<Row>> {
    let db = Database::connect(url, 8).await?;
    db.migrate(Billing::MIGRATIONS).await?;
    let mut rows = Vec::new();

    let providers: Vec<Synthetic> = (0..PROVIDERS).map(|n| synthesize(n, first)).collect();
    sql_time::start();
    let (seconds, invoices, billed, phases) = bounded(
        "month",
        invoice_month(&db, settings, providers, first, today),
    )
    .await??;
    sql_time::report(&format!("{backend}: month"), seconds);
    println!(
        "{backend}: month: {} invoices, {} items billed; {phases}",
        invoices.len(),
        thousands(billed)
    );
    rows.push(Row {
        scenario: "invoice the month",
        backend,
        items: PROVIDERS * VOUCHERS_PER_PROVIDER * SESSIONS_PER_VOUCHER,
        unit: "sessions",
        seconds,
        memory: format!("peak RSS {:.0} MiB", status_kib("VmHWM") as f64 / 1024.0),
        budget_s: Some(MONTH_BUDGET_S),
    });

    if with_xml {
        rows.push(bounded("xml", xml_only(&invoices)).await??);
    }

    let setup = Instant::now();
    bounded("setup", approve_copies(&db, &invoices, first)).await??;
    println!(
        "{backend}: export set up ({} approved invoices) in {:.1} s",
        thousands(EXPORTED),
        setup.elapsed().as_secs_f64()
    );
    rows.push(bounded("read", read_only(&db, backend)).await??);
    sql_time::start();
    let row = bounded("export", export(&db, settings, backend)).await??;
    sql_time::report(&format!("{backend}: export"), row.seconds);
    rows.push(row);
    db.close().await;
    Ok(rows)
}

async fn bounded<T>(
    phase: &str,
    work: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<anyhow::Result<T>> {
    tokio::time::timeout(PHASE_LIMIT, work)
        .await
        .map_err(|_| anyhow::anyhow!("{phase}: over {PHASE_LIMIT:?}"))
}

// ------------------------------------------------------------------------------ synthetic data

/// A Y-tunnus from a seed (the first valid body at or after it).
fn business_id(seed: usize) -> String {
    (seed..seed + 20)
        .find_map(|b| seteli_rules::ids::format_y_tunnus(&format!("{:07}", 1_000_000 + b)).ok())
        .unwrap_or_default()
}

fn synthesize(n: usize, first: NaiveDate) -> Synthetic {
    let provider_id = new_id();
    let provider = ppb::Provider {
        id: provider_id.clone(),
        details: Some(ppb::ProviderDetails {
            name: format!("Valmennuspalvelu {n} Oy"),
            business_id: business_id(n * 20),
            iban: "FI21 1234 5600 0007 85".into(),
            bic: "NDEAFIHH".into(),
            ..Default::default()
        }),
        sites: vec![ppb::Site {
            kind: ppb::SiteKind::Site as i32,
            name: "Toimipiste".into(),
            street_address: format!("Kauppakatu {n}"),
            postal_code: "70100".into(),
            municipality: "Kuopio".into(),
            ..Default::default()
        }],
        offerings: vec![
            ppb::Offering {
                service_type: ServiceType::KttIndividual.to_pb(),
                unit_price: Some(to_money(6000)),
                ..Default::default()
            },
            ppb::Offering {
                service_type: ServiceType::SkGroup.to_pb(),
                unit_price: Some(to_money(3300)),
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    let mut vouchers = Vec::new();
    let mut page = Vec::new();
    for v in 0..VOUCHERS_PER_PROVIDER {
        let global = n * VOUCHERS_PER_PROVIDER + v;
        // Every fifth an SK group voucher (its no-shows go on the report); every tenth with
        // fewer units granted than its sessions (capped).
        let (service, price) = if v % 5 == 0 {
            (ServiceType::SkGroup, 3500)
        } else {
            (ServiceType::KttIndividual, 6500)
        };
        let granted = if v % 10 == 3 { 1500 } else { 4000 };
        let voucher_id = new_id();
        vouchers.push(vpb::Voucher {
            id: voucher_id.clone(),
            voucher_number: format!("PS-2026-{global:06}"),
            decision: Some(vpb::ServiceDecision {
                service_type: service.to_pb(),
                ..Default::default()
            }),
            unit_price: Some(to_money(price)),
            units_granted: Some(vpb::Units {
                hundredths: granted,
            }),
            value: Some(to_money(plan::amount_cents(granted, price))),
            provider_id: provider_id.clone(),
            ..Default::default()
        });
        let items = (0..SESSIONS_PER_VOUCHER)
            .map(|s| {
                // Two no-shows a month: one unit billed (BILL-NO-SHOW).
                let no_show = s == 7 || s == 15;
                let day = first.checked_add_days(Days::new(s as u64)).unwrap_or(first);
                let session_id = new_id();
                apb::BillableItem {
                    item_id: session_id.clone(),
                    session_id,
                    date: Some(to_date(day)),
                    kind: if no_show {
                        apb::BillableKind::NoShow
                    } else {
                        apb::BillableKind::Realised
                    } as i32,
                    units: Some(apb::Units {
                        hundredths: if no_show || s % 2 == 0 { 100 } else { 150 },
                    }),
                    ..Default::default()
                }
            })
            .collect();
        page.push(apb::VoucherBillable {
            voucher_id,
            service_type: service.to_pb(),
            items,
            ..Default::default()
        });
    }
    Synthetic {
        provider,
        vouchers,
        page,
    }
}

// ------------------------------------------------------------------------------ the month

/// Planning alone: every voucher of the month through [`plan::plan_voucher`], nothing billed
/// before.
fn plan_only(first: NaiveDate) -> anyhow::Result<Row> {
    let mut inputs: Vec<(FeedVoucher, VoucherTerms, Option<PriceHistory>)> = Vec::new();
    for n in 0..PROVIDERS {
        let s = synthesize(n, first);
        let seller = wire::seller(&s.provider)?;
        let mut feed = HashMap::new();
        wire::add_billable(&mut feed, s.page);
        for v in &s.vouchers {
            let terms = wire::voucher_terms(v)?;
            let f = feed.remove(&v.id).context("feed")?;
            let price = seller.prices.get(&terms.service).cloned();
            inputs.push((f, terms, price));
        }
    }
    let start = Instant::now();
    let mut billed_units = 0;
    for (feed, terms, price) in &inputs {
        let p = plan::plan_voucher(VoucherInput {
            feed,
            terms,
            billed: &[],
            total: VoucherTotal::default(),
            provider_prices: price.as_ref(),
        })
        .map_err(|v| anyhow::anyhow!("rules refused the plan: {v:?}"))?;
        billed_units += p.invoice.iter().map(|l| l.all_units()).sum::<i64>();
    }
    let seconds = start.elapsed().as_secs_f64();
    black_box(billed_units);
    Ok(Row {
        scenario: "└ plan only (pure, no database)",
        backend: "—",
        items: PROVIDERS * VOUCHERS_PER_PROVIDER * SESSIONS_PER_VOUCHER,
        unit: "sessions",
        seconds,
        memory: String::new(),
        budget_s: None,
    })
}

/// Invoices the month, provider after provider, as GenerateInvoice does (without its calls to
/// the other services). Returns the seconds, the invoices and where the time went.
async fn invoice_month(
    db: &Database,
    settings: &Arc<Settings>,
    providers: Vec<Synthetic>,
    first: NaiveDate,
    today: NaiveDate,
) -> anyhow::Result<(f64, Vec<pb::Invoice>, usize, String)> {
    let month = period(first.year(), first.month());
    let since = first
        .checked_sub_months(Months::new(settings.lookback_months))
        .unwrap_or(first);
    let ctx = Ctx::system("bench", Clock::system());
    let mut invoices = Vec::new();
    let mut billed = 0usize;
    let (mut before, mut transaction, mut marking) =
        (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let start = Instant::now();
    for s in providers {
        // Before the transaction: the generation check, the seller, the feed, the terms.
        let t = Instant::now();
        let provider = s.provider.id.clone();
        {
            let mut conn = db.pool().acquire().await?;
            anyhow::ensure!(
                store::generation(&mut conn, &provider, &month)
                    .await?
                    .is_none(),
                "month generated already"
            );
        }
        let seller = wire::seller(&s.provider)?;
        let mut feed = HashMap::new();
        wire::add_billable(&mut feed, s.page);
        // GetVoucher's answers stand in for the calls of the missing ones; the generation's
        // transaction caches them.
        let (mut terms, missing) = ops::cached_terms(db, feed.keys().cloned().collect()).await?;
        let answers: HashMap<&str, &vpb::Voucher> =
            s.vouchers.iter().map(|v| (v.id.as_str(), v)).collect();
        let mut fetched = Vec::with_capacity(missing.len());
        for id in &missing {
            fetched.push(wire::voucher_terms(
                answers.get(id.as_str()).context("voucher")?,
            )?);
        }
        terms.extend(fetched.iter().map(|t| (t.voucher_id.clone(), t.clone())));
        before += t.elapsed();

        // The transaction.
        let t = Instant::now();
        let req = pb::GenerateInvoiceRequest {
            request_id: new_id(),
            validate_only: false,
            provider_id: provider.clone(),
            year: first.year(),
            month: i32::try_from(first.month())?,
        };
        let change = Change::new(db, &ctx, &req)?;
        let (month, settings) = (month.clone(), settings.clone());
        let response: pb::GenerateInvoiceResponse = change
            .apply(move |conn| {
                Box::pin(async move {
                    ops::write_month(
                        conn,
                        MonthFacts {
                            provider: &provider,
                            month: &month,
                            first,
                            since,
                            seller: &seller,
                            feed: &feed,
                            terms: &terms,
                            fetched_terms: &fetched,
                            settings: &settings,
                            today,
                        },
                    )
                    .await
                })
            })
            .await?;
        transaction += t.elapsed();

        // Marking: attendance is not called here; billing's side is the item ids and the flag.
        let t = Instant::now();
        for doc in [&response.invoice, &response.credit_note]
            .into_iter()
            .flatten()
        {
            let mut conn = db.pool().acquire().await?;
            billed += black_box(store::invoice_item_ids(&mut conn, &doc.id).await?).len();
            store::set_marked(&mut conn, &doc.id, store::TOLD_INVOICED, 0).await?;
        }
        marking += t.elapsed();
        invoices.extend(response.invoice);
    }
    let seconds = start.elapsed().as_secs_f64();
    let phases = format!(
        "before the transaction {:.2} s, the transaction {:.2} s, marking {:.2} s",
        before.as_secs_f64(),
        transaction.as_secs_f64(),
        marking.as_secs_f64()
    );
    Ok((seconds, invoices, billed, phases))
}

// ------------------------------------------------------------------------------ the export

/// The XML alone: 10,000 invoices (the month's, in turn) written in both formats.
async fn xml_only(invoices: &[pb::Invoice]) -> anyhow::Result<Row> {
    anyhow::ensure!(!invoices.is_empty(), "no invoices");
    // As the pull has them (and write_month answers them): lines without items.
    anyhow::ensure!(
        invoices
            .iter()
            .all(|i| i.lines.iter().all(|l| l.items.is_empty())),
        "lines with items"
    );
    let start = Instant::now();
    let mut bytes = 0usize;
    let mut exporter = einvoice::Exporter::new();
    for n in 0..EXPORTED {
        let i = &invoices[n % invoices.len()];
        for format in [pb::ExportFormat::Finvoice30, pb::ExportFormat::PeppolBis30] {
            bytes += exporter.document(i, format)?.content.len();
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "xml only: {:.1} MiB written ({:.1} KiB per invoice, both formats)",
        bytes as f64 / MIB,
        bytes as f64 / 1024.0 / EXPORTED as f64
    );
    Ok(Row {
        scenario: "└ XML only (no database)",
        backend: "—",
        items: EXPORTED,
        unit: "invoices",
        seconds,
        memory: String::new(),
        budget_s: None,
    })
}

/// Makes 10,000 approved invoices: copies of the month's, each its own id and number.
async fn approve_copies(
    db: &Database,
    invoices: &[pb::Invoice],
    first: NaiveDate,
) -> anyhow::Result<()> {
    anyhow::ensure!(!invoices.is_empty(), "no invoices");
    let month = period(first.year(), first.month());
    let mut done = 0;
    while done < EXPORTED {
        let end = (done + SETUP_CHUNK).min(EXPORTED);
        let mut tx = db.pool().begin().await?;
        for n in done..end {
            let mut body = invoices[n % invoices.len()].clone();
            let number = 1_000_000 + i64::try_from(n)?;
            body.id = new_id();
            body.invoice_number = number.to_string();
            store::insert_invoice(&mut tx, number, &month, &body).await?;
            store::move_state(
                &mut tx,
                &body.id,
                InvoiceState::Submitted,
                &StateFacts::default(),
            )
            .await?;
            let sequence = store::next_counter(&mut tx, "export_sequence").await?;
            let facts = StateFacts {
                approved: Some((now_micros(), sequence)),
                ..Default::default()
            };
            anyhow::ensure!(
                store::move_state(&mut tx, &body.id, InvoiceState::Approved, &facts).await?,
                "not approved"
            );
        }
        tx.commit().await?;
        done = end;
    }
    Ok(())
}

/// Reading and decoding alone: the approved invoices in export order, 100 a query, as the
/// pull reads them, without the XML. Also prints its own parts: fetching the stored bodies
/// alone, and the copy `InvoiceRow::view` makes.
async fn read_only(db: &Database, backend: &'static str) -> anyhow::Result<Row> {
    let mut conn = db.pool().acquire().await?;
    // The stored bodies alone (no decoding).
    let start = Instant::now();
    let (mut after, mut body_bytes) = (0i64, 0usize);
    loop {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT export_sequence, body FROM invoices WHERE state = 'APPROVED' \
             AND export_sequence > $1 ORDER BY export_sequence LIMIT 100",
        )
        .bind(after)
        .fetch_all(&mut *conn)
        .await?;
        for (sequence, body) in &rows {
            after = *sequence;
            body_bytes += body.len();
        }
        if rows.len() < 100 {
            break;
        }
    }
    let fetch = start.elapsed().as_secs_f64();

    let start = Instant::now();
    let (mut after, mut n, mut view) = (0i64, 0usize, Duration::ZERO);
    loop {
        let rows = store::approved_after(&mut conn, after, 100).await?;
        for r in &rows {
            after = r.export_sequence.unwrap_or(after);
            let t = Instant::now();
            black_box(r.view());
            view += t.elapsed();
            n += 1;
        }
        if rows.len() < 100 {
            break;
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    anyhow::ensure!(n == EXPORTED, "read {n} approved invoices");
    println!(
        "{backend}: read: {:.1} MiB of stored bodies ({:.1} KiB each); fetching them alone {fetch:.2} s, \
         fetching + decoding (store::approved_after) {:.2} s, of which the copy in view() {:.2} s",
        body_bytes as f64 / MIB,
        body_bytes as f64 / 1024.0 / n as f64,
        seconds - view.as_secs_f64(),
        view.as_secs_f64()
    );
    Ok(Row {
        scenario: "└ read + decode only (no XML)",
        backend,
        items: n,
        unit: "invoices",
        seconds,
        memory: String::new(),
        budget_s: None,
    })
}

/// The pull: StreamApprovedInvoices in both formats, each document dropped once counted.
async fn export(db: &Database, settings: &Settings, backend: &'static str) -> anyhow::Result<Row> {
    let app = App::new(db.clone(), Clock::system(), settings)?;
    let mut ctx = Ctx::system("bench-pull", Clock::system());
    ctx.caller.role = Role::FinanceSystem;
    let request = pb::StreamApprovedInvoicesRequest {
        after_sequence: 0,
        formats: vec![
            pb::ExportFormat::Finvoice30 as i32,
            pb::ExportFormat::PeppolBis30 as i32,
        ],
    };
    let start = Instant::now();
    let mut stream = ops::stream_approved_invoices(&app, ctx, request).await?;
    let (mut n, mut bytes, mut rss_mark) = (0usize, 0usize, 0u64);
    while let Some(message) = stream.next().await {
        let invoice = message?.invoice.context("no invoice")?;
        anyhow::ensure!(invoice.documents.len() == 2, "both formats");
        bytes += invoice
            .documents
            .iter()
            .map(|d| d.content.len())
            .sum::<usize>();
        n += 1;
        if n == RSS_MARK {
            rss_mark = status_kib("VmRSS");
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let rss_end = status_kib("VmRSS");
    anyhow::ensure!(n == EXPORTED, "exported {n} invoices");
    let growth = (rss_end as f64 - rss_mark as f64) / 1024.0;
    println!(
        "{backend}: export: {:.1} MiB of documents; RSS {:.1} MiB at invoice {RSS_MARK}, {:.1} MiB at {n}, peak {:.1} MiB",
        bytes as f64 / MIB,
        rss_mark as f64 / 1024.0,
        rss_end as f64 / 1024.0,
        status_kib("VmHWM") as f64 / 1024.0
    );
    Ok(Row {
        scenario: "export (Finvoice + UBL, streamed)",
        backend,
        items: n,
        unit: "invoices",
        seconds,
        memory: format!(
            "RSS {:+.1} MiB from invoice 1,000 to 10,000 (≤ {RSS_GROWTH_BUDGET_MIB} MiB{})",
            growth,
            if growth <= RSS_GROWTH_BUDGET_MIB {
                ""
            } else {
                ": **over**"
            }
        ),
        budget_s: Some(EXPORT_BUDGET_S),
    })
}

// ------------------------------------------------------------------------------ support

const MIB: f64 = 1024.0 * 1024.0;

/// A `/proc/self/status` figure in KiB (0 where there is none).
fn status_kib(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix(':').map(str::to_owned))
        })
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A fresh database: an SQLite file in a temporary folder, or a database of its own on the
/// PostgreSQL server `admin` (created here, dropped by [`BenchDatabase::drop_database`]).
struct BenchDatabase {
    url: String,
    postgres: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

impl BenchDatabase {
    async fn fresh(admin: Option<&str>) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        match admin {
            Some(admin) => {
                let name = format!("seteli_bench_{}", new_id().replace('-', ""));
                let mut conn = sqlx::AnyConnection::connect(admin)
                    .await
                    .context("connect to the PostgreSQL server")?;
                conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .await?;
                conn.close().await?;
                // The same server and options (e.g. `?sslmode=…`), another database.
                let (path, query) = admin.split_once('?').map_or((admin, ""), |(p, q)| (p, q));
                let base = path.rsplit_once('/').map_or(path, |(b, _)| b);
                let query = if query.is_empty() {
                    String::new()
                } else {
                    format!("?{query}")
                };
                Ok(Self {
                    url: format!("{base}/{name}{query}"),
                    postgres: Some((admin.to_owned(), name)),
                    _dir: dir,
                })
            }
            None => Ok(Self {
                url: format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("bench.db").display()
                ),
                postgres: None,
                _dir: dir,
            }),
        }
    }

    async fn drop_database(self) {
        let Some((admin, name)) = self.postgres else {
            return;
        };
        let dropped = async {
            let mut conn = sqlx::AnyConnection::connect(&admin).await?;
            conn.execute(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .await?;
            conn.close().await
        }
        .await;
        if let Err(e) = dropped {
            eprintln!("warning: could not drop the bench database {name}: {e}");
        }
    }
}

/// Where the database time goes: sqlx's own statement events (`sqlx::query`, with the
/// statement's summary and elapsed time), summed per statement while recording.
mod sql_time {
    use std::collections::HashMap;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, Ordering};

    use tracing::field::{Field, Visit};
    use tracing::subscriber::Interest;
    use tracing::{Event, Metadata, Subscriber};
    use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
    use tracing_subscriber::util::SubscriberInitExt;

    const TARGET: &str = "sqlx::query";
    static RECORDING: AtomicBool = AtomicBool::new(false);
    static TOTALS: Mutex<Option<HashMap<String, (usize, f64)>>> = Mutex::new(None);

    struct SqlTime;

    #[derive(Default)]
    struct Fields {
        summary: String,
        seconds: f64,
    }

    impl Visit for Fields {
        fn record_str(&mut self, field: &Field, value: &str) {
            if field.name() == "summary" {
                value.clone_into(&mut self.summary);
            }
        }
        fn record_f64(&mut self, field: &Field, value: f64) {
            if field.name() == "elapsed_secs" {
                self.seconds = value;
            }
        }
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            if field.name() == "summary" {
                self.summary = format!("{value:?}");
            }
        }
    }

    impl<S: Subscriber> Layer<S> for SqlTime {
        fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
            if meta.target() == TARGET {
                Interest::sometimes()
            } else {
                Interest::never()
            }
        }
        fn enabled(&self, meta: &Metadata<'_>, _: Context<'_, S>) -> bool {
            meta.target() == TARGET && RECORDING.load(Ordering::Relaxed)
        }
        fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
            let mut f = Fields::default();
            event.record(&mut f);
            let key: String = f.summary.chars().take(60).collect();
            if let Ok(mut totals) = TOTALS.lock() {
                let e = totals
                    .get_or_insert_with(HashMap::new)
                    .entry(key)
                    .or_default();
                e.0 += 1;
                e.1 += f.seconds;
            }
        }
    }

    /// Installs the layer (recording off).
    pub fn install() {
        let _ = tracing_subscriber::registry().with(SqlTime).try_init();
    }

    /// Starts recording afresh.
    pub fn start() {
        if let Ok(mut totals) = TOTALS.lock() {
            *totals = Some(HashMap::new());
        }
        RECORDING.store(true, Ordering::Relaxed);
    }

    /// Stops recording and prints the statements that took the most time of a phase of
    /// `seconds`.
    pub fn report(phase: &str, seconds: f64) {
        RECORDING.store(false, Ordering::Relaxed);
        let totals = TOTALS
            .lock()
            .ok()
            .and_then(|mut t| t.take())
            .unwrap_or_default();
        let mut rows: Vec<(String, (usize, f64))> = totals.into_iter().collect();
        rows.sort_by(|a, b| b.1.1.total_cmp(&a.1.1));
        let all: f64 = rows.iter().map(|r| r.1.1).sum();
        let count: usize = rows.iter().map(|r| r.1.0).sum();
        println!(
            "{phase}: {count} statements, {all:.2} s of {seconds:.2} s in them (sqlx's timing):"
        );
        for (summary, (n, s)) in rows.iter().take(8) {
            println!(
                "    {s:6.2} s  {n:6} × {:7.0} µs  {summary}",
                s * 1e6 / *n as f64
            );
        }
    }
}
