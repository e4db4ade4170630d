//! The Content-Security-Policy of every page (server only). The shell calls [`set_page_policy`]
//! while it renders, with the nonce leptos_axum draws for the response: the hydration script and
//! the streamed resource scripts carry it, so they run, and no other inline script does (an
//! injected `<script>` or `onclick=` stays dead). The bundle and the ECharts script are files of
//! our own origin (`'self'`); compiling the wasm needs `'wasm-unsafe-eval'`, not `'unsafe-eval'`.
//! Styles may be inline (ECharts and the charts' tooltips set style attributes).

use leptos::prelude::*;

/// The policy for a page whose scripts carry `nonce`.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// Put the page's policy on the response being rendered (the shell runs before the first byte is
/// sent, so its headers are the response's).
pub fn set_page_policy() {
    let Some(nonce) = leptos::nonce::use_nonce() else {
        return;
    };
    let Some(opts) = use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    if let Ok(value) = http::HeaderValue::from_str(&page_policy(&nonce.to_string())) {
        opts.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_nonce_runs_inline() {
        let p = super::page_policy("abc");
        let script = p
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src "))
            .unwrap();
        assert_eq!(script, "script-src 'self' 'nonce-abc' 'wasm-unsafe-eval'");
        assert!(!p.contains(" 'unsafe-eval'"));
        assert!(p.contains("object-src 'none'") && p.contains("base-uri 'none'"));
        assert!(p.ends_with("frame-ancestors 'none'"));
    }
}
