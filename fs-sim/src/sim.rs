//! The simulated switch: shared state (callcenter, channels, counters), the event bus and the
//! `api` command dispatcher used by both the Event Socket and the mod_xml_rpc front-ends.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::{broadcast, watch};

use crate::callcenter::{Callcenter, Render};
use crate::event::Event;
use crate::util::{local_stamp, new_uuid, now_epoch, now_micros};

/// `api version` text.
pub const VERSION_TEXT: &str = "FreeSWITCH Version 1.11.2-release+git~20260809T162310Z~3f13ad1b1d~64bit (git 3f13ad1 2026-08-09 16:23:10Z 64bit)";
/// Version string used in the mod_xml_rpc `Server:` header.
pub const VERSION_SHORT: &str = "1.11.2-release+git~20260809T162310Z~3f13ad1b1d~64bit";

/// Where an `api` command comes from; decides NULL rendering and HTML output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiMode {
    /// ESL `api`/`bgapi`.
    Esl,
    /// mod_xml_rpc `/txtapi/`: plain text, NULL as `(null)`.
    Txt,
    /// mod_xml_rpc `/api/` and `/webapi/`: HTML for commands that have an HTML form.
    Html,
}

impl ApiMode {
    fn render(self) -> Render {
        match self {
            ApiMode::Esl => Render::Esl,
            _ => Render::Http,
        }
    }
}

/// Runtime settings of the simulator.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub esl_password: String,
    pub http_user: String,
    pub http_password: String,
    pub cdr_dir: Option<PathBuf>,
    pub recordings_dir: Option<PathBuf>,
}

/// A live channel as listed by `show channels`.
#[derive(Clone, Debug)]
pub struct Channel {
    pub uuid: String,
    pub direction: String,
    pub created_epoch: u64,
    pub name: String,
    pub state: String,
    pub cid_name: String,
    pub cid_num: String,
    pub dest: String,
    pub application: String,
    pub application_data: String,
    pub context: String,
    pub callstate: String,
}

const CHANNEL_COLUMNS: &str = "uuid,direction,created,created_epoch,name,state,cid_name,cid_num,ip_addr,dest,application,application_data,dialplan,context,read_codec,read_rate,read_bit_rate,write_codec,write_rate,write_bit_rate,secure,hostname,presence_id,presence_data,accountcode,callstate,callee_name,callee_num,callee_direction,call_uuid,sent_callee_name,sent_callee_num,initial_cid_name,initial_cid_num,initial_ip_addr,initial_dest,initial_dialplan,initial_context";

impl Channel {
    fn fields(&self, hostname: &str) -> Vec<String> {
        let s = |x: &str| x.to_string();
        vec![
            s(&self.uuid),
            s(&self.direction),
            local_stamp(self.created_epoch),
            self.created_epoch.to_string(),
            s(&self.name),
            s(&self.state),
            s(&self.cid_name),
            s(&self.cid_num),
            String::new(),
            s(&self.dest),
            s(&self.application),
            s(&self.application_data),
            s("XML"),
            s(&self.context),
            s("L16"),
            s("8000"),
            s("128000"),
            s("L16"),
            s("8000"),
            s("128000"),
            String::new(),
            s(hostname),
            String::new(),
            String::new(),
            String::new(),
            s(&self.callstate),
            String::new(),
            String::new(),
            String::new(),
            s(&self.uuid),
            String::new(),
            String::new(),
            s(&self.cid_name),
            s(&self.cid_num),
            String::new(),
            s(&self.dest),
            s("XML"),
            s(&self.context),
        ]
    }
}

/// Session counters reported by `status`.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub sessions_total: u64,
    pub peak: u64,
}

/// The simulated FreeSWITCH instance shared by all connections.
pub struct Sim {
    pub cfg: Config,
    pub cc: Mutex<Callcenter>,
    pub channels: Mutex<Vec<Channel>>,
    pub stats: Mutex<Stats>,
    pub started: Instant,
    pub core_uuid: String,
    pub hostname: String,
    seq: AtomicU64,
    session_ids: AtomicU64,
    pub events: broadcast::Sender<Arc<Event>>,
    /// Hang-up triggers of answered calls, by channel UUID (used by `uuid_kill`).
    pub kills: Mutex<HashMap<String, Arc<watch::Sender<Option<String>>>>>,
    /// `originate` commands received (api and bgapi), for tests that count dial attempts.
    pub originates: AtomicU64,
    /// `originate` commands received per `origination_uuid` (the dialler's call id), for tests
    /// that check no call is dialled twice.
    pub originated: Mutex<HashMap<String, u64>>,
    /// Calls up at the same time, at most (tests check pacing against it).
    pub peak_calls: AtomicU64,
    /// Calls up now (from `originate` until the last leg hangs up).
    pub calls_up: AtomicU64,
    /// `callcenter_config … list` commands answered (benchmarks count what a client costs).
    pub cc_listings: AtomicU64,
    /// `(second, listings in it, most listings in any one second)`, by wall-clock second.
    cc_listings_per_second: Mutex<(u64, u64, u64)>,
}

