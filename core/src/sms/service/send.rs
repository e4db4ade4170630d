//! `sms/send`: the request's shapes, each recipient checked, every message stored before it is
//! submitted, then submitted in groups down the failover list while a lease on the messages is
//! kept; and the recovery of messages a stopped submission left `queued`.

use std::collections::HashMap;
use std::sync::Arc;

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::record::{record_events, record_failure, record_outcomes};
use super::status::load_many;
use super::{
    invalid, SmsError, SmsHub, LEASE_RENEW, MAX_RECIPIENTS, MAX_TEXT_CHARS, SUBMIT_LEASE,
    SYNC_LIMIT,
};
use crate::limits::{Charge, Quota};
use crate::platform::db::Db;
use crate::platform::error::{ErrorCode, ItemError, ServiceError};
use crate::platform::phone;
use crate::platform::query::{insert_rows, Filter};
use crate::platform::time::now_ms;
use crate::sms::gateways::{self, Gateway};
use crate::sms::providers::{
    ErrorClass, GatewayError, NormStatus, OutSms, Outcome, Reason, RecipientOutcome, Scope,
    SmsProvider,
};
use crate::sms::{sender, text};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SendItem {
    pub phone: String,
    pub text: String,
}

/// `{phone, text, sender?}`, `{phones: [...], text, sender?}` or `{messages: [{phone, text}], sender?}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SendRequest {
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub sender: Option<String>,
    #[serde(default)]
    pub phones: Option<Vec<String>>,
    #[serde(default)]
    pub messages: Option<Vec<SendItem>>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SendItemResult {
    pub index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// E.164 when it parsed, else the input as given.
    pub phone: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parts: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ItemError>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SendOutcome {
    pub batch_id: String,
    /// False when the batch is still being submitted in the background.
    pub submitted: bool,
    pub accepted: usize,
    pub rejected: usize,
    pub parts: usize,
    pub items: Vec<SendItemResult>,
}

pub fn new_id(prefix: &str) -> String {
    let r: u64 = rand::thread_rng().gen();
    format!("{prefix}{:011x}{:016x}", now_ms(), r)
}

/// The recipients of a request as (phone input, text), and the sender, checked for shape.
pub(super) fn expand(
    req: SendRequest,
) -> Result<(Vec<(String, String)>, Option<String>, bool), SmsError> {
    let single = req.phone.is_some();
    let shapes = [
        req.phone.is_some(),
        req.phones.is_some(),
        req.messages.is_some(),
    ];
    if shapes.iter().filter(|x| **x).count() != 1 {
        return Err(invalid(
            "phone",
            "give exactly one of phone, phones or messages",
        ));
    }
    let items = if let Some(messages) = req.messages {
        if req.text.is_some() {
            return Err(invalid(
                "text",
                "with messages, each message carries its own text",
            ));
        }
        messages.into_iter().map(|m| (m.phone, m.text)).collect()
    } else {
        let text = req.text.ok_or_else(|| invalid("text", "is required"))?;
        match (req.phone, req.phones) {
            (Some(p), _) => vec![(p, text)],
            (_, Some(ps)) => ps.into_iter().map(|p| (p, text.clone())).collect(),
            _ => unreachable!("one shape is present"),
        }
    };
    if items.is_empty() {
        return Err(invalid("phones", "at least one recipient is required"));
    }
    if items.len() > MAX_RECIPIENTS {
        return Err(SmsError::TooManyRecipients(items.len()));
    }
    let sender = match req.sender.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => Some(sender::parse(s).map_err(|e| invalid("sender", e.to_string()))?),
    };
    Ok((items, sender, single))
}

pub(super) struct Prepared {
    pub msg: OutSms,
    pub index: usize,
    pub encoding: text::Encoding,
}

