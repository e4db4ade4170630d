//! `sms/getStatus`: the caller's messages with their provider ids and, when asked, their history;
//! [`read_status`] first asks the providers about stale non-final ones (`live.rs`).

use std::collections::HashMap;

use serde::Serialize;
use sqlx::Row;

use super::live::refresh_stale;
use super::{Failure, SmsHub};
use crate::platform::db::Db;
use crate::platform::error::{ItemError, ServiceError};
use crate::platform::query::Filter;
use crate::platform::time::rfc3339;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusEvent {
    pub at: String,
    pub source: String,
    pub status: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub raw_status: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub raw_error: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub provider_id: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageView {
    pub id: String,
    pub batch_id: String,
    pub phone: String,
    pub sender: String,
    pub status: String,
    #[serde(rename = "final")]
    pub is_final: bool,
    pub raw_status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ItemError>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub provider_error: String,
    pub encoding: String,
    pub parts: i64,
    pub gateway: String,
    pub provider_ids: Vec<String>,
    pub created_at: String,
    pub submitted_at: Option<String>,
    pub updated_at: String,
    pub done_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<StatusEvent>>,
}

/// What `send` tells of a message it waited for.
pub(super) struct Brief {
    pub status: String,
    pub gateway: String,
    pub error: Option<ItemError>,
}

fn view_of(r: &sqlx::any::AnyRow) -> Result<MessageView, sqlx::Error> {
    let ts = |k: &str| -> Result<Option<String>, sqlx::Error> {
        Ok(r.try_get::<Option<i64>, _>(k)?.map(rfc3339))
    };
    let code: String = r.try_get("error_code")?;
    let error =
        match code.as_str() {
            "" => None,
            c => Some(Failure::parse(c).ok_or_else(|| {
                sqlx::Error::Decode(format!("unknown SMS error code `{c}`").into())
            })?),
        };
    let pe: String = r.try_get("error_message")?;
    Ok(MessageView {
        id: r.try_get("id")?,
        batch_id: r.try_get("batch_id")?,
        phone: r.try_get("phone")?,
        sender: r.try_get("sender")?,
        status: r.try_get("status")?,
        is_final: r.try_get::<i64, _>("final")? != 0,
        raw_status: r.try_get("raw_status")?,
        error: error.map(Failure::item_error),
        provider_error: pe,
        encoding: r.try_get("encoding")?,
        parts: r.try_get("parts")?,
        gateway: r.try_get("gateway_name")?,
        provider_ids: Vec::new(),
        created_at: rfc3339(r.try_get("created_at")?),
        submitted_at: ts("submitted_at")?,
        updated_at: rfc3339(r.try_get("updated_at")?),
        done_at: ts("done_at")?,
        history: None,
    })
}

const VIEW_COLUMNS: &str = "id, batch_id, phone, sender, status, final, raw_status, error_code, error_message, encoding, parts, gateway_name, created_at, submitted_at, updated_at, done_at";

pub(super) async fn load_many(
    db: &Db,
    user_id: i64,
    ids: &[String],
) -> Result<HashMap<String, Brief>, ServiceError> {
    let views = get_status(db, user_id, ids, false).await?;
    Ok(views
        .into_iter()
        .map(|v| {
            (
                v.id.clone(),
                Brief {
                    status: v.status,
                    gateway: v.gateway,
                    error: v.error,
                },
            )
        })
        .collect())
}

/// `sms/getStatus`: the stale non-final messages among `ids` asked about at their providers
/// (bounded by [`super::LIVE_STATUS_TIMEOUT`], see [`refresh_stale`]), then [`get_status`].
pub async fn read_status(
    db: &Db,
    hub: &SmsHub,
    user_id: i64,
    ids: &[String],
    history: bool,
) -> Result<Vec<MessageView>, ServiceError> {
    refresh_stale(db, hub, user_id, ids).await?;
    get_status(db, user_id, ids, history).await
}

/// The caller's messages among `ids` as stored (others' ids are simply not found).
pub async fn get_status(
    db: &Db,
    user_id: i64,
    ids: &[String],
    history: bool,
) -> Result<Vec<MessageView>, ServiceError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let mut f = Filter::new();
        f.and("user_id = ?", [user_id.into()])
            .and_in("id", chunk.iter().map(String::as_str));
        let sql = format!("SELECT {VIEW_COLUMNS} FROM sms_messages{}", f.sql());
        for r in f.bind(sqlx::query(&sql)).fetch_all(&db.pool).await? {
            out.push(view_of(&r)?);
        }
    }
    // Provider ids, one per part.
    for chunk in out.chunks_mut(500) {
        let mut f = Filter::new();
        f.and_in("message_id", chunk.iter().map(|v| v.id.as_str()));
        let sql = format!(
            "SELECT message_id, provider_id FROM sms_parts{} ORDER BY message_id, part_no",
            f.sql()
        );
        let rows = f
            .bind(sqlx::query_as::<_, (String, String)>(&sql))
            .fetch_all(&db.pool)
            .await?;
        let pos: HashMap<String, usize> = chunk
            .iter()
            .enumerate()
            .map(|(i, v)| (v.id.clone(), i))
            .collect();
        for (mid, pid) in rows {
            if let Some(i) = pos.get(&mid) {
                chunk[*i].provider_ids.push(pid);
            }
        }
    }
    // Keep the order asked for.
    let pos: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    out.sort_by_key(|v| pos.get(v.id.as_str()).copied().unwrap_or(usize::MAX));
    if history {
        for v in &mut out {
            let rows = sqlx::query("SELECT at, source, status, raw_status, raw_error, provider_id FROM sms_status_events WHERE message_id = ? ORDER BY id")
                .bind(&v.id)
                .fetch_all(&db.pool)
                .await?;
            let mut h = Vec::with_capacity(rows.len());
            for r in rows {
                h.push(StatusEvent {
                    at: rfc3339(r.try_get("at")?),
                    source: r.try_get("source")?,
                    status: r.try_get("status")?,
                    raw_status: r.try_get("raw_status")?,
                    raw_error: r.try_get("raw_error")?,
                    provider_id: r.try_get("provider_id")?,
                });
            }
            v.history = Some(h);
        }
    }
    Ok(out)
}
