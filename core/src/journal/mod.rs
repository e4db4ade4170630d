//! The request journal («журнал логов»): every `/api` request, written by one background task in
//! batches so a request never waits for the database, plus the daily counters (day × user ×
//! module × method × outcome) kept alongside so dashboards and reports never scan the journal.
//!
//! Nothing is lost: senders wait when the queue is full (back-pressure, not dropping), failed
//! batches are retried, and [`JournalHandle::shutdown`] drains the queue completely.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc, oneshot, watch, Mutex};

use crate::access::audit::like_pattern;
use crate::access::live::Live;
use crate::platform::db::{Backend, Db};
use crate::platform::error::ServiceError;

const QUEUE: usize = 16_384;
const BATCH: usize = 1_000;
/// How long the writer waits for more rows after the first of a batch.
const GATHER: Duration = Duration::from_millis(5);
/// Rows per multi-row INSERT (16 parameters each; well under both backends' limits).
const ROWS_PER_INSERT: usize = 100;
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

enum Msg {
    Entry(Box<Entry>),
    Flush(oneshot::Sender<()>),
}

#[derive(Clone)]
pub struct JournalHandle {
    tx: mpsc::Sender<Msg>,
    /// Fires when the writer thread has written everything and stopped.
    task: Arc<Mutex<Option<oneshot::Receiver<()>>>>,
    stop: Arc<tokio::sync::Notify>,
    events: broadcast::Sender<Arc<Written>>,
    events_closed: Arc<watch::Sender<bool>>,
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

    /// Stop accepting entries, write everything queued, and wait for the writer to finish.
    pub async fn shutdown(&self) {
        self.stop.notify_one();
        if let Some(done) = self.task.lock().await.take() {
            let _ = done.await;
        }
    }
}

/// The writer's nice value: journal batches are background work and must not take a core from
/// the requests being served (on a busy 2-core box a batch commit at the same priority shows up in
/// the requests' p99). Linux keeps nice per thread, and threads inherit it from the thread that
/// starts them, so the SQLite connection thread started from the writer's thread runs at it too.
/// Under sustained overload the writer still gets its share: senders wait when the queue is full,
/// which frees the CPU for it (back-pressure, never dropping).
const WRITER_NICE: i32 = 10;

/// Start the writer: a thread of its own at a lower priority, with its own runtime and its own
/// database connection (opened from that thread).
pub fn spawn(db: Db, live: Arc<Live>) -> std::io::Result<JournalHandle> {
    let (tx, rx) = mpsc::channel(QUEUE);
    let stop = Arc::new(tokio::sync::Notify::new());
    let (events, _) = broadcast::channel(EVENT_BACKLOG);
    let (done_tx, done_rx) = oneshot::channel();
    let run = {
        let (stop, events) = (stop.clone(), events.clone());
        move || {
            lower_priority(WRITER_NICE);
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    tracing::error!(error = %e, "journal runtime could not start");
                    return;
                }
            };
            rt.block_on(async move {
                let own = match db.dedicated(1).await {
                    Ok(own) => own,
                    Err(e) => {
                        tracing::warn!(error = %e, "journal: no connection of its own; sharing the pool");
                        None
                    }
                };
                writer(own.clone().unwrap_or(db), live, rx, stop, events).await;
                if let Some(own) = own {
                    own.pool.close().await;
                }
            });
            let _ = done_tx.send(());
        }
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
    })
}

/// Lower the calling thread's scheduling priority (Linux: per thread). Best effort elsewhere.
fn lower_priority(nice: i32) {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: setpriority takes plain integers; `who = 0` is the calling thread on Linux.
        let rc = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, nice) };
        if rc != 0 {
            tracing::debug!(
                "journal: priority unchanged ({})",
                std::io::Error::last_os_error()
            );
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = nice;
}

