//! Outbound call model: `originate` / `bgapi originate`, channel events, CDR files and recordings.
//!
//! The destination number decides the outcome (see README.md):
//! - `error/<CAUSE>` endpoint: fails with that cause at once;
//! - digits starting with `486`: `USER_BUSY` after 0.5 s;
//! - digits starting with `480` or `408`: `NO_ANSWER` after the originate timeout
//!   (`originate_timeout`/`leg_timeout` variable or the timeout argument; 5 s when none);
//! - any other all-digit number: answered after 0.1 s, talks `sim_talk_seconds` (default 3) seconds,
//!   records a 440 Hz tone and hangs up with `NORMAL_CLEARING`;
//! - anything else: `NO_ROUTE_DESTINATION` at once.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::event::Event;
use crate::sim::{Channel, Sim};
use crate::util::{json_escape, local_stamp, new_uuid, now_micros, url_encode};

/// Usage printed by `originate` without enough arguments.
pub const ORIGINATE_USAGE: &str = "-USAGE: <call url> <exten>|&<application_name>(<app_args>) [<dialplan>] [<context>] [<cid_name>] [<cid_num>] [<timeout_sec>]\n";

/// What happens to an originated call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Answered; talks for the given seconds.
    Answer { talk_secs: u64 },
    /// Fails with a hangup cause after a delay.
    Fail { cause: String, after_ms: u64 },
}

/// Q.850 code of a hangup cause.
pub fn q850(cause: &str) -> u32 {
    match cause {
        "UNALLOCATED_NUMBER" => 1,
        "NO_ROUTE_DESTINATION" => 3,
        "NORMAL_CLEARING" => 16,
        "USER_BUSY" => 17,
        "NO_USER_RESPONSE" => 18,
        "NO_ANSWER" => 19,
        "CALL_REJECTED" => 21,
        "NORMAL_TEMPORARY_FAILURE" => 41,
        "RECOVERY_ON_TIMER_EXPIRE" => 102,
        "ORIGINATOR_CANCEL" => 487,
        _ => 0,
    }
}

/// A parsed originate request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Request {
    pub vars: Vec<(String, String)>,
    pub endpoint: String,
    /// Destination number (`loopback/<dest>/…`, `user/<dest>@…`, `sofia/<profile>/<dest>@…`).
    pub dest: String,
    pub context: String,
    pub dial: String,
    pub app: String,
    pub app_arg: String,
    pub cid_name: Option<String>,
    pub cid_num: Option<String>,
    pub timeout: Option<u64>,
}

impl Request {
    /// Variable from the `{…}` block.
    pub fn var(&self, k: &str) -> Option<&str> {
        self.vars
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }

    /// Parse `originate` arguments; `None` when too few.
    pub fn parse(args: &str) -> Option<Request> {
        let args = args.trim();
        let (dial, rest) = if args.starts_with('{') {
            let close = args.find('}')?;
            let end = args[close..]
                .find(char::is_whitespace)
                .map(|i| close + i)
                .unwrap_or(args.len());
            (&args[..end], args[end..].trim())
        } else {
            match args.split_once(char::is_whitespace) {
                Some((d, r)) => (d, r.trim()),
                None => (args, ""),
            }
        };
        let rest: Vec<&str> = rest.split_whitespace().collect();
        if dial.is_empty() || rest.is_empty() {
            return None;
        }
        let mut r = Request {
            dial: dial.to_string(),
            ..Default::default()
        };
        let mut target = dial;
        if let Some(body) = dial.strip_prefix('{') {
            let close = body.find('}')?;
            for kv in body[..close].split(',') {
                if let Some((k, v)) = kv.split_once('=') {
                    // FreeSWITCH strips the single quotes around a value with spaces.
                    let v = v.trim();
                    let v = v
                        .strip_prefix('\'')
                        .and_then(|x| x.strip_suffix('\''))
                        .unwrap_or(v);
                    r.vars.push((k.trim().to_string(), v.to_string()));
                }
            }
            target = &body[close + 1..];
        }
        let parts: Vec<&str> = target.split('/').collect();
        r.endpoint = parts[0].to_string();
        r.context = "default".into();
        match r.endpoint.as_str() {
            "loopback" => {
                r.dest = parts.get(1).unwrap_or(&"").to_string();
                if let Some(c) = parts.get(2) {
                    r.context = c.to_string();
                }
            }
            // sofia/<profile>/<dest>@host or sofia/gateway/<gateway>/<dest>
            "sofia" if parts.get(1) == Some(&"gateway") => {
                r.dest = parts.get(3).unwrap_or(&"").to_string()
            }
            "sofia" => r.dest = parts.get(2).unwrap_or(&"").to_string(),
            _ => r.dest = parts.get(1).unwrap_or(&"").to_string(),
        }
        if let Some((d, _)) = r.dest.clone().split_once('@') {
            r.dest = d.to_string();
        }
        let app = rest[0];
        if let Some(a) = app.strip_prefix('&') {
            match a.split_once('(') {
                Some((n, arg)) => {
                    r.app = n.to_string();
                    r.app_arg = arg.trim_end_matches(')').to_string();
                }
                None => r.app = a.to_string(),
            }
        } else {
            r.app = "transfer".into();
            r.app_arg = app.to_string();
        }
        r.cid_name = rest.get(3).map(|s| s.to_string());
        r.cid_num = rest.get(4).map(|s| s.to_string());
        r.timeout = rest.get(5).and_then(|s| s.parse().ok());
        Some(r)
    }

    /// Decide the outcome from the destination (rules in the module docs).
    pub fn outcome(&self) -> Outcome {
        if self.endpoint == "error" {
            let cause = if self.dest.is_empty() {
                "NORMAL_TEMPORARY_FAILURE".to_string()
            } else {
                self.dest.to_ascii_uppercase()
            };
            return Outcome::Fail { cause, after_ms: 0 };
        }
        let digits = self.dest.strip_prefix('+').unwrap_or(&self.dest);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Outcome::Fail {
                cause: "NO_ROUTE_DESTINATION".into(),
                after_ms: 0,
            };
        }
        if digits.starts_with("486") {
            return Outcome::Fail {
                cause: "USER_BUSY".into(),
                after_ms: 500,
            };
        }
        if digits.starts_with("480") || digits.starts_with("408") {
            let secs = self
                .var("originate_timeout")
                .or(self.var("leg_timeout"))
                .and_then(|v| v.parse().ok())
                .or(self.timeout)
                .unwrap_or(5);
            return Outcome::Fail {
                cause: "NO_ANSWER".into(),
                after_ms: secs * 1000,
            };
        }
        let talk_secs = self
            .var("sim_talk_seconds")
            .and_then(|v| v.parse().ok())
            .unwrap_or(3);
        Outcome::Answer { talk_secs }
    }
}

