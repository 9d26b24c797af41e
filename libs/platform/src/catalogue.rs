//! Every metric series a Seteli service exports on `/metrics`: its name, type, labels and help
//! text, in one list ([`ALL`]).
//!
//! The code records a series by its entry's name (`metrics::counter!(FEED_ERRORS.name, …)`),
//! [`describe_all`] gives each its `# HELP` once at start, `deploy/README.md` carries the table
//! [`markdown_table`] writes, and the end-to-end metrics test holds the three together with what
//! a started platform really serves (and with the alert rules and dashboard in
//! `deploy/monitoring/`). A series a service records itself is added here too, so it is
//! described and documented like the platform's.
//!
//! Labels are bounded: names from the contracts or the code (service, method, status code,
//! feed, job, error kind), never a caller's input or anything personal.

/// What kind of series an entry is (its `# TYPE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Only goes up (restarts at 0 with the process); read with `rate()` / `increase()`.
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// Observations in the platform's buckets (`telemetry::HISTOGRAM_BUCKETS`), rendered as
    /// `_bucket`, `_sum` and `_count` series.
    Histogram,
}

impl Kind {
    /// The Prometheus type name, as in `# TYPE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// One series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Series {
    /// Its name on `/metrics`.
    pub name: &'static str,
    /// Counter, gauge or histogram.
    pub kind: Kind,
    /// Its labels, in the order the table lists them.
    pub labels: &'static [&'static str],
    /// What it measures: its `# HELP` text and its row in `deploy/README.md` (one line).
    pub help: &'static str,
}

// Process: the standard names of Prometheus's client libraries, recorded by `metrics-process`
// at each scrape (the telemetry module).

/// CPU time used.
pub const PROCESS_CPU: Series = Series {
    name: "process_cpu_seconds_total",
    kind: Kind::Counter,
    labels: &[],
    help: "CPU time (user and system) this process has used, in whole seconds.",
};
/// Resident memory.
pub const PROCESS_RESIDENT_MEMORY: Series = Series {
    name: "process_resident_memory_bytes",
    kind: Kind::Gauge,
    labels: &[],
    help: "Resident memory of this process, in bytes.",
};
/// Virtual memory.
pub const PROCESS_VIRTUAL_MEMORY: Series = Series {
    name: "process_virtual_memory_bytes",
    kind: Kind::Gauge,
    labels: &[],
    help: "Virtual memory size of this process, in bytes.",
};
/// The address-space limit.
pub const PROCESS_VIRTUAL_MEMORY_MAX: Series = Series {
    name: "process_virtual_memory_max_bytes",
    kind: Kind::Gauge,
    labels: &[],
    help: "The most virtual memory this process may have, in bytes (0: unlimited).",
};
/// Open file descriptors.
pub const PROCESS_OPEN_FDS: Series = Series {
    name: "process_open_fds",
    kind: Kind::Gauge,
    labels: &[],
    help: "File descriptors (files, sockets, database connections) this process has open.",
};
/// The file descriptor limit.
pub const PROCESS_MAX_FDS: Series = Series {
    name: "process_max_fds",
    kind: Kind::Gauge,
    labels: &[],
    help: "The most file descriptors this process may open (its soft limit).",
};
/// Start time.
pub const PROCESS_START_TIME: Series = Series {
    name: "process_start_time_seconds",
    kind: Kind::Gauge,
    labels: &[],
    help: "When this process started, in seconds since the Unix epoch.",
};
/// Threads.
pub const PROCESS_THREADS: Series = Series {
    name: "process_threads",
    kind: Kind::Gauge,
    labels: &[],
    help: "Operating system threads of this process.",
};

// Calls (the telemetry and admission modules).

