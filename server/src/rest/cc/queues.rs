//! `cc/queues`, `cc/queue`, `cc/tiers`, `cc/tier`: mod_callcenter read through
//! `ccgate_core::cc::queues`.

use axum::extract::{RawQuery, State};
use axum::Json;
use ccgate_core::cc::queues as cc;
use ccgate_core::Services;
use serde_json::Value;

use super::{client, listing};
use crate::rest::error::ApiError;
use crate::rest::params::Params;

/// `GET /api/v1/cc/queues`
pub async fn queues(
    State(state): State<Services>,
    RawQuery(q): RawQuery,
) -> Result<Json<Value>, ApiError> {
    Params::parse(q.as_deref(), &[])?;
    let items = cc::queues(&*client(&state).await).await?;
    Ok(Json(listing(&items)))
}

/// `GET /api/v1/cc/queue?name=`
pub async fn queue(
    State(state): State<Services>,
    RawQuery(q): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let p = Params::parse(q.as_deref(), &["name"])?;
    let detail = cc::queue(&*client(&state).await, p.required("name")?).await?;
    Ok(Json(serde_json::to_value(detail).unwrap_or(Value::Null)))
}

/// `GET /api/v1/cc/tiers?queue=&agent=`
pub async fn tiers(
    State(state): State<Services>,
    RawQuery(q): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let p = Params::parse(q.as_deref(), &["queue", "agent"])?;
    let items = cc::tiers(&*client(&state).await, p.opt("queue"), p.opt("agent")).await?;
    Ok(Json(listing(&items)))
}

/// `GET /api/v1/cc/tier?queue=&agent=`
pub async fn tier(
    State(state): State<Services>,
    RawQuery(q): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let p = Params::parse(q.as_deref(), &["queue", "agent"])?;
    let (queue, agent) = (p.required("queue")?, p.required("agent")?);
    let t = cc::tier(&*client(&state).await, queue, agent).await?;
    Ok(Json(serde_json::to_value(t).unwrap_or(Value::Null)))
}
