//! What an operator scrapes and alerts on (issue 26): every series on every service's
//! `/metrics` is described (`# HELP`, `# TYPE`) and is one of the platform's catalogue with the
//! labels it lists; the process series are there; each feed follower tells how far behind it
//! is, when the newest change it applied was made, when it caught up and how it failed; the
//! catalogue is the table in `deploy/README.md`; and the alert rules and the dashboard in
//! `deploy/monitoring/` name only series the services export.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use seteli_api::attendance::v1 as apb;
use seteli_api::attendance::v1::AlertChangeKind;
use seteli_api::vouchers::v1 as vpb;
use seteli_platform::catalogue::{self, Kind};
use seteli_platform::testing::with_token;
use seteli_rules::terms::validity_end;
use seteli_tests::conformance::scrape;
use seteli_tests::fixtures::*;
use seteli_tests::kit::ClosedPort;
use yaml_rust2::{Yaml, YamlLoader};

/// The followers of the platform: (the follower's service, the feed's cursor).
const FOLLOWERS: [(&str, &str); 4] = [
    ("attendance", "vouchers"),
    ("reporting", "vouchers"),
    ("reporting", "attendance_alerts"),
    ("vouchers", "attendance_usage"),
];

/// The feed series every follower has from its first page read on.
const FEED_SERIES: [&str; 6] = [
    "seteli_feed_changes_behind",
    "seteli_feed_caught_up_timestamp_seconds",
    "seteli_feed_changes_applied_total",
    "seteli_feed_errors_total",
    "seteli_feed_last_error_timestamp_seconds",
    "seteli_feed_newest_applied_change_timestamp_seconds",
];

/// One sample line of the text exposition format.
#[derive(Debug, Clone)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// A scraped `/metrics`: `# HELP` and `# TYPE` by family, and the samples.
#[derive(Debug, Default)]
struct Exposition {
    help: BTreeMap<String, String>,
    types: BTreeMap<String, String>,
    samples: Vec<Sample>,
}

impl Exposition {
    fn parse(text: &str) -> Self {
        let mut e = Exposition::default();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if let Some(rest) = line.strip_prefix("# HELP ") {
                let (name, help) = rest.split_once(' ').unwrap_or((rest, ""));
                e.help.insert(name.into(), help.into());
            } else if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').expect("# TYPE name kind");
                e.types.insert(name.into(), kind.into());
            } else if !line.starts_with('#') {
                e.samples.push(sample(line));
            }
        }
        e
    }

    /// The family a sample belongs to: its name, or a histogram's name without `_bucket`,
    /// `_sum` or `_count`.
    fn family<'a>(&self, name: &'a str) -> &'a str {
        for suffix in ["_bucket", "_sum", "_count"] {
            if let Some(base) = name.strip_suffix(suffix)
                && self.types.get(base).map(String::as_str) == Some("histogram")
            {
                return base;
            }
        }
        name
    }

    /// Every name a query may use: sample names and families.
    fn names(&self) -> BTreeSet<String> {
        let mut names: BTreeSet<String> = self.samples.iter().map(|s| s.name.clone()).collect();
        names.extend(self.types.keys().cloned());
        names
    }

    /// The value of `name` with exactly `labels`.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let want: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.samples
            .iter()
            .find(|s| s.name == name && s.labels == want)
            .map(|s| s.value)
    }
}

/// `name{a="x",b="y"} 1.5` (label values without escaped quotes or commas: ours have none).
fn sample(line: &str) -> Sample {
    let (series, value) = line.rsplit_once(' ').expect("a sample and its value");
    let (name, labels) = match series.split_once('{') {
        Some((name, rest)) => (name, rest.strip_suffix('}').expect("closing brace")),
        None => (series, ""),
    };
    let labels = labels
        .split(',')
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (k, v) = l.split_once('=').expect("label=value");
            (k.to_owned(), v.trim_matches('"').to_owned())
        })
        .collect();
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v.parse().unwrap_or_else(|_| panic!("a number in {line}")),
    };
    Sample {
        name: name.to_owned(),
        labels,
        value,
    }
}