/// Check each recipient: phone, text, parts. Rejections carry a reason; the rest go on.
pub(super) fn prepare(
    items: Vec<(String, String)>,
    sender: &Option<String>,
    max_parts: usize,
    wire: &dyn Fn(&str) -> text::Encoding,
) -> (Vec<Prepared>, Vec<SendItemResult>) {
    let mut ok = Vec::with_capacity(items.len());
    let mut rejected = Vec::new();
    for (index, (raw_phone, body)) in items.into_iter().enumerate() {
        let reject = |error: ItemError, phone: String| SendItemResult {
            index,
            id: None,
            phone,
            status: NormStatus::Rejected.as_str().into(),
            parts: None,
            encoding: None,
            gateway: None,
            error: Some(error),
        };
        let phone = match phone::parse(&raw_phone) {
            Ok(p) => p,
            Err(e) => {
                rejected.push(reject(
                    ItemError::new(e.code(), "phone", e.to_string()),
                    raw_phone,
                ));
                continue;
            }
        };
        if body.trim().is_empty() {
            rejected.push(reject(
                ItemError::new(ErrorCode::TextEmpty, "text", "the text is empty"),
                phone.to_string(),
            ));
            continue;
        }
        if body.chars().count() > MAX_TEXT_CHARS {
            rejected.push(reject(
                ItemError::new(
                    ErrorCode::TextTooLong,
                    "text",
                    format!("at most {MAX_TEXT_CHARS} characters"),
                ),
                phone.to_string(),
            ));
            continue;
        }
        let count = text::count_as(&body, wire(&body));
        if count.parts > max_parts {
            rejected.push(reject(
                ItemError::new(
                    ErrorCode::TextTooLong,
                    "text",
                    format!(
                        "{} parts ({}), the gateway sends at most {max_parts}",
                        count.parts,
                        count.encoding.as_str()
                    ),
                ),
                phone.to_string(),
            ));
            continue;
        }
        ok.push(Prepared {
            msg: OutSms {
                local_id: new_id("m"),
                phone,
                text: body,
                sender: sender.clone(),
                parts: count.parts,
            },
            index,
            encoding: count.encoding,
        });
    }
    (ok, rejected)
}

/// The columns `send` writes of a new message.
const MESSAGE_COLUMNS: [&str; 14] = [
    "id",
    "user_id",
    "batch_id",
    "seq",
    "phone",
    "sender",
    "text",
    "encoding",
    "parts",
    "status",
    "final",
    "created_at",
    "updated_at",
    "next_poll_at",
];

