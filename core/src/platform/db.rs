//! Storage: one `sqlx::AnyPool` chosen by the URL scheme (SQLite embedded default, MariaDB/MySQL for
//! production), migrations per backend applied at start. Timestamps are integer milliseconds, flags
//! are integers, so the same SQL (with `?` placeholders) runs on both; the few statements whose syntax
//! differs branch on [`Backend`].

use crate::platform::secret::Secret;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};
use std::sync::Once;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    MySql,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("mysql://") || url.starts_with("mariadb://") {
            Some(Backend::MySql)
        } else {
            None
        }
    }
}

#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    url: Secret<String>,
}

static DRIVERS: Once = Once::new();

/// Normalise a database URL: `mariadb://` → `mysql://`; SQLite gets `mode=rwc` so the file is
/// created, and its parent directory is created too.
pub fn normalize_url(url: &str) -> Result<String, String> {
    match Backend::from_url(url) {
        Some(Backend::MySql) => Ok(url.replacen("mariadb://", "mysql://", 1)),
        Some(Backend::Sqlite) => {
            let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
            let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
            if path.is_empty() {
                return Err("sqlite URL has no file path".into());
            }
            if path != ":memory:" {
                if let Some(parent) = std::path::Path::new(path).parent() {
                    if !parent.as_os_str().is_empty() {
                        std::fs::create_dir_all(parent)
                            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
                    }
                }
            }
            let mut q = query.to_string();
            if !q.split('&').any(|p| p.starts_with("mode=")) {
                if !q.is_empty() {
                    q.push('&');
                }
                q.push_str("mode=rwc");
            }
            Ok(format!("sqlite://{path}?{q}"))
        }
        None => Err("unsupported database URL scheme (use sqlite:// or mysql://)".into()),
    }
}

/// The database name in a MySQL URL (`mysql://u:p@h:3306/NAME?opts`).
pub fn mysql_database_name(url: &str) -> Option<String> {
    let after = url.split_once("://")?.1;
    let path = after.split_once('/')?.1;
    let name = path.split('?').next()?;
    (!name.is_empty()).then(|| name.to_string())
}

/// How long a statement waits for a pool connection (a database that is away included) before
/// it fails: the API answers 503 `database_unavailable` then instead of holding the request.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

impl Db {
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, sqlx::Error> {
        Db::open(url, max_connections, false).await
    }

    /// A pool of its own on the same database for a background worker, its connections opened
    /// from the calling thread and kept open (never retired for idleness or age), so a SQLite
    /// connection thread inherits the worker thread's priority. `None` for an in-memory SQLite
    /// database, which a second pool could not see.
    pub async fn dedicated(&self, max_connections: u32) -> Result<Option<Db>, sqlx::Error> {
        if self.backend == Backend::Sqlite && self.url.expose().contains(":memory:") {
            return Ok(None);
        }
        Db::open(self.url.expose(), max_connections, true)
            .await
            .map(Some)
    }

    async fn open(url: &str, max_connections: u32, keep: bool) -> Result<Db, sqlx::Error> {
        DRIVERS.call_once(sqlx::any::install_default_drivers);
        let url = normalize_url(url).map_err(|s| sqlx::Error::Configuration(s.into()))?;
        let backend = Backend::from_url(&url).expect("normalized");
        let mut opts = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(ACQUIRE_TIMEOUT);
        if keep {
            opts = opts
                .min_connections(max_connections)
                .idle_timeout(None)
                .max_lifetime(None);
        }
        let opts = match backend {
            Backend::Sqlite => opts.after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute(
                        // Each connection keeps 16 MiB of pages: the journal's indexes stay in
                        // memory instead of being re-read with a system call for every batch.
                        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000; PRAGMA cache_size=-16384;",
                    )
                    .await?;
                    Ok(())
                })
            }),
            Backend::MySql => opts.after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("SET time_zone = '+00:00'").await?;
                    Ok(())
                })
            }),
        };
        let pool = opts.connect(&url).await?;
        Ok(Db {
            pool,
            backend,
            url: Secret::new(url),
        })
    }

    /// The normalised URL (for the session store's own pool). Secret: never log it.
    /// A transaction that will write. On SQLite it takes the write lock first (with a no-op
    /// UPDATE), so a read-then-write transaction waits for the lock (busy timeout) instead of
    /// failing with "database is locked" when another connection committed in between.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Sqlite {
            sqlx::query("UPDATE state_generation SET value = value WHERE id = 1")
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx)
    }

    pub fn url(&self) -> &Secret<String> {
        &self.url
    }

    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        migrator(self.backend).run(&self.pool).await
    }
}

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static MYSQL_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/mysql");

/// The migrations this build carries for `backend`.
pub fn migrator(backend: Backend) -> &'static Migrator {
    match backend {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::MySql => &MYSQL_MIGRATIONS,
    }
}

/// A migrated SQLite database in a directory of its own, for tests (the directory goes with the
/// returned guard).
#[cfg(test)]
pub(crate) async fn scratch(max_connections: u32) -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/t.db", dir.path().display());
    let db = Db::connect(&url, max_connections).await.unwrap();
    db.migrate().await.unwrap();
    (dir, db)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_normalise() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/x.db");
        let u = normalize_url(&format!("sqlite://{}", p.display())).unwrap();
        assert_eq!(u, format!("sqlite://{}?mode=rwc", p.display()));
        assert!(p.parent().unwrap().is_dir());
        assert_eq!(
            normalize_url("mariadb://u:p@h/db").unwrap(),
            "mysql://u:p@h/db"
        );
        assert!(normalize_url("postgres://x").is_err());
        assert_eq!(
            mysql_database_name("mysql://u:p@127.0.0.1:3306/ccgate?ssl-mode=disabled").as_deref(),
            Some("ccgate")
        );
        assert_eq!(mysql_database_name("mysql://u:p@127.0.0.1:3306"), None);
    }
}
