//! Settings → «База данных» (`ccgate_core::platform::dbinfo`): what the database in use is, read
//! only — the connection itself is set in the config file (`database_url`) or the environment
//! (`CCGATE_DATABASE_URL`), since moving a running system to another database is a migration.
//! The block's one setting (`database.journal_retention_days`) goes through `settings_block` and
//! `save_settings` like every registry setting.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::CheckResult;
use crate::error::AppError;

/// The block's figures. The password is never sent: `password_set` says whether the URL has one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DbBlock {
    /// `sqlite` or `mysql` (MariaDB/MySQL).
    pub backend: String,
    pub host: Option<String>,
    pub port: Option<u16>,
    /// The database name, or the SQLite file's path.
    pub database: String,
    pub user: Option<String>,
    pub password_set: bool,
    pub charset: String,
    pub collation: Option<String>,
    pub journal_mode: Option<String>,
    pub server_version: String,
    pub schema_version: Option<i64>,
    pub schema_description: Option<String>,
    pub schema_latest: Option<i64>,
    pub pool_max: u32,
    pub pool_open: u32,
    pub pool_in_use: u32,
    pub size_bytes: Option<i64>,
    /// The config file read at start (absolute path), if any.
    pub config_file: Option<String>,
    /// Where `database_url` came from: `default`, `file` or `env`.
    pub url_source: String,
    /// The largest tables first.
    pub tables: Vec<TableRow>,
    /// The oldest request in the journal (Unix ms), and the zone to show it in (minutes east of UTC).
    pub journal_oldest_ms: Option<i64>,
    pub offset: i64,
}

/// One table's size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableRow {
    pub name: String,
    pub rows: i64,
    /// With indexes; unknown for a large SQLite file.
    pub bytes: Option<i64>,
}

#[cfg(feature = "ssr")]
impl DbBlock {
    fn new(
        i: ccgate_core::platform::dbinfo::DbInfo,
        config: &ccgate_core::platform::config::Config,
        offset: i64,
    ) -> Self {
        use ccgate_core::platform::db::Backend;
        DbBlock {
            backend: match i.backend {
                Backend::Sqlite => "sqlite".into(),
                Backend::MySql => "mysql".into(),
            },
            host: i.location.host,
            port: i.location.port,
            database: i.location.database,
            user: i.location.user,
            password_set: i.location.password_set,
            charset: i.charset,
            collation: i.collation,
            journal_mode: i.journal_mode,
            server_version: i.server_version,
            schema_version: i.schema_version,
            schema_description: i.schema_description,
            schema_latest: i.schema_latest,
            pool_max: i.pool_max,
            pool_open: i.pool_open,
            pool_in_use: i.pool_in_use,
            size_bytes: i.size_bytes,
            config_file: config.file.as_ref().map(|p| p.display().to_string()),
            url_source: config.database_url_source.as_str().into(),
            tables: i
                .tables
                .into_iter()
                .map(|t| TableRow {
                    name: t.name,
                    rows: t.rows,
                    bytes: t.bytes,
                })
                .collect(),
            journal_oldest_ms: i.journal_oldest_ms,
            offset,
        }
    }
}

#[server(endpoint = "settings/database")]
pub async fn database_info() -> Result<DbBlock, AppError> {
    crate::ssr::require_admin().await?;
    let state = crate::ssr::state()?;
    let i = ccgate_core::platform::dbinfo::info(&state.db).await?;
    let offset = state.live.current().utc_offset_minutes;
    Ok(DbBlock::new(i, &state.config, offset))
}

/// «Проверить подключение»: one round trip to the database.
#[server(endpoint = "settings/check_database")]
pub async fn check_database() -> Result<CheckResult, AppError> {
    crate::ssr::require_admin().await?;
    let state = crate::ssr::state()?;
    Ok(match ccgate_core::platform::dbinfo::ping(&state.db).await {
        Ok(message) => CheckResult { ok: true, message },
        Err(e) => {
            tracing::warn!(error = %e, "database check failed");
            CheckResult {
                ok: false,
                message: "the database did not answer".into(),
            }
        }
    })
}
