//! A local stand-in for SMS Traffic's HTTP API (`multi.php`), answering like the vendor's API
//! description v1.85: XML replies, error codes, one `sms_id` per part with `want_sms_ids=1`,
//! `queued N messages`, flat vs `<sms>`-wrapped status replies, `operation=account`, and
//! delivery reports POSTed as `sms_id`, `status`, `delivery_date`.
//!
//! It can be told to fail (`Mode`): refuse with an error code (e.g. 1000), answer HTTP 5xx, stall
//! before answering, or queue nothing; and to deliver later (or not): statuses move from empty to
//! `Buffered SMSC` to a final status after a delay, and a callback is POSTed when configured.
//! Control from tests through [`Fake`]; from outside through `POST /_control` (form fields, see
//! the binary's help).

pub mod smsc;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Answer like the real service.
    Normal,
    /// `<result>ERROR</result>` with this code (e.g. 1000 temporary error, 411 bad login).
    Error(u32),
    /// Answer with this HTTP status and no XML (e.g. 503).
    Http(u16),
    /// Wait this long before answering (requests are still processed first).
    Stall(Duration),
    /// `OK` / `queued 0 messages`, no ids.
    QueueNothing,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub login: String,
    pub password: String,
    /// Time from submission to the final status (`None`: stays `Buffered SMSC` for ever).
    pub deliver_after: Option<Duration>,
    /// Final status by default (`Delivered`, `Non Delivered`, `Expired`, …).
    pub final_status: String,
    /// Delivery reports go here (form POST) when set.
    pub callback_url: Option<String>,
    pub balance: String,
    /// First id handed out.
    pub first_id: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            login: "login".into(),
            password: "password".into(),
            deliver_after: Some(Duration::from_millis(200)),
            final_status: "Delivered".into(),
            callback_url: None,
            balance: "10025".into(),
            first_id: 1_000_472_891,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Sms {
    pub id: u64,
    pub phone: String,
    pub text: String,
    pub originator: String,
    pub part: usize,
    pub parts: usize,
    submitted: Instant,
    submitted_wall: SystemTime,
    final_status: String,
}

#[derive(Debug, Clone, Default)]
pub struct Request {
    pub form: Vec<(String, String)>,
}

impl Request {
    pub fn get(&self, k: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct State_ {
    mode: Option<Mode>,
    next_id: u64,
    sms: HashMap<u64, Sms>,
    requests: Vec<Request>,
    blocked_phones: HashSet<String>,
    forbidden_originators: HashSet<String>,
    /// Final status per phone, overriding the default.
    phone_status: HashMap<String, String>,
    sends: usize,
}

pub struct Fake {
    cfg: Mutex<Config>,
    state: Mutex<State_>,
    http: reqwest::Client,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Fake {
    pub fn new(cfg: Config) -> Arc<Fake> {
        let first = cfg.first_id;
        Arc::new(Fake {
            cfg: Mutex::new(cfg),
            state: Mutex::new(State_ {
                next_id: first,
                ..Default::default()
            }),
            http: reqwest::Client::new(),
        })
    }
    pub fn set_mode(&self, mode: Mode) {
        lock(&self.state).mode = Some(mode);
    }
    pub fn block_phone(&self, digits: &str) {
        lock(&self.state).blocked_phones.insert(digits.into());
    }
    pub fn forbid_originator(&self, name: &str) {
        lock(&self.state).forbidden_originators.insert(name.into());
    }
    pub fn final_status_for(&self, digits: &str, status: &str) {
        lock(&self.state)
            .phone_status
            .insert(digits.into(), status.into());
    }
    pub fn set_callback_url(&self, url: Option<String>) {
        lock(&self.cfg).callback_url = url;
    }
    pub fn set_deliver_after(&self, d: Option<Duration>) {
        lock(&self.cfg).deliver_after = d;
    }
    /// Send requests that reached the fake (whatever the answer).
    pub fn send_requests(&self) -> usize {
        lock(&self.state).sends
    }
    /// SMS queued (one per part).
    pub fn queued(&self) -> Vec<Sms> {
        let mut v: Vec<Sms> = lock(&self.state).sms.values().cloned().collect();
        v.sort_by_key(|s| s.id);
        v
    }
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.state).requests.clone()
    }

    fn status_of(&self, s: &Sms, now: Instant) -> &'static str {
        let after = lock(&self.cfg).deliver_after;
        match after {
            Some(d) if now >= s.submitted + d => leak(&s.final_status),
            _ if now >= s.submitted + Duration::from_millis(50) => "Buffered SMSC",
            _ => "",
        }
    }