/// One call leg and what is reported about it at hangup.
#[derive(Clone, Debug)]
struct Leg {
    uuid: String,
    name: String,
    outbound: bool,
    loopback: bool,
    dest: String,
    context: String,
    cid_name: String,
    cid_num: String,
    callee_name: String,
    callee_num: String,
    session_id: u64,
    created_us: u64,
    answered_us: u64,
    hangup_us: u64,
    cause: String,
    extra: Vec<(String, String)>,
    apps: Vec<(String, String)>,
    record: Option<(String, u64)>,
    /// The callcenter agent leg: FreeSWITCH writes its XML/JSON CDR without the `a_` prefix.
    agent_side: bool,
}

impl Leg {
    fn caller_id(&self) -> String {
        if self.cid_name.is_empty() {
            self.cid_num.clone()
        } else {
            format!("\"{}\" <{}>", self.cid_name, self.cid_num)
        }
    }

    fn direction(&self) -> &'static str {
        if self.outbound {
            "outbound"
        } else {
            "inbound"
        }
    }

    /// Channel variables at hangup, in FreeSWITCH's order.
    fn variables(&self) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = Vec::new();
        let mut p = |k: &str, val: String| v.push((k.to_string(), val));
        p("direction", self.direction().into());
        if self.outbound {
            p("is_outbound", "true".into());
        }
        p("uuid", self.uuid.clone());
        p("session_id", self.session_id.to_string());
        p("channel_name", self.name.clone());
        p("read_codec", "L16".into());
        p("read_rate", "8000".into());
        p("write_codec", "L16".into());
        p("write_rate", "8000".into());
        for (k, val) in &self.extra {
            p(k, val.clone());
        }
        p("call_uuid", self.uuid.clone());
        let answered = self.answered_us > 0;
        if answered {
            p("endpoint_disposition", "ANSWER".into());
            if self.outbound && self.loopback {
                p("pre_transfer_caller_id_number", "0000000000".into());
                p("channel_cid_flipped", "yes".into());
            }
        }
        if let Some((_, samples)) = &self.record {
            p("RECORD_STEREO", "false".into());
            p("record_file_size", (44 + samples * 2).to_string());
            p("record_samples", samples.to_string());
            p("record_seconds", (samples / 8000).to_string());
            p("record_ms", (samples / 8).to_string());
            p("record_completion_cause", "success-silence".into());
        }
        if answered && self.hangup_us > 0 && self.apps.iter().any(|(a, _)| a == "playback") {
            let samples = self.hangup_us.saturating_sub(self.answered_us) / 1000 * 8;
            p("playback_last_offset_pos", samples.to_string());
            p("playback_seconds", (samples / 8000).to_string());
            p("playback_ms", (samples / 8).to_string());
            p("playback_samples", samples.to_string());
        }
        if let Some((app, _)) = self.apps.last() {
            p("current_application", app.clone());
        }
        p("hangup_cause", self.cause.clone());
        p("hangup_cause_q850", q850(&self.cause).to_string());
        p("digits_dialed", "none".into());
        let stamp = |us: u64| local_stamp(us / 1_000_000);
        p("start_stamp", stamp(self.created_us));
        p("profile_start_stamp", stamp(self.created_us));
        if answered {
            p("answer_stamp", stamp(self.answered_us));
        }
        p("end_stamp", stamp(self.hangup_us));
        let mut ep = |name: &str, us: u64| {
            p(&format!("{name}_epoch"), (us / 1_000_000).to_string());
            p(&format!("{name}_uepoch"), us.to_string());
        };
        ep("start", self.created_us);
        ep("profile_start", self.created_us);
        ep("answer", self.answered_us);
        ep("bridge", 0);
        ep("last_hold", 0);
        p("hold_accum_seconds", "0".into());
        p("hold_accum_usec", "0".into());
        p("hold_accum_ms", "0".into());
        let mut ep = |name: &str, us: u64| {
            p(&format!("{name}_epoch"), (us / 1_000_000).to_string());
            p(&format!("{name}_uepoch"), us.to_string());
        };
        ep("resurrect", 0);
        ep("progress", 0);
        ep("progress_media", 0);
        ep("end", self.hangup_us);
        if let Some((app, _)) = self.apps.last() {
            p("last_app", app.clone());
        }
        p("caller_id", self.caller_id());
        let dur = self.hangup_us.saturating_sub(self.created_us);
        let bill = if answered {
            self.hangup_us.saturating_sub(self.answered_us)
        } else {
            0
        };
        let wait = if answered {
            self.answered_us.saturating_sub(self.created_us)
        } else {
            0
        };
        for (unit, div) in [("sec", 1_000_000u64), ("msec", 1000), ("usec", 1)] {
            let (d, b, w) = (dur / div, bill / div, wait / div);
            let (dn, bn) = match unit {
                "sec" => ("duration", "billsec"),
                "msec" => ("mduration", "billmsec"),
                _ => ("uduration", "billusec"),
            };
            p(dn, d.to_string());
            p(bn, b.to_string());
            let s = if unit == "msec" { "msec" } else { unit };
            p(&format!("progress{s}"), "0".into());
            p(&format!("answer{s}"), w.to_string());
            p(&format!("wait{s}"), w.to_string());
            p(&format!("progress_media{s}"), "0".into());
            p(&format!("flow_bill{s}"), b.to_string());
        }
        if self.loopback {
            p("is_loopback", "1".into());
        }
        v
    }

    /// The application a live channel is executing (the playback, not the final hangup).
    fn running_app(&self) -> (String, String) {
        self.apps
            .iter()
            .rev()
            .find(|(a, _)| a != "hangup")
            .cloned()
            .unwrap_or_default()
    }

    fn channel(&self, state: &str, callstate: &str) -> Channel {
        Channel {
            uuid: self.uuid.clone(),
            direction: self.direction().into(),
            created_epoch: self.created_us / 1_000_000,
            name: self.name.clone(),
            state: state.into(),
            cid_name: self.cid_name.clone(),
            cid_num: self.cid_num.clone(),
            dest: self.dest.clone(),
            application: self.running_app().0,
            application_data: self.running_app().1,
            context: self.context.clone(),
            callstate: callstate.into(),
        }
    }

    /// A channel event (`CHANNEL_CREATE`, `CHANNEL_ANSWER`, `CHANNEL_HANGUP_COMPLETE`, …).
    fn event(&self, sim: &Sim, name: &str) -> Event {
        let (state, call_state, num, answer_state, file, func, line) = match name {
            "CHANNEL_CREATE" => (
                "CS_INIT",
                "DOWN",
                2,
                "ringing",
                "switch_core_state_machine.c",
                "switch_core_session_run",
                627,
            ),
            "CHANNEL_ANSWER" => (
                "CS_EXECUTE",
                "ACTIVE",
                4,
                "answered",
                "switch_channel.c",
                "switch_channel_perform_mark_answered",
                3956,
            ),
            "CHANNEL_HANGUP" => (
                "CS_EXECUTE",
                "HANGUP",
                4,
                "hangup",
                "switch_channel.c",
                "switch_channel_perform_hangup",
                3376,
            ),
            _ => (
                "CS_REPORTING",
                "HANGUP",
                11,
                "hangup",
                "switch_core_state_machine.c",
                "switch_core_session_reporting_state",
                943,
            ),
        };
        let mut e = sim.new_event(name, file, func, line);
        let hung = name.starts_with("CHANNEL_HANGUP");
        if hung {
            e.add("Hangup-Cause", self.cause.clone());
        }
        e.add("Channel-State", state);
        e.add("Channel-Call-State", call_state);
        e.add("Channel-State-Number", num.to_string());
        e.add("Channel-Name", self.name.clone());
        e.add("Unique-ID", self.uuid.clone());
        e.add("Call-Direction", self.direction());
        e.add("Presence-Call-Direction", self.direction());
        e.add(
            "Channel-HIT-Dialplan",
            if self.outbound && self.cause == "NO_ROUTE_DESTINATION" {
                "false"
            } else {
                "true"
            },
        );
        e.add("Channel-Call-UUID", self.uuid.clone());
        e.add("Answer-State", answer_state);
        if hung {
            e.add("Hangup-Cause", self.cause.clone());
        }
        for d in ["Read", "Write"] {
            e.add(&format!("Channel-{d}-Codec-Name"), "L16");
            e.add(&format!("Channel-{d}-Codec-Rate"), "8000");
            e.add(&format!("Channel-{d}-Codec-Bit-Rate"), "128000");
        }
        e.add("Caller-Direction", self.direction());
        e.add("Caller-Logical-Direction", self.direction());
        e.add("Caller-Dialplan", "xml");
        if !self.cid_name.is_empty() {
            e.add("Caller-Caller-ID-Name", self.cid_name.clone());
        }
        e.add("Caller-Caller-ID-Number", self.cid_num.clone());
        e.add("Caller-Orig-Caller-ID-Number", "0000000000");
        if !self.callee_name.is_empty() {
            e.add("Caller-Callee-ID-Name", self.callee_name.clone());
        }
        if !self.callee_num.is_empty() {
            e.add("Caller-Callee-ID-Number", self.callee_num.clone());
        }
        e.add("Caller-ANI", "0000000000");
        e.add("Caller-Destination-Number", self.dest.clone());
        e.add("Caller-Unique-ID", self.uuid.clone());
        e.add(
            "Caller-Source",
            if self.loopback {
                "mod_loopback"
            } else {
                "mod_sofia"
            },
        );
        e.add("Caller-Context", self.context.clone());
        e.add("Caller-Channel-Name", self.name.clone());
        e.add("Caller-Profile-Index", "1");
        e.add("Caller-Profile-Created-Time", self.created_us.to_string());
        e.add("Caller-Channel-Created-Time", self.created_us.to_string());
        e.add("Caller-Channel-Answered-Time", self.answered_us.to_string());
        e.add("Caller-Channel-Progress-Time", "0");
        e.add("Caller-Channel-Progress-Media-Time", "0");
        e.add(
            "Caller-Channel-Hangup-Time",
            if hung { self.hangup_us } else { 0 }.to_string(),
        );
        for k in [
            "Caller-Channel-Transfer-Time",
            "Caller-Channel-Resurrect-Time",
            "Caller-Channel-Bridged-Time",
            "Caller-Channel-Last-Hold",
            "Caller-Channel-Hold-Accum",
        ] {
            e.add(k, "0");
        }
        e.add("Caller-Screen-Bit", "true");
        e.add("Caller-Privacy-Hide-Name", "false");
        e.add("Caller-Privacy-Hide-Number", "false");
        if name == "CHANNEL_HANGUP_COMPLETE" {
            for (k, v) in self.variables() {
                e.add(&format!("variable_{k}"), v);
            }
        }
        e
    }

    fn profile(&self) -> Vec<(&'static str, String)> {
        vec![
            ("username", String::new()),
            ("dialplan", "xml".into()),
            ("caller_id_name", self.cid_name.clone()),
            ("ani", "0000000000".into()),
            ("aniii", String::new()),
            ("caller_id_number", self.cid_num.clone()),
            ("network_addr", String::new()),
            ("rdnis", String::new()),
            ("destination_number", self.dest.clone()),
            ("uuid", self.uuid.clone()),
            (
                "source",
                if self.loopback {
                    "mod_loopback"
                } else {
                    "mod_sofia"
                }
                .into(),
            ),
            ("context", self.context.clone()),
            ("chan_name", self.name.clone()),
        ]
    }

    fn times(&self) -> Vec<(&'static str, String)> {
        vec![
            ("created_time", self.created_us.to_string()),
            ("profile_created_time", self.created_us.to_string()),
            ("progress_time", "0".into()),
            ("progress_media_time", "0".into()),
            ("answered_time", self.answered_us.to_string()),
            ("bridged_time", "0".into()),
            ("last_hold_time", "0".into()),
            ("hold_accum_time", "0".into()),
            ("hangup_time", self.hangup_us.to_string()),
            ("resurrect_time", "0".into()),
            ("transfer_time", "0".into()),
        ]
    }

    fn flags(&self) -> &'static str {
        if self.outbound {
            "0=1;1=1;2=1;7=1;40=1;42=1;55=1;62=1;160=1;165=1"
        } else if self.answered_us > 0 {
            "0=1;1=1;40=1;42=1;55=1;123=1;160=1"
        } else {
            "0=1;40=1;42=1;55=1;160=1"
        }
    }

    /// mod_xml_cdr document (values URL-encoded, as with `encode=true`).
    fn xml_cdr(&self, sim: &Sim) -> String {
        let x = |s: &str| {
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
        };
        let mut s = String::from("<?xml version=\"1.0\"?>\n");
        let _ = writeln!(
            s,
            "<cdr core-uuid=\"{}\" switchname=\"{}\">",
            sim.core_uuid, sim.hostname
        );
        let _ = writeln!(
            s,
            "  <channel_data>\n    <state>CS_REPORTING</state>\n    <direction>{}</direction>\n    <state_number>11</state_number>\n    <flags>{}</flags>\n    <caps></caps>\n  </channel_data>\n  <call-stats></call-stats>\n  <variables>",
            self.direction(),
            self.flags()
        );
        for (k, v) in self.variables() {
            let _ = writeln!(s, "    <{k}>{}</{k}>", url_encode(&v));
        }
        s.push_str("  </variables>\n");
        if !self.apps.is_empty() {
            s.push_str("  <app_log>\n");
            for (a, d) in &self.apps {
                let _ = writeln!(
                    s,
                    "    <application app_name=\"{}\" app_data=\"{}\" app_stamp=\"{}\"></application>",
                    x(a),
                    x(d),
                    self.answered_us.max(self.created_us)
                );
            }
            s.push_str("  </app_log>\n");
        }
        let _ = writeln!(
            s,
            "  <callflow dialplan=\"xml\" unique-id=\"{}\" profile_index=\"1\">",
            new_uuid()
        );
        if !self.apps.is_empty() {
            let (ename, enum_) = if self.outbound {
                (self.apps[0].0.clone(), String::new())
            } else {
                (format!("sim_{}", self.dest), self.dest.clone())
            };
            let _ = writeln!(
                s,
                "    <extension name=\"{}\" number=\"{}\">",
                x(&ename),
                x(&enum_)
            );
            for (a, d) in &self.apps {
                let _ = writeln!(
                    s,
                    "      <application app_name=\"{}\" app_data=\"{}\"></application>",
                    x(a),
                    x(d)
                );
            }
            s.push_str("    </extension>\n");
        }
        s.push_str("    <caller_profile>\n");
        for (k, v) in self.profile() {
            let _ = writeln!(s, "      <{k}>{}</{k}>", x(&v));
        }
        s.push_str("    </caller_profile>\n    <times>\n");
        for (k, v) in self.times() {
            let _ = writeln!(s, "      <{k}>{v}</{k}>");
        }
        s.push_str("    </times>\n  </callflow>\n</cdr>\n");
        s
    }

    /// mod_json_cdr document (values URL-encoded, as with `encode-values=true`).
    fn json_cdr(&self, sim: &Sim) -> String {
        let obj = |kv: &[(&str, String)]| {
            let parts: Vec<String> = kv
                .iter()
                .map(|(k, v)| format!("\"{}\":\"{}\"", json_escape(k), json_escape(v)))
                .collect();
            format!("{{{}}}", parts.join(","))
        };
        let vars: Vec<(String, String)> = self
            .variables()
            .into_iter()
            .map(|(k, v)| (k, url_encode(&v)))
            .collect();
        let vars: Vec<(&str, String)> = vars.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        let mut s = format!(
            "{{\"core-uuid\":\"{}\",\"switchname\":\"{}\",\"channel_data\":{},\"callStats\":{{}},\"variables\":{}",
            sim.core_uuid,
            json_escape(&sim.hostname),
            obj(&[
                ("state", "CS_REPORTING".into()),
                ("direction", self.direction().into()),
                ("state_number", "11".into()),
                ("flags", self.flags().into()),
                ("caps", String::new()),
            ]),
            obj(&vars)
        );
        let apps = |with_stamp: bool| {
            let v: Vec<String> = self
                .apps
                .iter()
                .map(|(a, d)| {
                    let mut kv = vec![("app_name", a.clone()), ("app_data", d.clone())];
                    if with_stamp {
                        kv.push((
                            "app_stamp",
                            self.answered_us.max(self.created_us).to_string(),
                        ));
                    }
                    obj(&kv)
                })
                .collect();
            format!("[{}]", v.join(","))
        };
        if !self.apps.is_empty() {
            let _ = write!(s, ",\"app_log\":{{\"applications\":{}}}", apps(true));
        }
        s.push_str(",\"callflow\":[{\"dialplan\":\"xml\",\"profile_index\":\"1\"");
        if !self.apps.is_empty() {
            let (ename, enum_) = if self.outbound {
                (self.apps[0].0.clone(), String::new())
            } else {
                (format!("sim_{}", self.dest), self.dest.clone())
            };
            let _ = write!(
                s,
                ",\"extension\":{{\"name\":\"{}\",\"number\":\"{}\",\"applications\":{}}}",
                json_escape(&ename),
                json_escape(&enum_),
                apps(false)
            );
        }
        let _ = writeln!(
            s,
            ",\"caller_profile\":{},\"times\":{}}}]}}",
            obj(&self.profile()),
            obj(&self.times())
        );
        s
    }

    /// One mod_cdr_csv row with the `example` template.
    fn csv_row(&self) -> String {
        let answered = self.answered_us > 0;
        let vars = self.variables();
        let get = |k: &str| {
            vars.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let fields = [
            self.cid_name.clone(),
            self.cid_num.clone(),
            self.dest.clone(),
            self.context.clone(),
            local_stamp(self.created_us / 1_000_000),
            if answered {
                local_stamp(self.answered_us / 1_000_000)
            } else {
                String::new()
            },
            local_stamp(self.hangup_us / 1_000_000),
            get("duration"),
            get("billsec"),
            self.cause.clone(),
            self.uuid.clone(),
            String::new(),
            String::new(),
            "L16".into(),
            "L16".into(),
        ];
        let quoted: Vec<String> = fields
            .iter()
            .map(|f| format!("\"{}\"", f.replace('"', "\"\"")))
            .collect();
        format!("{}\n", quoted.join(","))
    }
}