/// Finished calls.
pub const GRPC_REQUESTS: Series = Series {
    name: "grpc_server_requests_total",
    kind: Kind::Counter,
    labels: &["service", "grpc_service", "method", "code"],
    help: "Finished gRPC calls, by the serving service's short name, gRPC service, method and \
           status code (OK, INVALID_ARGUMENT, FAILED_PRECONDITION, UNAVAILABLE, ...); paths that \
           are no RPC of the contracts count as method unknown.",
};
/// Call durations.
pub const GRPC_REQUEST_DURATION: Series = Series {
    name: "grpc_server_request_duration_seconds",
    kind: Kind::Histogram,
    labels: &["service", "grpc_service", "method"],
    help: "Time from a gRPC call's arrival to its response headers (for a server stream: until \
           the stream opens), in seconds.",
};
/// Calls shed.
pub const REQUESTS_SHED: Series = Series {
    name: "seteli_requests_shed_total",
    kind: Kind::Counter,
    labels: &["service"],
    help: "Calls answered RESOURCE_EXHAUSTED at once because SETELI_MAX_CONCURRENT_REQUESTS \
           calls were already being worked on (health checks are never shed).",
};

// The service's own state (the server, leader and jwks modules).

/// The database probe.
pub const DATABASE_UP: Series = Series {
    name: "seteli_database_up",
    kind: Kind::Gauge,
    labels: &["service"],
    help: "1 while the service's database answers its health probe, 0 while it does not (the \
           service then reports NOT_SERVING).",
};
/// Which replica runs each job.
pub const JOB_LEADER: Series = Series {
    name: "seteli_job_leader",
    kind: Kind::Gauge,
    labels: &["service", "task"],
    help: "1 on the replica that runs the background job named by task (a feed follower, a \
           sweep, a purge), 0 on a replica waiting its turn; one replica at a time runs each.",
};
/// JWKS refreshes.
pub const JWKS_FETCHES: Series = Series {
    name: "seteli_jwks_fetches_total",
    kind: Kind::Counter,
    labels: &["service", "outcome"],
    help: "Refreshes of the token signing keys from SETELI_JWKS_URL or SETELI_JWKS_PATH after \
           the first load, by outcome (ok, error); a failed refresh keeps the keys in use.",
};

// Feed followers (feed::following): label feed is the follower's cursor (vouchers,
// attendance_usage, attendance_alerts), service the follower's own service.

/// How far behind.
pub const FEED_CHANGES_BEHIND: Series = Series {
    name: "seteli_feed_changes_behind",
    kind: Kind::Gauge,
    labels: &["service", "feed"],
    help: "Changes of the followed feed not applied yet, as the publisher counted them at the \
           last page this replica read (settled changes on PostgreSQL; counted up to 10000 \
           after a page): 0 once the follower has caught up. Absent until the first page read.",
};
/// When the newest applied change was made.
pub const FEED_NEWEST_APPLIED: Series = Series {
    name: "seteli_feed_newest_applied_change_timestamp_seconds",
    kind: Kind::Gauge,
    labels: &["service", "feed"],
    help: "When the newest change this replica applied was made, by the change's own time \
           (Unix seconds; the alert feed tells when an alert was raised, not resolved): \
           time() minus it is the seconds since. Absent until the replica applies a change.",
};
/// When the follower last reached the feed's end.
pub const FEED_CAUGHT_UP: Series = Series {
    name: "seteli_feed_caught_up_timestamp_seconds",
    kind: Kind::Gauge,
    labels: &["service", "feed"],
    help: "When this replica last read the followed feed to its end and applied all of it \
           (Unix seconds; 0: not since the process started).",
};
/// Changes applied.
pub const FEED_CHANGES_APPLIED: Series = Series {
    name: "seteli_feed_changes_applied_total",
    kind: Kind::Counter,
    labels: &["service", "feed"],
    help: "Changes of the followed feed this replica applied.",
};
/// Failed catch-ups.
pub const FEED_ERRORS: Series = Series {
    name: "seteli_feed_errors_total",
    kind: Kind::Counter,
    labels: &["service", "feed"],
    help: "Catch-ups with the followed feed that failed (the feed unreachable or refusing, a \
           change that cannot be applied, the database); the follower retries.",
};
/// When the last failure was.
pub const FEED_LAST_ERROR: Series = Series {
    name: "seteli_feed_last_error_timestamp_seconds",
    kind: Kind::Gauge,
    labels: &["service", "feed"],
    help: "When a catch-up with the followed feed last failed (Unix seconds; 0: not since \
           the process started).",
};
/// What the last failure was.
pub const FEED_LAST_ERROR_INFO: Series = Series {
    name: "seteli_feed_last_error_info",
    kind: Kind::Gauge,
    labels: &["service", "feed", "kind"],
    help: "1 for the kind of the last failed catch-up (unavailable, permission_denied, \
           unauthenticated, internal, ...), 0 for kinds of earlier failures.",
};

