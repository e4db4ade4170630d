//! Incremental indexing of the CDR directory into the database, and the queries behind `cc/cdr`.
//!
//! The directory is read recursively: `*.cdr.xml`, `*.cdr.json`, `Master.csv*`. A file already
//! read with the same size and mtime is skipped; a `Master.csv` that grew is read from where the
//! last scan stopped (it is append-only). Files are only read, never modified or deleted. The same
//! call in several formats is kept once: XML/JSON (with all variables) win over a CSV row.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::Mutex;
use std::time::UNIX_EPOCH;

use serde::Serialize;

use crate::cc::cdr::parse::{self, Cdr};
use crate::platform::db::{Backend, Db};
use crate::platform::error::ServiceError;

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct ScanStats {
    pub files_seen: u64,
    pub files_read: u64,
    pub records: u64,
    pub errors: u64,
}

enum Kind {
    Xml,
    Json,
    Csv,
}

fn kind_of(name: &str) -> Option<Kind> {
    if name.ends_with(".cdr.xml") {
        Some(Kind::Xml)
    } else if name.ends_with(".cdr.json") {
        Some(Kind::Json)
    } else if name.starts_with("Master.csv") {
        Some(Kind::Csv)
    } else {
        None
    }
}

fn walk(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                stack.push(e.path());
            } else if ft.is_file() && kind_of(&e.file_name().to_string_lossy()).is_some() {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

/// Rows of a `Master.csv` written per transaction: one commit per row made a first scan of a large
/// file take minutes; a batch holds SQLite's write lock for a few milliseconds at most.
const CSV_BATCH: usize = 500;

/// The totals of list queries, kept until the index next changes. Paging through one search, or a
/// screen polling it, counts its matches once per change of the index instead of once per request
/// (a COUNT over 1 000 000 rows takes several milliseconds even from an index).
#[derive(Debug, Default)]
pub struct Totals {
    generation: AtomicU64,
    cache: Mutex<HashMap<String, (u64, i64)>>,
}

impl Totals {
    /// Distinct searches remembered; past that, the stale ones go, then all.
    const MAX: usize = 512;

    /// Called after rows are committed: every remembered total is stale from now on.
    fn changed(&self) {
        self.generation.fetch_add(1, AtomicOrdering::SeqCst);
    }

    fn generation(&self) -> u64 {
        self.generation.load(AtomicOrdering::SeqCst)
    }

    fn get(&self, key: &str) -> Option<i64> {
        let now = self.generation();
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache.get(key).filter(|(g, _)| *g == now).map(|(_, n)| *n)
    }

    /// `generation` is the one read before counting: a count that raced a commit is kept under
    /// the older generation, so it is never served after that commit.
    fn put(&self, key: String, generation: u64, total: i64) {
        let now = self.generation();
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= Self::MAX {
            cache.retain(|_, (g, _)| *g == now);
            if cache.len() >= Self::MAX {
                cache.clear();
            }
        }
        cache.insert(key, (generation, total));
    }
}

async fn store(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    c: &Cdr,
    format: &str,
    source: &str,
) -> Result<(), ServiceError> {
    let vars = serde_json::to_string(&c.variables).unwrap_or_else(|_| "{}".into());
    let verb = match (backend, format) {
        (Backend::Sqlite, "csv") => "INSERT OR IGNORE INTO",
        (Backend::Sqlite, _) => "INSERT OR REPLACE INTO",
        (Backend::MySql, "csv") => "INSERT IGNORE INTO",
        (Backend::MySql, _) => "REPLACE INTO",
    };
    sqlx::query(&format!(
        "{verb} cdr (uuid, format, source, direction, caller_id_name, caller_id_number, destination_number, \
         start_ms, answer_ms, end_ms, duration, billsec, hangup_cause, queue, variables) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ))
    .bind(&c.uuid)
    .bind(format)
    .bind(source)
    .bind(&c.direction)
    .bind(&c.caller_id_name)
    .bind(&c.caller_id_number)
    .bind(&c.destination_number)
    .bind(c.start_ms)
    .bind(c.answer_ms)
    .bind(c.end_ms)
    .bind(c.duration)
    .bind(c.billsec)
    .bind(&c.hangup_cause)
    .bind(&c.queue)
    .bind(vars)
    .execute(conn)
    .await?;
    Ok(())
}

/// The bytes of a file from `from` on (a grown `Master.csv` is read from where the last scan
/// stopped, not from its start).
async fn read_from(path: &Path, from: u64) -> std::io::Result<Vec<u8>> {
    use tokio::io::{AsyncReadExt, AsyncSeekExt};
    let mut f = tokio::fs::File::open(path).await?;
    f.seek(std::io::SeekFrom::Start(from)).await?;
    let mut out = Vec::new();
    f.read_to_end(&mut out).await?;
    Ok(out)
}

/// Read new and grown files under `root` into the index.
pub async fn scan(
    db: &Db,
    totals: &Totals,
    root: &Path,
    utc_offset_minutes: i64,
) -> Result<ScanStats, ServiceError> {
    let root_owned = root.to_path_buf();
    let files = tokio::task::spawn_blocking(move || walk(&root_owned))
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
    let mut st = ScanStats::default();
    for path in files {
        st.files_seen += 1;
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        let size = meta.len() as i64;
        let mtime = meta
            .modified()
            .ok()
            .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let rel = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned();
        let known: Option<(i64, i64, i64)> =
            sqlx::query_as("SELECT size, mtime, read_to FROM cdr_files WHERE path = ?")
                .bind(&rel)
                .fetch_optional(&db.pool)
                .await?;
        if known.is_some_and(|(s, m, _)| s == size && m == mtime) {
            continue;
        }
        st.files_read += 1;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut read_to = size;
        match kind_of(&name) {
            Some(Kind::Xml) | Some(Kind::Json) => {
                let text = tokio::fs::read_to_string(&path).await.unwrap_or_default();
                let parsed = if name.ends_with(".xml") {
                    parse::parse_xml(&text)
                } else {
                    parse::parse_json(&text)
                };
                match parsed {
                    Ok(c) => {
                        let mut conn = db.pool.acquire().await?;
                        store(
                            &mut conn,
                            db.backend,
                            &c,
                            if name.ends_with(".xml") {
                                "xml"
                            } else {
                                "json"
                            },
                            &rel,
                        )
                        .await?;
                        totals.changed();
                        st.records += 1;
                    }
                    Err(e) => {
                        st.errors += 1;
                        tracing::warn!(file = %rel, error = %e, "CDR file skipped");
                    }
                }
            }
            Some(Kind::Csv) => {
                let from = known
                    .map(|(s, _, r)| if size < s { 0 } else { r })
                    .unwrap_or(0);
                let tail = read_from(&path, from as u64).await.unwrap_or_default();
                // Only complete lines; a half-written last line waits for the next scan.
                let complete = tail
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map(|i| i + 1)
                    .unwrap_or(0);
                let mut tx = db.pool.begin().await?;
                let mut in_tx = 0;
                for line in String::from_utf8_lossy(&tail[..complete])
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                {
                    match parse::parse_csv_row(line, utc_offset_minutes) {
                        Ok(c) => {
                            store(&mut *tx, db.backend, &c, "csv", &rel).await?;
                            st.records += 1;
                            in_tx += 1;
                            if in_tx == CSV_BATCH {
                                tx.commit().await?;
                                totals.changed();
                                tx = db.pool.begin().await?;
                                in_tx = 0;
                            }
                        }
                        Err(e) => {
                            st.errors += 1;
                            tracing::warn!(file = %rel, error = %e, "CDR row skipped");
                        }
                    }
                }
                tx.commit().await?;
                if in_tx > 0 {
                    totals.changed();
                }
                read_to = from + complete as i64;
            }
            None => continue,
        }
        let updated =
            sqlx::query("UPDATE cdr_files SET size = ?, mtime = ?, read_to = ? WHERE path = ?")
                .bind(size)
                .bind(mtime)
                .bind(read_to)
                .bind(&rel)
                .execute(&db.pool)
                .await?;
        if updated.rows_affected() == 0 && known.is_none() {
            sqlx::query("INSERT INTO cdr_files (path, size, mtime, read_to) VALUES (?, ?, ?, ?)")
                .bind(&rel)
                .bind(size)
                .bind(mtime)
                .bind(read_to)
                .execute(&db.pool)
                .await?;
        }
    }
    Ok(st)
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub from_ms: Option<i64>,
    pub until_ms: Option<i64>,
    /// Caller or destination number (exact).
    pub number: Option<String>,
    pub direction: Option<String>,
    pub hangup_cause: Option<String>,
    pub queue: Option<String>,
    pub uuid: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Start,
    Duration,
    Billsec,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Row {
    pub uuid: String,
    pub direction: String,
    pub caller_id_name: String,
    pub caller_id_number: String,
    pub destination_number: String,
    pub start_ms: i64,
    pub answer_ms: Option<i64>,
    pub end_ms: i64,
    pub duration: i64,
    pub billsec: i64,
    pub hangup_cause: String,
    pub queue: String,
}

const COLS: &str =
    "uuid, direction, caller_id_name, caller_id_number, destination_number, start_ms, \
    answer_ms, end_ms, duration, billsec, hangup_cause, queue";

/// The `WHERE` clause of a list query (empty without filters) and its bound values, in order.
fn where_clause(f: &Filter) -> (String, Vec<either::Bind>) {
    let mut wh: Vec<&str> = Vec::new();
    let mut binds: Vec<either::Bind> = Vec::new();
    if let Some(v) = f.from_ms {
        wh.push("start_ms >= ?");
        binds.push(either::Bind::I(v));
    }
    if let Some(v) = f.until_ms {
        wh.push("start_ms < ?");
        binds.push(either::Bind::I(v));
    }
    if let Some(v) = &f.number {
        wh.push("(caller_id_number = ? OR destination_number = ?)");
        binds.push(either::Bind::S(v.clone()));
        binds.push(either::Bind::S(v.clone()));
    }
    for (col, v) in [
        ("direction = ?", &f.direction),
        ("hangup_cause = ?", &f.hangup_cause),
        ("queue = ?", &f.queue),
        ("uuid = ?", &f.uuid),
    ] {
        if let Some(v) = v {
            wh.push(col);
            binds.push(either::Bind::S(v.clone()));
        }
    }
    let sql = if wh.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", wh.join(" AND "))
    };
    (sql, binds)
}

/// The page query: `uuid` breaks ties in the chosen order (the indexes of migration 0006 end in it).
fn page_sql(where_sql: &str, order: Order, desc: bool) -> String {
    let ord = match order {
        Order::Start => "start_ms",
        Order::Duration => "duration",
        Order::Billsec => "billsec",
    };
    let dir = if desc { "DESC" } else { "ASC" };
    format!("SELECT {COLS} FROM cdr{where_sql} ORDER BY {ord} {dir}, uuid {dir} LIMIT ? OFFSET ?")
}

pub async fn list(
    db: &Db,
    totals: &Totals,
    f: &Filter,
    order: Order,
    desc: bool,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Row>, i64), ServiceError> {
    let (where_sql, binds) = where_clause(f);
    let sql = page_sql(&where_sql, order, desc);
    let mut q = sqlx::query_as::<_, Row>(&sql);
    for b in &binds {
        q = b.bind_to(q);
    }
    let items = q
        .bind(limit.clamp(1, 1000))
        .bind(offset.max(0))
        .fetch_all(&db.pool)
        .await?;
    let key = format!("{where_sql}{binds:?}");
    if let Some(total) = totals.get(&key) {
        return Ok((items, total));
    }
    let generation = totals.generation();
    let count_sql = format!("SELECT COUNT(*) FROM cdr{where_sql}");
    let mut c = sqlx::query_scalar::<_, i64>(&count_sql);
    for b in &binds {
        c = b.bind_scalar(c);
    }
    let total = c.fetch_one(&db.pool).await?;
    totals.put(key, generation, total);
    Ok((items, total))
}

/// One CDR with all its variables.
pub async fn get(db: &Db, uuid: &str) -> Result<Option<(Row, serde_json::Value)>, ServiceError> {
    let row: Option<Row> = sqlx::query_as(&format!("SELECT {COLS} FROM cdr WHERE uuid = ?"))
        .bind(uuid)
        .fetch_optional(&db.pool)
        .await?;
    let Some(row) = row else { return Ok(None) };
    // MariaDB sends MEDIUMTEXT as a BLOB-typed column: read bytes there, text on SQLite.
    let q = "SELECT variables FROM cdr WHERE uuid = ?";
    let vars: String = match db.backend {
        Backend::MySql => {
            let b: Vec<u8> = sqlx::query_scalar(q).bind(uuid).fetch_one(&db.pool).await?;
            String::from_utf8_lossy(&b).into_owned()
        }
        Backend::Sqlite => sqlx::query_scalar(q).bind(uuid).fetch_one(&db.pool).await?,
    };
    Ok(Some((
        row,
        serde_json::from_str(&vars).unwrap_or(serde_json::Value::Null),
    )))
}

/// Recording paths named by a call's variables (`record_path`+`record_name`, `cc_record_filename`,
/// `last_arg` of `record_session`), for [`crate::cc::recordings::locate`].
pub fn recording_candidates(vars: &serde_json::Value) -> Vec<PathBuf> {
    let g = |k: &str| {
        vars.get(k)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
    };
    let mut out = Vec::new();
    if let (Some(p), Some(n)) = (g("record_path"), g("record_name")) {
        out.push(Path::new(p).join(n));
    }
    if let Some(f) = g("cc_record_filename") {
        out.push(PathBuf::from(f));
    }
    if g("last_app") == Some("record_session") {
        if let Some(a) = g("last_arg") {
            out.push(PathBuf::from(a));
        }
    }
    if let Some(a) =
        g("current_application_data").filter(|_| g("current_application") == Some("record_session"))
    {
        out.push(PathBuf::from(a));
    }
    out
}

mod either {
    use sqlx::any::{Any, AnyArguments};
    use sqlx::query::{QueryAs, QueryScalar};

    #[derive(Debug)]
    pub enum Bind {
        I(i64),
        S(String),
    }

    impl Bind {
        pub fn bind_to<'q, T>(
            &self,
            q: QueryAs<'q, Any, T, AnyArguments<'q>>,
        ) -> QueryAs<'q, Any, T, AnyArguments<'q>> {
            match self {
                Bind::I(v) => q.bind(*v),
                Bind::S(v) => q.bind(v.clone()),
            }
        }
        pub fn bind_scalar<'q, T>(
            &self,
            q: QueryScalar<'q, Any, T, AnyArguments<'q>>,
        ) -> QueryScalar<'q, Any, T, AnyArguments<'q>> {
            match self {
                Bind::I(v) => q.bind(*v),
                Bind::S(v) => q.bind(v.clone()),
            }
        }
    }
}

/// Index forever: scan now, then every `freeswitch.cdr_scan_seconds`, reading the CDR path from
/// the live settings (a change applies at the next round).
pub fn spawn_indexer(
    db: Db,
    totals: std::sync::Arc<Totals>,
    live: std::sync::Arc<crate::access::live::Live>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let snap = live.current();
            let root = snap
                .settings
                .get("freeswitch.cdr_path")
                .cloned()
                .unwrap_or_default();
            if !root.is_empty() && Path::new(&root).is_dir() {
                match scan(&db, &totals, Path::new(&root), snap.utc_offset_minutes).await {
                    Ok(st) if st.files_read > 0 => tracing::info!(?st, "CDR index updated"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "CDR scan failed"),
                }
            }
            let secs = snap
                .settings
                .get("freeswitch.cdr_scan_seconds")
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(10);
            // Wait, but start over at once when the settings change (e.g. a new CDR path).
            for _ in 0..secs {
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                if live.current().generation != snap.generation {
                    break;
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                copy_dir(&p, &to.join(e.file_name()));
            } else {
                std::fs::copy(&p, to.join(e.file_name())).unwrap();
            }
        }
    }

    /// The plans SQLite picks with the shipped indexes: no list query reads the whole table, and
    /// the pages users ask for most come straight off an index in order (no sort of the matches),
    /// which is what keeps them flat at 1 000 000 CDRs. Sorting by length within a number or a date
    /// range sorts just those matches.
    #[tokio::test]
    async fn list_queries_walk_indexes() {
        let (_dir, db) = crate::platform::db::scratch(1).await;
        let with = |set: fn(&mut Filter)| {
            let mut f = Filter::default();
            set(&mut f);
            f
        };
        let filters: Vec<(&str, Filter)> = vec![
            ("none", Filter::default()),
            (
                "range",
                with(|f| (f.from_ms, f.until_ms) = (Some(1), Some(2))),
            ),
            ("number", with(|f| f.number = Some("79160001234".into()))),
            (
                "direction",
                with(|f| (f.direction, f.from_ms) = (Some("inbound".into()), Some(1))),
            ),
            ("cause", with(|f| f.hangup_cause = Some("USER_BUSY".into()))),
            ("queue", with(|f| f.queue = Some("support@default".into()))),
            ("uuid", with(|f| f.uuid = Some("u".into()))),
        ];
        let in_order = |name: &str, order: Order| match order {
            Order::Start => !matches!(name, "number" | "uuid"),
            Order::Billsec => matches!(name, "none" | "cause" | "queue"),
            Order::Duration => name == "none",
        };
        for (name, f) in &filters {
            let (where_sql, binds) = where_clause(f);
            let mut sqls = vec![(None, format!("SELECT COUNT(*) FROM cdr{where_sql}"))];
            for order in [Order::Start, Order::Billsec, Order::Duration] {
                for desc in [false, true] {
                    sqls.push((Some(order), page_sql(&where_sql, order, desc)));
                }
            }
            for (order, sql) in sqls {
                let explain = format!("EXPLAIN QUERY PLAN {sql}");
                let mut q = sqlx::query_as::<_, (i64, i64, i64, String)>(&explain);
                for b in &binds {
                    q = b.bind_to(q);
                }
                if order.is_some() {
                    q = q.bind(50i64).bind(0i64);
                }
                let plan: Vec<String> = q
                    .fetch_all(&db.pool)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|r| r.3)
                    .collect();
                let seen = format!("{name}: {sql}\n{}", plan.join("\n"));
                assert!(
                    plan.iter().all(|l| l != "SCAN cdr"),
                    "a whole-table scan: {seen}"
                );
                if order.is_some_and(|o| in_order(name, o)) {
                    assert!(
                        plan.iter().all(|l| l != "USE TEMP B-TREE FOR ORDER BY"),
                        "a sort of every match: {seen}"
                    );
                }
            }
        }
    }

    #[tokio::test]
    async fn scans_incrementally_and_queries() {
        let (dir, db) = crate::platform::db::scratch(2).await;
        let totals = Totals::default();
        let root = dir.path().join("cdr");
        let caps = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/freeswitch/cdr");
        assert!(
            caps.is_dir(),
            "the captures in testdata/freeswitch/cdr are needed"
        );
        copy_dir(&caps, &root);

        let st = scan(&db, &totals, &root, 0).await.unwrap();
        assert_eq!(st.files_read, 11);
        assert_eq!(st.errors, 0);
        let (all, total) = list(&db, &totals, &Filter::default(), Order::Start, true, 100, 0)
            .await
            .unwrap();
        assert_eq!(total as usize, all.len());
        assert!(total >= 5);
        // JSON/XML won over the CSV row of the same call: variables are kept.
        let (row, vars) = get(&db, "6fe5adea-3337-4517-a66c-064e3ad9265a")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.hangup_cause, "NORMAL_CLEARING");
        assert!(vars.get("read_codec").is_some());

        // Nothing changed: nothing read.
        let st = scan(&db, &totals, &root, 0).await.unwrap();
        assert_eq!(st.files_read, 0);
        let bob = Filter {
            number: Some("79161234567".into()),
            ..Default::default()
        };
        assert_eq!(
            list(&db, &totals, &bob, Order::Start, true, 10, 0)
                .await
                .unwrap()
                .1,
            0
        );

        // Master.csv grows by one complete line and one half-written line.
        let csv = root.join("cdr-csv/Master.csv");
        let mut text = std::fs::read_to_string(&csv).unwrap();
        text.push_str("\"Bob\",\"79161234567\",\"7001\",\"default\",\"2026-11-25 12:00:00\",\"2026-11-25 12:00:02\",\"2026-11-25 12:01:00\",\"60\",\"58\",\"NORMAL_CLEARING\",\"99999999-0000-4000-8000-000000000001\",\"\",\"\",\"PCMA\",\"PCMA\"\n\"half");
        std::fs::write(&csv, text).unwrap();
        let st = scan(&db, &totals, &root, 0).await.unwrap();
        assert_eq!((st.files_read, st.records), (1, 1));
        // The totals counted before the new row are not served after it.
        let (rows, n) = list(&db, &totals, &bob, Order::Start, true, 10, 0)
            .await
            .unwrap();
        assert_eq!(n, 1);
        assert_eq!(rows[0].billsec, 58);
        let everything = Filter::default();
        let grown = list(&db, &totals, &everything, Order::Start, true, 1, 0);
        assert_eq!(grown.await.unwrap().1, total + 1);
        let f = Filter {
            hangup_cause: Some("NO_ROUTE_DESTINATION".into()),
            ..Default::default()
        };
        assert!(
            list(&db, &totals, &f, Order::Start, true, 10, 0)
                .await
                .unwrap()
                .1
                >= 1
        );
        // Paging and order.
        let (page, _) = list(
            &db,
            &totals,
            &Filter::default(),
            Order::Billsec,
            false,
            2,
            1,
        )
        .await
        .unwrap();
        assert_eq!(page.len(), 2);
        assert!(page[0].billsec <= page[1].billsec);
    }

    /// A large `Master.csv` is written in batches: every row lands once, and the file is read on
    /// from where the batches ended.
    #[tokio::test]
    async fn a_large_master_csv_is_indexed_in_batches() {
        let (dir, db) = crate::platform::db::scratch(2).await;
        let totals = Totals::default();
        let root = dir.path().join("cdr");
        std::fs::create_dir_all(&root).unwrap();
        let row = |i: usize| {
            format!(
                "\"C\",\"7916{i:07}\",\"1000\",\"default\",\"2026-11-25 12:00:00\",\"\",\"2026-11-25 12:00:05\",\"5\",\"0\",\"NO_ANSWER\",\"00000000-0000-4000-8000-{i:012}\",\"\",\"\",\"PCMA\",\"PCMA\"\n"
            )
        };
        let n = 2 * CSV_BATCH + 3;
        let text: String = (0..n).map(row).collect();
        std::fs::write(root.join("Master.csv"), &text).unwrap();
        let st = scan(&db, &totals, &root, 0).await.unwrap();
        assert_eq!((st.records, st.errors), (n as u64, 0));
        let everything = Filter::default();
        let all = || list(&db, &totals, &everything, Order::Start, true, 1, 0);
        assert_eq!(all().await.unwrap().1, n as i64);
        let more: String = (n..n + 2).map(row).collect();
        std::fs::write(root.join("Master.csv"), text + &more).unwrap();
        let st = scan(&db, &totals, &root, 0).await.unwrap();
        assert_eq!(st.records, 2);
        assert_eq!(all().await.unwrap().1, n as i64 + 2);
    }

    #[test]
    fn recording_candidates_from_variables() {
        let v = serde_json::json!({"record_path": "/rec", "record_name": "a.wav", "cc_record_filename": "/rec/b.wav", "last_app": "record_session", "last_arg": "/rec/c.wav"});
        let c = recording_candidates(&v);
        assert_eq!(
            c,
            [
                PathBuf::from("/rec/a.wav"),
                PathBuf::from("/rec/b.wav"),
                PathBuf::from("/rec/c.wav")
            ]
        );
    }
}
