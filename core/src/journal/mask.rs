//! What the journal must not store: secret-looking query parameters are replaced by `***` and
//! phone numbers (any run of 7 or more digits) keep only their first 4 and last 2 digits.

/// Query parameter names containing one of these hold secrets: their values are never stored.
const SECRET_NAMES: [&str; 7] = [
    "key", "token", "password", "passwd", "secret", "sig", "auth",
];

/// The longest path (with its query) the journal stores, in characters; longer ones are cut and
/// end in `…`.
pub const MAX_PATH: usize = 1000;

/// Mask what must not be stored: secret-looking query parameters and phone numbers (any run of 7
/// or more digits keeps its first 4 and last 2 digits); cut at [`MAX_PATH`] characters.
pub fn mask_path(path_and_query: &str) -> String {
    let mut out = mask_whole(path_and_query);
    if out.chars().nth(MAX_PATH).is_some() {
        if let Some((cut, _)) = out.char_indices().nth(MAX_PATH - 1) {
            out.truncate(cut);
            out.push('…');
        }
    }
    out
}

fn mask_whole(path_and_query: &str) -> String {
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_and_query, None),
    };
    let mut out = mask_digits(path);
    if let Some(q) = query {
        out.push('?');
        let parts: Vec<String> = q
            .split('&')
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                let lk = k.to_ascii_lowercase();
                let secret = SECRET_NAMES.iter().any(|s| lk.contains(s));
                if secret && !v.is_empty() {
                    format!("{k}=***")
                } else {
                    format!("{}={}", mask_digits(k), mask_digits(v))
                }
            })
            .collect();
        out.push_str(&parts.join("&"));
    }
    out
}

fn mask_digits(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let run = &s[start..i];
            if run.len() >= 7 {
                out.push_str(&run[..4]);
                out.push_str(&"*".repeat(run.len() - 6));
                out.push_str(&run[run.len() - 2..]);
            } else {
                out.push_str(run);
            }
        } else {
            let ch = s[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking() {
        assert_eq!(
            mask_path("/api/v1/cc/cdr?number=79161234567&limit=10"),
            "/api/v1/cc/cdr?number=7916*****67&limit=10"
        );
        assert_eq!(
            mask_path("/api/v1/x?api_key=ccg_abc&token=t"),
            "/api/v1/x?api_key=***&token=***"
        );
        assert_eq!(mask_path("/api/v1/cc/add/12345"), "/api/v1/cc/add/12345");
        assert_eq!(
            mask_path("/api/v1/sms/send/+79161234567"),
            "/api/v1/sms/send/+7916*****67"
        );
        assert_eq!(mask_path("/путь?q=да"), "/путь?q=да");
    }

    #[test]
    fn long_paths_are_cut() {
        let long = format!("/api/v1/{}", "я".repeat(60_000));
        let stored = mask_path(&long);
        assert_eq!(stored.chars().count(), MAX_PATH);
        assert!(stored.starts_with("/api/v1/яя") && stored.ends_with("я…"));
        let exact = format!("/{}", "a".repeat(MAX_PATH - 1));
        assert_eq!(mask_path(&exact), exact);
    }
}