async fn writer(
    db: Db,
    live: Arc<Live>,
    mut rx: mpsc::Receiver<Msg>,
    stop: Arc<tokio::sync::Notify>,
    events: broadcast::Sender<Arc<Written>>,
) {
    let mut buf: Vec<Msg> = Vec::with_capacity(BATCH);
    let mut stopping = false;
    loop {
        let n = if stopping {
            rx.recv_many(&mut buf, BATCH).await
        } else {
            tokio::select! {
                n = rx.recv_many(&mut buf, BATCH) => n,
                _ = stop.notified() => {
                    stopping = true;
                    rx.close();
                    continue;
                }
            }
        };
        if n == 0 {
            break; // closed and drained
        }
        // Let a batch build up for a few milliseconds: one transaction per ~5 ms instead of one
        // per request keeps the writer from competing with the requests for the CPU.
        if !stopping && buf.len() < BATCH && !buf.iter().any(|m| matches!(m, Msg::Flush(_))) {
            tokio::time::sleep(GATHER).await;
            while buf.len() < BATCH {
                match rx.try_recv() {
                    Ok(m) => buf.push(m),
                    Err(_) => break,
                }
            }
        }
        let mut entries = Vec::with_capacity(buf.len());
        let mut waiters = Vec::new();
        for m in buf.drain(..) {
            match m {
                Msg::Entry(e) => entries.push(*e),
                Msg::Flush(w) => waiters.push(w),
            }
        }
        if !entries.is_empty() {
            write_with_retry(&db, &live, &entries).await;
            // Never blocks: a full backlog overwrites the oldest batch for slow subscribers.
            if events.receiver_count() > 0 {
                let _ = events.send(Arc::new(Written::of(&entries)));
            }
        }
        for w in waiters {
            let _ = w.send(());
        }
    }
}

