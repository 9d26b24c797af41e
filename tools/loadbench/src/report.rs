//! What a run measured (passed from each backend's driver process to the top as JSON lines),
//! the one markdown table, and the targets of issues 15 and 29.

use serde::{Deserialize, Serialize};

use crate::load::Round;

/// One round of one scenario.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoadRow {
    /// What was called, as the table shows it.
    pub scenario: String,
    /// A short key the targets look rows up by (`read`, `write`, `echo`, `insert`,
    /// `health:vouchers`…).
    pub key: String,
    /// `SQLite` or `PostgreSQL`: the part of the run (the bare echo uses no database but is
    /// measured again in each part).
    pub backend: String,
    /// Calls in flight.
    pub in_flight: usize,
    /// Successful calls a second.
    pub per_second: f64,
    /// Latency percentiles, µs.
    pub p50_us: u64,
    /// 99th percentile, µs.
    pub p99_us: u64,
    /// 99.9th percentile, µs.
    pub p999_us: u64,
    /// CPU time of the server process per call, µs.
    pub cpu_us_per_call: Option<f64>,
    /// CPU time of the PostgreSQL server's processes per call, µs (PostgreSQL rows only).
    pub postgres_us_per_call: Option<f64>,
    /// The bare baseline this row compares with: `echo` or `insert` (measured in the same
    /// backend's part, at the same calls in flight); none for a baseline itself.
    pub baseline: Option<String>,
    /// Calls answered with an error.
    pub errors: u64,
    /// The first error.
    pub first_error: Option<String>,
}

impl LoadRow {
    /// A row of `round`, with the server's (and PostgreSQL's) CPU time spent during it.
    #[allow(clippy::too_many_arguments)]
    pub fn of(
        scenario: &str,
        key: &str,
        backend: &str,
        in_flight: usize,
        round: &Round,
        server_cpu_us: u64,
        postgres_cpu_us: Option<u64>,
        baseline: Option<&str>,
    ) -> LoadRow {
        let calls = round.ended.max(1) as f64;
        LoadRow {
            scenario: scenario.into(),
            key: key.into(),
            backend: backend.into(),
            in_flight,
            per_second: round.per_second(),
            p50_us: round.at(0.5),
            p99_us: round.at(0.99),
            p999_us: round.at(0.999),
            cpu_us_per_call: Some(server_cpu_us as f64 / calls),
            postgres_us_per_call: postgres_cpu_us.map(|us| us as f64 / calls),
            baseline: baseline.map(Into::into),
            errors: round.errors,
            first_error: round.first_error.clone(),
        }
    }
}

/// Memory and start-up of one server process.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProcessRow {
    /// Which server (`vouchers`, `bare echo`…).
    pub process: String,
    /// `SQLite`, `PostgreSQL` or `—`.
    pub backend: String,
    /// VmRSS once SERVING, before any load, KiB.
    pub idle_rss_kib: u64,
    /// VmRSS after the run's load, KiB.
    pub after_load_rss_kib: u64,
    /// From exec until the health check answered SERVING (on a migrated database), ms.
    pub exec_to_serving_ms: f64,
    /// Whether it is one of Seteli's services (the targets apply to those).
    pub service: bool,
}

/// One line of a driver's output.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Line {
    /// A round.
    Load(LoadRow),
    /// A process.
    Process(ProcessRow),
}

/// The longest a statement over TLS may take before it counts as having waited for a delayed
/// ACK (PostgreSQL's is up to 40 ms; see `tls.rs`).
const DELAYED_ACK_MICROS: u64 = 40_000;

/// A target of issue 15, checked.
#[derive(Debug)]
pub struct Target {
    /// What is promised.
    pub what: String,
    /// What was measured.
    pub measured: String,
    /// Whether it holds.
    pub met: bool,
}

/// The ratio of a row's req/s to its baseline's (same part of the run, same calls in flight),
/// when both were measured.
pub fn ratio(rows: &[LoadRow], row: &LoadRow) -> Option<f64> {
    let key = row.baseline.as_deref()?;
    let base = rows
        .iter()
        .find(|b| b.key == key && b.in_flight == row.in_flight && b.backend == row.backend)?;
    (base.per_second > 0.0).then(|| row.per_second / base.per_second)
}

