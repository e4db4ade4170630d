//! Links from the dashboard's figures to the journal page with the same period and filters.

use crate::api::dashboard::DashData;

/// The journal page for the dashboard's period, plus `extra` filters.
pub fn journal_href(d: &DashData, extra: &[(&str, &str)]) -> String {
    let mut q = format!("/journal?from={}&until={}", d.from_date, d.journal_until);
    for (k, v) in extra {
        if !v.is_empty() {
            q.push('&');
            q.push_str(k);
            q.push('=');
            q.push_str(&encode(v));
        }
    }
    q
}

/// Percent-encode a query value (everything but unreserved ASCII).
fn encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn share(part: i64, total: i64) -> String {
    if total == 0 {
        "0%".into()
    } else {
        format!("{:.1}%", part as f64 * 100.0 / total as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_links_carry_the_period_and_filters() {
        let d = DashData {
            from_date: "2026-11-19".into(),
            until_date: "2026-11-25".into(),
            journal_until: "2026-11-26".into(),
            includes_today: true,
            users_active: 0,
            users_blocked: 0,
            modules_enabled: 0,
            modules_total: 0,
            methods_enabled: 0,
            methods_total: 0,
            totals: Default::default(),
            days: vec![],
            top_users: vec![],
            top_users_bad: vec![],
            top_methods: vec![],
            top_methods_bad: vec![],
            latest: vec![],
        };
        assert_eq!(
            journal_href(&d, &[("outcome", "bad")]),
            "/journal?from=2026-11-19&until=2026-11-26&outcome=bad"
        );
        assert_eq!(
            journal_href(&d, &[("user", "crm a&b"), ("module", ""), ("method", "me")]),
            "/journal?from=2026-11-19&until=2026-11-26&user=crm%20a%26b&method=me"
        );
        assert_eq!(share(1, 3), "33.3%");
        assert_eq!(share(0, 0), "0%");
    }
}
