//! Static files and caching (`server::assets`): content-hashed bundle files immutable, other files
//! revalidated (304), precompressed copies served to browsers that accept them, ranges, pages
//! `private, no-cache`, server functions `no-store`; and the pages' script CSP with a fresh nonce
//! that the page's own scripts carry. The files live in a site root made by the test, as the
//! release build lays it out.

use std::path::Path;

use crate::helpers::{spawn_again, spawn_app, Backend, TestApp};
use reqwest::StatusCode;

const HASHED: &str = "/pkg/ccgate.Q1w2E3r4T5y6U7i8O9p0aZ.wasm";
const WASM: &[u8] =
    b"\0asm\x01\0\0\0 pretend this is the bundle, long enough to be worth compressing";

/// A site root as `cargo leptos build --release --precompress` leaves it: a hashed wasm file with
/// its brotli and gzip copies, and a public file with plain name.
fn site_root(dir: &Path) {
    std::fs::create_dir_all(dir.join("pkg")).unwrap();
    let wasm = dir.join(HASHED.trim_start_matches('/'));
    std::fs::write(&wasm, WASM).unwrap();
    // The copies' bytes differ from the original, so the test sees which one was sent.
    std::fs::write(format!("{}.br", wasm.display()), b"brotli bytes").unwrap();
    std::fs::write(format!("{}.gz", wasm.display()), b"gzip bytes").unwrap();
    std::fs::write(
        dir.join("favicon.svg"),
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    )
    .unwrap();
}

async fn app_with_site() -> TestApp {
    let first = spawn_app(Backend::Sqlite).await.unwrap();
    first.stop().await;
    let root = first.dir.path().join("site");
    site_root(&root);
    spawn_again(&first, &[("CCGATE_SITE_ROOT", root.display().to_string())]).await
}

fn header<'a>(r: &'a reqwest::Response, name: &str) -> &'a str {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hashed_bundle_files_are_immutable_and_precompressed() {
    let app = app_with_site().await;
    let c = reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .build()
        .unwrap();
    // A browser that takes brotli gets the brotli copy, as the wasm type, cached for a year.
    let r = c
        .get(app.url(HASHED))
        .header("Accept-Encoding", "gzip, deflate, br")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        header(&r, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(header(&r, "content-encoding"), "br");
    assert_eq!(header(&r, "content-type"), "application/wasm");
    assert!(header(&r, "vary")
        .to_ascii_lowercase()
        .contains("accept-encoding"));
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"brotli bytes");
    // gzip only: the gzip copy; nothing accepted: the file itself.
    let r = c
        .get(app.url(HASHED))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&r, "content-encoding"), "gzip");
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"gzip bytes");
    let r = c.get(app.url(HASHED)).send().await.unwrap();
    assert_eq!(header(&r, "content-encoding"), "");
    assert_eq!(r.bytes().await.unwrap().as_ref(), WASM);
    // Ranges are answered.
    let r = c
        .get(app.url(HASHED))
        .header("Range", "bytes=0-3")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"\0asm");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_files_are_revalidated_and_missing_ones_are_the_404_page() {
    let app = app_with_site().await;
    let r = app
        .client
        .get(app.url("/favicon.svg"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "cache-control"), "no-cache");
    let modified = header(&r, "last-modified").to_string();
    assert!(!modified.is_empty());
    // Unchanged since: 304, no body.
    let r = app
        .client
        .get(app.url("/favicon.svg"))
        .header("If-Modified-Since", &modified)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    // A name with the shape of a hash but no file, and any other missing path: the 404 page.
    for path in [
        "/pkg/ccgate.AAAAAAAAAAAAAAAAAAAAAA.wasm",
        "/no-such-file.js",
    ] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(
            header(&r, "content-type").starts_with("text/html"),
            "{path}"
        );
        assert_ne!(
            header(&r, "cache-control"),
            "public, max-age=31536000, immutable"
        );
    }
    // Cookies and session data never reach the file service: a file is the same for everyone.
    let r = app
        .client
        .post(app.url("/favicon.svg"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    app.stop().await;
}

both_backends!(
    pages_carry_a_script_policy_with_a_fresh_nonce,
    panel_answers_are_not_stored
);

/// The `nonce-…` of a page's script-src.
fn nonce_of(csp: &str) -> String {
    let script = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src "))
        .unwrap_or_else(|| panic!("no script-src in {csp}"));
    let n = script
        .split_whitespace()
        .find_map(|t| t.strip_prefix("'nonce-"))
        .unwrap_or_else(|| panic!("no nonce in {script}"));
    n.trim_end_matches('\'').to_string()
}

async fn pages_carry_a_script_policy_with_a_fresh_nonce(app: &TestApp) {
    let mut seen = Vec::new();
    for path in ["/login", "/login", "/docs", "/no-such-page"] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        let csp = header(&r, "content-security-policy").to_string();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("object-src 'none'"), "{path}: {csp}");
        let script_src = csp
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src "))
            .unwrap()
            .to_string();
        assert!(!script_src.contains("unsafe-inline"), "{path}: {csp}");
        assert!(!script_src.contains("'unsafe-eval'"), "{path}: {csp}");
        assert_eq!(header(&r, "cache-control"), "private, no-cache", "{path}");
        let nonce = nonce_of(&csp);
        assert!(nonce.len() >= 16, "{nonce}");
        let html = r.text().await.unwrap();
        // Every inline script of the page carries the nonce (else it would not run), and there is
        // at least the hydration script.
        let mut scripts = 0;
        for (i, _) in html.match_indices("<script") {
            let tag = &html[i..i + html[i..].find('>').unwrap()];
            if tag.contains(" src=") {
                continue;
            }
            scripts += 1;
            assert!(tag.contains(&format!("nonce=\"{nonce}\"")), "{path}: {tag}");
        }
        assert!(scripts >= 1, "{path}: no inline script in {html}");
        seen.push(nonce);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 4, "a nonce was used twice: {seen:?}");
}

