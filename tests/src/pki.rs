//! A certificate authority made in the test, and a server certificate for `localhost` and
//! 127.0.0.1 it signed: for the TLS tests (database traffic, service-to-service calls).

use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A CA and the server certificate it signed, as PEM (files for the services) and DER (for a
/// rustls server made in the test).
pub struct Pki {
    /// The CA's certificate (PEM): what a client trusts.
    pub ca_pem: String,
    /// The server's certificate (PEM), for `localhost` and 127.0.0.1.
    pub server_cert_pem: String,
    /// The server's private key (PKCS#8 PEM).
    pub server_key_pem: String,
    /// The server's certificate (DER).
    pub server_cert: CertificateDer<'static>,
    /// The server's private key (PKCS#8 DER).
    pub server_key: PrivateKeyDer<'static>,
}

impl Pki {
    /// A fresh CA named after `name` and a server certificate it signed.
    pub fn new(name: &str) -> Self {
        let ca_key = rcgen::KeyPair::generate().expect("CA key");
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(rcgen::DnType::CommonName, format!("{name} test CA"));
        let ca_cert = ca.self_signed(&ca_key).expect("CA certificate");
        let server_key = rcgen::KeyPair::generate().expect("server key");
        let server = rcgen::CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()])
            .expect("server params");
        let server_cert = server
            .signed_by(&server_key, &ca_cert, &ca_key)
            .expect("server certificate");
        Self {
            ca_pem: ca_cert.pem(),
            server_cert_pem: server_cert.pem(),
            server_key_pem: server_key.serialize_pem(),
            server_cert: server_cert.der().clone(),
            server_key: PrivateKeyDer::Pkcs8(server_key.serialize_der().into()),
        }
    }

    /// Writes the CA, certificate and key as PEM files into `dir`; returns their paths
    /// (CA, certificate, key).
    pub fn write_to(
        &self,
        dir: &std::path::Path,
    ) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
        let files = (
            dir.join("ca.pem"),
            dir.join("server.pem"),
            dir.join("server.key"),
        );
        std::fs::write(&files.0, &self.ca_pem).expect("write CA");
        std::fs::write(&files.1, &self.server_cert_pem).expect("write certificate");
        std::fs::write(&files.2, &self.server_key_pem).expect("write key");
        files
    }
}
