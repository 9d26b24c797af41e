//! The kit is hermetic (issue 23): a service under test never dials an address the test does
//! not own. Started alone, every service is told, for each upstream it would otherwise dial at
//! its default address (where a developer's `make run` answers), a port the environment holds
//! closed — refused at once, and no other process can take it; started beside the others, it
//! is told theirs.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use seteli_tests::kit::{Env, MAKE_RUN_PORTS, Svc, port_of};

#[tokio::test]
async fn a_service_alone_is_told_ports_held_closed_for_every_upstream() {
    for svc in Svc::ALL {
        let env = Env::builder().services(&[svc]).start().await;
        let held: BTreeSet<u16> = env.closed_ports().iter().map(|a| a.port()).collect();
        assert_eq!(held.len(), Svc::ALL.len() - 1, "{}", svc.name());
        let told = env.upstreams(svc);
        for u in svc.upstreams() {
            let Some(url) = told.get(u.key) else {
                assert!(!u.has_default, "{} has no {}", svc.name(), u.key);
                continue;
            };
            assert_eq!(url, env.url(u.names), "{} {}", svc.name(), u.key);
            let port = port_of(url).expect("a port");
            assert!(!MAKE_RUN_PORTS.contains(&port), "{} {url}", svc.name());
            assert!(
                held.contains(&port),
                "{} {}={url}: not held",
                svc.name(),
                u.key
            );
            let dialled = Instant::now();
            let dial = tokio::net::TcpStream::connect(("127.0.0.1", port)).await;
            assert_eq!(
                dial.map(|_| ()).expect_err("nothing listens").kind(),
                std::io::ErrorKind::ConnectionRefused,
                "{} {url}",
                svc.name()
            );
            assert!(dialled.elapsed() < Duration::from_secs(1));
        }
        // The registry's upstream has no default: alone, it asks no one for prices.
        let defaulted = svc.upstreams().iter().filter(|u| u.has_default).count();
        assert_eq!(told.len(), defaulted, "{}: {told:?}", svc.name());
    }
}

#[tokio::test]
async fn services_started_together_are_told_each_other() {
    let env = Env::builder().services(&Svc::ALL).start().await;
    assert!(env.closed_ports().is_empty());
    for svc in Svc::ALL {
        for u in svc.upstreams() {
            assert_eq!(
                env.upstreams(svc).get(u.key),
                Some(&env.server(u.names).url()),
                "{} {}",
                svc.name(),
                u.key
            );
        }
    }
}