    /// A delivery report, as SMS Traffic POSTs it.
    pub async fn post_report(&self, url: &str, id: u64, status: &str) -> Result<u16, String> {
        let body = format!(
            "sms_id={id}&status={}&delivery_date={}",
            enc(status),
            enc(&msk(SystemTime::now()))
        );
        self.http
            .post(url)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map(|r| r.status().as_u16())
            .map_err(|e| e.to_string())
    }
}

/// Status strings are a handful of fixed words; keep them as `&'static str`.
fn leak(s: &str) -> &'static str {
    for known in [
        "Delivered",
        "Non Delivered",
        "Rejected",
        "Expired",
        "Deleted",
        "Unknown status",
        "Buffered SMSC",
    ] {
        if s == known {
            return known;
        }
    }
    "Unknown status"
}

fn enc(s: &str) -> String {
    let mut out = String::new();
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn dec(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let h = (b[i + 1] as char).to_digit(16);
                let l = (b[i + 2] as char).to_digit(16);
                if let (Some(h), Some(l)) = (h, l) {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn parse_form(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (dec(k), dec(v))
        })
        .collect()
}

/// `YYYY-MM-DD HH:MM:SS` in Moscow time.
pub fn msk(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
        + 3 * 3600;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // civil from days (Howard Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn reply(body: String) -> Response {
    (
        [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
        format!("<?xml version=\"1.0\" ?>\n<reply>\n{body}</reply>\n"),
    )
        .into_response()
}

fn error(code: u32, description: &str) -> Response {
    reply(format!(
        "<result>ERROR</result>\n<code>{code}</code>\n<description>{}</description>\n",
        xml_escape(description)
    ))
}

/// The vendor's descriptions for the codes the fake produces.
pub fn description(code: u32) -> &'static str {
    match code {
        401 => "login param is missing",
        402 => "password param is missing",
        403 => "phones param is missing",
        405 => "message param is missing",
        407 => "phones parameter is empty",
        411 => "Authentication failed",
        415 => "Not enough funds",
        421 => "originator parameter is too long",
        425 => "Phone is too short. No messages has been sent.",
        426 => "Phone is too long. No messages has been sent.",
        428 => "wrong phone format. No messages has been sent.",
        432 => "Blocked phone. No messages has been sent.",
        433 => "sms_id parameter is missing",
        436 => "Originator is forbidden",
        1000 => "Temporary error",
        _ => "Error",
    }
}

/// Parts the way SMS Traffic counts them: `rus=0` 160/153 characters, `rus=1/5` 70/67.
fn parts_of(text: &str, rus: &str) -> usize {
    let (single, per) = if rus == "0" { (160, 153) } else { (70, 67) };
    let n: usize = if rus == "0" {
        text.chars().count()
    } else {
        text.encode_utf16().count()
    };
    if n <= single {
        1
    } else {
        n.div_ceil(per)
    }
}

async fn multi(State(fake): State<Arc<Fake>>, body: Bytes) -> Response {
    let form = parse_form(&String::from_utf8_lossy(&body));
    let req = Request { form };
    let stall = {
        let st = lock(&fake.state);
        match &st.mode {
            Some(Mode::Stall(d)) => Some(*d),
            _ => None,
        }
    };
    let answer = handle(&fake, &req);
    if let Some(d) = stall {
        tokio::time::sleep(d).await;
    }
    answer
}

fn handle(fake: &Arc<Fake>, req: &Request) -> Response {
    let cfg = lock(&fake.cfg).clone();
    let operation = req.get("operation").unwrap_or("");
    {
        let mut st = lock(&fake.state);
        st.requests.push(req.clone());
        if operation.is_empty() {
            st.sends += 1;
        }
        match st.mode.clone() {
            Some(Mode::Error(code)) => return error(code, description(code)),
            Some(Mode::Http(status)) => {
                return (
                    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                    "Service Unavailable",
                )
                    .into_response()
            }
            _ => {}
        }
    }
    let Some(login) = req.get("login") else {
        return error(401, description(401));
    };
    let Some(password) = req.get("password") else {
        return error(402, description(402));
    };
    if login != cfg.login || password != cfg.password {
        return error(411, description(411));
    }
    match operation {
        "account" => return reply(format!("<account>{}</account>\n", cfg.balance)),
        "status" => return status(fake, req),
        _ => {}
    }
    let Some(phones) = req.get("phones") else {
        return error(403, description(403));
    };
    let Some(message) = req.get("message") else {
        return error(405, description(405));
    };
    let phones: Vec<&str> = phones
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if phones.is_empty() {
        return error(407, description(407));
    }
    let originator = req.get("originator").unwrap_or("").to_string();
    let ignore = req.get("ignore_phone_format") == Some("1");
    let mut st = lock(&fake.state);
    if originator.len() > 15
        || (!originator.bytes().all(|b| b.is_ascii_digit()) && originator.chars().count() > 11)
    {
        return error(421, description(421));
    }
    if st.forbidden_originators.contains(&originator) {
        return error(436, description(436));
    }
    if !ignore {
        for p in &phones {
            if !p.bytes().all(|b| b.is_ascii_digit()) {
                return error(428, description(428));
            }
            if p.len() < 11 {
                return error(425, description(425));
            }
            if p.len() > 15 {
                return error(426, description(426));
            }
            if st.blocked_phones.contains(*p) {
                return error(432, description(432));
            }
        }
    }
    if st.mode == Some(Mode::QueueNothing) {
        return reply(
            "<result>OK</result>\n<code>0</code>\n<description>queued 0 messages</description>\n"
                .into(),
        );
    }
    let rus = req.get("rus").unwrap_or("0");
    let max_parts: usize = req
        .get("max_parts")
        .and_then(|v| v.parse().ok())
        .unwrap_or(255);
    let parts = parts_of(message, rus).min(max_parts.max(1));
    let want_ids = req.get("want_sms_ids") == Some("1");
    let now = Instant::now();
    let wall = SystemTime::now();
    let mut infos = String::new();
    let mut queued = 0;
    let mut reports = Vec::new();
    for p in &phones {
        let final_status = st
            .phone_status
            .get(*p)
            .cloned()
            .unwrap_or_else(|| cfg.final_status.clone());
        for part in 1..=parts {
            let id = st.next_id;
            st.next_id += 1;
            st.sms.insert(
                id,
                Sms {
                    id,
                    phone: p.to_string(),
                    text: message.to_string(),
                    originator: originator.clone(),
                    part,
                    parts,
                    submitted: now,
                    submitted_wall: wall,
                    final_status: final_status.clone(),
                },
            );
            queued += 1;
            if want_ids {
                infos.push_str(&format!(
                    "<message_info>\n<phone>{p}</phone>\n<sms_id>{id}</sms_id>\n</message_info>\n"
                ));
            }
            reports.push((id, final_status.clone()));
        }
    }
    drop(st);
    if let (Some(url), Some(after)) = (cfg.callback_url.clone(), cfg.deliver_after) {
        let fake = fake.clone();
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            for (id, status) in reports {
                let _ = fake.post_report(&url, id, &status).await;
            }
        });
    }
    let infos = if want_ids {
        format!("<message_infos>\n{infos}</message_infos>\n")
    } else {
        String::new()
    };
    reply(format!(
        "<result>OK</result>\n<code></code>\n<description>queued {queued} messages</description>\n{infos}"
    ))
}

