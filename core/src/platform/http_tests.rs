//! The root store (system paths as OpenSSL reads them, plus a CA file), CA file validation, and a
//! real handshake against the SMS fake over TLS: verified, refused for another name, refused for
//! an unknown CA, and told apart from a refused connection.

use std::path::Path;

use sms_fake::tls::TestCa;

use super::*;

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn ca_files_must_hold_pem_ca_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let a = TestCa::new("ccgate test CA a");
    let b = TestCa::new("ccgate test CA b");
    let two = write(
        dir.path(),
        "two.pem",
        &format!("{}\n{}", a.cert_pem(), b.cert_pem()),
    );
    assert_eq!(read_ca_file(&two).unwrap().len(), 2);
    assert!(builder_with_ca(Some(&two)).is_ok());

    let missing = dir.path().join("missing.pem");
    let e = read_ca_file(&missing).unwrap_err();
    assert!(e.contains("missing.pem"), "{e}");
    assert!(builder_with_ca(Some(&missing)).is_err());
    assert!(read_ca_file(dir.path()).unwrap_err().contains("not a file"));
    let text = write(dir.path(), "text.pem", "just some text\n");
    assert!(read_ca_file(&text)
        .unwrap_err()
        .contains("no PEM certificate"));
    let key_only = write(dir.path(), "key.pem", &a.issue(&["localhost"]).key_pem);
    assert!(read_ca_file(&key_only)
        .unwrap_err()
        .contains("no PEM certificate"));
    let broken = write(
        dir.path(),
        "broken.pem",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    );
    assert!(read_ca_file(&broken).is_err());
}

#[test]
fn system_roots_are_read_from_a_file_and_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let certs = dir.path().join("certs");
    std::fs::create_dir(&certs).unwrap();
    let a = TestCa::new("ccgate test CA a");
    let b = TestCa::new("ccgate test CA b");
    let c = TestCa::new("ccgate test CA c");
    let file = write(
        dir.path(),
        "bundle.pem",
        &format!("{}{}", a.cert_pem(), b.cert_pem()),
    );
    write(&certs, "c.pem", &c.cert_pem());

    assert_eq!(roots_from_paths(Some(&file), None).len(), 2);
    assert_eq!(roots_from_paths(None, Some(&certs)).len(), 1);
    let both = roots_from_paths(Some(&file), Some(&certs));
    assert_eq!(both.len(), 3);
    assert_eq!(root_store(&both, &[]).len(), 3);
    assert!(roots_from_paths(Some(&dir.path().join("none.pem")), None).is_empty());

    // The extra CA file adds to the system's roots.
    let extra = read_ca_file(&write(
        dir.path(),
        "extra.pem",
        &TestCa::new("x").cert_pem(),
    ))
    .unwrap();
    assert_eq!(root_store(&both, &extra).len(), 4);
}

async fn get(client: &reqwest::Client, url: &str) -> Result<u16, reqwest::Error> {
    client.get(url).send().await.map(|r| r.status().as_u16())
}

fn client_trusting(ca_files: &[&Path]) -> reqwest::Client {
    let mut roots = Vec::new();
    for f in ca_files {
        roots.extend(roots_from_paths(Some(f), None));
    }
    with_tls(root_store(&roots, &[])).build().unwrap()
}

#[tokio::test]
async fn handshakes_verify_the_name_and_the_issuer() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("ccgate test CA");
    let other = TestCa::new("another CA");
    let ca_file = write(dir.path(), "ca.pem", &ca.cert_pem());
    let other_file = write(dir.path(), "other.pem", &other.cert_pem());

    let fake = sms_fake::Fake::new(sms_fake::Config::default());
    let good = sms_fake::spawn_tls(fake.clone(), &ca.issue(&["localhost"])).await;
    let wrong_name = sms_fake::spawn_tls(fake.clone(), &ca.issue(&["sms.example"])).await;

    let trusting = client_trusting(&[&ca_file]);
    assert!(get(&trusting, &good.url).await.is_ok());
    // The same client through the public builder with the CA as the gateway's CA file.
    let with_file = builder_with_ca(Some(&ca_file)).unwrap().build().unwrap();
    assert!(get(&with_file, &good.url).await.is_ok());

    let e = get(&trusting, &wrong_name.url).await.unwrap_err();
    let tls = tls_error(&e).expect("a TLS error");
    assert!(tls.contains("not valid for name"), "{tls}");

    let untrusting = client_trusting(&[&other_file]);
    let e = get(&untrusting, &good.url).await.unwrap_err();
    let tls = tls_error(&e).expect("a TLS error");
    assert!(tls.contains("UnknownIssuer"), "{tls}");

    // A refused connection is not a TLS error.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("https://localhost:{}/", l.local_addr().unwrap().port())
    };
    let e = get(&trusting, &dead).await.unwrap_err();
    assert!(e.is_connect() && tls_error(&e).is_none(), "{e:?}");
}
