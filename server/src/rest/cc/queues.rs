//! `cc/queues`, `cc/queue`, `cc/tiers`, `cc/tier`: mod_callcenter read through
//! `ccgate_core::cc::queues`.

use axum::extract::{RawQuery, State};
use axum::Json;
use ccgate_core::cc::queues::{self as cc, Queue, QueueDetail, Tier};
use ccgate_core::Services;
use utoipa::IntoParams;

use super::{client, Listing};
use crate::rest::error::ApiError;
use crate::rest::params::Params;

/// No parameters.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NoParams {}

/// `cc/queue`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// The queue's name: 1–128 of `A-Z a-z 0-9 . _ @ -`.
    #[param(example = "support@default", pattern = "^[A-Za-z0-9._@-]{1,128}$")]
    pub name: String,
}

/// `cc/tiers`: both optional filters.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TiersQuery {
    /// Only this queue's tiers.
    #[param(example = "support@default", pattern = "^[A-Za-z0-9._@-]{1,128}$")]
    pub queue: Option<String>,
    /// Only this agent's tiers.
    #[param(example = "1000@default", pattern = "^[A-Za-z0-9._@-]{1,128}$")]
    pub agent: Option<String>,
}

/// `cc/tier`: one queue–agent link.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TierQuery {
    #[param(example = "support@default", pattern = "^[A-Za-z0-9._@-]{1,128}$")]
    pub queue: String,
    #[param(example = "1000@default", pattern = "^[A-Za-z0-9._@-]{1,128}$")]
    pub agent: String,
}

/// Every mod_callcenter queue with its figures.
#[utoipa::path(
    get,
    path = "/v1/cc/queues",
    params(NoParams),
    responses(
        (status = 200, description = "The queues.", body = Listing<Queue>),
        (status = 400, description = "`unknown_field`, `invalid_parameter`"),
        (status = 502, description = "`upstream_auth_failed`, `upstream_error`: FreeSWITCH refused the credentials or answered something unusable"),
        (status = 503, description = "`upstream_unavailable`: FreeSWITCH cannot be reached"),
        (status = 504, description = "`upstream_timeout`: FreeSWITCH did not answer in time"),
    )
)]
pub async fn queues(
    State(state): State<Services>,
    RawQuery(q): RawQuery,
) -> Result<Json<Listing<Queue>>, ApiError> {
    Params::parse_for::<NoParams>(q.as_deref())?;
    let items = cc::queues(&*client(&state).await).await?;
    Ok(Json(Listing::of(items)))
}

/// One queue with its agents, tiers and members.
#[utoipa::path(
    get,
    path = "/v1/cc/queue",
    params(QueueQuery),
    responses(
        (status = 200, description = "The queue.", body = QueueDetail),
        (status = 400, description = "`unknown_field`, `invalid_parameter`"),
        (status = 404, description = "`queue_not_found`"),
        (status = 502, description = "`upstream_auth_failed`, `upstream_error`"),
        (status = 503, description = "`upstream_unavailable`"),
        (status = 504, description = "`upstream_timeout`"),
    )
)]
pub async fn queue(
    State(state): State<Services>,
    RawQuery(q): RawQuery,
) -> Result<Json<QueueDetail>, ApiError> {
    let p = Params::parse_for::<QueueQuery>(q.as_deref())?;
    let detail = cc::queue(&*client(&state).await, p.required("name")?).await?;
    Ok(Json(detail))
}

/// Queue–agent links, optionally of one queue and/or one agent.
#[utoipa::path(
    get,
    path = "/v1/cc/tiers",
    params(TiersQuery),
    responses(
        (status = 200, description = "The tiers.", body = Listing<Tier>),
        (status = 400, description = "`unknown_field`, `invalid_parameter`"),
        (status = 404, description = "`queue_not_found`, `agent_not_found`"),
        (status = 502, description = "`upstream_auth_failed`, `upstream_error`"),
        (status = 503, description = "`upstream_unavailable`"),
        (status = 504, description = "`upstream_timeout`"),
    )
)]
pub async fn tiers(
    State(state): State<Services>,
    RawQuery(q): RawQuery,
) -> Result<Json<Listing<Tier>>, ApiError> {
    let p = Params::parse_for::<TiersQuery>(q.as_deref())?;
    let items = cc::tiers(&*client(&state).await, p.opt("queue"), p.opt("agent")).await?;
    Ok(Json(Listing::of(items)))
}

/// One queue–agent link.
#[utoipa::path(
    get,
    path = "/v1/cc/tier",
    params(TierQuery),
    responses(
        (status = 200, description = "The tier.", body = Tier),
        (status = 400, description = "`unknown_field`, `invalid_parameter`"),
        (status = 404, description = "`queue_not_found`, `agent_not_found`, `tier_not_found`"),
        (status = 502, description = "`upstream_auth_failed`, `upstream_error`"),
        (status = 503, description = "`upstream_unavailable`"),
        (status = 504, description = "`upstream_timeout`"),
    )
)]
pub async fn tier(
    State(state): State<Services>,
    RawQuery(q): RawQuery,
) -> Result<Json<Tier>, ApiError> {
    let p = Params::parse_for::<TierQuery>(q.as_deref())?;
    let (queue, agent) = (p.required("queue")?, p.required("agent")?);
    let t = cc::tier(&*client(&state).await, queue, agent).await?;
    Ok(Json(t))
}
