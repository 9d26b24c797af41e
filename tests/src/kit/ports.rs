//! Ports a test owns and none of `make run`'s: the ports the environment holds closed for the
//! services that do not run ([`ClosedPort`]), and every port it binds taken outside
//! [`MAKE_RUN_PORTS`], so a service under test never reaches a developer's platform.

use std::net::SocketAddr;

use tokio::net::TcpSocket;

/// The ports `make run` serves on (`deploy/scripts/run-local.sh`): the services' default
/// upstream URLs name them, so no service under test may be told any of them.
pub const MAKE_RUN_PORTS: std::ops::RangeInclusive<u16> = 50051..=50055;

/// The port of a URL such as `http://127.0.0.1:4711` or `https://localhost:4711/`.
pub fn port_of(url: &str) -> Option<u16> {
    let authority = url.split("://").nth(1)?.split('/').next()?;
    authority.rsplit(':').next()?.parse().ok()
}

/// What `bind` binds on a port of the system's choosing (127.0.0.1:0), never one of `make run`'s:
/// the system may hand out any ephemeral port, 50051–50055 among them, and a service told such
/// a port would dial what a developer's platform answers ([`assert_hermetic`] refuses it). Such
/// a port is held while another is taken, so it does not come back.
pub(super) fn outside_make_run<T: PortHolder>(mut bind: impl FnMut() -> T) -> T {
    let mut held = Vec::new();
    loop {
        let bound = bind();
        if !MAKE_RUN_PORTS.contains(&bound.port()) {
            return bound;
        }
        held.push(bound);
    }
}

/// Something bound to a local port.
pub(super) trait PortHolder {
    /// The port it holds.
    fn port(&self) -> u16;
}

impl PortHolder for TcpSocket {
    fn port(&self) -> u16 {
        self.local_addr().expect("its address").port()
    }
}

impl PortHolder for std::net::TcpListener {
    fn port(&self) -> u16 {
        self.local_addr().expect("its address").port()
    }
}

/// A loopback port held closed: bound but never listening, so a dial is refused at once, and
/// no other process can take the port while this lives. Where a service under test is told a
/// service that does not run.
#[derive(Debug)]
pub struct ClosedPort {
    _socket: TcpSocket,
    addr: SocketAddr,
}

impl ClosedPort {
    /// Binds a fresh port on 127.0.0.1 (never listens on it).
    pub fn new() -> Self {
        let socket = outside_make_run(|| {
            let socket = TcpSocket::new_v4().expect("a socket");
            socket
                .bind(SocketAddr::from(([127, 0, 0, 1], 0)))
                .expect("bind a port to hold closed");
            socket
        });
        let addr = socket.local_addr().expect("its address");
        Self {
            _socket: socket,
            addr,
        }
    }

    /// Its address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its URL, `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Default for ClosedPort {
    fn default() -> Self {
        Self::new()
    }
}