/// An 8 kHz mono 16-bit PCM WAV holding a 440 Hz tone.
pub fn wav_tone(samples: u64) -> Vec<u8> {
    let data_len = (samples * 2) as u32;
    let mut v = Vec::with_capacity(44 + data_len as usize);
    v.extend_from_slice(b"RIFF");
    v.extend_from_slice(&(36 + data_len).to_le_bytes());
    v.extend_from_slice(b"WAVEfmt ");
    v.extend_from_slice(&16u32.to_le_bytes());
    v.extend_from_slice(&1u16.to_le_bytes()); // PCM
    v.extend_from_slice(&1u16.to_le_bytes()); // mono
    v.extend_from_slice(&8000u32.to_le_bytes());
    v.extend_from_slice(&16000u32.to_le_bytes());
    v.extend_from_slice(&2u16.to_le_bytes());
    v.extend_from_slice(&16u16.to_le_bytes());
    v.extend_from_slice(b"data");
    v.extend_from_slice(&data_len.to_le_bytes());
    for i in 0..samples {
        let t = i as f64 / 8000.0;
        let s = (8000.0 * (2.0 * std::f64::consts::PI * 440.0 * t).sin()) as i16;
        v.extend_from_slice(&s.to_le_bytes());
    }
    v
}

fn write_cdrs(sim: &Sim, dir: &Path, leg: &Leg) -> std::io::Result<()> {
    let xml = dir.join("xml_cdr");
    let json = dir.join("json_cdr");
    let csv = dir.join("cdr-csv");
    for d in [&xml, &json, &csv] {
        std::fs::create_dir_all(d)?;
    }
    let prefix = if leg.agent_side { "" } else { "a_" };
    std::fs::write(
        xml.join(format!("{prefix}{}.cdr.xml", leg.uuid)),
        leg.xml_cdr(sim),
    )?;
    std::fs::write(
        json.join(format!("{prefix}{}.cdr.json", leg.uuid)),
        leg.json_cdr(sim),
    )?;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(csv.join("Master.csv"))?;
    f.write_all(leg.csv_row().as_bytes())
}

