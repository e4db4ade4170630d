//! Every outgoing HTTP(S) client of the product is built here ([`builder`], [`builder_with_ca`]):
//! rustls with the `ring` provider, certificates verified against the system's CA store (read once
//! by rustls-native-certs, which honours `SSL_CERT_FILE` and `SSL_CERT_DIR` as OpenSSL does,
//! otherwise the distribution's bundle, e.g. Debian's `ca-certificates`) plus, for a client that
//! asks for it, the CA certificates of one PEM file (an SMS gateway behind a private CA). There is
//! no switch that accepts a certificate that does not verify.
//!
//! A TLS failure (the certificate does not verify, for another name, an unknown CA, a handshake
//! the server breaks off) happens before the request is written: [`tls_error`] tells it apart from
//! other transport failures, and the callers answer `upstream_tls_error` for it.

use std::io;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::RootCertStore;

/// The `User-Agent` of every request the product sends.
pub const USER_AGENT: &str = concat!("ccgate/", env!("CARGO_PKG_VERSION"));

/// The largest CA file taken (a bundle of a few hundred certificates fits).
const MAX_CA_FILE: u64 = 1024 * 1024;

/// The system's CA certificates, read once per process. Certificates that fail to load are
/// logged and skipped (an unreadable store leaves only the per-client CA files).
pub fn system_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let found = rustls_native_certs::load_native_certs();
        for e in &found.errors {
            tracing::warn!(error = %e, "reading the system CA store");
        }
        if found.certs.is_empty() {
            tracing::error!("no CA certificate found in the system store: HTTPS to public servers will fail (install ca-certificates or set SSL_CERT_FILE)");
        }
        found.certs
    })
}

/// The CA certificates OpenSSL would read from `file` (`SSL_CERT_FILE`) and `dir`
/// (`SSL_CERT_DIR`): what [`system_roots`] does with the environment's paths, for explicit ones.
pub fn roots_from_paths(file: Option<&Path>, dir: Option<&Path>) -> Vec<CertificateDer<'static>> {
    let found = rustls_native_certs::load_certs_from_paths(file, dir);
    for e in &found.errors {
        tracing::warn!(error = %e, "reading CA certificates");
    }
    found.certs
}

/// A root store of `system` plus `extra`. Certificates that are not usable trust anchors are
/// skipped (the system bundle may carry a few).
pub fn root_store(
    system: &[CertificateDer<'static>],
    extra: &[CertificateDer<'static>],
) -> RootCertStore {
    let mut store = RootCertStore::empty();
    let (_, skipped) = store.add_parsable_certificates(system.iter().cloned());
    if skipped > 0 {
        tracing::debug!(
            skipped,
            "system CA certificates that are not usable trust anchors"
        );
    }
    store.add_parsable_certificates(extra.iter().cloned());
    store
}

/// The CA certificates of a PEM file: it must exist, be readable, hold at least one
/// `CERTIFICATE` block, and every one of them must be a usable trust anchor. The error is one
/// line for the person who typed the path.
pub fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!("{}: not a file", path.display()));
    }
    if meta.len() > MAX_CA_FILE {
        return Err(format!("{}: larger than 1 MiB", path.display()));
    }
    let pem = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: not PEM certificates ({e})", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "{}: no PEM certificate (-----BEGIN CERTIFICATE-----) in the file",
            path.display()
        ));
    }
    let mut store = RootCertStore::empty();
    let (_, bad) = store.add_parsable_certificates(certs.iter().cloned());
    if bad > 0 {
        return Err(format!(
            "{}: {bad} of {} certificates cannot be read as a CA certificate",
            path.display(),
            certs.len()
        ));
    }
    Ok(certs)
}

/// rustls' client configuration over `roots` with the `ring` provider (TLS 1.2 and 1.3).
pub fn tls_config(roots: RootCertStore) -> rustls::ClientConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// Make `ring` the process' default rustls provider (once): reqwest is built without one of its
/// own, and any client that does not come through here would otherwise panic when built.
pub fn install_provider() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

fn with_tls(roots: RootCertStore) -> reqwest::ClientBuilder {
    install_provider();
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .tls_backend_preconfigured(tls_config(roots))
}

/// A client builder trusting the system's CA store (callers add timeouts and redirects).
pub fn builder() -> reqwest::ClientBuilder {
    with_tls(root_store(system_roots(), &[]))
}

/// A client builder trusting the system's CA store plus the CA certificates of `ca_file`
/// (see [`read_ca_file`] for what it must hold); `None` is [`builder`].
pub fn builder_with_ca(ca_file: Option<&Path>) -> Result<reqwest::ClientBuilder, String> {
    match ca_file {
        None => Ok(builder()),
        Some(path) => {
            let extra = read_ca_file(path)?;
            Ok(with_tls(root_store(system_roots(), &extra)))
        }
    }
}

/// The TLS failure behind a request error, as one line (`None` when it was not one). A TLS
/// failure happens while connecting, before any byte of the request is sent.
pub fn tls_error(e: &reqwest::Error) -> Option<String> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(t) = err.downcast_ref::<rustls::Error>() {
            return Some(t.to_string());
        }
        // tokio-rustls reports a handshake failure as an io::Error wrapping rustls' error (hyper
        // wraps that once more), and io::Error's `source` skips the error it wraps: step into it.
        cur = match err.downcast_ref::<io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    None
}

#[cfg(test)]
#[path = "http_tests.rs"]
mod tests;