async fn write_with_retry(db: &Db, live: &Live, entries: &[Entry]) {
    let mut delay = Duration::from_millis(50);
    for attempt in 1..=12 {
        match write_batch(db, live, entries).await {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(error = %e, attempt, rows = entries.len(), "journal write failed; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
    tracing::error!(
        rows = entries.len(),
        "journal rows could not be written after 12 attempts"
    );
}

async fn write_batch(db: &Db, live: &Live, entries: &[Entry]) -> Result<(), sqlx::Error> {
    let snap = live.current();
    let mut tx = db.pool.begin().await?;
    for chunk in entries.chunks(ROWS_PER_INSERT) {
        let mut sql = String::from(
            "INSERT INTO request_journal (at, request_id, user_id, user_login, key_id, module, method, \
             http_method, path, status, error_code, outcome, latency_us, client_ip, response_bytes) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str("(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
        }
        let mut q = sqlx::query(&sql);
        for e in chunk {
            q = q
                .bind(e.at)
                .bind(&e.request_id)
                .bind(e.user_id)
                .bind(&e.user_login)
                .bind(e.key_id)
                .bind(&e.module)
                .bind(&e.method)
                .bind(&e.http_method)
                .bind(&e.path)
                .bind(e.status as i64)
                .bind(&e.error_code)
                .bind(outcome(e.status))
                .bind(e.latency_us)
                .bind(&e.client_ip)
                .bind(e.response_bytes);
        }
        q.execute(&mut *tx).await?;
    }
    // Daily counters, aggregated per batch.
    let mut counts: HashMap<(i64, i64, &str, &str, &str), i64> = HashMap::new();
    for e in entries {
        let k = (
            snap.day_of(e.at),
            e.user_id.unwrap_or(0),
            e.module.as_deref().unwrap_or(""),
            e.method.as_deref().unwrap_or(""),
            outcome(e.status),
        );
        *counts.entry(k).or_default() += 1;
    }
    let upsert = match db.backend {
        Backend::Sqlite => {
            "INSERT INTO daily_counters (day, user_id, module, method, outcome, count) VALUES (?, ?, ?, ?, ?, ?) \
             ON CONFLICT (day, user_id, module, method, outcome) DO UPDATE SET count = count + excluded.count"
        }
        Backend::MySql => {
            "INSERT INTO daily_counters (day, user_id, module, method, outcome, count) VALUES (?, ?, ?, ?, ?, ?) \
             ON DUPLICATE KEY UPDATE count = count + VALUES(count)"
        }
    };
    let mut keys: Vec<_> = counts.into_iter().collect();
    keys.sort(); // a fixed order avoids lock-order deadlocks between instances
    for ((day, user, module, method, outcome), n) in keys {
        sqlx::query(upsert)
            .bind(day)
            .bind(user)
            .bind(module)
            .bind(method)
            .bind(outcome)
            .bind(n)
            .execute(&mut *tx)
            .await?;
    }
    // Keys' last use: the newest entry per key.
    let mut last: HashMap<i64, (i64, &str)> = HashMap::new();
    for e in entries {
        if let Some(k) = e.key_id {
            let slot = last.entry(k).or_insert((e.at, &e.client_ip));
            if e.at >= slot.0 {
                *slot = (e.at, &e.client_ip);
            }
        }
    }
    let mut last: Vec<_> = last.into_iter().collect();
    last.sort();
    for (key_id, (at, ip)) in last {
        sqlx::query(
            "UPDATE api_keys SET last_used_at = ?, last_used_ip = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)",
        )
        .bind(at)
        .bind(ip)
        .bind(key_id)
        .bind(at)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// Mask what must not be stored: secret-looking query parameters and phone numbers (any run of 7
/// or more digits keeps its first 4 and last 2 digits).
pub fn mask_path(path_and_query: &str) -> String {
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_and_query, None),
    };
    let mut out = mask_digits(path);
    if let Some(q) = query {
        out.push('?');
        let parts: Vec<String> = q
            .split('&')
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                let lk = k.to_ascii_lowercase();
                let secret = [
                    "key", "token", "password", "passwd", "secret", "sig", "auth",
                ]
                .iter()
                .any(|s| lk.contains(s));
                if secret && !v.is_empty() {
                    format!("{k}=***")
                } else {
                    format!("{}={}", mask_digits(k), mask_digits(v))
                }
            })
            .collect();
        out.push_str(&parts.join("&"));
    }
    out
}

fn mask_digits(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let run = &s[start..i];
            if run.len() >= 7 {
                out.push_str(&run[..4]);
                out.push_str(&"*".repeat(run.len() - 6));
                out.push_str(&run[run.len() - 2..]);
            } else {
                out.push_str(run);
            }
        } else {
            let ch = s[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

// ---- queries for the admin panel ----------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Row {
    pub id: i64,
    pub at: i64,
    pub request_id: String,
    pub user_id: Option<i64>,
    pub user_login: Option<String>,
    pub module: Option<String>,
    pub method: Option<String>,
    pub http_method: String,
    pub path: String,
    pub status: i64,
    pub error_code: Option<String>,
    pub outcome: String,
    pub latency_us: i64,
    pub client_ip: String,
    pub response_bytes: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    /// Login substring.
    pub user: Option<String>,
    pub module: Option<String>,
    pub method: Option<String>,
    /// `ok`, `bad` or `error`.
    pub outcome: Option<String>,
    pub from_ms: Option<i64>,
    pub until_ms: Option<i64>,
    pub request_id: Option<String>,
}

pub async fn list(
    db: &Db,
    f: &Filter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Row>, i64), ServiceError> {
    let some = |o: &Option<String>| {
        o.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
    };
    let user = some(&f.user).map(|u| like_pattern(&u));
    let module = some(&f.module);
    let method = some(&f.method);
    let outcome = some(&f.outcome);
    if let Some(o) = &outcome {
        if !matches!(o.as_str(), "ok" | "bad" | "error") {
            return Err(ServiceError::invalid("outcome", "must be ok, bad or error"));
        }
    }
    let request_id = some(&f.request_id);
    let mut wh: Vec<&str> = Vec::new();
    if user.is_some() {
        wh.push("user_login LIKE ? ESCAPE '!'");
    }
    if module.is_some() {
        wh.push("module = ?");
    }
    if method.is_some() {
        wh.push("method = ?");
    }
    if outcome.is_some() {
        wh.push("outcome = ?");
    }
    if f.from_ms.is_some() {
        wh.push("at >= ?");
    }
    if f.until_ms.is_some() {
        wh.push("at < ?");
    }
    if request_id.is_some() {
        wh.push("request_id = ?");
    }
    let where_sql = if wh.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", wh.join(" AND "))
    };
    macro_rules! binds {
        ($q:expr) => {{
            let mut q = $q;
            if let Some(v) = &user {
                q = q.bind(v.clone());
            }
            if let Some(v) = &module {
                q = q.bind(v.clone());
            }
            if let Some(v) = &method {
                q = q.bind(v.clone());
            }
            if let Some(v) = &outcome {
                q = q.bind(v.clone());
            }
            if let Some(v) = f.from_ms {
                q = q.bind(v);
            }
            if let Some(v) = f.until_ms {
                q = q.bind(v);
            }
            if let Some(v) = &request_id {
                q = q.bind(v.clone());
            }
            q
        }};
    }
    let sql = format!(
        "SELECT id, at, request_id, user_id, user_login, module, method, http_method, path, status, \
         error_code, outcome, latency_us, client_ip, response_bytes FROM request_journal{where_sql} \
         ORDER BY at DESC, id DESC LIMIT ? OFFSET ?"
    );
    let items = binds!(sqlx::query_as::<_, Row>(&sql))
        .bind(limit.clamp(1, 1000))
        .bind(offset.max(0))
        .fetch_all(&db.pool)
        .await?;
    let count_sql = format!("SELECT COUNT(*) FROM request_journal{where_sql}");
    let total = binds!(sqlx::query_scalar::<_, i64>(&count_sql))
        .fetch_one(&db.pool)
        .await?;
    Ok((items, total))
}

/// Sum of the daily counters (for checks and summaries): `(ok, bad, error)`.
pub async fn counter_totals(db: &Db) -> Result<(i64, i64, i64), ServiceError> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT outcome, CAST(SUM(count) AS SIGNED) FROM daily_counters GROUP BY outcome",
    )
    .fetch_all(&db.pool)
    .await?;
    let get = |o: &str| {
        rows.iter()
            .find(|(k, _)| k == o)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    };
    Ok((get("ok"), get("bad"), get("error")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (name, nice) of this process's threads.
    #[cfg(target_os = "linux")]
    fn threads() -> Vec<(String, i64)> {
        std::fs::read_dir("/proc/self/task")
            .unwrap()
            .filter_map(|t| {
                let stat = std::fs::read_to_string(t.ok()?.path().join("stat")).ok()?;
                // `pid (comm) state ...`: fields after the closing parenthesis; nice is field 19.
                let (head, rest) = stat.rsplit_once(')')?;
                let name = head.split_once('(')?.1.to_string();
                let nice = rest.split_whitespace().nth(16)?.parse().ok()?;
                Some((name, nice))
            })
            .collect()
    }

    #[cfg(target_os = "linux")]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_writer_and_its_connection_run_below_the_requests() {
        let (_dir, db) = crate::platform::db::scratch(2).await;
        let live = Live::new(db.clone()).await.unwrap();
        let before: Vec<String> = threads().into_iter().map(|t| t.0).collect();
        let journal = spawn(db.clone(), live).unwrap();
        journal
            .record(Entry {
                at: 1_700_000_000_000,
                request_id: "0".repeat(32),
                user_id: None,
                user_login: None,
                key_id: None,
                module: None,
                method: None,
                http_method: "GET".into(),
                path: "/api/v1/me".into(),
                status: 401,
                error_code: Some("auth_missing".into()),
                latency_us: 10,
                client_ip: "127.0.0.1".into(),
                response_bytes: 100,
            })
            .await;
        journal.flush().await;
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM request_journal")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(n, 1);
        let now = threads();
        let writer: Vec<_> = now.iter().filter(|t| t.0 == "ccgate-journal").collect();
        assert!(!writer.is_empty(), "no writer thread in {now:?}");
        assert!(
            writer.iter().all(|t| t.1 == WRITER_NICE as i64),
            "{writer:?}"
        );
        // The writer's own SQLite connection thread started after `spawn`, from the writer.
        let new_sqlite: Vec<_> = now
            .iter()
            .filter(|t| t.0.starts_with("sqlx-sqlite") && t.1 == WRITER_NICE as i64)
            .collect();
        assert!(
            !new_sqlite.is_empty()
                && before
                    .iter()
                    .filter(|n| n.starts_with("sqlx-sqlite"))
                    .count()
                    >= 1,
            "threads before {before:?}, after {now:?}"
        );
        // Request-serving threads keep their priority.
        assert!(
            now.iter().any(|t| t.0 == "tokio-rt-worker" && t.1 == 0),
            "{now:?}"
        );
        journal.shutdown().await;
    }

    #[test]
    fn masking() {
        assert_eq!(
            mask_path("/api/v1/cc/cdr?number=79161234567&limit=10"),
            "/api/v1/cc/cdr?number=7916*****67&limit=10"
        );
        assert_eq!(
            mask_path("/api/v1/x?api_key=ccg_abc&token=t"),
            "/api/v1/x?api_key=***&token=***"
        );
        assert_eq!(mask_path("/api/v1/cc/add/12345"), "/api/v1/cc/add/12345");
        assert_eq!(
            mask_path("/api/v1/sms/send/+79161234567"),
            "/api/v1/sms/send/+7916*****67"
        );
        assert_eq!(mask_path("/путь?q=да"), "/путь?q=да");
    }

    #[test]
    fn outcomes() {
        assert_eq!(outcome(200), "ok");
        assert_eq!(outcome(404), "bad");
        assert_eq!(outcome(502), "error");
    }
}
