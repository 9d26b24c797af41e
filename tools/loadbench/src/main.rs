//! # seteli-loadbench
//!
//! The load benchmark of `make bench` (issue 15): Seteli's registry, vouchers and attendance
//! as real child processes (their own `main`, dev keys, a fresh database each), side by side
//! in one run with a bare tonic echo server and a bare "tonic + one sqlx insert" server, all
//! on loopback, driven by a closed-loop tonic load generator (HDR histograms).
//!
//! Scenarios: read (GetVoucher, also one call at a time), write (RecordSession, attendance's
//! session write), search (SearchProviders), list (ListVouchers, ListProviders, ListSessions of a
//! voucher with 20 sessions), each at 8, 32
//! and 64 calls in flight, and each service's own health check beside the bare echo; on SQLite
//! and, with `SETELI_BENCH_POSTGRES` set to a server URL, PostgreSQL (a fresh database per
//! service, dropped afterwards). Every row has req/s, p50/p99/p99.9, the server's CPU time per
//! call (utime + stime of `/proc/<pid>/stat` around the round; on PostgreSQL also the
//! `postgres` processes') and the ratio to its bare baseline; then idle and after-load RSS and
//! exec → SERVING per process; on PostgreSQL also a small and a 64 KiB statement over TLS
//! ([`tls`]); then the targets of issues 15 and 29, each met or missed. Exits non-zero when one
//! is missed.
//!
//! Each backend's part measures its own bare baselines just before its scenarios, so that a
//! ratio compares two figures of the same minute (other work on the machine moves both).
//!
//! Settings: `LOADBENCH_SECONDS` (measured time of a round, default 2), `LOADBENCH_WARMUP_MS`
//! (unmeasured time before each round, default 300). A run is 4 echo rounds and 29 rounds per
//! backend, plus seeding: about 2½ minutes with both backends at the defaults.
//! `LOADBENCH_ONLY=read,write` runs only the scenarios of those keys (and the baselines), e.g.
//! for longer rounds under a profiler.
//!
//! The same binary plays every part, chosen by its first argument: no argument is the whole
//! run; `drive` is one backend's part (`SETELI_TEST_POSTGRES` chooses it, as in the test kit
//! the seeding uses); `providers`, `vouchers`, `attendance` are the services' own `main`;
//! `bare-echo <addr>` and `bare-insert <addr> <database-url>` the baselines.

mod bare;
mod child;
mod drive;
mod load;
mod report;
mod seed;
mod tls;

use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;
use seteli_platform::server::main_with_args;

use crate::report::{Line, LoadRow, ProcessRow};

/// What starts a row on a driver's stdout (anything else there is passed on to stderr).
const ROW_MARK: &str = "loadbench-row ";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Ok(runtime) = tokio::runtime::Runtime::new() else {
        eprintln!("seteli-loadbench: cannot start a runtime");
        return ExitCode::FAILURE;
    };
    let role = args.first().map(String::as_str).unwrap_or_default();
    let rest: Vec<String> = args.iter().skip(1).cloned().collect();
    let served = |result: anyhow::Result<()>| match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("seteli-loadbench {role}: {e:#}");
            ExitCode::FAILURE
        }
    };
    match role {
        "providers" => runtime.block_on(main_with_args::<seteli_providers::Providers>(rest)),
        "vouchers" => runtime.block_on(main_with_args::<seteli_vouchers::Vouchers>(rest)),
        "attendance" => runtime.block_on(main_with_args::<seteli_attendance::Attendance>(rest)),
        "bare-echo" => served(
            runtime
                .block_on(async { bare::echo(rest.first().context("an address")?.parse()?).await }),
        ),
        "bare-insert" => served(runtime.block_on(async {
            let addr = rest.first().context("an address")?.parse()?;
            bare::insert(addr, rest.get(1).context("a database URL")?).await
        })),
        "drive" => served(runtime.block_on(async {
            let lines = drive::run(round_time(), warmup_time()).await?;
            for line in lines {
                println!("{ROW_MARK}{}", serde_json::to_string(&line)?);
            }
            Ok(())
        })),
        "" => match runtime.block_on(whole_run()) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::FAILURE,
            Err(e) => {
                eprintln!("seteli-loadbench: {e:#}");
                ExitCode::FAILURE
            }
        },
        other => {
            eprintln!("seteli-loadbench: unknown part {other:?} (no argument runs the benchmark)");
            ExitCode::from(2)
        }
    }
}

/// `LOADBENCH_SECONDS`: the measured time of a round (default 2 s).
fn round_time() -> Duration {
    std::env::var("LOADBENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .map_or(Duration::from_secs(2), Duration::from_secs_f64)
}

/// `LOADBENCH_WARMUP_MS`: the unmeasured time before each round (default 300 ms).
fn warmup_time() -> Duration {
    std::env::var("LOADBENCH_WARMUP_MS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .map_or(Duration::from_millis(300), Duration::from_millis)
}

/// The whole run: each backend's part in a driver process, one after the other; prints the
/// tables and the targets. Returns whether every target was met.
async fn whole_run() -> anyhow::Result<bool> {
    let started = Instant::now();
    let load_before = loadavg();
    let mut rows: Vec<LoadRow> = Vec::new();
    let mut processes: Vec<ProcessRow> = Vec::new();
    let mut failed = Vec::new();

    let mut lines: Vec<Line> = Vec::new();
    let postgres = std::env::var("SETELI_BENCH_POSTGRES").unwrap_or_default();
    let mut backends = vec![("SQLite", None)];
    if !postgres.is_empty() {
        backends.push(("PostgreSQL", Some(postgres)));
    }
    for (name, url) in backends {
        let mut driver = Command::new(std::env::current_exe()?);
        driver
            .arg("drive")
            .stdin(Stdio::null())
            .stderr(Stdio::inherit());
        match &url {
            Some(url) => driver.env("SETELI_TEST_POSTGRES", url),
            None => driver.env_remove("SETELI_TEST_POSTGRES"),
        };
        let output = tokio::task::spawn_blocking(move || driver.output()).await??;
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            match line.strip_prefix(ROW_MARK) {
                Some(row) => lines.push(serde_json::from_str(row).context("a driver's row")?),
                None => eprintln!("{line}"),
            }
        }
        if !output.status.success() {
            failed.push(format!("the {name} part failed ({})", output.status));
        }
    }
    for line in lines {
        match line {
            Line::Load(row) => rows.push(row),
            Line::Process(p) => processes.push(p),
        }
    }

    let targets = report::targets(&rows, &processes);
    println!();
    println!(
        "## Load benchmark (release: {}; git {}; {} CPUs; load average {} before, {} after; \
         {:.0} s; rounds of {:.1} s after {} ms warm-up)",
        if cfg!(debug_assertions) { "no" } else { "yes" },
        git_rev(),
        std::thread::available_parallelism().map_or(0, usize::from),
        load_before,
        loadavg(),
        started.elapsed().as_secs_f64(),
        round_time().as_secs_f64(),
        warmup_time().as_millis(),
    );
    println!();
    print!("{}", report::tables(&rows, &processes));
    println!();
    println!("Targets (issues 15 and 29):");
    println!();
    for t in &targets {
        println!(
            "- {}: **{}** (measured {})",
            t.what,
            if t.met { "met" } else { "missed" },
            t.measured
        );
    }
    for f in &failed {
        println!("- {f}");
    }
    Ok(failed.is_empty() && targets.iter().all(|t| t.met))
}

/// The 1-minute load average now.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

/// The checkout's commit (`?` outside a git checkout).
fn git_rev() -> String {
    Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "?".into())
}