/// Report hangup of `legs` (in order): events, channel removal, CDRs.
fn finish(sim: &Sim, legs: &[Leg], cdr_legs: &[bool]) {
    for (leg, &cdr) in legs.iter().zip(cdr_legs) {
        sim.channels.lock().unwrap().retain(|c| c.uuid != leg.uuid);
        sim.kills.lock().unwrap().remove(&leg.uuid);
        sim.emit(leg.event(sim, "CHANNEL_HANGUP"));
        sim.emit(leg.event(sim, "CHANNEL_HANGUP_COMPLETE"));
        if let (true, Some(dir)) = (cdr, &sim.cfg.cdr_dir) {
            if let Err(e) = write_cdrs(sim, dir, leg) {
                eprintln!("fs-sim: cannot write CDR for {}: {e}", leg.uuid);
            }
        }
    }
}

/// `uuid_kill <uuid> [cause]`.
pub fn uuid_kill(sim: &Sim, args: &str) -> String {
    let mut it = args.split_whitespace();
    let Some(uuid) = it.next() else {
        return "-USAGE: <uuid> [cause]\n".into();
    };
    let cause = it.next().unwrap_or("NORMAL_CLEARING").to_string();
    match sim.kills.lock().unwrap().get(uuid) {
        Some(tx) => {
            let _ = tx.send(Some(cause));
            "+OK\n".into()
        }
        None => "-ERR No such channel!\n".into(),
    }
}

