//! The SMS services: `send` (store every message, then submit through the active gateway with
//! failover down the ordered list), `get_status`, delivery reports and the status poller.
//!
//! Failover happens only on a definite, gateway-level non-acceptance (connection refused, HTTP 5xx,
//! SMS Traffic code 1000) — never on a message-level rejection (it would fail the same everywhere)
//! and never after an ambiguous failure such as a timeout once the request was sent (it may have
//! been accepted: resending could deliver twice).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::gateways::{self, Gateway};
use super::phone::{self, PhoneError};
use super::provider::{
    ErrorClass, GatewayError, NormStatus, OutSms, Outcome, Reason, RecipientOutcome, Scope,
    SmsProvider, StatusReport,
};
use super::{sender, text};
use crate::platform::db::Db;
use crate::platform::error::{ErrorCode, PublicError, ServiceError};
use crate::platform::time::now_ms;

/// Recipients one `send` may carry.
pub const MAX_RECIPIENTS: usize = 10_000;
/// Up to this many recipients the answer waits for the submission; bigger batches are answered
/// at once (202) and submitted in the background.
pub const SYNC_LIMIT: usize = 100;
/// First status poll after submission, then doubling up to [`POLL_MAX`].
pub const POLL_FIRST: Duration = Duration::from_secs(60);
pub const POLL_MAX: Duration = Duration::from_secs(3600);
/// How often the poller looks for due messages.
pub const POLL_TICK: Duration = Duration::from_secs(5);
/// A stored message not yet handed to a gateway belongs to the submitting task until this lease
/// runs out (renewed every [`LEASE_RENEW`] while the task works); after that the recovery pass
/// submits it again — a process that died between storing and submitting loses nothing.
pub const SUBMIT_LEASE: Duration = Duration::from_secs(120);
pub const LEASE_RENEW: Duration = Duration::from_secs(30);
/// Texts longer than this many characters are refused before any part counting.
pub const MAX_TEXT_CHARS: usize = 17_085;

#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("invalid phone: {0}")]
    InvalidPhone(PhoneError),
    #[error("too many recipients: {0} (at most {MAX_RECIPIENTS})")]
    TooManyRecipients(usize),
    #[error("no SMS gateway is active")]
    NoGateway,
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl PublicError for SmsError {
    fn code(&self) -> ErrorCode {
        match self {
            SmsError::Invalid { .. } => ErrorCode::InvalidParameter,
            SmsError::InvalidPhone(_) => ErrorCode::InvalidPhone,
            SmsError::TooManyRecipients(_) => ErrorCode::BatchTooLarge,
            SmsError::NoGateway => ErrorCode::SmsGatewayNotConfigured,
            SmsError::Service(s) => s.code(),
        }
    }

    fn public_message(&self) -> String {
        match self {
            SmsError::TooManyRecipients(n) => {
                format!("{n} recipients; at most {MAX_RECIPIENTS} in one request")
            }
            SmsError::InvalidPhone(p) => p.to_string(),
            SmsError::Service(s) => s.public_message(),
            other => other.to_string(),
        }
    }

    fn details(&self) -> Option<serde_json::Value> {
        use serde_json::json;
        match self {
            SmsError::Invalid { field, message } => {
                Some(json!({ "field": field, "reason": message }))
            }
            SmsError::InvalidPhone(p) => {
                Some(json!({ "field": "phone", "reason": p.code().as_str() }))
            }
            SmsError::TooManyRecipients(n) => {
                Some(json!({ "recipients": n, "max": MAX_RECIPIENTS }))
            }
            SmsError::NoGateway => None,
            SmsError::Service(s) => s.details(),
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            SmsError::Invalid { field, .. } => Some(field),
            SmsError::InvalidPhone(_) => Some("phone"),
            SmsError::Service(s) => s.field(),
            _ => None,
        }
    }
}

impl From<sqlx::Error> for SmsError {
    fn from(e: sqlx::Error) -> Self {
        SmsError::Service(ServiceError::Db(e))
    }
}

fn invalid(field: &'static str, message: impl Into<String>) -> SmsError {
    SmsError::Invalid {
        field,
        message: message.into(),
    }
}

/// Shared by all sends: the HTTP client and a pacer per gateway (parts per second).
pub struct SmsHub {
    pub http: reqwest::Client,
    pacers: std::sync::Mutex<HashMap<i64, Instant>>,
    /// Kept SMPP binds (one per SMPP gateway) and their delivery receipts.
    pub smpp: super::smpp::Pool,
}

impl Default for SmsHub {
    fn default() -> Self {
        SmsHub {
            http: reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(5))
                .user_agent(concat!("ccgate/", env!("CARGO_PKG_VERSION")))
                .build()
                .unwrap_or_default(),
            pacers: Default::default(),
            smpp: Default::default(),
        }
    }
}

