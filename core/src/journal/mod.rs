//! The request journal («журнал логов»): every `/api` request, written by one background task in
//! batches so a request never waits for the database, plus the daily counters (day × user ×
//! module × method × outcome) kept alongside so dashboards and reports never scan the journal.
//!
//! Nothing is lost: senders wait when the queue is full (back-pressure, not dropping), failed
//! batches are retried, and [`JournalHandle::shutdown`] drains the queue completely.

//!
//! Here: the entry, the handle requests queue entries through, and the live events of written
//! batches; `writer` writes, `counters` keeps the daily counters, `backfill` counts older rows into
//! counters added later (once, at start), `mask` cleans paths, `query` reads, `retention` deletes
//! rows past `database.journal_retention_days` (the counters stay).

pub mod anonymous;
pub mod backfill;
mod counters;
mod mask;
mod query;
pub mod retention;
mod writer;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc, oneshot, watch, Mutex};

use crate::access::live::Live;
use crate::platform::db::Db;

pub use counters::counter_totals;
pub use mask::{mask_path, MAX_PATH};
pub(crate) use query::SELECT_ROWS;
pub use query::{list, Filter, Row};
use writer::{Msg, Writer};

const QUEUE: usize = 16_384;
/// Batches a live subscriber may fall behind before it skips (it is told how many it missed).
const EVENT_BACKLOG: usize = 64;
/// Rows carried by one live event (the newest of the batch).
const EVENT_ROWS: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub at: i64,
    pub request_id: String,
    pub user_id: Option<i64>,
    pub user_login: Option<String>,
    pub key_id: Option<i64>,
    pub module: Option<String>,
    pub method: Option<String>,
    pub http_method: String,
    /// Path and query, secrets and phone numbers already masked.
    pub path: String,
    pub status: u16,
    pub error_code: Option<String>,
    pub latency_us: i64,
    pub client_ip: String,
    pub response_bytes: i64,
}

/// `ok` (2xx/3xx), `bad` (4xx: the client's fault) or `error` (5xx: ours or upstream's).
pub fn outcome(status: u16) -> &'static str {
    match status {
        0..=399 => "ok",
        400..=499 => "bad",
        _ => "error",
    }
}

#[derive(Clone)]
pub struct JournalHandle {
    tx: mpsc::Sender<Msg>,
    /// Fires when the writer thread has written everything and stopped.
    task: Arc<Mutex<Option<oneshot::Receiver<()>>>>,
    stop: Arc<tokio::sync::Notify>,
    events: broadcast::Sender<Arc<Written>>,
    events_closed: Arc<watch::Sender<bool>>,
    anonymous: Arc<anonymous::Budget>,
}

/// One journal row as the live dashboard shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveRow {
    pub at: i64,
    pub user_login: Option<String>,
    pub module: Option<String>,
    pub method: Option<String>,
    pub status: u16,
    pub error_code: Option<String>,
    pub outcome: String,
    pub latency_us: i64,
}

/// Published after each batch is committed: how many rows of each outcome it held and the newest
/// of them (at most [`EVENT_ROWS`], oldest first). Subscribers that fall behind skip batches; the
/// writer never waits for them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Written {
    pub ok: i64,
    pub bad: i64,
    pub error: i64,
    pub rows: Vec<LiveRow>,
}

impl Written {
    fn of(entries: &[Entry]) -> Written {
        let mut w = Written::default();
        for e in entries {
            match outcome(e.status) {
                "ok" => w.ok += 1,
                "bad" => w.bad += 1,
                _ => w.error += 1,
            }
        }
        w.rows = entries[entries.len().saturating_sub(EVENT_ROWS)..]
            .iter()
            .map(|e| LiveRow {
                at: e.at,
                user_login: e.user_login.clone(),
                module: e.module.clone(),
                method: e.method.clone(),
                status: e.status,
                error_code: e.error_code.clone(),
                outcome: outcome(e.status).to_string(),
                latency_us: e.latency_us,
            })
            .collect();
        w
    }
}

/// A live subscription to written batches; ends when the server shuts down.
pub struct Subscription {
    rx: broadcast::Receiver<Arc<Written>>,
    closed: watch::Receiver<bool>,
}

pub enum Heard {
    Batch(Arc<Written>),
    /// This many batches were skipped because the subscriber was slow.
    Missed(u64),
}

impl Subscription {
    /// The next batch, or `None` once the server is shutting down.
    pub async fn next(&mut self) -> Option<Heard> {
        if *self.closed.borrow() {
            return None;
        }
        tokio::select! {
            r = self.rx.recv() => match r {
                Ok(w) => Some(Heard::Batch(w)),
                Err(broadcast::error::RecvError::Lagged(n)) => Some(Heard::Missed(n)),
                Err(broadcast::error::RecvError::Closed) => None,
            },
            _ = self.closed.wait_for(|c| *c) => None,
        }
    }
}

impl JournalHandle {
    /// Queue an entry; waits only if the queue is full.
    pub async fn record(&self, e: Entry) {
        if self.tx.send(Msg::Entry(Box::new(e))).await.is_err() {
            tracing::error!("journal entry after shutdown: not recorded");
        }
    }

    /// Queue the entry of a request without a known caller, within the per-minute budget of
    /// [`anonymous`]; returns whether it was queued.
    pub async fn record_anonymous(&self, e: Entry) -> bool {
        if !self.anonymous.admit(&e.client_ip, e.at) {
            return false;
        }
        self.record(e).await;
        true
    }

    /// Wait until everything queued so far is in the database.
    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Msg::Flush(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }

    /// Listen to batches as they are written (for the live dashboard).
    pub fn subscribe(&self) -> Subscription {
        Subscription {
            rx: self.events.subscribe(),
            closed: self.events_closed.subscribe(),
        }
    }

    /// End every live subscription (graceful shutdown: long-lived streams must not hold it up).
    pub fn close_events(&self) {
        self.events_closed.send_replace(true);
    }

    /// Entries answered and not yet taken by the writer.
    pub fn queue_depth(&self) -> usize {
        self.tx.max_capacity() - self.tx.capacity()
    }

    /// Stop accepting entries, write everything queued, and wait for the writer to finish.
    pub async fn shutdown(&self) {
        self.stop.notify_one();
        if let Some(done) = self.task.lock().await.take() {
            let _ = done.await;
        }
    }
}

/// Start the writer: a thread of its own at a lower priority, with its own runtime and its own
/// database connection (opened from that thread).
pub fn spawn(db: Db, live: Arc<Live>) -> std::io::Result<JournalHandle> {
    let (tx, rx) = mpsc::channel(QUEUE);
    let stop = Arc::new(tokio::sync::Notify::new());
    let (events, _) = broadcast::channel(EVENT_BACKLOG);
    let (done_tx, done_rx) = oneshot::channel();
    let writer = Writer {
        db,
        live,
        rx,
        stop: stop.clone(),
        events: events.clone(),
    };
    let run = move || {
        writer.run();
        let _ = done_tx.send(());
    };
    std::thread::Builder::new()
        .name("ccgate-journal".into())
        .spawn(run)?;
    Ok(JournalHandle {
        tx,
        task: Arc::new(Mutex::new(Some(done_rx))),
        stop,
        events,
        events_closed: Arc::new(watch::channel(false).0),
        anonymous: Arc::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes() {
        assert_eq!(outcome(200), "ok");
        assert_eq!(outcome(404), "bad");
        assert_eq!(outcome(502), "error");
    }
}
