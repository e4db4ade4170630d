//! FreeSWITCH events and their ESL serialisations (`text/event-plain`, `text/event-json`,
//! `text/event-xml`), framed exactly like mod_event_socket does.

use std::collections::HashSet;

use crate::util::{json_escape, url_encode};

/// An event: ordered headers plus an optional body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

impl Event {
    /// First value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Append a header.
    pub fn add(&mut self, k: &str, v: impl Into<String>) {
        self.headers.push((k.to_string(), v.into()));
    }

    /// The `Event-Name` header.
    pub fn name(&self) -> &str {
        self.header("Event-Name").unwrap_or("")
    }

    /// Serialised plain event (URL-encoded values; body after an inner Content-Length).
    pub fn plain_body(&self) -> String {
        let mut s = String::new();
        for (k, v) in &self.headers {
            s.push_str(k);
            s.push_str(": ");
            s.push_str(&url_encode(v));
            s.push('\n');
        }
        match &self.body {
            Some(b) => {
                s.push_str(&format!("Content-Length: {}\n\n", b.len()));
                s.push_str(b);
            }
            None => s.push('\n'),
        }
        s
    }

    /// Serialised JSON event (raw values; body as `_body`, no trailing newline).
    pub fn json_body(&self) -> String {
        let mut parts: Vec<String> = self
            .headers
            .iter()
            .map(|(k, v)| format!("\"{}\":\"{}\"", json_escape(k), json_escape(v)))
            .collect();
        if let Some(b) = &self.body {
            parts.push(format!("\"Content-Length\":\"{}\"", b.len()));
            parts.push(format!("\"_body\":\"{}\"", json_escape(b)));
        }
        format!("{{{}}}", parts.join(","))
    }

    /// Serialised XML event.
    pub fn xml_body(&self) -> String {
        fn esc(s: &str) -> String {
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
        }
        let mut s = String::from("<event>\n  <headers>\n");
        for (k, v) in &self.headers {
            s.push_str(&format!("    <{k}>{}</{k}>\n", esc(&url_encode(v))));
        }
        s.push_str("  </headers>\n");
        if let Some(b) = &self.body {
            s.push_str(&format!(
                "  <Content-Length>{}</Content-Length>\n  <body>{}</body>\n",
                b.len(),
                esc(b)
            ));
        }
        s.push_str("</event>");
        s
    }

    /// The complete ESL frame for this event in the given format.
    pub fn frame(&self, fmt: Format) -> String {
        let (body, ct) = match fmt {
            Format::Plain => (self.plain_body(), "text/event-plain"),
            Format::Json => (self.json_body(), "text/event-json"),
            Format::Xml => (self.xml_body(), "text/event-xml"),
        };
        format!(
            "Content-Length: {}\nContent-Type: {ct}\n\n{body}",
            body.len()
        )
    }
}

/// ESL event format chosen by `event plain|json|xml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Plain,
    Json,
    Xml,
}

impl Format {
    /// Parse `plain`, `json` or `xml` (case-insensitive).
    pub fn parse(s: &str) -> Option<Format> {
        match s.to_ascii_lowercase().as_str() {
            "plain" => Some(Format::Plain),
            "json" => Some(Format::Json),
            "xml" => Some(Format::Xml),
            _ => None,
        }
    }

    /// The word used in `+OK event listener enabled <word>`.
    pub fn word(self) -> &'static str {
        match self {
            Format::Plain => "plain",
            Format::Json => "json",
            Format::Xml => "xml",
        }
    }
}

/// One ESL connection's event subscription.
#[derive(Clone, Debug, Default)]
pub struct Subscription {
    pub format: Option<Format>,
    pub all: bool,
    pub names: HashSet<String>,
    pub subclasses: HashSet<String>,
}

impl Subscription {
    /// Apply `event <fmt> <words…>`: words are event names, `ALL`, or (after `CUSTOM`) subclasses.
    pub fn subscribe(&mut self, fmt: Format, words: &[&str]) {
        self.format = Some(fmt);
        let mut custom = false;
        for w in words {
            if custom {
                self.subclasses.insert((*w).to_string());
            } else if w.eq_ignore_ascii_case("all") {
                self.all = true;
            } else if *w == "CUSTOM" {
                custom = true;
                self.names.insert("CUSTOM".into());
            } else {
                self.names.insert(w.to_ascii_uppercase());
            }
        }
    }

