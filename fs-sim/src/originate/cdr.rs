//! CDR files of a finished leg: mod_xml_cdr and mod_json_cdr documents and a mod_cdr_csv row
//! (`example` template), written under the `--cdr-dir` as FreeSWITCH lays them out.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use crate::sim::Sim;
use crate::util::{json_escape, local_stamp, new_uuid, url_encode};

use super::leg::Leg;

impl Leg {
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

    /// The callflow's dialplan extension (name, number): the originate's application for the
    /// outbound leg, `sim_<dest>` for the dialplan leg.
    fn extension(&self) -> (String, String) {
        if self.outbound {
            (self.apps[0].0.clone(), String::new())
        } else {
            (format!("sim_{}", self.dest), self.dest.clone())
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
            let (ename, enum_) = self.extension();
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
            let (ename, enum_) = self.extension();
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

pub(super) fn write_cdrs(sim: &Sim, dir: &Path, leg: &Leg) -> std::io::Result<()> {
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