/// Every series the exposition shows is described, typed, and one of the catalogue with its
/// type and labels.
fn assert_described_and_catalogued(service: &str, e: &Exposition) {
    for s in &e.samples {
        let family = e.family(&s.name);
        assert!(
            e.help.contains_key(family),
            "{service}: {family} has no # HELP"
        );
        let kind = e
            .types
            .get(family)
            .unwrap_or_else(|| panic!("{service}: {family} has no # TYPE"));
        let entry = catalogue::find(family)
            .unwrap_or_else(|| panic!("{service}: {family} is not in the catalogue"));
        assert_eq!(kind, entry.kind.as_str(), "{service}: {family}'s type");
        assert_eq!(
            e.help[family],
            entry.help.split_whitespace().collect::<Vec<_>>().join(" "),
            "{service}: {family}'s help is the catalogue's"
        );
        let labels: BTreeSet<&str> = s
            .labels
            .keys()
            .map(String::as_str)
            .filter(|l| !(*l == "le" && entry.kind == Kind::Histogram))
            .collect();
        let listed: BTreeSet<&str> = entry.labels.iter().copied().collect();
        assert_eq!(labels, listed, "{service}: the labels of {}", s.name);
    }
}

/// The metric names a PromQL expression uses, read loosely: identifiers outside strings,
/// label matchers, ranges and grouping lists that are not functions, aggregations or keywords
/// (Grafana's `label_values(metric, label)` counts its metric).
fn series_named(expr: &str) -> BTreeSet<String> {
    // Grouping keywords: the list in parentheses after them is of labels.
    const GROUPING: [&str; 6] = [
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
    ];
    // Other keywords, and the aggregation operators (`max by (service) (…)` puts a keyword
    // between the operator and its parenthesis).
    const KEYWORDS: [&str; 19] = [
        "and",
        "or",
        "unless",
        "offset",
        "bool",
        "sum",
        "min",
        "max",
        "avg",
        "group",
        "stddev",
        "stdvar",
        "count",
        "count_values",
        "bottomk",
        "topk",
        "quantile",
        "limitk",
        "limit_ratio",
    ];
    let mut names = BTreeSet::new();
    let chars: Vec<char> = expr.chars().collect();
    let mut i = 0;
    let mut previous = String::new();
    while i < chars.len() {
        let c = chars[i];
        match c {
            '"' | '\'' | '`' => {
                i += 1;
                while i < chars.len() && chars[i] != c {
                    i += if chars[i] == '\\' { 2 } else { 1 };
                }
                i += 1;
            }
            '{' | '[' => {
                let close = if c == '{' { '}' } else { ']' };
                while i < chars.len() && chars[i] != close {
                    i += 1;
                }
                i += 1;
            }
            '(' if GROUPING.contains(&previous.as_str()) => {
                while i < chars.len() && chars[i] != ')' {
                    i += 1;
                }
                i += 1;
                previous.clear();
            }
            c if c.is_ascii_alphabetic() || c == '_' || c == ':' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == ':')
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let mut j = i;
                while j < chars.len() && chars[j].is_whitespace() {
                    j += 1;
                }
                let called = j < chars.len() && chars[j] == '(';
                let variable = start > 0 && chars[start - 1] == '$';
                if !called
                    && !variable
                    && !KEYWORDS.contains(&word.as_str())
                    && !GROUPING.contains(&word.as_str())
                {
                    names.insert(word.clone());
                }
                if word == "label_values" && called {
                    // Its first argument is a metric; the second a label.
                    let rest: String = chars[j + 1..].iter().collect();
                    if let Some((metric, _)) = rest.split_once(',') {
                        names.extend(series_named(metric));
                    }
                    while i < chars.len() && chars[i] != ')' {
                        i += 1;
                    }
                }
                previous = word;
            }
            c if c.is_ascii_digit() => {
                // A number or a duration (`5m`, `1e3`): no name.
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                    i += 1;
                }
            }
            _ => {
                if !c.is_whitespace() {
                    previous.clear();
                }
                i += 1;
            }
        }
    }
    names
}

