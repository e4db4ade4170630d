//! Event Socket framing: `Name: value` header lines, a blank line, then exactly `Content-Length`
//! body bytes if that header is present. [`FrameParser`] is incremental: feed it bytes as they
//! arrive, take complete frames out.

use std::collections::BTreeMap;

/// Bodies larger than this are refused (a frame this big is a protocol error, not data).
pub const MAX_BODY: usize = 16 * 1024 * 1024;
/// Header blocks larger than this are refused.
pub const MAX_HEADERS: usize = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Header names as sent, in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Frame {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn content_type(&self) -> &str {
        self.header("Content-Type").unwrap_or("")
    }
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("header block over {MAX_HEADERS} bytes")]
    HeadersTooLarge,
    #[error("bad Content-Length {0:?}")]
    BadLength(String),
    #[error("body over {MAX_BODY} bytes")]
    BodyTooLarge,
    #[error("header line without a colon: {0:?}")]
    BadHeader(String),
}

#[derive(Default)]
pub struct FrameParser {
    buf: Vec<u8>,
}

impl FrameParser {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn feed(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete frame, `Ok(None)` if more bytes are needed.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, FrameError> {
        // Skip blank lines between frames.
        let lead = self
            .buf
            .iter()
            .take_while(|&&b| b == b'\n' || b == b'\r')
            .count();
        if lead > 0 {
            self.buf.drain(..lead);
        }
        let Some(end) = find_blank_line(&self.buf) else {
            if self.buf.len() > MAX_HEADERS {
                return Err(FrameError::HeadersTooLarge);
            }
            return Ok(None);
        };
        let head = String::from_utf8_lossy(&self.buf[..end.0]).into_owned();
        let mut headers = Vec::new();
        for line in head.split('\n') {
            let line = line.trim_end_matches('\r');
            if line.is_empty() {
                continue;
            }
            let (k, v) = line
                .split_once(':')
                .ok_or_else(|| FrameError::BadHeader(line.chars().take(80).collect()))?;
            headers.push((k.trim().to_string(), v.trim_start().to_string()));
        }
        let len = match headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("Content-Length"))
        {
            Some((_, v)) => v
                .trim()
                .parse::<usize>()
                .map_err(|_| FrameError::BadLength(v.clone()))?,
            None => 0,
        };
        if len > MAX_BODY {
            return Err(FrameError::BodyTooLarge);
        }
        let body_start = end.1;
        if self.buf.len() < body_start + len {
            return Ok(None);
        }
        let body = self.buf[body_start..body_start + len].to_vec();
        self.buf.drain(..body_start + len);
        Ok(Some(Frame { headers, body }))
    }
}

/// (end of headers, start of body) of the first `\n\n` (or `\n\r\n`).
fn find_blank_line(b: &[u8]) -> Option<(usize, usize)> {
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\n' {
            if b.get(i + 1) == Some(&b'\n') {
                return Some((i, i + 2));
            }
            if b.get(i + 1) == Some(&b'\r') && b.get(i + 2) == Some(&b'\n') {
                return Some((i, i + 3));
            }
        }
        i += 1;
    }
    None
}

/// A plain-text event body (`text/event-plain`): `Name: url-encoded value` lines, then an optional
/// blank line and `_body`. Header values are percent-decoded, as libesl does.
pub fn parse_plain_event(body: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let (head, rest) = match body.find("\n\n") {
        Some(i) => (&body[..i], Some(&body[i + 2..])),
        None => (body, None),
    };
    for line in head.lines() {
        if let Some((k, v)) = line.split_once(':') {
            out.insert(
                k.trim().to_string(),
                super::encode::percent_decode(v.trim_start()),
            );
        }
    }
    if let Some(r) = rest.filter(|r| !r.is_empty()) {
        out.insert("_body".into(), r.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn capture(name: &str) -> Vec<u8> {
        let p = format!(
            "{}/../testdata/freeswitch/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
    }

    fn frames(bytes: &[u8]) -> Vec<Frame> {
        let mut p = FrameParser::new();
        p.feed(bytes);
        let mut out = Vec::new();
        while let Some(f) = p.next_frame().unwrap() {
            out.push(f);
        }
        out
    }

    #[test]
    fn greeting_and_auth() {
        let f = frames(&capture("esl_01_greeting.raw"));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].content_type(), "auth/request");
        let f = frames(&capture("esl_02_auth_ok_reply.raw"));
        assert_eq!(f[0].content_type(), "command/reply");
        assert_eq!(f[0].header("Reply-Text"), Some("+OK accepted"));
        let f = frames(&capture("esl_03_auth_bad_full_stream.raw"));
        assert_eq!(f[0].header("Reply-Text"), Some("-ERR invalid"));
        assert_eq!(f.last().unwrap().content_type(), "text/disconnect-notice");
    }

    #[test]
    fn api_response_bodies() {
        let f = frames(&capture("esl_04_api_version.raw"));
        assert_eq!(f[0].content_type(), "api/response");
        assert!(f[0].body_text().starts_with("FreeSWITCH Version 1.11.2"));
        let f = frames(&capture("esl_cc_37_agent_get_status_1000.raw"));
        assert_eq!(f[0].body_text(), "Available");
    }

    #[test]
    fn byte_by_byte_feeding_gives_the_same_frames() {
        for name in [
            "esl_bg_plain_03_event_stream_after_bgapi.raw",
            "esl_bg_json_03_event_stream_after_bgapi.raw",
            "esl_13_exit_full_stream.raw",
        ] {
            let bytes = capture(name);
            let whole = frames(&bytes);
            let mut p = FrameParser::new();
            let mut one = Vec::new();
            for b in &bytes {
                p.feed(std::slice::from_ref(b));
                while let Some(f) = p.next_frame().unwrap() {
                    one.push(f);
                }
            }
            assert_eq!(whole, one, "{name}");
            assert!(whole.len() > 1, "{name}");
        }
    }

    #[test]
    fn events_decode_headers() {
        let f = frames(&capture("esl_bg_plain_04_background_job_event.raw"));
        assert_eq!(f[0].content_type(), "text/event-plain");
        let ev = parse_plain_event(&f[0].body_text());
        assert_eq!(ev["Event-Name"], "BACKGROUND_JOB");
        assert!(ev.contains_key("Job-UUID"));
        assert!(
            ev["Event-Date-Local"].contains(' '),
            "percent-decoded: {}",
            ev["Event-Date-Local"]
        );
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        let mut p = FrameParser::new();
        p.feed(b"Content-Length: nope\n\n");
        assert!(matches!(p.next_frame(), Err(FrameError::BadLength(_))));
        let mut p = FrameParser::new();
        p.feed(b"no colon here\n\n");
        assert!(matches!(p.next_frame(), Err(FrameError::BadHeader(_))));
        let mut p = FrameParser::new();
        p.feed(format!("Content-Length: {}\n\n", MAX_BODY + 1).as_bytes());
        assert_eq!(p.next_frame(), Err(FrameError::BodyTooLarge));
        let mut p = FrameParser::new();
        p.feed(b"Content-Type: api/response\nContent-Length: 10\n\nshort");
        assert_eq!(p.next_frame(), Ok(None));
    }
}