/// Every series, in the order `deploy/README.md` lists them.
pub const ALL: &[Series] = &[
    GRPC_REQUESTS,
    GRPC_REQUEST_DURATION,
    REQUESTS_SHED,
    DATABASE_UP,
    JOB_LEADER,
    JWKS_FETCHES,
    FEED_CHANGES_BEHIND,
    FEED_NEWEST_APPLIED,
    FEED_CAUGHT_UP,
    FEED_CHANGES_APPLIED,
    FEED_ERRORS,
    FEED_LAST_ERROR,
    FEED_LAST_ERROR_INFO,
    PROCESS_CPU,
    PROCESS_RESIDENT_MEMORY,
    PROCESS_VIRTUAL_MEMORY,
    PROCESS_VIRTUAL_MEMORY_MAX,
    PROCESS_OPEN_FDS,
    PROCESS_MAX_FDS,
    PROCESS_START_TIME,
    PROCESS_THREADS,
];

/// The entry of series `name`, if it is one of ours.
pub fn find(name: &str) -> Option<&'static Series> {
    ALL.iter().find(|s| s.name == name)
}

/// Gives every series its `# HELP` in the installed recorder (once, at start: the recorder
/// keeps it for the series whenever it is recorded).
pub fn describe_all() {
    for s in ALL {
        match s.kind {
            Kind::Counter => metrics::describe_counter!(s.name, s.help),
            Kind::Gauge => metrics::describe_gauge!(s.name, s.help),
            Kind::Histogram => metrics::describe_histogram!(s.name, s.help),
        }
    }
}

/// The table of every series as `deploy/README.md` shows it (metric, type, labels, meaning).
pub fn markdown_table() -> String {
    let mut table =
        String::from("| metric | type | labels | meaning |\n| --- | --- | --- | --- |\n");
    for s in ALL {
        let labels = if s.labels.is_empty() {
            "–".to_owned()
        } else {
            s.labels
                .iter()
                .map(|l| format!("`{l}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let help = s.help.split_whitespace().collect::<Vec<_>>().join(" ");
        table.push_str(&format!(
            "| `{}` | {} | {labels} | {help} |\n",
            s.name,
            s.kind.as_str()
        ));
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_prometheus_names() {
        let mut names: Vec<&str> = ALL.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len(), "a series listed twice");
        for s in ALL {
            assert!(
                s.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{}",
                s.name
            );
            assert_eq!(
                s.kind == Kind::Counter,
                s.name.ends_with("_total"),
                "counters and only counters end in _total: {}",
                s.name
            );
            assert!(
                !s.help.contains('\n') && !s.help.contains('|'),
                "{}",
                s.name
            );
            assert!(
                !s.labels.contains(&"job") && !s.labels.contains(&"instance"),
                "Prometheus sets job and instance itself: {}",
                s.name
            );
        }
    }

    #[test]
    fn the_process_series_are_the_ones_the_collector_records() {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        metrics::with_local_recorder(&recorder, || {
            metrics_process::Collector::default().collect()
        });
        let text = handle.render();
        let mut recorded: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .filter_map(|l| l.split([' ', '{']).next())
            .collect();
        recorded.sort_unstable();
        let mut ours: Vec<&str> = ALL
            .iter()
            .map(|s| s.name)
            .filter(|n| n.starts_with("process_"))
            .collect();
        ours.sort_unstable();
        assert_eq!(recorded, ours, "{text}");
    }
}
