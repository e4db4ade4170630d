//! The outbound call list behind `cc.add`: contacts are parsed (`contact`) and stored at once
//! (`store`; the call UUID is fixed in advance and later sent as `origination_uuid`), then a pacing
//! worker (`worker`) dials them through FreeSWITCH (`originate`) honouring «FreeSWITCH» settings
//! (`max_concurrent_calls`, `calls_per_second`, `dial_template`, caller id, `originate_timeout_s`),
//! and records each call's outcome. Here: the three `cc/add` services (add, status, cancel).
//!
//! States: `queued` → `dialing` → `answered` → `completed`, or `busy`, `no_answer`, `failed` (with the
//! hangup cause), `cancelled` (by the client while queued), `expired` (its `not_after` passed).
//!
//! Invariants:
//! - A contact is in the database before the client gets its id; nothing is dialled from memory only.
//! - A row moves from `queued` to `dialing` by a conditional UPDATE, so a call is claimed once even
//!   with several ccgate instances on one MariaDB.
//! - Calls in `dialing` + `answered` never exceed `max_concurrent_calls` (counted in the database).
//! - FreeSWITCH unreachable before a call was placed puts the contact back in the queue with
//!   back-off; after 3 such attempts it fails with `GATEWAY_UNREACHABLE`. An originate that timed out
//!   (ambiguous: the call may be up) is never dialled again: `uuid_exists` decides.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::cc::{parse_uuid, CcError};
use crate::limits::{Charge, Quota};
use crate::platform::db::Db;
use crate::platform::error::ItemError;
use crate::platform::time::now_ms;

pub mod contact;
pub mod originate;
pub mod store;
pub mod worker;

pub use contact::{parse_request, AddRequest, NewCall, Target};
pub use store::Call;
pub use worker::Dialer;

/// Most contacts in one request.
pub const MAX_BATCH: usize = 1000;
/// Attempts while FreeSWITCH cannot be reached before a contact fails.
pub const MAX_ATTEMPTS: i64 = 3;

/// The answer to `cc/add`: one queued call, or a batch with one item per contact sent.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = AddAnswer))]
pub enum Added {
    One {
        id: String,
        batch_id: String,
        status: &'static str,
        phone: String,
    },
    Batch {
        batch_id: String,
        accepted: usize,
        rejected: usize,
        items: Vec<AddedItem>,
    },
}

/// One contact of a batch: queued (with its call id) or rejected (with why).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = AddItemResult))]
pub struct AddedItem {
    pub index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ItemError>,
}

impl Dialer {
    /// `cc/add`: store the valid contacts of `body` for `user_id` and wake the worker. A single
    /// contact that is refused, or a batch with no valid contact, stores nothing.
    /// Queue the valid contacts of `body`, counted against `charge`'s daily contacts quota (all
    /// or none: a batch that does not fit is refused whole).
    pub async fn add(&self, user_id: i64, body: Value, charge: &Charge) -> Result<Added, CcError> {
        let tz = self.live.current().utc_offset_minutes;
        let req = parse_request(body, now_ms(), tz)?;
        if !req.batch {
            if let Err(e) = &req.items[0] {
                return Err(CcError::Contact(e.clone()));
            }
        }
        let valid: Vec<NewCall> = req
            .items
            .iter()
            .filter_map(|r| r.as_ref().ok().cloned())
            .collect();
        if valid.is_empty() {
            let refused = req.items.into_iter().enumerate();
            let refused = refused.filter_map(|(i, r)| r.err().map(|e| (i, e)));
            return Err(CcError::NoValidContact(refused.collect()));
        }
        let n = valid.len() as u64;
        charge.take(Quota::Calls, n)?;
        let (batch_id, ids) = match store::enqueue(&self.db, user_id, &valid).await {
            Ok(r) => r,
            Err(e) => {
                charge.refund(Quota::Calls, n);
                return Err(e);
            }
        };
        self.poke();
        let mut queued = ids.into_iter().zip(valid.iter());
        if !req.batch {
            let (id, c) = queued.next().expect("one id per valid contact");
            return Ok(Added::One {
                id,
                batch_id,
                status: "queued",
                phone: c.phone.as_str().to_string(),
            });
        }
        let items: Vec<AddedItem> = req
            .items
            .into_iter()
            .enumerate()
            .map(|(index, r)| match r {
                Ok(_) => {
                    let (id, c) = queued.next().expect("one id per valid contact");
                    AddedItem {
                        index,
                        id: Some(id),
                        status: "queued",
                        phone: Some(c.phone.as_str().to_string()),
                        error: None,
                    }
                }
                Err(e) => AddedItem {
                    index,
                    id: None,
                    status: "rejected",
                    phone: None,
                    error: Some(e),
                },
            })
            .collect();
        let accepted = valid.len();
        Ok(Added::Batch {
            batch_id,
            accepted,
            rejected: items.len() - accepted,
            items,
        })
    }
}

/// A call or batch id as returned by `cc/add`.
fn parse_id(id: &str) -> Result<String, CcError> {
    parse_uuid(id).ok_or_else(|| {
        CcError::invalid(
            "id",
            "expected a call or batch id (a UUID) as returned by cc/add",
        )
    })
}

/// A batch: its calls in the order they were sent, with counts per status.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchStatus {
    pub batch_id: String,
    pub total: usize,
    pub counts: BTreeMap<String, usize>,
    pub items: Vec<Call>,
}

/// `cc/add/{id}`: one call, or a whole batch.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CallOrBatch))]
pub enum Status {
    Call(Box<Call>),
    Batch(BatchStatus),
}

/// One call of this user, or a batch of this user, by id.
pub async fn status(db: &Db, user_id: i64, id: &str) -> Result<Status, CcError> {
    let id = parse_id(id)?;
    if let Some(call) = store::get(db, user_id, &id).await? {
        return Ok(Status::Call(Box::new(call)));
    }
    let calls = store::batch(db, user_id, &id).await?;
    if calls.is_empty() {
        return Err(CcError::CallNotFound { batch: true });
    }
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for c in &calls {
        *counts.entry(c.status.clone()).or_default() += 1;
    }
    Ok(Status::Batch(BatchStatus {
        batch_id: id,
        total: calls.len(),
        counts,
        items: calls,
    }))
}

/// Cancel a queued call of this user; returns its id as parsed.
pub async fn cancel(db: &Db, user_id: i64, id: &str) -> Result<String, CcError> {
    let id = parse_id(id)?;
    store::cancel(db, user_id, &id).await?;
    Ok(id)
}
