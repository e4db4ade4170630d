//! The little HTTP that mod_xml_rpc speaks, as a pure codec: one `GET` per connection, and a
//! response that FreeSWITCH delimits by closing the connection (its own pages) or, for the abyss
//! error pages such as the 401, by `Content-length`. Chunked bodies are decoded too, so a proxy in
//! front of FreeSWITCH does not break us. No I/O here; the transport in `client.rs` feeds bytes.

/// Largest response we accept (a `show channels` of a busy box is a few MiB).
pub const MAX_RESPONSE: usize = 32 * 1024 * 1024;

/// The request bytes for `path` (already percent-encoded).
pub fn request(path: &str, host_header: &str, authorization: &str) -> Vec<u8> {
    format!(
        "GET {path} HTTP/1.1\r\nHost: {host_header}\r\nAuthorization: {authorization}\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    )
    .into_bytes()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    #[error("not an HTTP response")]
    BadStatusLine,
    #[error("malformed header block")]
    BadHeaders,
    #[error("malformed chunked body")]
    BadChunk,
    #[error("response larger than {MAX_RESPONSE} bytes")]
    TooLarge,
    #[error("connection closed before the response was complete")]
    Truncated,
}

/// What the bytes received so far amount to.
#[derive(Debug, PartialEq, Eq)]
pub enum Progress {
    /// Need more bytes (or the end of the stream).
    More,
    /// A whole response (further bytes, if any, are ignored).
    Done(Response),
}

/// Looks at `buf` (everything read so far); `eof` says the peer closed the connection.
pub fn parse(buf: &[u8], eof: bool) -> Result<Progress, HttpError> {
    if buf.len() > MAX_RESPONSE {
        return Err(HttpError::TooLarge);
    }
    let Some(head_end) = find(buf, b"\r\n\r\n") else {
        return if eof {
            Err(if buf.is_empty() || !buf.starts_with(b"HTTP/") {
                HttpError::BadStatusLine
            } else {
                HttpError::Truncated
            })
        } else if buf.len() >= 5 && !buf.starts_with(b"HTTP/") {
            Err(HttpError::BadStatusLine)
        } else {
            Ok(Progress::More)
        };
    };
    let head = std::str::from_utf8(&buf[..head_end]).map_err(|_| HttpError::BadHeaders)?;
    let mut lines = head.split("\r\n");
    let status = status_of(lines.next().unwrap_or(""))?;
    let mut length: Option<usize> = None;
    let mut chunked = false;
    for line in lines {
        let (name, value) = line.split_once(':').ok_or(HttpError::BadHeaders)?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            let n: usize = value.parse().map_err(|_| HttpError::BadHeaders)?;
            if length.is_some_and(|l| l != n) {
                return Err(HttpError::BadHeaders);
            }
            length = Some(n);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value
                .rsplit(',')
                .next()
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("chunked"));
        }
    }
    let rest = &buf[head_end + 4..];
    if chunked {
        // A complete chunked body ends with an empty line; decode only then (and at the end).
        if !eof && !rest.ends_with(b"\r\n\r\n") {
            return Ok(Progress::More);
        }
        return match dechunk(rest)? {
            Some(body) => Ok(Progress::Done(Response { status, body })),
            None if eof => Err(HttpError::Truncated),
            None => Ok(Progress::More),
        };
    }
    match length {
        Some(n) if rest.len() >= n => Ok(Progress::Done(Response {
            status,
            body: rest[..n].to_vec(),
        })),
        Some(_) if eof => Err(HttpError::Truncated),
        Some(n) if n > MAX_RESPONSE => Err(HttpError::TooLarge),
        Some(_) => Ok(Progress::More),
        // FreeSWITCH's own answers: the body ends where the connection does.
        None if eof => Ok(Progress::Done(Response {
            status,
            body: rest.to_vec(),
        })),
        None => Ok(Progress::More),
    }
}

fn status_of(line: &str) -> Result<u16, HttpError> {
    let mut parts = line.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    if !version.starts_with("HTTP/1.") {
        return Err(HttpError::BadStatusLine);
    }
    let code = parts.next().unwrap_or("");
    if code.len() != 3 {
        return Err(HttpError::BadStatusLine);
    }
    code.parse().map_err(|_| HttpError::BadStatusLine)
}