fn status(fake: &Arc<Fake>, req: &Request) -> Response {
    let Some(ids) = req.get("sms_id") else {
        return error(433, description(433));
    };
    let ids: Vec<&str> = ids
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if ids.is_empty() {
        return error(433, description(433));
    }
    let now = Instant::now();
    let st = lock(&fake.state);
    let item = |id: &str| -> String {
        match id.parse::<u64>().ok().and_then(|n| st.sms.get(&n)) {
            Some(s) => {
                let status = fake.status_of(s, now);
                let submitted = msk(s.submitted_wall);
                let changed = msk(SystemTime::now());
                format!(
                    "<submition_date>{submitted}</submition_date>\n<send_date>{submitted}</send_date>\n<last_status_change_date>{changed}</last_status_change_date>\n<status>{status}</status>\n<error></error>\n<sms_id>{id}</sms_id>\n"
                )
            }
            None => format!(
                "<error>no such message or this message does not belong to you</error>\n<sms_id>{}</sms_id>\n",
                xml_escape(id)
            ),
        }
    };
    if ids.len() == 1 {
        reply(item(ids[0]))
    } else {
        reply(
            ids.iter()
                .map(|id| format!("<sms>\n{}</sms>\n", item(id)))
                .collect(),
        )
    }
}

/// `POST /_control`: `mode=normal|error|http|stall|queue_nothing`, `code=` (error/http),
/// `ms=` (stall), `deliver_after_ms=`, `callback_url=`, `block_phone=`, `forbid_originator=`.
async fn control(State(fake): State<Arc<Fake>>, body: Bytes) -> Response {
    let form = parse_form(&String::from_utf8_lossy(&body));
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let num = |k: &str| get(k).and_then(|v| v.parse::<u64>().ok());
    if let Some(mode) = get("mode") {
        let m = match mode.as_str() {
            "normal" => Mode::Normal,
            "error" => Mode::Error(num("code").unwrap_or(1000) as u32),
            "http" => Mode::Http(num("code").unwrap_or(503) as u16),
            "stall" => Mode::Stall(Duration::from_millis(num("ms").unwrap_or(60_000))),
            "queue_nothing" => Mode::QueueNothing,
            _ => return (StatusCode::BAD_REQUEST, "unknown mode\n").into_response(),
        };
        fake.set_mode(m);
    }
    if let Some(ms) = get("deliver_after_ms") {
        fake.set_deliver_after(ms.parse().ok().map(Duration::from_millis));
    }
    if let Some(url) = get("callback_url") {
        fake.set_callback_url((!url.is_empty()).then_some(url));
    }
    if let Some(p) = get("block_phone") {
        fake.block_phone(&p);
    }
    if let Some(o) = get("forbid_originator") {
        fake.forbid_originator(&o);
    }
    let st = lock(&fake.state);
    format!("ok sends={} sms={}\n", st.sends, st.sms.len()).into_response()
}

