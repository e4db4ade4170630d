//! What the Settings page's «База данных» block shows about the database in use: where it is (from
//! the connection URL, the password never), the server's version and character set, the schema
//! (migration) version, the pool, and the database's size — with the backend's own SQL for each
//! (SQLite: `sqlite_version()`, `PRAGMA`s; MariaDB/MySQL: `VERSION()`, `@@character_set_database`,
//! `information_schema`), the largest tables and the request journal's oldest row (what its
//! retention keeps). [`ping`] is its «Проверить подключение».

use std::time::Instant;

use crate::platform::db::{migrator, Backend, Db};
use crate::platform::error::ServiceError;

/// Where the database is, read from its URL. Never holds the password.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    pub host: Option<String>,
    pub port: Option<u16>,
    /// The database name (MariaDB) or the file's path (SQLite).
    pub database: String,
    pub user: Option<String>,
    /// A password is part of the URL.
    pub password_set: bool,
}

impl Location {
    /// Read a (normalised) database URL.
    pub fn of(backend: Backend, url: &str) -> Location {
        match backend {
            Backend::Sqlite => {
                let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
                let path = rest.split('?').next().unwrap_or(rest);
                let shown = if path == ":memory:" {
                    path.to_string()
                } else {
                    std::path::absolute(path)
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|_| path.to_string())
                };
                Location {
                    database: shown,
                    ..Location::default()
                }
            }
            Backend::MySql => match reqwest::Url::parse(url) {
                Ok(u) => Location {
                    host: u.host_str().map(str::to_string),
                    port: Some(u.port().unwrap_or(3306)),
                    database: u.path().trim_start_matches('/').to_string(),
                    user: Some(u.username().to_string()).filter(|s| !s.is_empty()),
                    password_set: u.password().is_some_and(|p| !p.is_empty()),
                },
                Err(_) => Location::default(),
            },
        }
    }
}

/// The «База данных» block's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbInfo {
    pub backend: Backend,
    pub location: Location,
    /// `3.46.0` (SQLite) or `10.11.6-MariaDB-0+deb12u1`.
    pub server_version: String,
    /// `UTF-8` (SQLite's encoding) or the database's character set (`utf8mb4`).
    pub charset: String,
    /// The database's collation (MariaDB only).
    pub collation: Option<String>,
    /// SQLite's journal mode (`wal`).
    pub journal_mode: Option<String>,
    /// The newest migration applied, and its description.
    pub schema_version: Option<i64>,
    pub schema_description: Option<String>,
    /// The newest migration this build carries (equal to `schema_version` once migrated).
    pub schema_latest: Option<i64>,
    /// The pool's configured size, its open connections and those in use.
    pub pool_max: u32,
    pub pool_open: u32,
    pub pool_in_use: u32,
    /// Data and indexes in bytes.
    pub size_bytes: Option<i64>,
    /// The largest tables first (at most [`TABLES_SHOWN`]).
    pub tables: Vec<TableSize>,
    /// When the oldest request still in the journal was answered (Unix ms).
    pub journal_oldest_ms: Option<i64>,
}

/// A table's size as the block shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSize {
    pub name: String,
    /// Rows: MariaDB's estimate (`information_schema.tables.table_rows`); on SQLite the span of
    /// row ids, exact for tables that lose rows only at their old end, as the journal does.
    pub rows: i64,
    /// Data and indexes in bytes; `None` for an SQLite file over [`SQLITE_SIZED_UP_TO`].
    pub bytes: Option<i64>,
}

/// How many tables the block lists.
pub const TABLES_SHOWN: usize = 8;

/// SQLite keeps no per-table sizes: `dbstat` reads every b-tree page for them, about a quarter of
/// a second per 400 MB here. Up to this file size the block pays that; above it, it lists tables
/// by rows and shows the file's size only.
pub const SQLITE_SIZED_UP_TO: i64 = 2 << 30;

/// An SQLite table's rows: the span of its row ids, two index lookups whatever its size (one
/// expression with both MIN and MAX would scan it); a table without row ids is counted. Names
/// come from the schema itself; quoted all the same.
async fn sqlite_rows(db: &Db, name: &str) -> Result<i64, ServiceError> {
    let q = name.replace('"', "\"\"");
    let span = sqlx::query_scalar(&format!(
        "SELECT COALESCE((SELECT MAX(rowid) FROM \"{q}\") - (SELECT MIN(rowid) FROM \"{q}\") + 1, 0)"
    ))
    .fetch_one(&db.pool)
    .await;
    Ok(match span {
        Ok(n) => n,
        Err(_) => {
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM \"{q}\""))
                .fetch_one(&db.pool)
                .await?
        }
    })
}

