//! Incremental indexing of the CDR directory into the database (the queries are in `query`).
//!
//! The directory is read recursively: `*.cdr.xml`, `*.cdr.json`, `Master.csv*`. A file already
//! read with the same size and mtime is skipped; a `Master.csv` that grew is read from where the
//! last scan stopped (it is append-only). Files are only read, never modified or deleted. The same
//! call in several formats is kept once: XML/JSON (with all variables) win over a CSV row.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::Serialize;

use crate::cc::cdr::parse::{self, Cdr, QueueLeg};
use crate::cc::cdr::query::Totals;
use crate::cc::cdr::Row;
use crate::cc::CcError;
use crate::platform::db::{Backend, Db};
use crate::platform::query::insert_rows;

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

/// Write the CDRs parsed from one file (`source`, relative to the root) in one statement. A CSV
/// row never replaces a stored call: the same call's XML/JSON (with every variable) wins; XML/JSON
/// replace whatever was there.
async fn store(db: &Db, cdrs: &[Cdr], format: &str, source: &str) -> Result<(), CcError> {
    if cdrs.is_empty() {
        return Ok(());
    }
    let verb = match (db.backend, format) {
        (Backend::Sqlite, "csv") => "INSERT OR IGNORE",
        (Backend::Sqlite, _) => "INSERT OR REPLACE",
        (Backend::MySql, "csv") => "INSERT IGNORE",
        (Backend::MySql, _) => "REPLACE",
    };
    let mut cols = Row::COLUMNS.to_vec();
    cols.extend(QueueLeg::COLUMNS);
    cols.extend(["format", "source", "variables"]);
    // `insert_rows` writes `INSERT INTO cdr …`; the verb says what happens to a known uuid.
    let sql = insert_rows("cdr", &cols, cdrs.len()).replacen("INSERT", verb, 1);
    let vars: Vec<String> = cdrs
        .iter()
        .map(|c| serde_json::to_string(&c.variables).unwrap_or_else(|_| "{}".into()))
        .collect();
    let mut q = sqlx::query(&sql);
    for (c, v) in cdrs.iter().zip(&vars) {
        q = c.queue_leg.bind_to(c.row.bind_to(q));
        q = q.bind(format).bind(source).bind(v.as_str());
    }
    q.execute(&db.pool).await?;
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
) -> Result<ScanStats, CcError> {
    let root_owned = root.to_path_buf();
    let files = tokio::task::spawn_blocking(move || walk(&root_owned))
        .await
        .map_err(|e| CcError::internal(e.to_string()))?;
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
        let read_to = match kind_of(&name) {
            Some(kind @ (Kind::Xml | Kind::Json)) => {
                let text = tokio::fs::read_to_string(&path).await.unwrap_or_default();
                let (parsed, format) = match kind {
                    Kind::Xml => (parse::parse_xml(&text), "xml"),
                    _ => (parse::parse_json(&text), "json"),
                };
                match parsed {
                    Ok(c) => {
                        store(db, std::slice::from_ref(&c), format, &rel).await?;
                        totals.changed();
                        st.records += 1;
                    }
                    Err(e) => {
                        st.errors += 1;
                        tracing::warn!(file = %rel, error = %e, "CDR file skipped");
                    }
                }
                size
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
                let mut batch = Vec::with_capacity(CSV_BATCH);
                let text = String::from_utf8_lossy(&tail[..complete]);
                let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
                for (i, line) in lines.iter().enumerate() {
                    match parse::parse_csv_row(line, utc_offset_minutes) {
                        Ok(c) => batch.push(c),
                        Err(e) => {
                            st.errors += 1;
                            tracing::warn!(file = %rel, error = %e, "CDR row skipped");
                        }
                    }
                    let last = i + 1 == lines.len();
                    if batch.len() == CSV_BATCH || (last && !batch.is_empty()) {
                        store(db, &batch, "csv", &rel).await?;
                        totals.changed();
                        st.records += batch.len() as u64;
                        batch.clear();
                    }
                }
                from + complete as i64
            }
            None => continue,
        };
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
            let root = &snap.freeswitch.cdr_path;
            if !root.as_os_str().is_empty() && root.is_dir() {
                match scan(&db, &totals, root, snap.utc_offset_minutes).await {
                    Ok(st) if st.files_read > 0 => tracing::info!(?st, "CDR index updated"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "CDR scan failed"),
                }
            }
            let secs = snap.freeswitch.cdr_scan_seconds;
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
    use crate::cc::cdr::query::{self, CdrFilter, Format, ListQuery, Order};

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

    /// A page and the total, through the list query.
    async fn list(
        db: &Db,
        totals: &Totals,
        filter: &CdrFilter,
        order: Order,
        desc: bool,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<Row>, i64), CcError> {
        let q = ListQuery {
            filter: filter.clone(),
            order,
            desc,
            limit,
            offset,
            format: Format::Json,
        };
        let page = query::list(db, totals, &q).await?;
        Ok((page.items, page.total))
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
        let (all, total) = list(
            &db,
            &totals,
            &CdrFilter::default(),
            Order::Start,
            true,
            100,
            0,
        )
        .await
        .unwrap();
        assert_eq!(total as usize, all.len());
        assert!(total >= 5);
        // JSON/XML won over the CSV row of the same call: variables are kept.
        let one = query::get(&db, "6fe5adea-3337-4517-a66c-064e3ad9265a")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(one.row.hangup_cause, "NORMAL_CLEARING");
        assert!(one.variables.get("read_codec").is_some());

        // Nothing changed: nothing read.
        let st = scan(&db, &totals, &root, 0).await.unwrap();
        assert_eq!(st.files_read, 0);
        let bob = CdrFilter {
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
        let everything = CdrFilter::default();
        let grown = list(&db, &totals, &everything, Order::Start, true, 1, 0);
        assert_eq!(grown.await.unwrap().1, total + 1);
        let f = CdrFilter {
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
            &CdrFilter::default(),
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
        let everything = CdrFilter::default();
        let all = || list(&db, &totals, &everything, Order::Start, true, 1, 0);
        assert_eq!(all().await.unwrap().1, n as i64);
        let more: String = (n..n + 2).map(row).collect();
        std::fs::write(root.join("Master.csv"), text + &more).unwrap();
        let st = scan(&db, &totals, &root, 0).await.unwrap();
        assert_eq!(st.records, 2);
        assert_eq!(all().await.unwrap().1, n as i64 + 2);
    }
}
