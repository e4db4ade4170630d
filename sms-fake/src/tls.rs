//! HTTPS for the fakes, with a CA made at run time ([`TestCa`]): tests point a gateway at
//! `https://localhost:PORT/…` and trust the CA through a PEM file, or not, to see both sides of
//! certificate verification. Connections whose handshake fails are dropped before any request is
//! read, so a refused certificate leaves the fake's request counters untouched.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// The fake's own client (delivery reports): reqwest is built without a rustls provider of its
/// own, so `ring` is installed as the process default first.
pub fn plain_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// A certificate authority that exists only for one test run.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// A server certificate (PEM chain and key) issued by a [`TestCa`].
#[derive(Clone)]
pub struct ServerCert {
    pub cert_pem: String,
    pub key_pem: String,
}

impl TestCa {
    pub fn new(name: &str) -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let key = KeyPair::generate().expect("CA key");
        TestCa {
            issuer: CertifiedIssuer::self_signed(params, key).expect("self-signed CA"),
        }
    }

    /// The CA certificate, PEM (what a CA file holds).
    pub fn cert_pem(&self) -> String {
        self.issuer.pem()
    }

    /// A server certificate for `names` (DNS names or IP addresses).
    pub fn issue(&self, names: &[&str]) -> ServerCert {
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let mut params = CertificateParams::new(names).expect("server params");
        params
            .distinguished_name
            .push(DnType::CommonName, "sms-fake");
        let key = KeyPair::generate().expect("server key");
        let cert = params.signed_by(&key, &self.issuer).expect("signed");
        ServerCert {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }
}

/// The rustls server side of `cert`.
pub fn acceptor(cert: &ServerCert) -> TlsAcceptor {
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(cert.cert_pem.as_bytes())
            .collect::<Result<_, _>>()
            .expect("certificate PEM");
    let key = PrivateKeyDer::from_pem_slice(cert.key_pem.as_bytes()).expect("key PEM");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("server certificate");
    TlsAcceptor::from(Arc::new(cfg))
}

/// A TCP listener whose connections are TLS; failed handshakes are dropped (and counted).
pub struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    failed: Arc<std::sync::atomic::AtomicUsize>,
}

impl TlsListener {
    pub fn new(tcp: TcpListener, acceptor: TlsAcceptor) -> TlsListener {
        TlsListener {
            tcp,
            acceptor,
            failed: Default::default(),
        }
    }
    /// Handshakes that failed so far (shared with the running server).
    pub fn failed_handshakes(&self) -> Arc<std::sync::atomic::AtomicUsize> {
        self.failed.clone()
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (tcp, addr) = match self.tcp.accept().await {
                Ok(c) => c,
                Err(_) => continue,
            };
            match self.acceptor.accept(tcp).await {
                Ok(tls) => return (tls, addr),
                Err(_) => {
                    self.failed
                        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// A running HTTPS fake: its URL (`https://localhost:PORT/path`) and its failed handshakes.
pub struct Spawned {
    pub url: String,
    pub failed_handshakes: Arc<std::sync::atomic::AtomicUsize>,
}

impl Spawned {
    pub fn failed_handshakes(&self) -> usize {
        self.failed_handshakes
            .load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Serve `router` over TLS with `cert` on 127.0.0.1 with a free port; the URL names `localhost`.
pub async fn spawn_tls(router: Router, cert: &ServerCert, path: &str) -> Spawned {
    let tcp = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = tcp.local_addr().expect("addr").port();
    let listener = TlsListener::new(tcp, acceptor(cert));
    let failed = listener.failed_handshakes();
    tokio::spawn(async move { axum::serve(listener, router).await });
    Spawned {
        url: format!("https://localhost:{port}{path}"),
        failed_handshakes: failed,
    }
}