fn ms(us: u64) -> String {
    let ms = us as f64 / 1000.0;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else if ms < 100.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

/// Thousands separated by commas.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// The load table, then the processes' table.
pub fn tables(rows: &[LoadRow], processes: &[ProcessRow]) -> String {
    let mut out = String::new();
    out.push_str(
        "| scenario | backend | in flight | req/s | p50 | p99 | p99.9 | server CPU µs/call | ratio to bare |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for row in rows {
        let cpu = match (row.cpu_us_per_call, row.postgres_us_per_call) {
            (Some(own), Some(pg)) => format!("{own:.0} + {pg:.0} PostgreSQL"),
            (Some(own), None) => format!("{own:.0}"),
            (None, _) => "—".into(),
        };
        let ratio = match (ratio(rows, row), row.baseline.as_deref()) {
            (Some(r), Some(base)) => format!("{:.1} % of {base}", 100.0 * r),
            _ => "—".into(),
        };
        let errors = match (&row.first_error, row.errors) {
            (Some(first), n) if n > 0 => format!(" ({n} errors, first: {first})"),
            _ => String::new(),
        };
        out.push_str(&format!(
            "| {}{errors} | {} | {} | {} | {} | {} | {} | {cpu} | {ratio} |\n",
            row.scenario,
            row.backend,
            row.in_flight,
            thousands(row.per_second.round() as u64),
            ms(row.p50_us),
            ms(row.p99_us),
            ms(row.p999_us),
        ));
    }
    out.push_str(
        "\n| process | backend | idle RSS | RSS after load | exec → SERVING |\n|---|---|---:|---:|---:|\n",
    );
    for p in processes {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {:.0} ms |\n",
            p.process,
            p.backend,
            mib(p.idle_rss_kib),
            mib(p.after_load_rss_kib),
            p.exec_to_serving_ms
        ));
    }
    out
}

/// The targets of issues 15 and 29 (ratios within this run), each met or missed.
pub fn targets(rows: &[LoadRow], processes: &[ProcessRow]) -> Vec<Target> {
    let mut out = Vec::new();
    let find = |key: &str, backend: &str, in_flight: usize| {
        rows.iter()
            .find(|r| r.key == key && r.backend == backend && r.in_flight == in_flight)
    };
    let backends: Vec<String> = {
        let mut b: Vec<String> = rows
            .iter()
            .filter(|r| r.key == "read")
            .map(|r| r.backend.clone())
            .collect();
        b.dedup();
        b
    };
    for backend in &backends {
        if let Some(row) = find("read", backend, 32) {
            let r = ratio(rows, row).unwrap_or(0.0);
            out.push(Target {
                what: format!("GetVoucher ≥ 50 % of bare echo (32 in flight, {backend})"),
                measured: format!("{:.1} %", 100.0 * r),
                met: r >= 0.5,
            });
        }
    }
    // Issue 29's targets are PostgreSQL's at 64 in flight (SQLite serializes its writers),
    // each against a row of the same run.
    // A round with errors measured something else than the call: it meets no target.
    let per_second = |key: &str| {
        find(key, "PostgreSQL", 64).map(|r| if r.errors > 0 { 0.0 } else { r.per_second })
    };
    let share = |row: Option<f64>, base: Option<f64>| match (row, base) {
        (Some(r), Some(b)) if b > 0.0 => Some(r / b),
        _ => None,
    };
    for (what, row, base, at_least) in [
        (
            "session write ≥ 30 % of bare tonic + one insert (64 in flight, PostgreSQL)",
            "write",
            "insert",
            0.3,
        ),
        (
            "GetVoucher ≥ 120 % of bare tonic + one insert (64 in flight, PostgreSQL)",
            "read",
            "insert",
            1.2,
        ),
        (
            "ListVouchers ≥ 50 % of GetVoucher (64 in flight, PostgreSQL)",
            "list-vouchers",
            "read",
            0.5,
        ),
    ] {
        if let Some(r) = share(per_second(row), per_second(base)) {
            out.push(Target {
                what: what.into(),
                measured: format!("{:.1} %", 100.0 * r),
                met: r >= at_least,
            });
        }
    }
    if let Some(row) = find("write", "PostgreSQL", 64) {
        out.push(Target {
            what: "session write p99 ≤ 50 ms (64 in flight, PostgreSQL)".into(),
            measured: format!("{} ({} errors)", ms(row.p99_us), row.errors),
            met: row.errors == 0 && row.per_second > 0.0 && row.p99_us <= 50_000,
        });
    }
    if let Some(row) = find("tls-large", "PostgreSQL", 1) {
        out.push(Target {
            what: "a 64 KiB statement over TLS waits for no delayed ACK: p99 < 40 ms (PostgreSQL)"
                .into(),
            measured: ms(row.p99_us),
            met: row.p99_us < DELAYED_ACK_MICROS,
        });
    }
    for row in rows.iter().filter(|r| r.key.starts_with("health:")) {
        let r = ratio(rows, row).unwrap_or(0.0);
        out.push(Target {
            what: format!(
                "{} health check ≥ 90 % of bare echo ({} in flight, {})",
                row.key.trim_start_matches("health:"),
                row.in_flight,
                row.backend
            ),
            measured: format!("{:.1} %", 100.0 * r),
            met: r >= 0.9,
        });
    }
    for p in processes.iter().filter(|p| p.service) {
        out.push(Target {
            what: format!("{} idle RSS ≤ 30 MiB ({})", p.process, p.backend),
            measured: mib(p.idle_rss_kib),
            met: p.idle_rss_kib <= 30 * 1024,
        });
    }
    for p in processes.iter().filter(|p| p.service) {
        out.push(Target {
            what: format!(
                "{} exec → SERVING ≤ 0.5 s on a migrated database ({})",
                p.process, p.backend
            ),
            measured: format!("{:.0} ms", p.exec_to_serving_ms),
            met: p.exec_to_serving_ms <= 500.0,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(27_494), "27,494");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