/// One call counted in `calls_up` / `peak_calls` while it lives.
struct CallSlot(Arc<Sim>);

impl CallSlot {
    fn new(sim: &Arc<Sim>) -> CallSlot {
        use std::sync::atomic::Ordering::SeqCst;
        let n = sim.calls_up.fetch_add(1, SeqCst) + 1;
        sim.peak_calls.fetch_max(n, SeqCst);
        CallSlot(sim.clone())
    }
}

impl Drop for CallSlot {
    fn drop(&mut self) {
        self.0
            .calls_up
            .fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// `uuid_exists <uuid>`: `true` while the channel is up, else `false` (no newline, as FreeSWITCH).
pub fn uuid_exists(sim: &Sim, args: &str) -> String {
    let Some(uuid) = args.split_whitespace().next() else {
        return "-USAGE: <uuid>\n".into();
    };
    let up = sim.channels.lock().unwrap().iter().any(|c| c.uuid == uuid)
        || sim.kills.lock().unwrap().contains_key(uuid);
    if up { "true" } else { "false" }.into()
}

/// `originate <call url> <exten>|&app(args) [dialplan] [context] [cid_name] [cid_num] [timeout]`.
pub async fn originate_api(sim: &Arc<Sim>, args: &str) -> String {
    let Some(req) = Request::parse(args) else {
        return ORIGINATE_USAGE.to_string();
    };
    sim.originates
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let slot = CallSlot::new(sim);
    let now = now_micros();
    let a_uuid = req
        .var("origination_uuid")
        .map(str::to_string)
        .unwrap_or_else(new_uuid);
    let loopback = req.endpoint == "loopback";
    let cid_num_b = req
        .var("origination_caller_id_number")
        .map(str::to_string)
        .unwrap_or_else(|| "0000000000".into());
    let cid_name_b = req
        .var("origination_caller_id_name")
        .map(str::to_string)
        .unwrap_or_default();
    let mut a = Leg {
        uuid: a_uuid.clone(),
        name: if loopback {
            format!("loopback/{}-a", req.dest)
        } else {
            req.dial.rsplit('}').next().unwrap_or(&req.dial).to_string()
        },
        outbound: true,
        loopback,
        dest: req.dest.clone(),
        context: req.context.clone(),
        // mod_loopback flips the A-leg caller id to "Outbound Call" <default> (as captured).
        cid_name: req.cid_name.clone().unwrap_or_else(|| {
            if loopback {
                "Outbound Call".into()
            } else {
                cid_name_b.clone()
            }
        }),
        cid_num: req.cid_num.clone().unwrap_or_else(|| {
            if loopback {
                "default".into()
            } else {
                cid_num_b.clone()
            }
        }),
        callee_name: String::new(),
        callee_num: cid_num_b.clone(),
        session_id: sim.next_session_id(),
        created_us: now,
        answered_us: 0,
        hangup_us: 0,
        cause: String::new(),
        extra: vec![],
        apps: vec![(req.app.clone(), req.app_arg.clone())],
        record: None,
        agent_side: false,
    };
    let mut legs = vec![];
    let b_uuid = new_uuid();
    if loopback {
        a.extra = vec![
            ("origination_uuid".into(), a_uuid.clone()),
            ("originate_early_media".into(), "true".into()),
            ("originate_endpoint".into(), "loopback".into()),
            ("other_loopback_leg_uuid".into(), b_uuid.clone()),
            ("loopback_leg".into(), "A".into()),
        ];
        let b = Leg {
            uuid: b_uuid.clone(),
            name: format!("loopback/{}-b", req.dest),
            outbound: false,
            loopback,
            dest: req.dest.clone(),
            context: req.context.clone(),
            cid_name: cid_name_b,
            cid_num: cid_num_b,
            callee_name: "Outbound Call".into(),
            callee_num: "default".into(),
            session_id: sim.next_session_id(),
            created_us: now,
            answered_us: 0,
            hangup_us: 0,
            cause: String::new(),
            extra: vec![
                ("origination_uuid".into(), a_uuid.clone()),
                ("other_loopback_leg_uuid".into(), a_uuid.clone()),
                ("loopback_leg".into(), "B".into()),
            ],
            apps: vec![],
            record: None,
            agent_side: false,
        };
        legs.push(b);
    } else {
        a.extra = vec![("origination_uuid".into(), a_uuid.clone())];
    }
    legs.push(a);
    // Register channels, count sessions.
    {
        let mut ch = sim.channels.lock().unwrap();
        for l in &legs {
            ch.push(l.channel("CS_INIT", "DOWN"));
        }
        let n = ch.len() as u64;
        drop(ch);
        let mut st = sim.stats.lock().unwrap();
        st.sessions_total += legs.len() as u64;
        st.peak = st.peak.max(n);
    }
    for l in &legs {
        sim.emit(l.event(sim, "CHANNEL_CREATE"));
    }
    match req.outcome() {
        Outcome::Fail { cause, after_ms } => {
            tokio::time::sleep(Duration::from_millis(after_ms)).await;
            let end = now_micros();
            for l in legs.iter_mut() {
                l.cause = cause.clone();
                l.hangup_us = end;
                if !l.outbound {
                    l.apps.clear();
                }
            }
            // FreeSWITCH writes no CDR for the never-answered originating loopback a-leg.
            let cdr: Vec<bool> = legs.iter().map(|l| !(l.loopback && l.outbound)).collect();
            finish(sim, &legs, &cdr);
            format!("-ERR {cause}\n")
        }
        Outcome::Answer { talk_secs } => {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let ans = now_micros();
            let rec_dir = sim.cfg.recordings_dir.clone();
            for l in legs.iter_mut() {
                l.answered_us = ans;
                if !l.outbound || !loopback {
                    if let Some(dir) = &rec_dir {
                        let path = dir.join(format!("{}.wav", l.uuid));
                        l.record = Some((path.to_string_lossy().into_owned(), talk_secs * 8000));
                        let apps = vec![
                            ("answer".to_string(), String::new()),
                            ("set".into(), "RECORD_STEREO=false".into()),
                            ("record_session".into(), path.to_string_lossy().into_owned()),
                            (
                                "playback".into(),
                                format!("tone_stream://%({},0,440)", talk_secs * 1000),
                            ),
                            ("hangup".into(), String::new()),
                        ];
                        if l.outbound {
                            l.apps.extend(apps);
                        } else {
                            l.apps = apps;
                        }
                    } else if !l.outbound {
                        l.apps = vec![
                            ("answer".to_string(), String::new()),
                            (
                                "playback".into(),
                                format!("tone_stream://%({},0,440)", talk_secs * 1000),
                            ),
                            ("hangup".into(), String::new()),
                        ];
                    }
                }
            }
            {
                let mut ch = sim.channels.lock().unwrap();
                for l in &legs {
                    if let Some(c) = ch.iter_mut().find(|c| c.uuid == l.uuid) {
                        *c = l.channel("CS_EXECUTE", "ACTIVE");
                    }
                }
            }
            for l in &legs {
                sim.emit(l.event(sim, "CHANNEL_ANSWER"));
            }
            let (tx, mut rx) = tokio::sync::watch::channel::<Option<String>>(None);
            let tx = Arc::new(tx);
            {
                let mut k = sim.kills.lock().unwrap();
                for l in &legs {
                    k.insert(l.uuid.clone(), tx.clone());
                }
            }
            let sim2 = sim.clone();
            tokio::spawn(async move {
                let _slot = slot;
                let queue = queue_for(&sim2, &legs[0]);
                let cause = match queue {
                    Some(q) => {
                        let (cause, agent) =
                            member_flow(&sim2, &mut legs[0], &q, talk_secs, &mut rx).await;
                        if let Some(agent) = agent {
                            legs.push(agent);
                        }
                        cause
                    }
                    None => tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(talk_secs)) => "NORMAL_CLEARING".to_string(),
                        _ = rx.changed() => rx.borrow().clone().unwrap_or_else(|| "NORMAL_CLEARING".into()),
                    },
                };
                let end = now_micros();
                for l in legs.iter_mut() {
                    l.cause = cause.clone();
                    l.hangup_us = end;
                    if let Some((path, samples)) = &mut l.record {
                        // 8 samples per millisecond actually talked.
                        *samples = end.saturating_sub(l.answered_us) / 1000 * 8;
                        if let Err(e) = std::fs::write(&*path, wav_tone(*samples)) {
                            eprintln!("fs-sim: cannot write recording {path}: {e}");
                        }
                    }
                }
                let cdr = vec![true; legs.len()];
                finish(&sim2, &legs, &cdr);
            });
            format!("+OK {a_uuid}\n")
        }
    }
}

