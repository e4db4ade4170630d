//! A local stand-in for SMSC.ru's HTTP API with `fmt=3` (JSON): `send.php` answers
//! `{"id","cnt"}` (one id per request) or `{"error","error_code"}`, `status.php` by `id` and `phone`
//! answers `{"status","last_date","last_timestamp","flag","err"}`, `balance.php` `{"balance"}`.
//! Statuses go −1 (waiting) → 0 (handed to the operator) → 1 (delivered) over `deliver_after`.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;

use crate::shared::{field, msk, parse_form, spawn_on_free_port, Mode};

#[derive(Debug, Clone)]
pub struct Config {
    pub login: String,
    pub password: String,
    pub deliver_after: Option<Duration>,
    pub balance: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            login: "login".into(),
            password: "password".into(),
            deliver_after: Some(Duration::from_millis(200)),
            balance: "100.50".into(),
        }
    }
}

#[derive(Default)]
struct State_ {
    mode: Option<Mode>,
    next_id: u64,
    /// (id, phone) → submitted
    sent: HashMap<(u64, String), Instant>,
    blocked: HashSet<String>,
    sends: usize,
    requests: Vec<Vec<(String, String)>>,
}

pub struct SmscFake {
    cfg: Config,
    state: Mutex<State_>,
}

impl SmscFake {
    pub fn new(cfg: Config) -> Arc<SmscFake> {
        Arc::new(SmscFake {
            cfg,
            state: Mutex::new(State_ {
                next_id: 1,
                ..Default::default()
            }),
        })
    }
    fn st(&self) -> std::sync::MutexGuard<'_, State_> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
    pub fn set_mode(&self, m: Mode) {
        self.st().mode = Some(m);
    }
    pub fn block_phone(&self, digits: &str) {
        self.st().blocked.insert(digits.into());
    }
    pub fn send_requests(&self) -> usize {
        self.st().sends
    }
    pub fn requests(&self) -> Vec<Vec<(String, String)>> {
        self.st().requests.clone()
    }
}

fn json(body: String) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body,
    )
        .into_response()
}

fn error(code: u32, text: &str) -> Response {
    json(format!("{{\"error\": \"{text}\", \"error_code\": {code}}}"))
}

/// Common checks; `Err` is the answer to give.
fn gate(fake: &SmscFake, form: &[(String, String)], is_send: bool) -> Result<(), Response> {
    let mut st = fake.st();
    st.requests.push(form.to_vec());
    if is_send {
        st.sends += 1;
    }
    match st.mode.clone() {
        Some(Mode::Error(code)) => return Err(error(code, "error")),
        Some(Mode::Http(s)) => {
            return Err((
                StatusCode::from_u16(s).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                "error",
            )
                .into_response())
        }
        _ => {}
    }
    if field(form, "login") != Some(fake.cfg.login.as_str())
        || field(form, "psw") != Some(fake.cfg.password.as_str())
    {
        return Err(error(2, "authorise error"));
    }
    Ok(())
}

async fn stall(fake: &SmscFake) {
    let d = match fake.st().mode.clone() {
        Some(Mode::Stall(d)) => Some(d),
        _ => None,
    };
    if let Some(d) = d {
        tokio::time::sleep(d).await;
    }
}

async fn send(State(fake): State<Arc<SmscFake>>, body: Bytes) -> Response {
    let form = parse_form(&String::from_utf8_lossy(&body));
    let answer = (|| {
        gate(&fake, &form, true)?;
        let phones: Vec<String> = field(&form, "phones")
            .unwrap_or("")
            .split([',', ';'])
            .map(|p| p.trim().trim_start_matches('+').to_string())
            .filter(|p| !p.is_empty())
            .collect();
        if phones.is_empty() || field(&form, "mes").unwrap_or("").is_empty() {
            return Err(error(1, "parameters error"));
        }
        let mut st = fake.st();
        if phones
            .iter()
            .any(|p| !p.bytes().all(|b| b.is_ascii_digit()) || p.len() < 11)
        {
            return Err(error(7, "invalid number"));
        }
        if phones.iter().any(|p| st.blocked.contains(p)) {
            return Err(error(8, "cannot be delivered"));
        }
        let id = st.next_id;
        st.next_id += 1;
        let now = Instant::now();
        for p in &phones {
            st.sent.insert((id, p.clone()), now);
        }
        Ok(json(format!("{{\"id\": {id}, \"cnt\": {}}}", phones.len())))
    })()
    .unwrap_or_else(|r| r);
    stall(&fake).await;
    answer
}

async fn status(State(fake): State<Arc<SmscFake>>, body: Bytes) -> Response {
    let form = parse_form(&String::from_utf8_lossy(&body));
    if let Err(r) = gate(&fake, &form, false) {
        return r;
    }
    let id: u64 = field(&form, "id").and_then(|v| v.parse().ok()).unwrap_or(0);
    let phone = field(&form, "phone")
        .unwrap_or("")
        .trim_start_matches('+')
        .to_string();
    let st = fake.st();
    let Some(at) = st.sent.get(&(id, phone)) else {
        return json("{\"status\": -3, \"err\": 0}".into());
    };
    let elapsed = at.elapsed();
    let code = match fake.cfg.deliver_after {
        Some(d) if elapsed >= d => 1,
        _ if elapsed >= Duration::from_millis(50) => 0,
        _ => -1,
    };
    let ts = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    json(format!(
        "{{\"status\": {code}, \"last_date\": \"{}\", \"last_timestamp\": {ts}, \"flag\": 0, \"err\": 0}}",
        msk(SystemTime::now())
    ))
}

async fn balance(State(fake): State<Arc<SmscFake>>, body: Bytes) -> Response {
    let form = parse_form(&String::from_utf8_lossy(&body));
    if let Err(r) = gate(&fake, &form, false) {
        return r;
    }
    json(format!("{{\"balance\": \"{}\"}}", fake.cfg.balance))
}

pub fn router(fake: Arc<SmscFake>) -> Router {
    Router::new()
        .route("/sys/send.php", post(send))
        .route("/sys/status.php", post(status))
        .route("/sys/balance.php", post(balance))
        .with_state(fake)
}

/// Start on 127.0.0.1 with a free port; returns the `send.php` URL.
pub async fn spawn(fake: Arc<SmscFake>) -> String {
    spawn_on_free_port(router(fake), "/sys/send.php").await
}
