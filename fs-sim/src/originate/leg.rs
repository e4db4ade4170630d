//! One call leg ([`Leg`]): what is known about a channel, its variables at hangup, its row in
//! `show channels` and the channel events it fires.

use crate::event::Event;
use crate::sim::{Channel, Sim};
use crate::util::local_stamp;

use super::q850;

/// One call leg and what is reported about it at hangup.
#[derive(Clone, Debug)]
pub(super) struct Leg {
    pub(super) uuid: String,
    pub(super) name: String,
    pub(super) outbound: bool,
    pub(super) loopback: bool,
    pub(super) dest: String,
    pub(super) context: String,
    pub(super) cid_name: String,
    pub(super) cid_num: String,
    pub(super) callee_name: String,
    pub(super) callee_num: String,
    pub(super) session_id: u64,
    pub(super) created_us: u64,
    pub(super) answered_us: u64,
    pub(super) hangup_us: u64,
    pub(super) cause: String,
    pub(super) extra: Vec<(String, String)>,
    pub(super) apps: Vec<(String, String)>,
    pub(super) record: Option<(String, u64)>,
    /// The callcenter agent leg: FreeSWITCH writes its XML/JSON CDR without the `a_` prefix.
    pub(super) agent_side: bool,
}

impl Leg {
    fn caller_id(&self) -> String {
        if self.cid_name.is_empty() {
            self.cid_num.clone()
        } else {
            format!("\"{}\" <{}>", self.cid_name, self.cid_num)
        }
    }

    pub(super) fn direction(&self) -> &'static str {
        if self.outbound {
            "outbound"
        } else {
            "inbound"
        }
    }

    /// Channel variables at hangup, in FreeSWITCH's order.
    pub(super) fn variables(&self) -> Vec<(String, String)> {
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

    pub(super) fn channel(&self, state: &str, callstate: &str) -> Channel {
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
    pub(super) fn event(&self, sim: &Sim, name: &str) -> Event {
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
}