async fn store(db: &Db, user_id: i64, batch_id: &str, msgs: &[Prepared]) -> Result<(), SmsError> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    // 14 values a row; 200 rows stay far below every backend's placeholder limit.
    for chunk in msgs.chunks(200) {
        let sql = insert_rows("sms_messages", &MESSAGE_COLUMNS, chunk.len());
        let mut q = sqlx::query(&sql);
        for p in chunk {
            q = q
                .bind(&p.msg.local_id)
                .bind(user_id)
                .bind(batch_id)
                .bind(p.index as i64)
                .bind(p.msg.phone.as_str())
                .bind(p.msg.sender.clone().unwrap_or_default())
                .bind(&p.msg.text)
                .bind(p.encoding.as_str())
                .bind(p.msg.parts as i64)
                .bind(NormStatus::Queued.as_str())
                .bind(0i64)
                .bind(now)
                .bind(now)
                .bind(now + SUBMIT_LEASE.as_millis() as i64);
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Send: validate, store, submit. Small batches wait for the submission, big ones are answered
/// as soon as they are stored.
pub async fn send(
    db: &Db,
    hub: &Arc<SmsHub>,
    user_id: i64,
    req: SendRequest,
    charge: &Charge,
) -> Result<SendOutcome, SmsError> {
    let (items, sender, single) = expand(req)?;
    let order = gateways::failover_order(db).await?;
    let Some(active) = order.first() else {
        return Err(SmsError::NoGateway);
    };
    let sender = sender.or_else(|| (!active.sender.is_empty()).then(|| active.sender.clone()));
    let max_parts = active.max_parts.clamp(1, 255) as usize;
    let provider = hub.provider(&active);
    let (ok, rejected) = prepare(items, &sender, max_parts, &|t| provider.wire_encoding(t));
    if single {
        if let Some(r) = rejected.first() {
            let e = r.error.clone().expect("rejections carry an error");
            return Err(match phone::parse(&r.phone) {
                Err(pe) => SmsError::InvalidPhone(pe),
                Ok(_) => invalid("text", e.message),
            });
        }
    }
    let batch_id = new_id("b");
    // The parts of every message to be stored, against the day's and the month's quotas: all or
    // none.
    let parts: usize = ok.iter().map(|p| p.msg.parts).sum();
    if parts > 0 {
        charge.take(Quota::SmsParts, parts as u64)?;
    }
    if let Err(e) = store(db, user_id, &batch_id, &ok).await {
        charge.refund(Quota::SmsParts, parts as u64);
        return Err(e);
    }
    let mut items: Vec<SendItemResult> = ok
        .iter()
        .map(|p| SendItemResult {
            index: p.index,
            id: Some(p.msg.local_id.clone()),
            phone: p.msg.phone.to_string(),
            status: NormStatus::Queued.as_str().into(),
            parts: Some(p.msg.parts),
            encoding: Some(p.encoding.as_str()),
            gateway: None,
            error: None,
        })
        .collect();
    let accepted = ok.len();
    let sync = accepted <= SYNC_LIMIT;
    let job = tokio::spawn(submit(
        db.clone(),
        hub.clone(),
        order,
        ok.into_iter().map(|p| p.msg).collect(),
    ));
    if sync {
        if let Err(e) = job.await {
            tracing::error!(error = %e, "SMS submission task failed");
        }
        let now = load_many(
            db,
            user_id,
            &items
                .iter()
                .filter_map(|i| i.id.clone())
                .collect::<Vec<_>>(),
        )
        .await?;
        for item in &mut items {
            if let Some(v) = item.id.as_ref().and_then(|id| now.get(id)) {
                item.status = v.status.clone();
                item.gateway = (!v.gateway.is_empty()).then(|| v.gateway.clone());
                item.error = v.error.clone();
            }
        }
    }
    items.extend(rejected);
    items.sort_by_key(|i| i.index);
    let rejected = items.len() - accepted;
    Ok(SendOutcome {
        batch_id,
        submitted: sync,
        accepted,
        rejected,
        parts,
        items,
    })
}

/// Submit stored messages: grouped by text and sender (a phone at most once per request), chunked
/// by the gateways' limits, each chunk down the failover list.
pub async fn submit(db: Db, hub: Arc<SmsHub>, order: Vec<Gateway>, msgs: Vec<OutSms>) {
    // Keep the lease on these messages while this task lives (pacing may wait for minutes).
    struct Renewer(tokio::task::JoinHandle<()>);
    impl Drop for Renewer {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    let _renewer = {
        let all_ids: Vec<String> = msgs.iter().map(|m| m.local_id.clone()).collect();
        let db = db.clone();
        Renewer(tokio::spawn(async move {
            loop {
                tokio::time::sleep(LEASE_RENEW).await;
                if let Err(e) = renew_lease(&db, &all_ids).await {
                    tracing::warn!(error = %e, "renewing the SMS submit lease failed");
                }
            }
        }))
    };
    let providers: Vec<(Gateway, Arc<dyn SmsProvider>)> = order
        .into_iter()
        .map(|g| {
            let p = hub.provider(&g);
            (g, p)
        })
        .collect();
    let max_recipients = providers
        .iter()
        .map(|(_, p)| p.capabilities().max_recipients)
        .min()
        .unwrap_or(1)
        .max(1);
    // Groups in first-seen order; inside a group, the n-th occurrence of a phone goes to round n.
    let mut groups: Vec<Vec<Vec<OutSms>>> = Vec::new();
    let mut index: HashMap<(String, Option<String>), usize> = HashMap::new();
    let mut seen: HashMap<(usize, String), usize> = HashMap::new();
    for m in msgs {
        let key = (m.text.clone(), m.sender.clone());
        let g = *index.entry(key).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        let round = seen.entry((g, m.phone.as_str().to_string())).or_insert(0);
        if groups[g].len() <= *round {
            groups[g].push(Vec::new());
        }
        groups[g][*round].push(m);
        *round += 1;
    }
    for rounds in groups {
        for round in rounds {
            let parts = round.first().map(|m| m.parts).unwrap_or(1).max(1);
            let per_request = (max_recipients / parts).max(1);
            for chunk in round.chunks(per_request) {
                if let Err(e) = submit_chunk(&db, &hub, &providers, 0, chunk).await {
                    tracing::error!(error = %e, "storing SMS submission results failed");
                }
            }
        }
    }
}

fn submit_chunk<'a>(
    db: &'a Db,
    hub: &'a SmsHub,
    providers: &'a [(Gateway, Arc<dyn SmsProvider>)],
    from: usize,
    chunk: &'a [OutSms],
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), ServiceError>> + Send + 'a>> {
    Box::pin(async move {
        let parts: usize = chunk.iter().map(|m| m.parts).sum();
        let mut last: Option<(GatewayError, &Gateway)> = None;
        // Whether every gateway tried refused the TLS handshake (then the message says so).
        let mut all_tls = true;
        for (i, (gw, p)) in providers.iter().enumerate().skip(from) {
            hub.pace(gw.id, gw.rate_limit, parts).await;
            // From here on the gateway may have the messages: a crash before the outcome is
            // stored leaves them `queued` with this gateway, which recovery reports as ambiguous
            // instead of sending them twice.
            mark_handed(db, gw.id, chunk).await?;
            match p.send(chunk).await {
                Ok(outcomes) => {
                    // Recipients the gateway itself did not take (SMPP reports per recipient) go
                    // down the list; the rest are recorded here.
                    let over = |o: &RecipientOutcome| matches!(&o.outcome, Outcome::Rejected(e) if e.fails_over());
                    let retry: Vec<OutSms> = if i + 1 < providers.len() {
                        chunk
                            .iter()
                            .filter(|m| {
                                outcomes.iter().any(|o| o.local_id == m.local_id && over(o))
                            })
                            .cloned()
                            .collect()
                    } else {
                        Vec::new()
                    };
                    if retry.is_empty() {
                        return record_outcomes(db, gw, chunk, &outcomes).await;
                    }
                    let code = outcomes
                        .iter()
                        .find_map(|o| match &o.outcome {
                            Outcome::Rejected(e) if e.fails_over() => Some(e.code.clone()),
                            _ => None,
                        })
                        .unwrap_or_default();
                    let rest: Vec<RecipientOutcome> =
                        outcomes.into_iter().filter(|o| !over(o)).collect();
                    record_outcomes(db, gw, chunk, &rest).await?;
                    tracing::warn!(gateway = %gw.name, code = %code, recipients = retry.len(), "SMS gateway did not take some recipients; trying the next one");
                    record_events(
                        db,
                        &retry,
                        "failover",
                        Some(gw.id),
                        NormStatus::Queued,
                        &code,
                    )
                    .await?;
                    return submit_chunk(db, hub, providers, i + 1, &retry).await;
                }
                Err(e) if e.fails_over() => {
                    tracing::warn!(gateway = %gw.name, code = %e.code, "SMS gateway did not take the request; trying the next one");
                    record_events(
                        db,
                        chunk,
                        "failover",
                        Some(gw.id),
                        NormStatus::Queued,
                        &e.code,
                    )
                    .await?;
                    all_tls &= e.code == super::TLS_ERROR;
                    last = Some((e, gw));
                }
                Err(e)
                    if e.scope == Scope::Message
                        && e.reason == Reason::Phone
                        && chunk.len() > 1 =>
                {
                    // The provider refused the whole request for one number it does not name,
                    // and sent nothing: send each recipient alone to find it.
                    for one in chunk.chunks(1) {
                        submit_chunk(db, hub, providers, i, one).await?;
                    }
                    return Ok(());
                }
                Err(e) => return record_failure(db, Some(gw), chunk, &e).await,
            }
        }
        let e = match last {
            Some((e, _)) if all_tls => GatewayError::new(
                ErrorClass::Retryable,
                Scope::Gateway,
                super::TLS_ERROR,
                format!(
                    "no gateway's TLS certificate verified (last: {})",
                    e.message
                ),
            ),
            Some((e, _)) => GatewayError::new(
                ErrorClass::Retryable,
                Scope::Gateway,
                "gateway_unavailable",
                format!("no gateway took the message (last: {})", e.code),
            ),
            None => GatewayError::new(
                ErrorClass::Retryable,
                Scope::Gateway,
                "gateway_unavailable",
                "no gateway",
            ),
        };
        record_failure(db, None, chunk, &e).await
    })
}

async fn renew_lease(db: &Db, ids: &[String]) -> Result<(), ServiceError> {
    let until = now_ms() + SUBMIT_LEASE.as_millis() as i64;
    for part in ids.chunks(500) {
        let mut f = still_queued();
        f.and_in("id", part.iter().map(String::as_str));
        let sql = format!("UPDATE sms_messages SET next_poll_at = ?{}", f.sql());
        f.bind(sqlx::query(&sql).bind(until))
            .execute(&db.pool)
            .await?;
    }
    Ok(())
}

async fn mark_handed(db: &Db, gateway_id: i64, chunk: &[OutSms]) -> Result<(), ServiceError> {
    for part in chunk.chunks(500) {
        let mut f = still_queued();
        f.and_in("id", part.iter().map(|m| m.local_id.as_str()));
        let sql = format!("UPDATE sms_messages SET gateway_id = ?{}", f.sql());
        f.bind(sqlx::query(&sql).bind(gateway_id))
            .execute(&db.pool)
            .await?;
    }
    Ok(())
}

/// Messages not yet submitted (the lease and the hand-over only touch those).
fn still_queued() -> Filter {
    let mut f = Filter::new();
    f.and("status = 'queued' AND final = 0", []);
    f
}
