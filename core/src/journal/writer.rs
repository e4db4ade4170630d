//! The journal writer: a thread of its own at a lower priority, with its own runtime and database
//! connection, that gathers queued entries into batches and writes each batch — rows, daily
//! counters (by outcome and by status) and keys' last use — in one transaction, retrying until it lands.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, mpsc, oneshot, Notify};

use crate::access::live::Live;
use crate::platform::db::Db;
use crate::platform::query::insert_rows;

use super::{counters, outcome, Entry, Written};

const BATCH: usize = 2_000;
/// How long the writer waits for more rows after the first of a batch. Each batch costs a
/// transaction and a handful of statements, each a round trip to the connection's thread: at
/// 35 000 requests/s, 20 ms makes batches of ~700 rows (5 ms made ~175 and cost the requests
/// more CPU per row; `./scripts/bench-gateway`).
const GATHER: Duration = Duration::from_millis(20);
/// Rows per multi-row INSERT (15 parameters each; well under both backends' limits).
const ROWS_PER_INSERT: usize = 100;
/// Attempts at one batch before it is given up (with back-off, about half a minute in all).
const ATTEMPTS: u32 = 12;

const COLUMNS: [&str; 15] = [
    "at",
    "request_id",
    "user_id",
    "user_login",
    "key_id",
    "module",
    "method",
    "http_method",
    "path",
    "status",
    "error_code",
    "outcome",
    "latency_us",
    "client_ip",
    "response_bytes",
];

pub(super) enum Msg {
    Entry(Box<Entry>),
    Flush(oneshot::Sender<()>),
}

/// How much nicer than the requests the writer runs: journal batches are background work and must not take a core from
/// the requests being served (on a busy 2-core box a batch commit at the same priority shows up in
/// the requests' p99). Linux keeps nice per thread, and threads inherit it from the thread that
/// starts them, so the SQLite connection thread started from the writer's thread runs at it too.
/// Under sustained overload the writer still gets its share: senders wait when the queue is full,
/// which frees the CPU for it (back-pressure, never dropping).
pub(super) const WRITER_NICE: i32 = 10;

/// What the writer thread needs; [`Writer::run`] is the thread's body.
pub(super) struct Writer {
    pub db: Db,
    pub live: Arc<Live>,
    pub rx: mpsc::Receiver<Msg>,
    pub stop: Arc<Notify>,
    pub events: broadcast::Sender<Arc<Written>>,
}

impl Writer {
    /// Lower this thread's priority, start a runtime, open a connection of its own (from this
    /// thread, so it inherits the priority) and write until stopped and drained.
    pub fn run(self) {
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
            let own = match self.db.dedicated(1).await {
                Ok(own) => own,
                Err(e) => {
                    tracing::warn!(error = %e, "journal: no connection of its own; sharing the pool");
                    None
                }
            };
            let db = own.clone().unwrap_or_else(|| self.db.clone());
            self.write_until_stopped(db).await;
            if let Some(own) = own {
                own.pool.close().await;
            }
        });
    }

    async fn write_until_stopped(mut self, db: Db) {
        let mut buf: Vec<Msg> = Vec::with_capacity(BATCH);
        let mut stopping = false;
        loop {
            let n = if stopping {
                self.rx.recv_many(&mut buf, BATCH).await
            } else {
                tokio::select! {
                    n = self.rx.recv_many(&mut buf, BATCH) => n,
                    _ = self.stop.notified() => {
                        stopping = true;
                        self.rx.close();
                        continue;
                    }
                }
            };
            if n == 0 {
                break; // closed and drained
            }
            // Let a batch build up for a few milliseconds: one transaction per `GATHER` instead of
            // one per request keeps the writer from competing with the requests for the CPU.
            if !stopping && buf.len() < BATCH && !buf.iter().any(|m| matches!(m, Msg::Flush(_))) {
                tokio::time::sleep(GATHER).await;
                while buf.len() < BATCH {
                    match self.rx.try_recv() {
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
                write_with_retry(&db, &self.live, &entries).await;
                // Never blocks: a full backlog overwrites the oldest batch for slow subscribers.
                if self.events.receiver_count() > 0 {
                    let _ = self.events.send(Arc::new(Written::of(&entries)));
                }
            }
            for w in waiters {
                let _ = w.send(());
            }
        }
    }
}

/// Lower the calling thread's scheduling priority by `nice` below the one it has (Linux: per
/// thread; at most 19), so the gap to the requests holds when the whole process already runs
/// niced. Best effort elsewhere.
fn lower_priority(nice: i32) {
    #[cfg(target_os = "linux")]
    {
        let target = (current_nice() + nice).min(19);
        // SAFETY: setpriority takes plain integers; `who = 0` is the calling thread on Linux.
        let rc = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, target) };
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

/// The calling thread's nice value (Linux: per thread).
#[cfg(target_os = "linux")]
fn current_nice() -> i32 {
    // SAFETY: getpriority takes plain integers; `who = 0` is the calling thread on Linux. It may
    // return -1 as a value, which is a valid nice value here.
    unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) }
}

async fn write_with_retry(db: &Db, live: &Live, entries: &[Entry]) {
    let mut delay = Duration::from_millis(50);
    for attempt in 1..=ATTEMPTS {
        let started = std::time::Instant::now();
        let written = write_batch(db, live, entries).await;
        crate::platform::metrics::metrics().journal_batch(
            entries.len(),
            started.elapsed(),
            written.is_ok(),
        );
        match written {
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
        "journal rows could not be written after {ATTEMPTS} attempts"
    );
}

/// One transaction: the rows, their daily counters and the keys' last use.
async fn write_batch(db: &Db, live: &Live, entries: &[Entry]) -> Result<(), sqlx::Error> {
    let snap = live.current();
    let mut tx = db.pool.begin().await?;
    for chunk in entries.chunks(ROWS_PER_INSERT) {
        let sql = insert_rows("request_journal", &COLUMNS, chunk.len());
        let mut q = sqlx::query(&sql);
        // In the order of `COLUMNS`.
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
    counters::add(&mut tx, db.backend, &snap, entries).await?;
    counters::add_status(&mut tx, db.backend, &snap, entries).await?;
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
    last.sort(); // a fixed order avoids lock-order deadlocks between instances
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::spawn;

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
        // The requests' priority: this process's (it may run niced as a whole).
        let base = i64::from(current_nice());
        let lowered = (base + WRITER_NICE as i64).min(19);
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
        assert!(writer.iter().all(|t| t.1 == lowered), "{writer:?}");
        // The writer's own SQLite connection thread started after `spawn`, from the writer.
        let new_sqlite: Vec<_> = now
            .iter()
            .filter(|t| t.0.starts_with("sqlx-sqlite") && t.1 == lowered)
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
            now.iter().any(|t| t.0 == "tokio-rt-worker" && t.1 == base),
            "{now:?}"
        );
        journal.shutdown().await;
    }
}
