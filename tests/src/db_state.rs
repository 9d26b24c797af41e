//! What the databases of an environment hold, to show that calls changed nothing (a mutation
//! called with `validate_only`, Google AIP-163): every row of every table, as text, on both
//! backends.
//!
//! The audit log is the one place a validation may add to, with accesses, never with a change:
//! what its answer showed is an access (703/2023), recorded with its action marked
//! [`VALIDATE_ONLY_SUFFIX`]; and what other services answered it (billing asks the registry,
//! vouchers and attendance before it generates an invoice) is recorded there as the read it is
//! (its action a read RPC's name). So the log's entries are compared without those two kinds
//! (and the subjects of the entries compared), and the marked ones are counted.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use seteli_platform::audit::VALIDATE_ONLY_SUFFIX;
use seteli_platform::db::{Backend, Database};
use seteli_platform::testing::wait_for_health;
use sqlx::Row as _;
use tonic_health::pb::health_check_response::ServingStatus;

use crate::kit::{Env, Svc};
use crate::object_matrix::{every_rpc, is_read};

/// The audit log's tables, compared without a validation's entries.
const AUDIT_LOG: &str = "platform_audit_log";
const AUDIT_SUBJECTS: &str = "platform_audit_subject";

/// How long the databases must stay as they are to count as settled ([`Databases::settled`]).
pub const QUIET: Duration = Duration::from_millis(300);

/// A connection to each database of an environment's services, and how to read each table.
pub struct Databases(Vec<Watched>);

/// One service's database and the statement that reads each of its tables.
struct Watched {
    svc: Svc,
    db: Database,
    /// (table, its columns, the SELECT that reads them as text).
    tables: Vec<(String, Vec<String>, String)>,
}

/// What one database holds: each table's rows (its columns as text, sorted), and how many audit
/// entries are a validation's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contents {
    /// Table → its rows, each `col=value|col=value…`, sorted.
    pub tables: BTreeMap<String, Vec<String>>,
    /// Audit entries whose action is marked [`VALIDATE_ONLY_SUFFIX`].
    pub validations_audited: usize,
}

/// What every database held at one moment.
pub type Snapshot = BTreeMap<Svc, Contents>;

impl Databases {
    /// Connects to the database of every service `env` started, once it serves (its
    /// migrations run), and reads its tables' columns.
    pub async fn of(env: &Env) -> Self {
        let mut dbs = Vec::new();
        for svc in env.started() {
            wait_for_health(
                env.server(svc).channel(),
                "",
                ServingStatus::Serving,
                Duration::from_secs(20),
            )
            .await
            .expect("the service serves");
            let db = Database::connect(&env.server(svc).db.url, 2)
                .await
                .expect("connect to a service's database");
            let tables = tables(&db).await;
            dbs.push(Watched { svc, db, tables });
        }
        Self(dbs)
    }

    /// What every database holds once nothing moves any more: snapshots until two taken
    /// [`QUIET`] apart are equal (feed followers poll every 50 ms in tests, so each has looked
    /// several times meanwhile); panics after 20 s of changes.
    pub async fn settled(&self) -> Snapshot {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut last = self.snapshot().await;
        let mut since = Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let now = self.snapshot().await;
            if now != last {
                assert!(
                    Instant::now() < deadline,
                    "the databases kept changing for 20 s: {:?}",
                    changes(&last, &now)
                );
                (last, since) = (now, Instant::now());
            } else if since.elapsed() >= QUIET {
                return now;
            }
        }
    }

    /// What every database holds now.
    pub async fn snapshot(&self) -> Snapshot {
        let read = self
            .0
            .iter()
            .map(|w| async move { (w.svc, contents(w).await) });
        futures::future::join_all(read).await.into_iter().collect()
    }
}