pub fn router(fake: Arc<Fake>) -> Router {
    Router::new()
        .route(
            "/multi.php",
            post(multi).get(|| async { error(401, description(401)) }),
        )
        .route("/_control", post(control))
        .with_state(fake)
}

/// Serve on a bound listener until the task is dropped.
pub async fn serve(listener: tokio::net::TcpListener, fake: Arc<Fake>) -> std::io::Result<()> {
    axum::serve(listener, router(fake)).await
}

/// Start on 127.0.0.1 with a free port; returns the `multi.php` URL.
pub async fn spawn(fake: Arc<Fake>) -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = l.local_addr().expect("addr");
    tokio::spawn(serve(l, fake));
    format!("http://{addr}/multi.php")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_dates() {
        assert_eq!(parts_of("hello", "0"), 1);
        assert_eq!(parts_of(&"a".repeat(161), "0"), 2);
        assert_eq!(parts_of("hello", "5"), 1);
        assert_eq!(parts_of(&"я".repeat(71), "5"), 2);
        assert_eq!(msk(UNIX_EPOCH), "1970-01-01 03:00:00");
        assert_eq!(
            parse_form("a=1+2&b=%D1%8F"),
            vec![("a".into(), "1 2".into()), ("b".into(), "я".into())]
        );
    }
}