/// Extensions that put the caller into a queue (`callcenter(<queue>)` in the capture dialplan).
pub const QUEUE_EXTENSIONS: [(&str, &str); 2] =
    [("7001", "support@default"), ("7002", "sales@default")];

/// The queue the dialplan leg joins, if its destination is a loaded queue's extension.
fn queue_for(sim: &Sim, leg: &Leg) -> Option<String> {
    if leg.outbound && leg.loopback {
        return None;
    }
    let q = QUEUE_EXTENSIONS
        .iter()
        .find(|(ext, _)| *ext == leg.dest)
        .map(|(_, q)| q.to_string())?;
    sim.cc.lock().unwrap().loaded.contains_key(&q).then_some(q)
}

/// A `CUSTOM callcenter::info` event; with `leg`, carries that channel's headers first.
fn cc_event(sim: &Sim, leg: Option<&Leg>, fields: &[(&str, String)]) -> Event {
    let mut e = match leg {
        Some(l) => {
            let mut e = l.event(sim, "CHANNEL_ANSWER");
            let base = sim.new_event("CUSTOM", "mod_callcenter.c", "cc_send_presence", 3091);
            // Replace the leading standard headers, keep the channel headers.
            let n = base.headers.len();
            e.headers.splice(0..n, base.headers);
            e
        }
        None => sim.new_event("CUSTOM", "mod_callcenter.c", "cc_send_presence", 3091),
    };
    e.headers
        .insert(0, ("Event-Subclass".into(), "callcenter::info".into()));
    for (k, v) in fields {
        e.add(k, v.clone());
    }
    e
}

fn members_count(sim: &Sim, queue: &str) -> Event {
    let n = sim
        .cc
        .lock()
        .unwrap()
        .members
        .iter()
        .filter(|m| m.queue == queue && (m.state == "Waiting" || m.state == "Trying"))
        .count();
    cc_event(
        sim,
        None,
        &[
            ("CC-Queue", queue.into()),
            ("CC-Action", "members-count".into()),
            ("CC-Count", n.to_string()),
            ("CC-Selection", "Single-Queue".into()),
        ],
    )
}

fn agent_state(sim: &Sim, agent: &str, state: &str) -> Event {
    cc_event(
        sim,
        None,
        &[
            ("CC-Agent", agent.into()),
            ("CC-Action", "agent-state-change".into()),
            ("CC-Agent-State", state.into()),
        ],
    )
}