    /// Remove names (`nixevent`).
    pub fn nix(&mut self, words: &[&str]) {
        for w in words {
            if w.eq_ignore_ascii_case("all") {
                self.all = false;
            }
            self.names.remove(&w.to_ascii_uppercase());
            self.subclasses.remove(*w);
        }
    }

    /// Whether `ev` is delivered to this connection.
    pub fn matches(&self, ev: &Event) -> bool {
        if self.format.is_none() {
            return false;
        }
        if self.all {
            return true;
        }
        let name = ev.name();
        if name == "CUSTOM" {
            let sub = ev.header("Event-Subclass").unwrap_or("");
            return self.subclasses.contains(sub);
        }
        self.names.contains(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAPS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/freeswitch/");

    fn bg_event(uuid: &str, arg: &str, body: &str, ts: &str, seq: &str, date: &str) -> Event {
        let mut e = Event {
            headers: vec![],
            body: Some(body.into()),
        };
        for (k, v) in [
            ("Event-Name", "BACKGROUND_JOB"),
            ("Core-UUID", "9c5c0205-fc82-425f-b565-1694cbabd4e4"),
            ("FreeSWITCH-Hostname", "vm"),
            ("FreeSWITCH-Switchname", "vm"),
            ("FreeSWITCH-IPv4", "127.0.0.1"),
            ("FreeSWITCH-IPv6", "::1"),
            ("Event-Date-Local", &format!("2026-11-25 {date}")),
            ("Event-Date-GMT", &format!("Wed, 25 Nov 2026 {date} GMT")),
            ("Event-Date-Timestamp", ts),
            ("Event-Calling-File", "mod_event_socket.c"),
            ("Event-Calling-Function", "api_exec"),
            ("Event-Calling-Line-Number", "1580"),
            ("Event-Sequence", seq),
            ("Job-UUID", uuid),
            ("Job-Command", "originate"),
            ("Job-Command-Arg", arg),
        ] {
            e.add(k, v);
        }
        e
    }

    #[test]
    fn background_job_frames_match_captures() {
        let Ok(plain) =
            std::fs::read_to_string(format!("{CAPS}esl_bg_plain_04_background_job_event.raw"))
        else {
            return;
        };
        let e = bg_event(
            "fcbffad1-2707-4abd-87e9-f57f010c4657",
            "{origination_uuid=418e5dba-298b-4ac6-9a84-90b6f93f9877}loopback/9999/default &park()",
            "+OK 418e5dba-298b-4ac6-9a84-90b6f93f9877\n",
            "1795607054686808",
            "504",
            "11:44:14",
        );
        assert_eq!(e.frame(Format::Plain), plain);
        let json =
            std::fs::read_to_string(format!("{CAPS}esl_bg_json_04_background_job_event.raw"))
                .unwrap();
        let e = bg_event(
            "cd63b110-97b6-4ec8-a047-8e8b614e2926",
            "{origination_uuid=d3bc3c0e-bb5e-4759-91d7-4f8c756cc789}loopback/9999/default &park()",
            "+OK d3bc3c0e-bb5e-4759-91d7-4f8c756cc789\n",
            "1795607081306799",
            "591",
            "11:44:41",
        );
        assert_eq!(e.frame(Format::Json), json);
    }

    #[test]
    fn subscription_filters() {
        let mut s = Subscription::default();
        let mut e = Event {
            headers: vec![],
            body: None,
        };
        e.add("Event-Name", "HEARTBEAT");
        assert!(!s.matches(&e));
        s.subscribe(
            Format::Plain,
            &["BACKGROUND_JOB", "CUSTOM", "callcenter::info"],
        );
        assert!(!s.matches(&e));
        s.subscribe(Format::Plain, &["HEARTBEAT"]);
        assert!(s.matches(&e));
        let mut c = Event {
            headers: vec![],
            body: None,
        };
        c.add("Event-Name", "CUSTOM");
        c.add("Event-Subclass", "callcenter::info");
        assert!(s.matches(&c));
    }
}