async fn panel_answers_are_not_stored(app: &TestApp) {
    let r = app.login().await;
    assert_eq!(header(&r, "cache-control"), "no-store");
    let r = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "cache-control"), "private, no-cache");
}

/// Pages rendered at once by several servers, each on its own runtime (as tests and several
/// listeners run): every page is answered whole. leptos_meta writes the title and `<html lang>`
/// after the app has rendered, outside the request's reactive arena; reading a signal there
/// panicked now and then, and the client got a cut-off answer.
#[test]
fn pages_rendered_at_once_on_several_runtimes_are_whole() {
    let threads: Vec<_> = (0..12)
        .map(|_| {
            std::thread::spawn(|| {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    let app = spawn_app(Backend::Sqlite).await.unwrap();
                    let mut tasks = Vec::new();
                    for _ in 0..3 {
                        let c = reqwest::Client::new();
                        let urls = [
                            app.url("/login"),
                            app.url("/docs"),
                            app.url("/no-such-page"),
                        ];
                        tasks.push(tokio::spawn(async move {
                            let mut failed = Vec::new();
                            for i in 0..6 {
                                let url = &urls[i % 3];
                                match c.get(url).send().await {
                                    Ok(r) => match r.text().await {
                                        Ok(t)
                                            if t.contains("</html>")
                                                && t.trim_end().ends_with('>') => {}
                                        Ok(t) => failed.push(format!(
                                            "{url}: cut off: {}",
                                            &t[t.len().saturating_sub(120)..]
                                        )),
                                        Err(e) => failed.push(format!("{url}: {e}")),
                                    },
                                    Err(e) => failed.push(format!("{url}: {e}")),
                                }
                            }
                            failed
                        }));
                    }
                    let mut failed = Vec::new();
                    for t in tasks {
                        failed.extend(t.await.unwrap());
                    }
                    app.stop().await;
                    failed
                })
            })
        })
        .collect();
    let failed: Vec<String> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    assert!(
        failed.is_empty(),
        "{} pages failed: {:?}",
        failed.len(),
        &failed[..failed.len().min(5)]
    );
}
