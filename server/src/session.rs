//! Admin sessions: tower-sessions with the store in the application's own database
//! (SQLite table `tower_sessions`; on MySQL the table `tower_sessions` in the app's schema).

use axum::Router;
use ccgate_core::{Backend, Config, Db};
use sqlx::mysql::MySqlPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use std::str::FromStr;
use std::time::Duration;
use tower_sessions::cookie::SameSite;
use tower_sessions::session_store::ExpiredDeletion;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::{MySqlStore, SqliteStore};

pub const COOKIE_NAME: &str = "ccgate_session";

#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(SqliteStore),
    MySql(MySqlStore),
}

/// Open the store on its own small pool (the store needs a concrete pool type) and create its table.
pub async fn store(db: &Db) -> anyhow::Result<Store> {
    let url = db.url().expose();
    match db.backend {
        Backend::Sqlite => {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10));
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(opts)
                .await?;
            let s = SqliteStore::new(pool)
                .with_table_name("tower_sessions")
                .map_err(anyhow::Error::msg)?;
            s.migrate().await?;
            Ok(Store::Sqlite(s))
        }
        Backend::MySql => {
            let schema = ccgate_core::platform::db::mysql_database_name(url)
                .ok_or_else(|| anyhow::anyhow!("the MySQL database URL names no database"))?;
            let pool = MySqlPoolOptions::new()
                .max_connections(4)
                .connect(url)
                .await?;
            let s = MySqlStore::new(pool)
                .with_schema_name(schema)
                .map_err(anyhow::Error::msg)?
                .with_table_name("tower_sessions")
                .map_err(anyhow::Error::msg)?;
            s.migrate().await?;
            Ok(Store::MySql(s))
        }
    }
}

impl Store {
    /// Delete expired sessions every minute, forever.
    pub fn spawn_cleanup(&self) -> tokio::task::JoinHandle<()> {
        let period = tokio::time::Duration::from_secs(60);
        match self.clone() {
            Store::Sqlite(s) => tokio::spawn(async move {
                let _ = s.continuously_delete_expired(period).await;
            }),
            Store::MySql(s) => tokio::spawn(async move {
                let _ = s.continuously_delete_expired(period).await;
            }),
        }
    }

    /// Wrap `router` in the session layer: HttpOnly, SameSite=Strict, Secure as configured.
    pub fn apply<S: Clone + Send + Sync + 'static>(
        &self,
        router: Router<S>,
        config: &Config,
    ) -> Router<S> {
        let expiry =
            Expiry::OnInactivity(time::Duration::minutes(config.session_idle_minutes as i64));
        macro_rules! layer {
            ($store:expr) => {
                SessionManagerLayer::new($store)
                    .with_name(COOKIE_NAME)
                    .with_http_only(true)
                    .with_same_site(SameSite::Strict)
                    .with_secure(config.cookie_secure)
                    .with_path("/")
                    .with_expiry(expiry)
            };
        }
        match self.clone() {
            Store::Sqlite(s) => router.layer(layer!(s)),
            Store::MySql(s) => router.layer(layer!(s)),
        }
    }
}