/// What changed from `before` to `after`: one line per table with the rows it lost and gained
/// (a few of each shown); empty when nothing did.
pub fn changes(before: &Snapshot, after: &Snapshot) -> Vec<String> {
    let mut out = Vec::new();
    for (svc, after) in after {
        let empty = Contents {
            tables: BTreeMap::new(),
            validations_audited: 0,
        };
        let before = before.get(svc).unwrap_or(&empty);
        let names = before.tables.keys().chain(after.tables.keys());
        let names: std::collections::BTreeSet<&String> = names.collect();
        for table in names {
            let was = before.tables.get(table).map_or(&[][..], Vec::as_slice);
            let is = after.tables.get(table).map_or(&[][..], Vec::as_slice);
            if was == is {
                continue;
            }
            let gone: Vec<&String> = was.iter().filter(|r| !is.contains(r)).collect();
            let new: Vec<&String> = is.iter().filter(|r| !was.contains(r)).collect();
            out.push(format!(
                "{}.{table}: {} rows gone {:?}, {} new {:?}",
                svc.name(),
                gone.len(),
                gone.iter().take(3).collect::<Vec<_>>(),
                new.len(),
                new.iter().take(3).collect::<Vec<_>>(),
            ));
        }
    }
    out
}

/// How many more audit entries of validations `after` holds than `before`, in all databases.
pub fn validations_audited(before: &Snapshot, after: &Snapshot) -> usize {
    let count = |s: &Snapshot| s.values().map(|c| c.validations_audited).sum::<usize>();
    count(after).saturating_sub(count(before))
}

/// The names of the read RPCs of every service (from the descriptor set), as an SQL list.
fn read_actions() -> String {
    every_rpc()
        .iter()
        .filter(|rpc| is_read(rpc))
        .map(|rpc| format!("'{}'", rpc.method))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every table of `db`: its name, its columns and the SELECT that reads them as text (the
/// audit log without the entries [`Contents`] leaves out).
async fn tables(db: &Database) -> Vec<(String, Vec<String>, String)> {
    let mut conn = db.pool().acquire().await.expect("connection");
    let postgres = db.backend() == Backend::Postgres;
    let tables: Vec<(String,)> = sqlx::query_as(if postgres {
        "SELECT table_name::TEXT FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    })
    .fetch_all(&mut *conn)
    .await
    .expect("list tables");
    // The log without the validations' entries and other services' reads, and the subjects of
    // the entries kept.
    let kept = |log: &str| {
        format!(
            "NOT ({log}.action LIKE '%{VALIDATE_ONLY_SUFFIX}') AND {log}.action NOT IN ({})",
            read_actions()
        )
    };
    let mut out = Vec::new();
    for (table,) in tables {
        let columns: Vec<(String,)> = sqlx::query_as(if postgres {
            "SELECT column_name::TEXT FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
        } else {
            "SELECT name FROM pragma_table_info($1) ORDER BY cid"
        })
        .bind(&table)
        .fetch_all(&mut *conn)
        .await
        .expect("list columns");
        let columns: Vec<String> = columns.into_iter().map(|(c,)| c).collect();
        let select = columns
            .iter()
            .map(|c| {
                if postgres {
                    format!("CAST(t.\"{c}\" AS TEXT)")
                } else {
                    // Any value as text, a blob (a migration's checksum) as its hex literal.
                    format!("quote(t.\"{c}\")")
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = match table.as_str() {
            AUDIT_LOG => format!("SELECT {select} FROM {table} t WHERE {}", kept("t")),
            AUDIT_SUBJECTS => format!(
                "SELECT {select} FROM {table} t, {AUDIT_LOG} l WHERE l.id = t.entry_id AND {}",
                kept("l")
            ),
            _ => format!("SELECT {select} FROM {table} t"),
        };
        out.push((table, columns, sql));
    }
    out
}

/// What `w`'s database holds now.
async fn contents(w: &Watched) -> Contents {
    let mut conn = w.db.pool().acquire().await.expect("connection");
    let mut out = BTreeMap::new();
    for (table, columns, sql) in &w.tables {
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .fetch_all(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("read table {table}: {e}"));
        let mut rows: Vec<String> = rows
            .iter()
            .map(|row| {
                columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let v: Option<String> = row.try_get(i).expect("a text column");
                        format!("{c}={}", v.as_deref().unwrap_or("NULL"))
                    })
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect();
        rows.sort();
        out.insert(table.clone(), rows);
    }
    let (marked,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM {AUDIT_LOG} WHERE action LIKE '%{VALIDATE_ONLY_SUFFIX}'"
    )))
    .fetch_one(&mut *conn)
    .await
    .expect("count the validations' audit entries");
    Contents {
        tables: out,
        validations_audited: usize::try_from(marked).unwrap_or(0),
    }
}