/// The largest tables (by size, else by rows) first.
async fn tables(db: &Db, file_bytes: Option<i64>) -> Result<Vec<TableSize>, ServiceError> {
    let mut out: Vec<TableSize> = match db.backend {
        Backend::Sqlite => {
            let names: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )
            .fetch_all(&db.pool)
            .await?;
            let mut sizes = std::collections::HashMap::new();
            if file_bytes.is_some_and(|b| b <= SQLITE_SIZED_UP_TO) {
                // One row per b-tree; indexes count toward their table.
                let per_tree: Vec<(String, i64)> = sqlx::query_as(
                    "SELECT COALESCE(m.tbl_name, s.name), CAST(SUM(s.pgsize) AS INTEGER) \
                     FROM dbstat AS s LEFT JOIN sqlite_master AS m ON m.name = s.name \
                     WHERE s.aggregate = 1 GROUP BY 1",
                )
                .fetch_all(&db.pool)
                .await?;
                sizes.extend(per_tree);
            }
            let mut out = Vec::with_capacity(names.len());
            for name in names {
                let rows = sqlite_rows(db, &name).await?;
                let bytes = sizes.get(&name).copied();
                out.push(TableSize { name, rows, bytes });
            }
            out
        }
        Backend::MySql => {
            let rows: Vec<(String, i64, i64)> = sqlx::query_as(
                "SELECT CAST(table_name AS CHAR(255)), CAST(COALESCE(table_rows, 0) AS SIGNED), \
                 CAST(COALESCE(data_length, 0) + COALESCE(index_length, 0) AS SIGNED) \
                 FROM information_schema.tables WHERE table_schema = DATABASE()",
            )
            .fetch_all(&db.pool)
            .await?;
            rows.into_iter()
                .map(|(name, rows, bytes)| TableSize {
                    name,
                    rows,
                    bytes: Some(bytes),
                })
                .collect()
        }
    };
    out.sort_by(|a, b| {
        (b.bytes, b.rows)
            .cmp(&(a.bytes, a.rows))
            .then_with(|| a.name.cmp(&b.name))
    });
    out.truncate(TABLES_SHOWN);
    Ok(out)
}

async fn text(db: &Db, sql: &str) -> Result<String, ServiceError> {
    let v: Option<String> = sqlx::query_scalar(sql).fetch_one(&db.pool).await?;
    Ok(v.unwrap_or_default())
}

/// Gather the block's figures (a handful of small queries).
pub async fn info(db: &Db) -> Result<DbInfo, ServiceError> {
    // The pool as it is before this function borrows a connection of its own.
    let pool_max = db.pool.options().get_max_connections();
    let pool_open = db.pool.size();
    let pool_in_use = pool_open.saturating_sub(db.pool.num_idle() as u32);
    let location = Location::of(db.backend, db.url().expose());
    let (server_version, charset, collation, journal_mode, size_bytes) = match db.backend {
        Backend::Sqlite => {
            let size: i64 = sqlx::query_scalar(
                "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
            )
            .fetch_one(&db.pool)
            .await?;
            (
                text(db, "SELECT sqlite_version()").await?,
                text(db, "PRAGMA encoding").await?,
                None,
                Some(text(db, "PRAGMA journal_mode").await?),
                Some(size),
            )
        }
        Backend::MySql => {
            let size: i64 = sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(data_length + index_length), 0) AS SIGNED) \
                 FROM information_schema.tables WHERE table_schema = DATABASE()",
            )
            .fetch_one(&db.pool)
            .await?;
            (
                text(db, "SELECT CAST(VERSION() AS CHAR)").await?,
                text(db, "SELECT CAST(@@character_set_database AS CHAR)").await?,
                Some(text(db, "SELECT CAST(@@collation_database AS CHAR)").await?),
                None,
                Some(size),
            )
        }
    };
    let tables = tables(db, size_bytes).await?;
    // The `at` index's first entry.
    let journal_oldest_ms: Option<i64> = sqlx::query_scalar("SELECT MIN(at) FROM request_journal")
        .fetch_one(&db.pool)
        .await?;
    let schema: Option<(i64, String)> = sqlx::query_as(
        "SELECT CAST(version AS SIGNED), CAST(description AS CHAR(255)) FROM _sqlx_migrations \
         WHERE success = 1 ORDER BY version DESC LIMIT 1",
    )
    .fetch_optional(&db.pool)
    .await?;
    Ok(DbInfo {
        backend: db.backend,
        location,
        server_version,
        charset,
        collation,
        journal_mode,
        schema_version: schema.as_ref().map(|s| s.0),
        schema_description: schema.map(|s| s.1),
        schema_latest: migrator(db.backend).iter().map(|m| m.version).max(),
        pool_max,
        pool_open,
        pool_in_use,
        size_bytes,
        tables,
        journal_oldest_ms,
    })
}

