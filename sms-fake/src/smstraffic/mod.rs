//! The SMS Traffic `multi.php` fake: its configuration, the messages it queued, the controls
//! tests use ([`Fake`]), and its HTTP routes.

mod control;
mod multi;
mod reply;
mod reports;
mod send;
mod status;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::routing::post;
use axum::Router;

use crate::shared::{field, spawn_on_free_port, Mode};

pub use reply::description;
#[cfg(test)]
pub(crate) use send::parts_of;

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
        field(&self.form, k)
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
    /// `operation=status` requests that reached the fake (whatever the answer).
    status_queries: usize,
    /// Status queries (only they) wait this long before answering.
    status_stall: Option<Duration>,
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
            http: crate::tls::plain_client(),
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
    /// Status queries (`operation=status`) that reached the fake, one per request whatever the
    /// number of ids it carried.
    pub fn status_requests(&self) -> usize {
        lock(&self.state).status_queries
    }
    /// Make status queries (only they) wait `d` before answering (`None`: answer at once).
    pub fn set_status_stall(&self, d: Option<Duration>) {
        lock(&self.state).status_stall = d;
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
}

pub fn router(fake: Arc<Fake>) -> Router {
    Router::new()
        .route(
            "/multi.php",
            post(multi::multi).get(|| async { reply::error(401, description(401)) }),
        )
        .route("/_control", post(control::control))
        .with_state(fake)
}

/// Serve on a bound listener until the task is dropped.
pub async fn serve(listener: tokio::net::TcpListener, fake: Arc<Fake>) -> std::io::Result<()> {
    axum::serve(listener, router(fake)).await
}

/// Start on 127.0.0.1 with a free port; returns the `multi.php` URL.
pub async fn spawn(fake: Arc<Fake>) -> String {
    spawn_on_free_port(router(fake), "/multi.php").await
}

/// Start over HTTPS with `cert` (see [`crate::tls`]); the URL is `https://localhost:PORT/multi.php`.
pub async fn spawn_tls(fake: Arc<Fake>, cert: &crate::tls::ServerCert) -> crate::tls::Spawned {
    crate::tls::spawn_tls(router(fake), cert, "/multi.php").await
}