impl SmsHub {
    /// The provider of a gateway: HTTP ones are built afresh, SMPP ones share the gateway's bind.
    pub fn provider(&self, g: &Gateway) -> Arc<dyn SmsProvider> {
        if g.kind == "smpp" {
            Arc::new(super::smpp::Smpp::new(
                self.smpp.session(g),
                g.max_parts.clamp(1, 255) as usize,
            ))
        } else {
            g.http_provider(&self.http)
        }
    }

    /// Wait for this gateway's turn to send `parts` parts at `rate` parts per second.
    async fn pace(&self, gateway: i64, rate: i64, parts: usize) {
        let now = Instant::now();
        let start = {
            let mut m = self.pacers.lock().unwrap_or_else(|p| p.into_inner());
            let slot = m.entry(gateway).or_insert(now);
            let start = (*slot).max(now);
            *slot = start + Duration::from_secs_f64(parts as f64 / rate.max(1) as f64);
            start
        };
        tokio::time::sleep_until(start.into()).await;
    }
}

// ---------------------------------------------------------------------------------------------
// send

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendItem {
    pub phone: String,
    pub text: String,
}

/// `{phone, text, sender?}`, `{phones: [...], text, sender?}` or `{messages: [{phone, text}], sender?}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
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

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ItemError {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
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
fn expand(req: SendRequest) -> Result<(Vec<(String, String)>, Option<String>, bool), SmsError> {
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

struct Prepared {
    msg: OutSms,
    index: usize,
    encoding: text::Encoding,
}

/// Check each recipient: phone, text, parts. Rejections carry a reason; the rest go on.
fn prepare(
    items: Vec<(String, String)>,
    sender: &Option<String>,
    max_parts: usize,
    wire: &dyn Fn(&str) -> text::Encoding,
) -> (Vec<Prepared>, Vec<SendItemResult>) {
    let mut ok = Vec::with_capacity(items.len());
    let mut rejected = Vec::new();
    for (index, (raw_phone, body)) in items.into_iter().enumerate() {
        let reject = |code: &str, message: String, phone: String| SendItemResult {
            index,
            id: None,
            phone,
            status: NormStatus::Rejected.as_str().into(),
            parts: None,
            encoding: None,
            gateway: None,
            error: Some(ItemError {
                code: code.into(),
                message,
            }),
        };
        let phone = match phone::parse(&raw_phone) {
            Ok(p) => p,
            Err(e) => {
                rejected.push(reject(e.code().as_str(), e.to_string(), raw_phone));
                continue;
            }
        };
        if body.trim().is_empty() {
            rejected.push(reject(
                "text_empty",
                "the text is empty".into(),
                phone.to_string(),
            ));
            continue;
        }
        if body.chars().count() > MAX_TEXT_CHARS {
            rejected.push(reject(
                "text_too_long",
                format!("at most {MAX_TEXT_CHARS} characters"),
                phone.to_string(),
            ));
            continue;
        }
        let count = text::count_as(&body, wire(&body));
        if count.parts > max_parts {
            rejected.push(reject(
                "text_too_long",
                format!(
                    "{} parts ({}), the gateway sends at most {max_parts}",
                    count.parts,
                    count.encoding.as_str()
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

async fn store(db: &Db, user_id: i64, batch_id: &str, msgs: &[Prepared]) -> Result<(), SmsError> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    // 14 values a row; 200 rows stay far below every backend's placeholder limit.
    for chunk in msgs.chunks(200) {
        let mut sql = String::from(
            "INSERT INTO sms_messages (id, user_id, batch_id, seq, phone, sender, text, encoding, parts, status, final, created_at, updated_at, next_poll_at) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)");
        }
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
    store(db, user_id, &batch_id, &ok).await?;
    let parts: usize = ok.iter().map(|p| p.msg.parts).sum();
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
        let marks = vec!["?"; part.len()].join(",");
        let sql = format!("UPDATE sms_messages SET next_poll_at = ? WHERE status = 'queued' AND final = 0 AND id IN ({marks})");
        let mut q = sqlx::query(&sql).bind(until);
        for id in part {
            q = q.bind(id);
        }
        q.execute(&db.pool).await?;
    }
    Ok(())
}

async fn mark_handed(db: &Db, gateway_id: i64, chunk: &[OutSms]) -> Result<(), ServiceError> {
    for part in chunk.chunks(500) {
        let marks = vec!["?"; part.len()].join(",");
        let sql = format!("UPDATE sms_messages SET gateway_id = ? WHERE status = 'queued' AND final = 0 AND id IN ({marks})");
        let mut q = sqlx::query(&sql).bind(gateway_id);
        for m in part {
            q = q.bind(&m.local_id);
        }
        q.execute(&db.pool).await?;
    }
    Ok(())
}

/// Messages left `queued` by a submitting task that is gone (its lease ran out): those never
/// handed to a gateway are claimed (a conditional UPDATE, safe with several instances) and
/// submitted again down the current failover list; those a gateway may have received become
/// `unknown` / `submit_ambiguous` — never sent twice. Returns how many were resubmitted.
pub async fn recover_once(db: &Db, hub: &Arc<SmsHub>, now: i64) -> Result<usize, ServiceError> {
    let rows = sqlx::query("SELECT id, phone, sender, text, parts, gateway_id, next_poll_at FROM sms_messages WHERE final = 0 AND status = 'queued' AND next_poll_at IS NOT NULL AND next_poll_at <= ? ORDER BY next_poll_at LIMIT 1000")
        .bind(now)
        .fetch_all(&db.pool)
        .await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let order = gateways::failover_order(db).await?;
    let until = now + SUBMIT_LEASE.as_millis() as i64;
    let mut again = Vec::new();
    for r in &rows {
        let id: String = r.try_get("id")?;
        let due: i64 = r.try_get("next_poll_at")?;
        let handed: Option<i64> = r.try_get("gateway_id")?;
        if handed.is_some() {
            let mut tx = db.begin_write().await?;
            let done = sqlx::query("UPDATE sms_messages SET status = 'unknown', final = 1, error_code = 'submit_ambiguous', error_message = 'the submitting process stopped before the gateway answered', updated_at = ?, done_at = ?, next_poll_at = NULL WHERE id = ? AND status = 'queued' AND final = 0 AND next_poll_at = ?")
                .bind(now)
                .bind(now)
                .bind(&id)
                .bind(due)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 1 {
                sqlx::query("INSERT INTO sms_status_events (message_id, at, source, gateway_id, status, raw_error) VALUES (?, ?, 'recovery', ?, 'unknown', 'submit_interrupted')")
                    .bind(&id)
                    .bind(now)
                    .bind(handed)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            continue;
        }
        if order.is_empty() {
            continue; // no gateway now: it stays queued and is looked at again later
        }
        let claimed = sqlx::query("UPDATE sms_messages SET next_poll_at = ? WHERE id = ? AND status = 'queued' AND final = 0 AND gateway_id IS NULL AND next_poll_at = ?")
            .bind(until)
            .bind(&id)
            .bind(due)
            .execute(&db.pool)
            .await?;
        if claimed.rows_affected() != 1 {
            continue; // another instance took it
        }
        let phone: String = r.try_get("phone")?;
        let Ok(phone) = phone::parse(&phone) else {
            continue;
        };
        let sender: String = r.try_get("sender")?;
        again.push(OutSms {
            local_id: id,
            phone,
            // MariaDB's MEDIUMTEXT reaches the Any driver as a BLOB.
            text: r.try_get::<String, _>("text").or_else(|_| {
                r.try_get::<Vec<u8>, _>("text")
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
            })?,
            sender: (!sender.is_empty()).then_some(sender),
            parts: r.try_get::<i64, _>("parts")?.max(1) as usize,
        });
    }
    let n = again.len();
    if n > 0 {
        tracing::warn!(
            messages = n,
            "resubmitting SMS left queued by a stopped submission"
        );
        record_events(db, &again, "recovery", None, NormStatus::Queued, "").await?;
        tokio::spawn(submit(db.clone(), hub.clone(), order, again));
    }
    Ok(n)
}

/// Our status and code for a failed submission.
fn failure_of(e: &GatewayError) -> (NormStatus, &'static str) {
    match (e.class, e.scope) {
        (ErrorClass::Ambiguous, _) => (NormStatus::Unknown, "submit_ambiguous"),
        (_, Scope::Message) => match e.reason {
            Reason::Sender => (NormStatus::Rejected, "sender_rejected"),
            Reason::Phone => (NormStatus::Rejected, "phone_rejected"),
            Reason::NotQueued => (NormStatus::Rejected, "not_queued"),
            Reason::Other => (NormStatus::Rejected, "message_rejected"),
        },
        (ErrorClass::Retryable, Scope::Gateway) => (NormStatus::Failed, "gateway_unavailable"),
        (_, Scope::Gateway) => (NormStatus::Failed, "gateway_refused"),
    }
}

fn provider_error(e: &GatewayError) -> String {
    let mut s = format!("{}: {}", e.code, e.message);
    s.truncate(1000);
    s
}

async fn record_events(
    db: &Db,
    chunk: &[OutSms],
    source: &str,
    gateway_id: Option<i64>,
    status: NormStatus,
    raw_error: &str,
) -> Result<(), ServiceError> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    for m in chunk {
        sqlx::query("INSERT INTO sms_status_events (message_id, at, source, gateway_id, status, raw_error) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(&m.local_id)
            .bind(now)
            .bind(source)
            .bind(gateway_id)
            .bind(status.as_str())
            .bind(raw_error)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn record_failure(
    db: &Db,
    gw: Option<&Gateway>,
    chunk: &[OutSms],
    e: &GatewayError,
) -> Result<(), ServiceError> {
    let outcomes: Vec<RecipientOutcome> = chunk
        .iter()
        .map(|m| RecipientOutcome {
            local_id: m.local_id.clone(),
            outcome: Outcome::Rejected(e.clone()),
        })
        .collect();
    match gw {
        Some(gw) => record_outcomes(db, gw, chunk, &outcomes).await,
        None => {
            let (status, code) = failure_of(e);
            let now = now_ms();
            let mut tx = db.begin_write().await?;
            for m in chunk {
                sqlx::query("UPDATE sms_messages SET status = ?, final = 1, error_code = ?, error_message = ?, updated_at = ?, done_at = ? WHERE id = ? AND final = 0")
                    .bind(status.as_str())
                    .bind(code)
                    .bind(provider_error(e))
                    .bind(now)
                    .bind(now)
                    .bind(&m.local_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO sms_status_events (message_id, at, source, status, raw_error) VALUES (?, ?, 'submit', ?, ?)")
                    .bind(&m.local_id)
                    .bind(now)
                    .bind(status.as_str())
                    .bind(provider_error(e))
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        }
    }
}

async fn record_outcomes(
    db: &Db,
    gw: &Gateway,
    chunk: &[OutSms],
    outcomes: &[RecipientOutcome],
) -> Result<(), ServiceError> {
    let now = now_ms();
    let first_poll = now + POLL_FIRST.as_millis() as i64;
    let mine: std::collections::HashSet<&str> = chunk.iter().map(|m| m.local_id.as_str()).collect();
    let mut accepted: Vec<(&str, &Vec<String>)> = Vec::new();
    let mut rejected: Vec<(&str, &GatewayError)> = Vec::new();
    for o in outcomes
        .iter()
        .filter(|o| mine.contains(o.local_id.as_str()))
    {
        match &o.outcome {
            Outcome::Accepted { provider_ids } => accepted.push((&o.local_id, provider_ids)),
            Outcome::Rejected(e) => rejected.push((&o.local_id, e)),
        }
    }
    let ignore = match db.backend {
        crate::platform::db::Backend::Sqlite => "INSERT OR IGNORE",
        crate::platform::db::Backend::MySql => "INSERT IGNORE",
    };
    let mut tx = db.begin_write().await?;
    for part in accepted.chunks(500) {
        let marks = vec!["?"; part.len()].join(",");
        let sql = format!("UPDATE sms_messages SET status = 'accepted', gateway_id = ?, gateway_name = ?, submitted_at = ?, updated_at = ?, next_poll_at = ? WHERE final = 0 AND id IN ({marks})");
        let mut q = sqlx::query(&sql)
            .bind(gw.id)
            .bind(&gw.name)
            .bind(now)
            .bind(now)
            .bind(first_poll);
        for (id, _) in part {
            q = q.bind(*id);
        }
        q.execute(&mut *tx).await?;
    }
    // A part may already be known (a delivery report raced the answer): keep it.
    let rows: Vec<(&str, usize, &String)> = accepted
        .iter()
        .flat_map(|(id, pids)| pids.iter().enumerate().map(move |(n, p)| (*id, n + 1, p)))
        .collect();
    for part in rows.chunks(200) {
        let marks = vec!["(?, ?, ?, ?, 'accepted', ?)"; part.len()].join(",");
        let sql = format!("{ignore} INTO sms_parts (gateway_id, provider_id, message_id, part_no, status, updated_at) VALUES {marks}");
        let mut q = sqlx::query(&sql);
        for (id, n, pid) in part {
            q = q.bind(gw.id).bind(*pid).bind(*id).bind(*n as i64).bind(now);
        }
        q.execute(&mut *tx).await?;
    }
    for part in accepted.chunks(200) {
        let marks = vec!["(?, ?, 'submit', ?, ?, 'accepted')"; part.len()].join(",");
        let sql = format!("INSERT INTO sms_status_events (message_id, at, source, gateway_id, provider_id, status) VALUES {marks}");
        let mut q = sqlx::query(&sql);
        for (id, pids) in part {
            q = q.bind(*id).bind(now).bind(gw.id).bind(pids.join(","));
        }
        q.execute(&mut *tx).await?;
    }
    for (id, e) in &rejected {
        let (status, code) = failure_of(e);
        sqlx::query("UPDATE sms_messages SET status = ?, final = 1, gateway_id = ?, gateway_name = ?, error_code = ?, error_message = ?, updated_at = ?, done_at = ? WHERE id = ? AND final = 0")
            .bind(status.as_str())
            .bind(gw.id)
            .bind(&gw.name)
            .bind(code)
            .bind(provider_error(e))
            .bind(now)
            .bind(now)
            .bind(*id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO sms_status_events (message_id, at, source, gateway_id, status, raw_error) VALUES (?, ?, 'submit', ?, ?, ?)")
            .bind(*id)
            .bind(now)
            .bind(gw.id)
            .bind(status.as_str())
            .bind(provider_error(e))
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    // Reports that arrived before the answer was stored.
    for part in accepted.chunks(500) {
        let marks = vec!["?"; part.len()].join(",");
        let sql = format!("SELECT DISTINCT message_id FROM sms_parts WHERE gateway_id = ? AND status <> 'accepted' AND message_id IN ({marks})");
        let mut q = sqlx::query_scalar::<_, String>(&sql).bind(gw.id);
        for (id, _) in part {
            q = q.bind(*id);
        }
        for id in q.fetch_all(&db.pool).await? {
            refresh_message(db, &id).await?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// getStatus

#[derive(Debug, Clone, Serialize)]
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

struct Brief {
    status: String,
    gateway: String,
    error: Option<ItemError>,
}

fn view_of(r: &sqlx::any::AnyRow) -> Result<MessageView, sqlx::Error> {
    let ts = |k: &str| -> Result<Option<String>, sqlx::Error> {
        Ok(r.try_get::<Option<i64>, _>(k)?
            .map(crate::platform::time::rfc3339))
    };
    let code: String = r.try_get("error_code")?;
    let pe: String = r.try_get("error_message")?;
    Ok(MessageView {
        id: r.try_get("id")?,
        batch_id: r.try_get("batch_id")?,
        phone: r.try_get("phone")?,
        sender: r.try_get("sender")?,
        status: r.try_get("status")?,
        is_final: r.try_get::<i64, _>("final")? != 0,
        raw_status: r.try_get("raw_status")?,
        error: (!code.is_empty()).then(|| ItemError {
            message: error_text(&code).into(),
            code,
        }),
        provider_error: pe,
        encoding: r.try_get("encoding")?,
        parts: r.try_get("parts")?,
        gateway: r.try_get("gateway_name")?,
        provider_ids: Vec::new(),
        created_at: crate::platform::time::rfc3339(r.try_get("created_at")?),
        submitted_at: ts("submitted_at")?,
        updated_at: crate::platform::time::rfc3339(r.try_get("updated_at")?),
        done_at: ts("done_at")?,
        history: None,
    })
}

/// One line for each of our per-message error codes.
pub fn error_text(code: &str) -> &'static str {
    match code {
        "gateway_unavailable" => "no gateway took the message (down, overloaded or refusing)",
        "gateway_refused" => "the gateway refused the request (credentials, funds, route)",
        "submit_ambiguous" => "the gateway may or may not have taken the message (no answer in time); it was not resent",
        "phone_rejected" => "the gateway refused the phone number",
        "sender_rejected" => "the gateway refused the sender name",
        "not_queued" => "the gateway answered but did not queue the message",
        "message_rejected" => "the gateway refused the message",
        "status_expired" => "no final status within the gateway's retention period",
        _ => "see provider_error",
    }
}

const VIEW_COLUMNS: &str = "id, batch_id, phone, sender, status, final, raw_status, error_code, error_message, encoding, parts, gateway_name, created_at, submitted_at, updated_at, done_at";

async fn load_many(
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

/// The caller's messages among `ids` (others' ids are simply not found).
pub async fn get_status(
    db: &Db,
    user_id: i64,
    ids: &[String],
    history: bool,
) -> Result<Vec<MessageView>, ServiceError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(",");
        let sql = format!(
            "SELECT {VIEW_COLUMNS} FROM sms_messages WHERE user_id = ? AND id IN ({marks})"
        );
        let mut q = sqlx::query(&sql).bind(user_id);
        for id in chunk {
            q = q.bind(id);
        }
        for r in q.fetch_all(&db.pool).await? {
            out.push(view_of(&r)?);
        }
    }
    // Provider ids, one per part.
    for chunk in out.chunks_mut(500) {
        let marks = vec!["?"; chunk.len()].join(",");
        let sql = format!("SELECT message_id, provider_id FROM sms_parts WHERE message_id IN ({marks}) ORDER BY message_id, part_no");
        let mut q = sqlx::query_as::<_, (String, String)>(&sql);
        for v in chunk.iter() {
            q = q.bind(&v.id);
        }
        let rows = q.fetch_all(&db.pool).await?;
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
                    at: crate::platform::time::rfc3339(r.try_get("at")?),
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

// ---------------------------------------------------------------------------------------------
// Delivery reports and polling

/// Apply provider reports for one gateway: a part's first final status is never replaced (neither
/// by a late non-final report nor by another final one), repeats change nothing, and the message status is the aggregate of its parts. Returns how
/// many reports changed something.
pub async fn apply_reports(
    db: &Db,
    gateway_id: i64,
    reports: &[StatusReport],
    source: &str,
) -> Result<usize, ServiceError> {
    let mut changed = 0;
    let now = now_ms();
    for r in reports {
        if r.not_found {
            continue;
        }
        let row = sqlx::query("SELECT message_id, status, raw_status, final FROM sms_parts WHERE gateway_id = ? AND provider_id = ?")
            .bind(gateway_id)
            .bind(&r.provider_id)
            .fetch_optional(&db.pool)
            .await?;
        let Some(row) = row else { continue };
        let message_id: String = row.try_get("message_id")?;
        let old_status: String = row.try_get("status")?;
        let old_raw: String = row.try_get("raw_status")?;
        let old_final = row.try_get::<i64, _>("final")? != 0;
        if old_final {
            continue;
        }
        if old_status == r.status.as_str() && old_raw == r.raw_status {
            continue;
        }
        let mut tx = db.begin_write().await?;
        // The first final status stays (a late or repeated report never replaces it).
        let res = sqlx::query("UPDATE sms_parts SET status = ?, raw_status = ?, final = ?, updated_at = ? WHERE gateway_id = ? AND provider_id = ? AND final = 0")
            .bind(r.status.as_str())
            .bind(&r.raw_status)
            .bind(i64::from(r.status.is_final()))
            .bind(now)
            .bind(gateway_id)
            .bind(&r.provider_id)
            .execute(&mut *tx)
            .await?;
        if res.rows_affected() == 0 {
            continue;
        }
        sqlx::query("INSERT INTO sms_status_events (message_id, at, source, gateway_id, provider_id, status, raw_status, raw_error, provider_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(&message_id)
            .bind(now)
            .bind(source)
            .bind(gateway_id)
            .bind(&r.provider_id)
            .bind(r.status.as_str())
            .bind(&r.raw_status)
            .bind(r.raw_error.clone().unwrap_or_default())
            .bind(r.at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        refresh_message(db, &message_id).await?;
        changed += 1;
    }
    Ok(changed)
}

/// Recompute a submitted message's status from its parts (never leaving a final status).
async fn refresh_message(db: &Db, message_id: &str) -> Result<(), ServiceError> {
    let rows = sqlx::query(
        "SELECT status, raw_status FROM sms_parts WHERE message_id = ? ORDER BY part_no",
    )
    .bind(message_id)
    .fetch_all(&db.pool)
    .await?;
    if rows.is_empty() {
        return Ok(());
    }
    let mut statuses = Vec::with_capacity(rows.len());
    let mut raws = Vec::new();
    for r in &rows {
        let s: String = r.try_get("status")?;
        statuses.push(NormStatus::parse(&s).unwrap_or(NormStatus::Unknown));
        let raw: String = r.try_get("raw_status")?;
        if !raws.contains(&raw) {
            raws.push(raw);
        }
    }
    let agg = NormStatus::aggregate(&statuses);
    let now = now_ms();
    let fin = agg.is_final();
    sqlx::query("UPDATE sms_messages SET status = ?, final = ?, raw_status = ?, updated_at = ?, done_at = CASE WHEN ? = 1 THEN ? ELSE done_at END, next_poll_at = CASE WHEN ? = 1 THEN NULL ELSE next_poll_at END WHERE id = ? AND final = 0 AND status <> 'queued'")
        .bind(agg.as_str())
        .bind(i64::from(fin))
        .bind(raws.join(","))
        .bind(now)
        .bind(i64::from(fin))
        .bind(now)
        .bind(i64::from(fin))
        .bind(message_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// A delivery report POSTed to `/callbacks/sms/{gateway}/{token}`. `Ok(None)` when the gateway or
/// token is wrong (the caller answers 404).
pub async fn callback(
    db: &Db,
    hub: &SmsHub,
    gateway_id: i64,
    token: &str,
    form: &[(String, String)],
) -> Result<Option<usize>, ServiceError> {
    let gw = match gateways::get(db, gateway_id).await {
        Ok(g) => g,
        Err(ServiceError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    if !constant_time_eq(gw.callback_token.expose().as_bytes(), token.as_bytes()) {
        return Ok(None);
    }
    let reports = hub
        .provider(&gw)
        .parse_callback(form)
        .map_err(|m| ServiceError::invalid("callback", m))?;
    Ok(Some(apply_reports(db, gw.id, &reports, "callback").await?))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn backoff(attempt: i64) -> Duration {
    let secs = POLL_FIRST
        .as_secs()
        .saturating_mul(1u64 << attempt.clamp(0, 16) as u32);
    Duration::from_secs(secs.min(POLL_MAX.as_secs()))
}

/// One round of the status poller: every non-final submitted message that is due is asked about
/// (in the provider's batch size); those past the provider's retention become `unknown`.
pub async fn poll_once(db: &Db, hub: &SmsHub, now: i64) -> Result<usize, ServiceError> {
    let rows = sqlx::query("SELECT id, gateway_id, submitted_at, poll_attempts FROM sms_messages WHERE final = 0 AND status <> 'queued' AND next_poll_at IS NOT NULL AND next_poll_at <= ? ORDER BY next_poll_at LIMIT 1000")
        .bind(now)
        .fetch_all(&db.pool)
        .await?;
    let mut by_gw: HashMap<i64, Vec<(String, i64, i64)>> = HashMap::new();
    for r in &rows {
        let gw: Option<i64> = r.try_get("gateway_id")?;
        let Some(gw) = gw else { continue };
        by_gw.entry(gw).or_default().push((
            r.try_get("id")?,
            r.try_get::<Option<i64>, _>("submitted_at")?.unwrap_or(now),
            r.try_get("poll_attempts")?,
        ));
    }
    let mut asked = 0;
    for (gw_id, msgs) in by_gw {
        let gw = gateways::get(db, gw_id).await.ok();
        if let Some(gw) = &gw {
            let p = hub.provider(gw);
            let caps = p.capabilities();
            if gw.kind == "smpp" {
                // Receipts come over the bind: make sure there is one (after a restart, say).
                if let Err(e) = hub.smpp.session(gw).conn().await {
                    tracing::warn!(gateway = %gw.name, code = %e.code, "SMPP bind for delivery receipts failed");
                }
            }
            if caps.status_query {
                let mut ids = Vec::new();
                for chunk in msgs.chunks(200) {
                    let marks = vec!["?"; chunk.len()].join(",");
                    let sql = format!("SELECT provider_id FROM sms_parts WHERE gateway_id = ? AND final = 0 AND message_id IN ({marks})");
                    let mut q = sqlx::query_scalar::<_, String>(&sql).bind(gw_id);
                    for (id, _, _) in chunk {
                        q = q.bind(id);
                    }
                    ids.extend(q.fetch_all(&db.pool).await?);
                }
                for chunk in ids.chunks(caps.max_status_ids.max(1)) {
                    match p.status(chunk).await {
                        Ok(reports) => {
                            asked += chunk.len();
                            apply_reports(db, gw_id, &reports, "poll").await?;
                        }
                        Err(e) => {
                            tracing::warn!(gateway = %gw.name, code = %e.code, "SMS status query failed");
                        }
                    }
                }
            }
        }
        let retention = gw
            .as_ref()
            .map(|g| hub.provider(g).capabilities().retention_ms)
            .unwrap_or(0);
        for (id, submitted, attempts) in msgs {
            if gw.is_none() || submitted + retention <= now {
                sqlx::query("UPDATE sms_messages SET status = 'unknown', final = 1, error_code = 'status_expired', updated_at = ?, done_at = ?, next_poll_at = NULL WHERE id = ? AND final = 0")
                    .bind(now)
                    .bind(now)
                    .bind(&id)
                    .execute(&db.pool)
                    .await?;
            } else {
                let next = now + backoff(attempts + 1).as_millis() as i64;
                sqlx::query("UPDATE sms_messages SET next_poll_at = ?, poll_attempts = ? WHERE id = ? AND final = 0")
                    .bind(next.min(submitted + retention))
                    .bind(attempts + 1)
                    .bind(&id)
                    .execute(&db.pool)
                    .await?;
            }
        }
    }
    Ok(asked)
}

/// The settings page's "test" button: a balance query (credentials check).
pub async fn test_gateway(hub: &SmsHub, gw: &Gateway) -> Result<String, GatewayError> {
    hub.provider(gw).balance().await
}

/// Store one SMPP delivery receipt. SMSCs disagree on the base of message ids (hex in the submit
/// answer, decimal in the receipt, or the reverse): the exact id is tried first, then the same
/// number in the other base. A receipt can overtake the storing of the submit answer, so an
/// unknown id is looked up again for a few seconds. `Ok(false)` when no message has that id.
pub async fn apply_receipt(
    db: &Db,
    gateway_id: i64,
    r: &super::smpp::pdu::Receipt,
) -> Result<bool, ServiceError> {
    let variants = super::smpp::pdu::id_variants(&r.message_id);
    for attempt in 0..20 {
        for id in &variants {
            let known: Option<i64> = sqlx::query_scalar(
                "SELECT 1 FROM sms_parts WHERE gateway_id = ? AND provider_id = ?",
            )
            .bind(gateway_id)
            .bind(id)
            .fetch_optional(&db.pool)
            .await?;
            if known.is_some() {
                let report = StatusReport {
                    provider_id: id.clone(),
                    status: r.status,
                    raw_status: r.raw_status.clone(),
                    raw_error: r.raw_error.clone(),
                    at: r.done_at,
                    not_found: false,
                };
                apply_reports(db, gateway_id, &[report], "receipt").await?;
                return Ok(true);
            }
        }
        if attempt < 19 {
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    Ok(false)
}

/// Stores the delivery receipts the SMPP binds bring in; each is acknowledged to the SMSC only
/// after it is stored (a failed store makes the SMSC send it again).
fn spawn_receipts(db: Db, hub: &SmsHub) {
    let Some(mut rx) = hub.smpp.take_receipts() else {
        return;
    };
    tokio::spawn(async move {
        while let Some(inc) = rx.recv().await {
            let db = db.clone();
            tokio::spawn(async move {
                let stored = match apply_receipt(&db, inc.gateway_id, &inc.receipt).await {
                    Ok(true) => true,
                    Ok(false) => {
                        tracing::warn!(gateway = inc.gateway_id, id = %inc.receipt.message_id, "SMPP receipt for an unknown message id acknowledged and dropped");
                        true
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "storing an SMPP receipt failed; the SMSC will send it again");
                        false
                    }
                };
                let _ = inc.ack.send(stored);
            });
        }
    });
}

/// The background poller (every [`POLL_TICK`]) and the SMPP receipt writer.
pub fn spawn_poller(db: Db, hub: Arc<SmsHub>) -> tokio::task::JoinHandle<()> {
    spawn_receipts(db.clone(), &hub);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(POLL_TICK).await;
            if let Err(e) = poll_once(&db, &hub, now_ms()).await {
                tracing::warn!(error = %e, "SMS status poll failed");
            }
            if let Err(e) = recover_once(&db, &hub, now_ms()).await {
                tracing::warn!(error = %e, "SMS recovery pass failed");
            }
            // Unbind from SMPP gateways that were deleted, disabled or changed kind.
            if let Ok(all) = gateways::list(&db).await {
                let keep: Vec<i64> = all
                    .iter()
                    .filter(|g| g.kind == "smpp" && g.enabled)
                    .map(|g| g.id)
                    .collect();
                hub.smpp.retain(&keep);
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_shapes() {
        let parse = |s: &str| {
            serde_json::from_str::<SendRequest>(s)
                .map_err(|e| e.to_string())
                .and_then(|r| expand(r).map_err(|e| e.to_string()))
        };
        let (items, sender, single) =
            parse(r#"{"phone":"89161234567","text":"hi","sender":"Shop"}"#).unwrap();
        assert_eq!(items, vec![("89161234567".to_string(), "hi".to_string())]);
        assert_eq!(sender.as_deref(), Some("Shop"));
        assert!(single);
        let (items, _, single) = parse(r#"{"phones":["1","2"],"text":"x"}"#).unwrap();
        assert_eq!(items.len(), 2);
        assert!(!single);
        assert!(parse(r#"{"messages":[{"phone":"1","text":"a"}]}"#).is_ok());
        assert!(parse(r#"{"messages":[{"phone":"1","text":"a"}],"text":"b"}"#).is_err());
        assert!(parse(r#"{"phone":"1","phones":["2"],"text":"b"}"#).is_err());
        assert!(parse(r#"{"phone":"1"}"#).is_err());
        assert!(parse(r#"{"phones":[],"text":"b"}"#).is_err());
        assert!(parse(r#"{"phone":"1","text":"a","sender":"Магазин"}"#).is_err());
        assert!(parse(r#"{"phone":"1","text":"a","colour":"red"}"#).is_err());
        let many = format!(
            r#"{{"phones":[{}],"text":"x"}}"#,
            vec!["\"1\""; MAX_RECIPIENTS + 1].join(",")
        );
        assert!(parse(&many).unwrap_err().contains("too many"));
    }

    #[test]
    fn recipients_are_checked_one_by_one() {
        let items = vec![
            ("89161234567".to_string(), "hi".to_string()),
            ("nope".to_string(), "hi".to_string()),
            ("89161234568".to_string(), " ".to_string()),
            ("89161234569".to_string(), "я".repeat(71)),
        ];
        let (ok, rejected) = prepare(items, &None, 1, &text::encoding_of);
        assert_eq!(ok.len(), 1);
        assert_eq!(ok[0].msg.phone.as_str(), "+79161234567");
        let codes: Vec<_> = rejected
            .iter()
            .map(|r| (r.index, r.error.as_ref().unwrap().code.as_str()))
            .collect();
        assert_eq!(
            codes,
            vec![
                (1, "phone_bad_characters"),
                (2, "text_empty"),
                (3, "text_too_long")
            ]
        );
    }

    #[test]
    fn poll_backoff_grows_and_caps() {
        assert_eq!(backoff(0), Duration::from_secs(60));
        assert_eq!(backoff(1), Duration::from_secs(120));
        assert_eq!(backoff(3), Duration::from_secs(480));
        assert_eq!(backoff(10), POLL_MAX);
        assert_eq!(backoff(100), POLL_MAX);
    }
}