/// The body of a complete chunked message, `None` while incomplete.
fn dechunk(mut rest: &[u8]) -> Result<Option<Vec<u8>>, HttpError> {
    let mut body = Vec::new();
    loop {
        let Some(eol) = find(rest, b"\r\n") else {
            return Ok(None);
        };
        let size_text = std::str::from_utf8(&rest[..eol]).map_err(|_| HttpError::BadChunk)?;
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| HttpError::BadChunk)?;
        if size > MAX_RESPONSE {
            return Err(HttpError::TooLarge);
        }
        rest = &rest[eol + 2..];
        if size == 0 {
            // Trailers (ignored) end with an empty line.
            return Ok(find(rest, b"\r\n").map(|_| body));
        }
        if rest.len() < size + 2 {
            return Ok(None);
        }
        if &rest[size..size + 2] != b"\r\n" {
            return Err(HttpError::BadChunk);
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capture(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../testdata/freeswitch")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn done(buf: &[u8], eof: bool) -> Response {
        match parse(buf, eof).unwrap() {
            Progress::Done(r) => r,
            Progress::More => panic!("incomplete"),
        }
    }

    #[test]
    fn freeswitch_answers_end_with_the_connection() {
        let raw = capture("http_04_txtapi_cc_queue_list.raw");
        let head_end = find(&raw, b"\r\n\r\n").unwrap();
        // Every prefix is "more" until the stream ends.
        for cut in [0, 10, head_end, head_end + 4, raw.len()] {
            assert_eq!(
                parse(&raw[..cut], false).unwrap(),
                Progress::More,
                "cut {cut}"
            );
        }
        let r = done(&raw, true);
        assert_eq!(r.status, 200);
        assert_eq!(r.body, &raw[head_end + 4..]);
        assert!(r.body.starts_with(b"name|strategy|"));
    }

    #[test]
    fn the_abyss_401_page_has_a_length() {
        let raw = capture("http_09_txtapi_status_wrong_pass.raw");
        let r = done(&raw, false);
        assert_eq!(r.status, 401);
        assert_eq!(r.body.len(), 228);
        assert!(r.body.starts_with(b"<HTML>"));
        // Cut short: truncated at the end of the stream.
        assert_eq!(
            parse(&raw[..raw.len() - 1], true),
            Err(HttpError::Truncated)
        );
    }

    #[test]
    fn every_capture_parses() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/freeswitch");
        let mut n = 0;
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if name.starts_with("http_") && name.ends_with(".raw") {
                let raw = std::fs::read(&p).unwrap();
                let r = done(&raw, true);
                assert!(matches!(r.status, 200 | 401 | 404), "{name}: {}", r.status);
                n += 1;
            }
        }
        assert!(n >= 19, "only {n} captures");
    }

    #[test]
    fn chunked_bodies_are_decoded() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n+OK \r\n3;x=1\r\nabc\r\n0\r\n\r\n";
        assert_eq!(done(raw, false).body, b"+OK abc");
        assert_eq!(parse(&raw[..raw.len() - 2], false).unwrap(), Progress::More);
        assert_eq!(
            parse(&raw[..raw.len() - 2], true),
            Err(HttpError::Truncated)
        );
        let bad = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
        assert_eq!(parse(bad, true), Err(HttpError::BadChunk));
        let bad = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcd\r\n\r\n";
        assert_eq!(parse(bad, false), Err(HttpError::BadChunk));
    }

    #[test]
    fn garbage_is_refused_early() {
        assert_eq!(
            parse(b"SSH-2.0-OpenSSH", false),
            Err(HttpError::BadStatusLine)
        );
        assert_eq!(parse(b"", true), Err(HttpError::BadStatusLine));
        assert_eq!(
            parse(b"HTTP/1.1 2000 OK\r\n\r\n", true),
            Err(HttpError::BadStatusLine)
        );
        assert_eq!(
            parse(b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n", true),
            Err(HttpError::BadHeaders)
        );
        assert_eq!(
            parse(
                b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
                true
            ),
            Err(HttpError::BadHeaders)
        );
        assert_eq!(
            parse(
                b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n",
                false
            ),
            Err(HttpError::TooLarge)
        );
        assert_eq!(parse(b"HTTP/1.1 200", true), Err(HttpError::Truncated));
    }

    #[test]
    fn the_request_is_what_freeswitch_expects() {
        let r = request(
            "/txtapi/status",
            "127.0.0.1:8080",
            "Basic ZnJlZXN3aXRjaDp3b3Jrcw==",
        );
        let text = String::from_utf8(r).unwrap();
        assert!(text.starts_with("GET /txtapi/status HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"));
        assert!(text.contains("\r\nAuthorization: Basic ZnJlZXN3aXRjaDp3b3Jrcw==\r\n"));
        assert!(text.ends_with("\r\n\r\n"));
    }
}