impl Sim {
    /// A switch with the given configuration and callcenter state.
    pub fn new(cfg: Config, cc: Callcenter) -> Arc<Sim> {
        let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "fs-sim".to_string());
        let (events, _) = broadcast::channel(4096);
        Arc::new(Sim {
            cfg,
            cc: Mutex::new(cc),
            channels: Mutex::new(Vec::new()),
            stats: Mutex::new(Stats::default()),
            started: Instant::now(),
            core_uuid: new_uuid(),
            hostname,
            seq: AtomicU64::new(1),
            session_ids: AtomicU64::new(1),
            events,
            kills: Mutex::new(HashMap::new()),
            originates: AtomicU64::new(0),
            originated: Mutex::new(HashMap::new()),
            peak_calls: AtomicU64::new(0),
            calls_up: AtomicU64::new(0),
            cc_listings: AtomicU64::new(0),
            cc_listings_per_second: Mutex::new((0, 0, 0)),
        })
    }

    /// Count one `callcenter_config … list` command.
    fn note_listing(&self) {
        self.cc_listings.fetch_add(1, Ordering::Relaxed);
        let now = now_epoch();
        let mut w = self.cc_listings_per_second.lock().unwrap();
        if w.0 != now {
            *w = (now, 0, w.2);
        }
        w.1 += 1;
        w.2 = w.2.max(w.1);
    }

    /// The most `callcenter_config … list` commands answered within one wall-clock second.
    pub fn cc_listings_peak_per_second(&self) -> u64 {
        self.cc_listings_per_second.lock().unwrap().2
    }

    /// Next `session_id` channel variable.
    pub fn next_session_id(&self) -> u64 {
        self.session_ids.fetch_add(1, Ordering::Relaxed)
    }

    /// A new event with FreeSWITCH's standard leading headers.
    pub fn new_event(&self, name: &str, file: &str, func: &str, line: u32) -> Event {
        let us = now_micros();
        let epoch = us / 1_000_000;
        let mut e = Event {
            headers: Vec::with_capacity(32),
            body: None,
        };
        e.add("Event-Name", name);
        e.add("Core-UUID", self.core_uuid.clone());
        e.add("FreeSWITCH-Hostname", self.hostname.clone());
        e.add("FreeSWITCH-Switchname", self.hostname.clone());
        e.add("FreeSWITCH-IPv4", "127.0.0.1");
        e.add("FreeSWITCH-IPv6", "::1");
        e.add("Event-Date-Local", local_stamp(epoch));
        e.add("Event-Date-GMT", crate::util::http_date(epoch, "GMT"));
        e.add("Event-Date-Timestamp", us.to_string());
        e.add("Event-Calling-File", file);
        e.add("Event-Calling-Function", func);
        e.add("Event-Calling-Line-Number", line.to_string());
        e.add(
            "Event-Sequence",
            self.seq.fetch_add(1, Ordering::Relaxed).to_string(),
        );
        e
    }

    /// Publish an event to every ESL listener.
    pub fn emit(&self, e: Event) {
        let _ = self.events.send(Arc::new(e));
    }

    /// `status` text.
    pub fn status_text(&self) -> String {
        let up = self.started.elapsed();
        let secs = up.as_secs();
        let (years, days) = (secs / (86_400 * 365), (secs / 86_400) % 365);
        let (hours, minutes, seconds) = ((secs / 3600) % 24, (secs / 60) % 60, secs % 60);
        let (ms, us) = (up.subsec_millis(), up.subsec_micros() % 1000);
        let cur = self.channels.lock().unwrap().len();
        let st = self.stats.lock().unwrap().clone();
        format!(
            "UP {years} years, {days} days, {hours} hours, {minutes} minutes, {seconds} seconds, {ms} milliseconds, {us} microseconds\n\
FreeSWITCH (Version 1.11.2-release git 3f13ad1 2026-08-09 16:23:10Z 64bit) is ready\n\
{} session(s) since startup\n\
{cur} session(s) - peak {}, last 5min {} \n\
0 session(s) per Sec out of max 30, peak {}, last 5min {} \n\
100 session(s) max\n\
min idle cpu 0.00/99.57\n\
Current Stack Size/Max 240K/8192K\n",
            st.sessions_total, st.peak, st.peak, st.peak, st.peak
        )
    }

    fn show_channels(&self, args: &[&str], mode: ApiMode) -> String {
        let chans = self.channels.lock().unwrap().clone();
        let json = args.len() >= 3 && args[1] == "as" && args[2].eq_ignore_ascii_case("json");
        if json {
            if chans.is_empty() {
                return "{\"row_count\": 0}\n".into();
            }
            let cols: Vec<&str> = CHANNEL_COLUMNS.split(',').collect();
            let rows: Vec<String> = chans
                .iter()
                .map(|c| {
                    let f = c.fields(&self.hostname);
                    let kv: Vec<String> = cols
                        .iter()
                        .zip(f.iter())
                        .map(|(k, v)| format!("\"{k}\":\"{}\"", crate::util::json_escape(v)))
                        .collect();
                    format!("{{{}}}", kv.join(","))
                })
                .collect();
            return format!(
                "{{\"row_count\":{},\"rows\":[{}]}}\n",
                chans.len(),
                rows.join(",")
            );
        }
        if mode == ApiMode::Html {
            let mut s = format!(
                "<h1>FreeSWITCH channels </h1>\n{}<br>\n<table cellpadding=1 cellspacing=4 border=1>\n",
                local_stamp(now_epoch())
            );
            if !chans.is_empty() {
                s.push_str("<tr>");
                for c in CHANNEL_COLUMNS.split(',') {
                    s.push_str(&format!("<td>{c}</td>"));
                }
                s.push_str("</tr>\n");
                for ch in &chans {
                    s.push_str("<tr>");
                    for f in ch.fields(&self.hostname) {
                        s.push_str(&format!("<td>{f}</td>"));
                    }
                    s.push_str("</tr>\n");
                }
            }
            s.push_str(&format!("</table><br>\n{} total.<br>\n", chans.len()));
            return s;
        }
        let mut s = String::new();
        if !chans.is_empty() {
            s.push_str(CHANNEL_COLUMNS);
            s.push('\n');
            for ch in &chans {
                s.push_str(&ch.fields(&self.hostname).join(","));
                s.push('\n');
            }
        }
        s.push_str(&format!("\n{} total.\n", chans.len()));
        s
    }

    /// Execute an API command. `None` means "command not found".
    pub async fn api(self: &Arc<Self>, cmd: &str, args: &str, mode: ApiMode) -> Option<String> {
        let argv: Vec<&str> = args.split_whitespace().collect();
        Some(match cmd {
            "status" => {
                let t = self.status_text();
                if mode == ApiMode::Html {
                    let body = t.trim_end_matches('\n').replace('\n', "<br>\n");
                    format!(
                        "<h1>FreeSWITCH Status</h1>\n{}<br>\n{body}\n",
                        local_stamp(now_epoch())
                    )
                } else {
                    t
                }
            }
            "version" => format!("{VERSION_TEXT}\n"),
            "hostname" => self.hostname.clone(),
            "uptime" => format!("{}\n", self.started.elapsed().as_secs()),
            "echo" => args.to_string(),
            "show" => match argv.first().copied() {
                Some("channels") | Some("calls") => self.show_channels(&argv, mode),
                _ => "-USAGE: codec|endpoint|application|api|dialplan|file|timer|calls [count]|channels [count|like <match string>]|calls|detailed_calls|bridged_calls|detailed_bridged_calls|aliases|complete|chat|management|modules|nat_map|say|interfaces|interface_types|tasks|limits|status\n".into(),
            },
            "callcenter_config" => {
                if argv.get(1) == Some(&"list") {
                    self.note_listing();
                }
                let mut cc = self.cc.lock().unwrap();
                cc.config_api(args, mode.render(), now_epoch())
            }
            "originate" => crate::originate::originate_api(self, args).await,
            "uuid_kill" => crate::originate::uuid_kill(self, args),
            "uuid_exists" => crate::originate::uuid_exists(self, args),
            _ => return None,
        })
    }

    /// Run a background job and publish its `BACKGROUND_JOB` event.
    pub async fn run_bgapi(self: Arc<Self>, job_uuid: String, cmd: String, args: String) {
        let out = match self.api(&cmd, &args, ApiMode::Esl).await {
            Some(o) if !o.is_empty() => o,
            Some(_) => "-ERR no reply\n".to_string(),
            None => format!("-ERR {cmd} Command not found!\n"),
        };
        let mut e = self.new_event("BACKGROUND_JOB", "mod_event_socket.c", "api_exec", 1580);
        e.add("Job-UUID", job_uuid);
        e.add("Job-Command", cmd);
        if !args.is_empty() {
            e.add("Job-Command-Arg", args);
        }
        e.body = Some(out);
        self.emit(e);
    }

    /// A HEARTBEAT event (sent every 20 s like FreeSWITCH).
    pub fn heartbeat(&self) -> Event {
        let st = self.stats.lock().unwrap().clone();
        let cur = self.channels.lock().unwrap().len();
        let up = self.started.elapsed();
        let mut e = self.new_event("HEARTBEAT", "switch_core.c", "send_heartbeat", 80);
        e.add("Event-Info", "System Ready");
        e.add(
            "Up-Time",
            format!(
                "0 years, {} days, {} hours, {} minutes, {} seconds, {} milliseconds, {} microseconds",
                up.as_secs() / 86_400,
                (up.as_secs() / 3600) % 24,
                (up.as_secs() / 60) % 60,
                up.as_secs() % 60,
                up.subsec_millis(),
                up.subsec_micros() % 1000
            ),
        );
        e.add(
            "FreeSWITCH-Version",
            "1.11.2-release+git~20260809T162310Z~3f13ad1b1d~64bit",
        );
        e.add("Uptime-msec", up.as_millis().to_string());
        e.add("Session-Count", cur.to_string());
        e.add("Max-Sessions", "100");
        e.add("Session-Per-Sec", "30");
        e.add("Session-Since-Startup", st.sessions_total.to_string());
        e.add("Idle-CPU", "99.000000");
        e
    }
}