/// The names `exprs` use that no service exports (`exported`), by expression.
fn unexported(exprs: &[String], exported: &BTreeSet<String>) -> Vec<String> {
    exprs
        .iter()
        .flat_map(|e| {
            series_named(e)
                .into_iter()
                .filter(|n| !exported.contains(n))
                .map(move |n| format!("{n} (in {e})"))
        })
        .collect()
}

fn repo_file(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo_file(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The alert rules' expressions, after checking the file is a Prometheus rule file: `groups`,
/// each with a unique `name` and `rules`, each rule an `alert` with `expr`, optional `for`,
/// `labels` (a `severity`) and `annotations` (a `summary`), and no other key.
fn alert_expressions() -> Vec<String> {
    let docs = YamlLoader::load_from_str(&read("deploy/monitoring/alerts.yml")).expect("YAML");
    let [file] = docs.as_slice() else {
        panic!("alerts.yml holds one document")
    };
    let keys = |y: &Yaml, allowed: &[&str], what: &str| {
        let hash = y.as_hash().unwrap_or_else(|| panic!("{what} is a mapping"));
        for k in hash.keys() {
            let k = k.as_str().unwrap_or_else(|| panic!("{what}: a key {k:?}"));
            assert!(allowed.contains(&k), "{what}: unknown key {k}");
        }
    };
    keys(file, &["groups"], "the file");
    let groups = file["groups"].as_vec().expect("groups: a list");
    assert!(!groups.is_empty());
    let mut group_names = BTreeSet::new();
    let mut alerts = BTreeSet::new();
    let mut exprs = Vec::new();
    for group in groups {
        keys(group, &["name", "interval", "rules"], "a group");
        let name = group["name"].as_str().expect("a group's name");
        assert!(group_names.insert(name), "group {name} twice");
        for rule in group["rules"].as_vec().expect("rules: a list") {
            let what = format!("a rule of {name}");
            keys(
                rule,
                &["alert", "expr", "for", "labels", "annotations"],
                &what,
            );
            let alert = rule["alert"].as_str().expect("alert: a name");
            assert!(alerts.insert(alert), "alert {alert} twice");
            if !rule["for"].is_badvalue() {
                let f = rule["for"].as_str().expect("for: a duration");
                assert!(
                    f.ends_with(['s', 'm', 'h']) && f[..f.len() - 1].parse::<u32>().is_ok(),
                    "{alert}: for {f}"
                );
            }
            assert!(
                rule["labels"]["severity"].as_str().is_some(),
                "{alert}: severity"
            );
            assert!(
                rule["annotations"]["summary"].as_str().is_some(),
                "{alert}: summary"
            );
            let expr = rule["expr"].as_str().expect("expr: a string");
            assert_eq!(
                expr.matches('(').count(),
                expr.matches(')').count(),
                "{alert}: parentheses"
            );
            exprs.push(expr.to_owned());
        }
    }
    exprs
}

/// The dashboard's queries: every panel's targets (in rows too) and every query variable.
fn dashboard_expressions() -> Vec<String> {
    let dashboard: serde_json::Value =
        serde_json::from_str(&read("deploy/monitoring/dashboard.json")).expect("JSON");
    fn panels(list: &serde_json::Value, out: &mut Vec<String>) {
        for panel in list.as_array().into_iter().flatten() {
            for target in panel["targets"].as_array().into_iter().flatten() {
                out.push(target["expr"].as_str().expect("a target's expr").to_owned());
            }
            panels(&panel["panels"], out);
        }
    }
    let mut exprs = Vec::new();
    panels(&dashboard["panels"], &mut exprs);
    for var in dashboard["templating"]["list"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if var["type"] == "query" {
            exprs.push(var["query"].as_str().unwrap_or_default().to_owned());
        }
    }
    assert!(exprs.len() > 10, "a dashboard with panels: {exprs:?}");
    exprs
}

/// What `svc`'s `/metrics` shows now (the HTTP answer's body).
async fn exposition(env: &Env, svc: Svc) -> Exposition {
    let text = scrape(env.server(svc)).await;
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP answer");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    Exposition::parse(body)
}

/// Scrapes every service of `env`.
async fn scrape_all(env: &Env) -> BTreeMap<&'static str, Exposition> {
    let mut all = BTreeMap::new();
    for svc in Svc::ALL {
        all.insert(svc.name(), exposition(env, svc).await);
    }
    all
}

/// A page of the voucher feed, read as attendance (a follower of it).
async fn voucher_page(env: &Env, page_size: i32) -> vpb::ListVoucherChangesResponse {
    let request = vpb::ListVoucherChangesRequest {
        after_sequence: 0,
        page_size,
    };
    let token = env.service(Svc::Attendance);
    let page = env
        .v()
        .list_voucher_changes(with_token(&token, request))
        .await;
    page.expect("the voucher feed").into_inner()
}

/// The whole of an attendance feed (one page holds the test's changes), read by `$rpc` with
/// the token of `Svc::$svc`.
macro_rules! whole_feed {
    ($env:expr, $rpc:ident, $request:ident, $svc:ident) => {{
        let request = apb::$request {
            after_sequence: 0,
            page_size: 1000,
        };
        let token = $env.service(Svc::$svc);
        let page = $env.a().$rpc(with_token(&token, request)).await;
        page.expect(stringify!($rpc)).into_inner()
    }};
}

/// When the newest change of `feed` was made (Unix seconds), as its publisher tells the feed's
/// follower (read to its end: one page holds the test's changes).
async fn newest_change(env: &Env, feed: &str) -> f64 {
    let (micros, changes_after) = match feed {
        "vouchers" => {
            let page = voucher_page(env, 1000).await;
            let made = page.changes.iter().map(|c| c.occurred_at_micros).max();
            (made, page.changes_after)
        }
        "attendance_usage" => {
            let page = whole_feed!(env, list_usage_changes, ListUsageChangesRequest, Vouchers);
            let made = page.changes.iter().map(|c| c.occurred_at_micros).max();
            (made, page.changes_after)
        }
        "attendance_alerts" => {
            let page = whole_feed!(env, list_alert_changes, ListAlertChangesRequest, Reporting);
            // A raise is made when its alert is; a resolution carries no time.
            let raised = page
                .changes
                .iter()
                .filter(|c| c.kind == AlertChangeKind::Raised as i32);
            let made = raised
                .filter_map(|c| Some(c.alert.as_ref()?.created_at_micros))
                .max();
            (made, page.changes_after)
        }
        other => panic!("no feed {other}"),
    };
    assert_eq!(
        changes_after, 0,
        "one short page holds the whole {feed} feed"
    );
    micros.unwrap_or_else(|| panic!("a change on the {feed} feed")) as f64 / 1e6
}

/// Scrapes `svc` until `done` holds of what it shows (every 20 ms, at most 20 s).
async fn scrape_until(
    env: &Env,
    svc: Svc,
    what: &str,
    done: impl Fn(&Exposition) -> bool,
) -> Exposition {
    poll_until(
        || exposition(env, svc),
        |e| done(e),
        |e| format!("{what}: {:?}", e.samples),
    )
    .await
}

#[tokio::test]
async fn every_series_is_described_listed_and_what_the_rules_and_dashboard_use() {
    // Tuesday 24 March 2026 on every service's clock.
    let today = ymd(2026, 3, 24);
    let started = chrono::Utc::now().timestamp() as f64;
    let mut env = Env::builder()
        .clock(clock_on(today))
        .prices(Prices::Every)
        .services(&Svc::ALL)
        .start()
        .await;
    // Changes on every feed: a voucher issued, chosen and accepted (the voucher feed, which
    // attendance and reporting follow), a session and two no-shows within a week (the usage
    // feed vouchers follows, and an ABS-REPEATED alert on the alert feed reporting follows).
    let p = ktt_provider(&env, "Työpaja ry", 1_000_826, SIILINJARVI).await;
    let from = ymd(2026, 3, 2);
    let coaching = ktt_voucher(&env, &p, 826, from, validity_end(from, 3)).await;
    record(&env, &p, &coaching, at(ymd(2026, 3, 12), 9, 11))
        .await
        .expect("a session");
    no_show(&env, &p, &coaching, ymd(2026, 3, 16)).await;
    no_show(&env, &p, &coaching, ymd(2026, 3, 18)).await;
    let sw = env.social_worker();
    notices_of(&env, &sw, &coaching, &["ABS-REPEATED"]).await;

    // Each follower catches up: nothing behind, and the newest change it applied is the
    // newest its publisher has (changes are stamped with the time they were made).
    for (service, feed) in FOLLOWERS {
        let svc = Svc::named(service).expect("a service");
        let labels = [("service", service), ("feed", feed)];
        let newest = "seteli_feed_newest_applied_change_timestamp_seconds";
        let e = poll_until(
            || async { (newest_change(&env, feed).await, exposition(&env, svc).await) },
            |(made, e)| {
                e.value("seteli_feed_changes_behind", &labels) == Some(0.0)
                    && e.value(newest, &labels) == Some(*made)
            },
            |(made, e)| format!("{service} follows {feed} to {made}: {:?}", e.samples),
        )
        .await
        .1;
        let now = chrono::Utc::now().timestamp() as f64;
        let applied_made = e.value(newest, &labels).unwrap_or_default();
        assert!(
            applied_made >= started - 1.0 && applied_made <= now + 1.0,
            "made during the test: {applied_made}"
        );
        for series in FEED_SERIES {
            assert!(
                e.value(series, &labels).is_some(),
                "{service} has {series} for {feed}"
            );
        }
        let applied = e.value("seteli_feed_changes_applied_total", &labels);
        assert!(applied.unwrap_or(0.0) >= 1.0, "{service} applied {feed}");
        let caught_up = e.value("seteli_feed_caught_up_timestamp_seconds", &labels);
        assert!(
            caught_up.is_some_and(|t| t > now - 60.0 && t <= now + 1.0),
            "{service} caught up with {feed} just now (by the system clock): {caught_up:?}"
        );
    }

    // What a follower is told is behind: the publisher counts the changes a page leaves.
    let n = voucher_page(&env, 1000).await.changes.len();
    assert!(n > 3, "voucher changes: {n}");
    let size = |n: usize| i32::try_from(n).expect("a page size");
    assert_eq!(
        voucher_page(&env, 1).await.changes_after,
        size(n - 1) as i64
    );
    assert_eq!(voucher_page(&env, size(n - 2)).await.changes_after, 2);
    assert_eq!(
        voucher_page(&env, size(n)).await.changes_after,
        0,
        "a full last page"
    );

    let scraped = scrape_all(&env).await;
    let mut exported = BTreeSet::new();
    for (service, e) in &scraped {
        assert_described_and_catalogued(service, e);
        for process in catalogue::ALL
            .iter()
            .filter(|s| s.name.starts_with("process_"))
        {
            assert!(
                e.samples.iter().any(|s| s.name == process.name),
                "{service} shows {}",
                process.name
            );
        }
        assert_eq!(
            e.value("seteli_database_up", &[("service", service)]),
            Some(1.0),
            "{service}'s database is up"
        );
        exported.extend(e.names());
    }

    // Attendance stops: the followers of its feeds fail, and tell the kind of failure (a
    // series only a failure shows).
    env.take(Svc::Attendance)
        .stop()
        .await
        .expect("attendance stops");
    let unavailable = [
        ("service", "reporting"),
        ("feed", "attendance_alerts"),
        ("kind", "unavailable"),
    ];
    let failing = scrape_until(&env, Svc::Reporting, "the alert feed failing", |e| {
        e.value("seteli_feed_last_error_info", &unavailable) == Some(1.0)
    })
    .await;
    assert_described_and_catalogued("reporting", &failing);
    exported.extend(failing.names());

    // The rules and the dashboard use only what the services export.
    let missing = unexported(&alert_expressions(), &exported);
    assert!(
        missing.is_empty(),
        "alerts.yml names series nobody exports: {missing:#?}"
    );
    let missing = unexported(&dashboard_expressions(), &exported);
    assert!(
        missing.is_empty(),
        "dashboard.json names series nobody exports: {missing:#?}"
    );
    // The check sees a series nobody exports (a histogram's parts and functions aside).
    let made_up = [
        r#"sum by (service) (rate(seteli_made_up_total{code="OK"}[5m])) / on (service) grpc_server_request_duration_seconds_count"#.to_owned(),
        "label_values(seteli_not_there, service)".to_owned(),
    ];
    assert_eq!(
        unexported(&made_up, &exported)
            .iter()
            .map(|m| m.split(' ').next().unwrap_or_default())
            .collect::<Vec<_>>(),
        ["seteli_made_up_total", "seteli_not_there"]
    );

    // deploy/README.md lists every series of the catalogue, as the catalogue says.
    let readme = read("deploy/README.md");
    let table = catalogue::markdown_table();
    assert!(
        readme.contains(&table),
        "deploy/README.md's metrics table is not the catalogue's; it should read:\n{table}"
    );
    for s in catalogue::ALL {
        assert!(readme.contains(&format!("| `{}` |", s.name)), "{}", s.name);
    }
}

#[tokio::test]
async fn a_follower_whose_feed_is_down_counts_its_failures_and_tells_their_kind() {
    // Attendance is "outside" at a port held closed: reporting's alert follower has its
    // token and finds nobody there.
    let closed = ClosedPort::new();
    let env = Env::builder()
        .services(&[Svc::Providers, Svc::Vouchers, Svc::Reporting])
        .outside(Svc::Attendance, closed.url())
        .start()
        .await;
    let labels = [("service", "reporting"), ("feed", "attendance_alerts")];
    let unavailable = [
        ("service", "reporting"),
        ("feed", "attendance_alerts"),
        ("kind", "unavailable"),
    ];
    let e = scrape_until(&env, Svc::Reporting, "a failed catch-up counted", |e| {
        e.value("seteli_feed_errors_total", &labels)
            .is_some_and(|n| n >= 1.0)
            && e.value("seteli_feed_last_error_info", &unavailable) == Some(1.0)
    })
    .await;
    let now = chrono::Utc::now().timestamp() as f64;
    let failed = e.value("seteli_feed_last_error_timestamp_seconds", &labels);
    assert!(
        failed.is_some_and(|t| t > now - 60.0 && t <= now + 1.0),
        "failed just now: {failed:?}"
    );
    assert_eq!(
        e.value("seteli_feed_caught_up_timestamp_seconds", &labels),
        Some(0.0),
        "never caught up since the start"
    );
    assert_eq!(
        e.value("seteli_feed_changes_behind", &labels),
        None,
        "no page read: how far behind is not known"
    );
    // The voucher feed is up: that follower of the same service has not failed.
    let vouchers = [("service", "reporting"), ("feed", "vouchers")];
    let e = scrape_until(&env, Svc::Reporting, "the voucher feed followed", |e| {
        e.value("seteli_feed_changes_behind", &vouchers) == Some(0.0)
    })
    .await;
    assert_eq!(e.value("seteli_feed_errors_total", &vouchers), Some(0.0));
    assert_described_and_catalogued("reporting", &e);
}