/// A caller waiting in `queue`: offer to the best free agent (tiers by level/position, and for
/// `longest-idle-agent` the longest idle first), bridge, talk, and update agent/queue counters.
/// Without a free agent the caller waits (max_wait_time, else talk time) and abandons.
async fn member_flow(
    sim: &Arc<Sim>,
    member: &mut Leg,
    queue: &str,
    talk_secs: u64,
    kill: &mut tokio::sync::watch::Receiver<Option<String>>,
) -> (String, Option<Leg>) {
    let joined = crate::util::now_epoch();
    let member_uuid = new_uuid();
    let (max_wait, strategy) = {
        let mut cc = sim.cc.lock().unwrap();
        cc.members.push(crate::callcenter::Member {
            queue: queue.into(),
            instance_id: "single_box".into(),
            uuid: member_uuid.clone(),
            session_uuid: member.uuid.clone(),
            cid_number: member.cid_num.clone(),
            cid_name: member.cid_name.clone(),
            system_epoch: joined,
            joined_epoch: joined,
            rejoined_epoch: 0,
            bridge_epoch: 0,
            abandoned_epoch: 0,
            base_score: 0,
            skill_score: 0,
            serving_agent: String::new(),
            serving_system: String::new(),
            state: "Waiting".into(),
        });
        let q = &cc.loaded[queue].cfg;
        let w = if q.max_wait_time > 0 {
            q.max_wait_time
        } else {
            q.max_wait_time_with_no_agent
        };
        (w as u64, q.strategy.clone())
    };
    member.apps = vec![
        ("answer".into(), String::new()),
        ("callcenter".into(), queue.into()),
        ("hangup".into(), String::new()),
    ];
    let ids = |m: &Leg| {
        vec![
            ("CC-Member-UUID", member_uuid.clone()),
            ("CC-Member-Session-UUID", m.uuid.clone()),
            ("CC-Member-CID-Number", m.cid_num.clone()),
        ]
    };
    let mut f = vec![
        ("CC-Queue", queue.to_string()),
        ("CC-Action", "member-queue-start".to_string()),
    ];
    f.extend(ids(member));
    sim.emit(cc_event(sim, Some(member), &f));
    sim.emit(members_count(sim, queue));
    member.extra.extend([
        ("cc_queue".to_string(), queue.to_string()),
        ("cc_member_uuid".into(), member_uuid.clone()),
        ("cc_member_session_uuid".into(), member.uuid.clone()),
        ("cc_queue_joined_epoch".into(), joined.to_string()),
    ]);
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Pick an agent.
    let picked = {
        let cc = sim.cc.lock().unwrap();
        let mut cands: Vec<(u32, u32, u64, String, String, String)> = cc
            .tiers
            .iter()
            .filter(|t| t.queue == queue && t.state == "Ready")
            .filter_map(|t| {
                let a = cc.agent(&t.agent)?;
                let free = (a.status == "Available" || a.status == "Available (On Demand)")
                    && a.state == "Waiting";
                free.then(|| {
                    (
                        t.level,
                        t.position,
                        a.last_bridge_end,
                        a.name.clone(),
                        a.agent_type.clone(),
                        a.contact.clone().unwrap_or_default(),
                    )
                })
            })
            .collect();
        if strategy == "longest-idle-agent" {
            cands.sort_by_key(|c| (c.2, c.0, c.1));
        } else {
            cands.sort_by_key(|c| (c.0, c.1));
        }
        cands.into_iter().next()
    };
    let Some((_, _, _, agent, agent_type, contact)) = picked else {
        // Nobody to take the call: wait, then abandon.
        let wait = if max_wait > 0 {
            max_wait.min(talk_secs)
        } else {
            talk_secs
        };
        let (cause, reason) = tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(wait)) => {
                let r = if max_wait > 0 && max_wait <= talk_secs { "NO_AGENT_TIMEOUT" } else { "NONE" };
                ("NORMAL_CLEARING".to_string(), r)
            }
            _ = kill.changed() => (kill.borrow().clone().unwrap_or_else(|| "NORMAL_CLEARING".into()), "NONE"),
        };
        let now = crate::util::now_epoch();
        {
            let mut cc = sim.cc.lock().unwrap();
            if let Some(m) = cc.members.iter_mut().find(|m| m.uuid == member_uuid) {
                m.state = "Abandoned".into();
                m.abandoned_epoch = now;
            }
            if let Some(q) = cc.loaded.get_mut(queue) {
                q.calls_abandoned += 1;
            }
        }
        let mut f = vec![
            ("CC-Queue", queue.to_string()),
            ("CC-Action", "member-queue-end".to_string()),
            ("CC-Hangup-Cause", "NONE".to_string()),
            ("CC-Cause", "Cancel".to_string()),
            ("CC-Cancel-Reason", reason.to_string()),
            ("CC-Member-Leaving-Time", now.to_string()),
            ("CC-Member-Joined-Time", joined.to_string()),
        ];
        f.extend(ids(member));
        sim.emit(cc_event(sim, Some(member), &f));
        sim.emit(members_count(sim, queue));
        member.extra.extend([
            ("cc_cause".to_string(), "cancel".to_string()),
            ("cc_cancel_reason".into(), reason.into()),
            ("cc_queue_canceled_epoch".into(), now.to_string()),
        ]);
        return (cause, None);
    };
    // Offer to the agent.
    let offered = crate::util::now_epoch();
    {
        let mut cc = sim.cc.lock().unwrap();
        if let Some(a) = cc.agent_mut(&agent) {
            a.state = "Receiving".into();
            a.last_offered_call = offered;
        }
    }
    sim.emit(agent_state(sim, &agent, "Receiving"));
    let mut f = vec![
        ("CC-Queue", queue.to_string()),
        ("CC-Action", "agent-offering".to_string()),
        ("CC-Agent", agent.clone()),
        ("CC-Agent-Type", agent_type.clone()),
        ("CC-Agent-System", "single_box".to_string()),
    ];
    f.extend(ids(member));
    sim.emit(cc_event(sim, None, &f));
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The agent answers: a new outbound leg towards the contact.
    let target = contact.rsplit('}').next().unwrap_or(&contact).to_string();
    let parts: Vec<&str> = target.split('/').collect();
    let (name, dest, lb) = if parts[0] == "loopback" && parts.len() > 1 {
        (
            format!("loopback/{}-a", parts[1]),
            parts[1].to_string(),
            true,
        )
    } else {
        (
            target.clone(),
            parts.get(1).unwrap_or(&"").to_string(),
            false,
        )
    };
    let now_us = now_micros();
    let mut al = Leg {
        uuid: new_uuid(),
        name,
        outbound: true,
        loopback: lb,
        dest,
        context: "default".into(),
        cid_name: member.cid_name.clone(),
        cid_num: member.cid_num.clone(),
        callee_name: String::new(),
        callee_num: String::new(),
        session_id: sim.next_session_id(),
        created_us: now_us,
        answered_us: now_us,
        hangup_us: 0,
        cause: String::new(),
        extra: vec![],
        apps: vec![],
        record: None,
        agent_side: true,
    };
    {
        let mut ch = sim.channels.lock().unwrap();
        ch.push(al.channel("CS_EXCHANGE_MEDIA", "ACTIVE"));
        let n = ch.len() as u64;
        drop(ch);
        let mut st = sim.stats.lock().unwrap();
        st.sessions_total += 1;
        st.peak = st.peak.max(n);
    }
    sim.emit(al.event(sim, "CHANNEL_CREATE"));
    sim.emit(al.event(sim, "CHANNEL_ANSWER"));
    let bridged = crate::util::now_epoch();
    {
        let mut cc = sim.cc.lock().unwrap();
        if let Some(a) = cc.agent_mut(&agent) {
            a.state = "In a queue call".into();
            a.uuid = Some(al.uuid.clone());
            a.last_bridge_start = bridged;
        }
        if let Some(m) = cc.members.iter_mut().find(|m| m.uuid == member_uuid) {
            m.state = "Answered".into();
            m.bridge_epoch = bridged;
            m.serving_agent = agent.clone();
            m.serving_system = "single_box".into();
        }
    }
    let agent_fields = |action: &str| {
        vec![
            ("CC-Queue", queue.to_string()),
            ("CC-Action", action.to_string()),
            ("CC-Agent", agent.clone()),
            ("CC-Agent-System", "single_box".to_string()),
            ("CC-Agent-UUID", al.uuid.clone()),
        ]
    };
    let mut f = agent_fields("bridge-agent-start");
    f.extend([
        ("CC-Agent-Called-Time", offered.to_string()),
        ("CC-Agent-Answered-Time", bridged.to_string()),
        ("CC-Member-Joined-Time", joined.to_string()),
    ]);
    f.extend(ids(member));
    sim.emit(cc_event(sim, Some(&al), &f));
    sim.emit(agent_state(sim, &agent, "In a queue call"));
    sim.emit(members_count(sim, queue));
    let cause = tokio::select! {
        _ = tokio::time::sleep(Duration::from_secs(talk_secs)) => "NORMAL_CLEARING".to_string(),
        _ = kill.changed() => kill.borrow().clone().unwrap_or_else(|| "NORMAL_CLEARING".into()),
    };
    let end = crate::util::now_epoch();
    {
        let mut cc = sim.cc.lock().unwrap();
        if let Some(a) = cc.agent_mut(&agent) {
            a.state = "Waiting".into();
            a.uuid = Some(String::new());
            a.last_bridge_end = end;
            a.calls_answered += 1;
            a.talk_time += end - bridged;
        }
        cc.members.retain(|m| m.uuid != member_uuid);
        if let Some(q) = cc.loaded.get_mut(queue) {
            q.calls_answered += 1;
        }
    }
    let mut f = agent_fields("bridge-agent-end");
    f.insert(2, ("CC-Hangup-Cause", "SUCCESS".to_string()));
    f.extend([
        ("CC-Agent-Bridged", "true".to_string()),
        ("CC-Agent-Called-Time", offered.to_string()),
        ("CC-Agent-Answered-Time", bridged.to_string()),
        ("CC-Member-Joined-Time", joined.to_string()),
        ("CC-Bridge-Terminated-Time", end.to_string()),
    ]);
    f.extend(ids(member));
    sim.emit(cc_event(sim, Some(&al), &f));
    let mut f = vec![
        ("CC-Queue", queue.to_string()),
        ("CC-Action", "member-queue-end".to_string()),
        ("CC-Hangup-Cause", "SUCCESS".to_string()),
        ("CC-Cause", "Terminated".to_string()),
        ("CC-Agent", agent.clone()),
        ("CC-Agent-System", "single_box".to_string()),
        ("CC-Agent-UUID", al.uuid.clone()),
        ("CC-Agent-Called-Time", offered.to_string()),
        ("CC-Agent-Answered-Time", bridged.to_string()),
        ("CC-Member-Leaving-Time", end.to_string()),
        ("CC-Member-Joined-Time", joined.to_string()),
    ];
    f.extend(ids(member));
    sim.emit(cc_event(sim, Some(member), &f));
    sim.emit(agent_state(sim, &agent, "Waiting"));
    let cc_common = [
        ("cc_queue".to_string(), queue.to_string()),
        ("cc_agent".into(), agent.clone()),
        ("cc_agent_type".into(), agent_type.clone()),
        ("cc_member_uuid".into(), member_uuid.clone()),
    ];
    member.extra.extend([
        ("cc_agent".to_string(), agent.clone()),
        ("cc_agent_uuid".into(), al.uuid.clone()),
        ("cc_agent_type".into(), agent_type.clone()),
        ("cc_side".into(), "member".into()),
        ("cc_queue_answered_epoch".into(), bridged.to_string()),
        ("cc_queue_terminated_epoch".into(), end.to_string()),
        ("cc_cause".into(), "answered".into()),
    ]);
    al.extra.extend(cc_common);
    al.extra.push(("cc_side".into(), "agent".into()));
    (cause, Some(al))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_originate_arguments() {
        let r = Request::parse(
            "{origination_uuid=418e5dba-298b-4ac6-9a84-90b6f93f9877,leg_timeout=10}loopback/9999/default &park()",
        )
        .unwrap();
        assert_eq!(
            r.var("origination_uuid"),
            Some("418e5dba-298b-4ac6-9a84-90b6f93f9877")
        );
        assert_eq!(r.endpoint, "loopback");
        assert_eq!(r.dest, "9999");
        assert_eq!(r.app, "park");
        assert_eq!(r.outcome(), Outcome::Answer { talk_secs: 3 });
        assert!(Request::parse("loopback/9999/default").is_none());
        let r = Request::parse("user/4861000@default &park()").unwrap();
        assert_eq!(r.dest, "4861000");
        assert!(matches!(r.outcome(), Outcome::Fail { cause, .. } if cause == "USER_BUSY"));
        let r = Request::parse("loopback/nosuchdest/default &park()").unwrap();
        assert!(
            matches!(r.outcome(), Outcome::Fail { cause, .. } if cause == "NO_ROUTE_DESTINATION")
        );
        let r = Request::parse("{originate_timeout=1}sofia/gw/4801@x &park()").unwrap();
        assert_eq!(
            r.outcome(),
            Outcome::Fail {
                cause: "NO_ANSWER".into(),
                after_ms: 1000
            }
        );
    }

    #[test]
    fn wav_header_matches_freeswitch() {
        let w = wav_tone(24_000);
        assert_eq!(w.len(), 48_044);
        // First 44 bytes as in recordings/wav_info.txt.
        assert_eq!(
            &w[..40],
            &[
                0x52, 0x49, 0x46, 0x46, 0xa4, 0xbb, 0, 0, 0x57, 0x41, 0x56, 0x45, 0x66, 0x6d, 0x74,
                0x20, 0x10, 0, 0, 0, 1, 0, 1, 0, 0x40, 0x1f, 0, 0, 0x80, 0x3e, 0, 0, 2, 0, 0x10, 0,
                0x64, 0x61, 0x74, 0x61
            ]
        );
        assert_eq!(&w[40..44], &[0x80, 0xbb, 0, 0]);
    }
}
