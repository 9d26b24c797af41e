//! A server under measurement as a child process (this binary again, with a role as its first
//! argument), and what `/proc` says about it: CPU time, resident memory, and the time from
//! exec until its `grpc.health.v1` check answers SERVING.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tonic::transport::Endpoint;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

/// `/proc/<pid>/stat` counts CPU time in clock ticks of `USER_HZ`, which Linux fixes at 100
/// for user space whatever the kernel's own tick rate.
const MICROS_PER_TICK: u64 = 10_000;

/// A free loopback address.
pub fn free_addr() -> anyhow::Result<SocketAddr> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?)
}

/// A server child process; killed (SIGKILL) when dropped.
#[derive(Debug)]
pub struct Server {
    /// What it is, for messages (`vouchers`, `bare echo`…).
    pub name: String,
    /// Where it listens for gRPC.
    pub addr: SocketAddr,
    child: Child,
    log: tempfile::NamedTempFile,
    /// From exec until its health check first answered SERVING.
    pub exec_to_serving: Duration,
}

impl Server {
    /// Starts this binary as `args` with exactly `vars` as its environment, and waits
    /// (bounded) until its health check answers SERVING on `addr`.
    pub async fn start(
        name: &str,
        addr: SocketAddr,
        args: &[&str],
        vars: &[(String, String)],
    ) -> anyhow::Result<Server> {
        let log = tempfile::NamedTempFile::new()?;
        let exe: PathBuf = std::env::current_exe()?;
        let started = Instant::now();
        let child = Command::new(exe)
            .args(args)
            .env_clear()
            .envs(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log.reopen()?)
            .spawn()
            .with_context(|| format!("start {name}"))?;
        let mut server = Server {
            name: name.to_owned(),
            addr,
            child,
            log,
            exec_to_serving: Duration::ZERO,
        };
        let deadline = started + Duration::from_secs(60);
        loop {
            if let Some(status) = server.child.try_wait()? {
                bail!("{name} exited ({status}): {}", server.log());
            }
            if serving(addr).await {
                server.exec_to_serving = started.elapsed();
                return Ok(server);
            }
            if Instant::now() > deadline {
                bail!(
                    "{name} did not answer SERVING within 60 s: {}",
                    server.log()
                );
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What it wrote to stderr.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// Its CPU time (user + system, all threads) so far, in µs.
    pub fn cpu_micros(&self) -> anyhow::Result<u64> {
        cpu_micros_of(self.pid())
    }

    /// Its resident memory now (`VmRSS`), in KiB.
    pub fn rss_kib(&self) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .context("VmRSS in /proc/<pid>/status")
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether the server on `addr` answers its overall health check with SERVING now (a new
/// connection each time, as a probe makes it).
async fn serving(addr: SocketAddr) -> bool {
    let Ok(endpoint) = Endpoint::from_shared(format!("http://{addr}")) else {
        return false;
    };
    let Ok(channel) = endpoint
        .connect_timeout(Duration::from_millis(500))
        .timeout(Duration::from_secs(2))
        .connect()
        .await
    else {
        return false;
    };
    HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .is_ok_and(|r| r.into_inner().status == ServingStatus::Serving as i32)
}

/// A process's CPU time (utime + stime of `/proc/<pid>/stat`), in µs.
fn cpu_micros_of(pid: u32) -> anyhow::Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    cpu_micros_in(&stat).context("utime and stime in /proc/<pid>/stat")
}

/// utime + stime of one `/proc/<pid>/stat` line, in µs. The command name (field 2) may hold
/// spaces and parentheses, so fields are counted after its last `)`: the state is field 3,
/// utime 14 and stime 15.
fn cpu_micros_in(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) * MICROS_PER_TICK)
}

/// The CPU time of every `postgres` process on this machine (the local PostgreSQL server's
/// backends, which do a service's SQL), in µs; 0 when there is none. Backends that exit between
/// two readings take their time with them, so a difference is a lower bound.
pub fn postgres_cpu_micros() -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    dir.filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter(|stat| stat.contains("(postgres)"))
        .filter_map(|stat| cpu_micros_in(&stat))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cpu_time_after_a_command_name_with_spaces() {
        let stat = "42 (a (b) c) S 1 42 42 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 1 0 5 0 0";
        assert_eq!(cpu_micros_in(stat), Some(100_000));
    }
}