/// «Проверить подключение»: one round trip; the server's version and the time it took.
pub async fn ping(db: &Db) -> Result<String, ServiceError> {
    let started = Instant::now();
    let version = match db.backend {
        Backend::Sqlite => format!("SQLite {}", text(db, "SELECT sqlite_version()").await?),
        Backend::MySql => text(db, "SELECT CAST(VERSION() AS CHAR)").await?,
    };
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    Ok(format!("{version} · {ms:.1} ms"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_is_read_without_its_password() {
        let l = Location::of(
            Backend::MySql,
            "mysql://ccgate:topsecret@db.local:3307/ccgate?ssl-mode=disabled",
        );
        assert_eq!(
            l,
            Location {
                host: Some("db.local".into()),
                port: Some(3307),
                database: "ccgate".into(),
                user: Some("ccgate".into()),
                password_set: true,
            }
        );
        assert!(!format!("{l:?}").contains("topsecret"));
        let l = Location::of(Backend::MySql, "mysql://root@127.0.0.1/cc");
        assert_eq!((l.port, l.password_set), (Some(3306), false));
        let l = Location::of(Backend::Sqlite, "sqlite:///var/lib/ccgate/cc.db?mode=rwc");
        assert_eq!(l.database, "/var/lib/ccgate/cc.db");
        assert_eq!(l.host, None);
    }

    #[tokio::test]
    async fn sqlite_figures() {
        let (dir, db) = crate::platform::db::scratch(3).await;
        let i = info(&db).await.unwrap();
        assert_eq!(i.backend, Backend::Sqlite);
        assert_eq!(
            i.location.database,
            dir.path().join("t.db").display().to_string()
        );
        assert!(i.server_version.starts_with("3."), "{}", i.server_version);
        assert_eq!(i.charset, "UTF-8");
        assert_eq!(i.journal_mode.as_deref(), Some("wal"));
        assert!(i.schema_version.is_some());
        assert_eq!(
            i.schema_version, i.schema_latest,
            "migrated to this build's newest"
        );
        assert!(!i.schema_description.unwrap_or_default().is_empty());
        assert_eq!(i.pool_max, 3);
        assert!(i.pool_open >= 1 && i.pool_open <= 3, "{}", i.pool_open);
        assert!(i.pool_in_use <= i.pool_open);
        // Every table and index of the schema takes at least a page.
        let page: i64 = sqlx::query_scalar("SELECT page_size FROM pragma_page_size()")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert!(i.size_bytes.unwrap() >= 10 * page, "{:?}", i.size_bytes);
        // The largest tables, each at least a page, the journal empty so far.
        assert_eq!(i.tables.len(), TABLES_SHOWN);
        assert!(i.tables.windows(2).all(|w| w[0].bytes >= w[1].bytes));
        assert!(i
            .tables
            .iter()
            .all(|t| t.bytes.unwrap() >= page && !t.name.starts_with("sqlite_")));
        assert_eq!(i.journal_oldest_ms, None);
        // A table without row ids is counted instead.
        sqlx::query("CREATE TABLE plain_keys (k TEXT PRIMARY KEY) WITHOUT ROWID")
            .execute(&db.pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO plain_keys (k) VALUES ('a'), ('b'), ('c')")
            .execute(&db.pool)
            .await
            .unwrap();
        assert_eq!(sqlite_rows(&db, "plain_keys").await.unwrap(), 3);
        assert_eq!(sqlite_rows(&db, "request_journal").await.unwrap(), 0);
        assert!(sqlite_rows(&db, "no_such_table").await.is_err());
        assert_eq!(info(&db).await.unwrap().tables.len(), TABLES_SHOWN);
        let p = ping(&db).await.unwrap();
        assert!(p.starts_with("SQLite 3."), "{p}");
        assert!(p.ends_with(" ms"), "{p}");
    }
}
