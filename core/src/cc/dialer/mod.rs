//! The outbound call list behind `cc.add`: contacts are parsed and stored at once (the call UUID is
//! fixed in advance and later sent as `origination_uuid`), then a pacing worker dials them through
//! FreeSWITCH honouring «FreeSWITCH» settings (`max_concurrent_calls`, `calls_per_second`,
//! `dial_template`, caller id, `originate_timeout_s`), and records each call's outcome.
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

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::access::live::{Live, Snapshot};
use crate::cc::queues as cc;
use crate::freeswitch::client::{new_uuid, FsClient, TransportError};
use crate::freeswitch::hub::{fs_config, FsHub};
use crate::platform::db::Db;
use crate::platform::error::ServiceError;
use crate::platform::phone;
use crate::platform::time::{now_ms, parse_input, rfc3339};

/// Most contacts in one request.
pub const MAX_BATCH: usize = 1000;
/// Attempts while FreeSWITCH cannot be reached before a contact fails.
pub const MAX_ATTEMPTS: i64 = 3;

// ---- input ------------------------------------------------------------------------------------

/// One contact as the client sends it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    pub phone: String,
    #[serde(default)]
    pub queue: Option<String>,
    #[serde(default)]
    pub extension: Option<String>,
    #[serde(default)]
    pub caller_id_number: Option<String>,
    #[serde(default)]
    pub caller_id_name: Option<String>,
    #[serde(default)]
    pub crm_ref: Option<String>,
    #[serde(default)]
    pub variables: BTreeMap<String, Value>,
    #[serde(default)]
    pub not_before: Option<String>,
    #[serde(default)]
    pub not_after: Option<String>,
    #[serde(default)]
    pub priority: Option<i64>,
}

/// Where an answered call goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `&callcenter(<queue>)`
    Queue(String),
    /// A dialplan extension in the `default` context (XML dialplan).
    Extension(String),
}

/// A contact that passed validation.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCall {
    pub phone: phone::E164,
    pub target: Target,
    pub caller_id_number: String,
    pub caller_id_name: String,
    pub crm_ref: String,
    pub variables: BTreeMap<String, String>,
    pub priority: i64,
    pub not_before_ms: i64,
    pub not_after_ms: Option<i64>,
}

/// Why one contact was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemError {
    pub code: String,
    pub field: String,
    pub reason: String,
}

impl ItemError {
    fn new(code: &str, field: &str, reason: impl Into<String>) -> ItemError {
        ItemError {
            code: code.into(),
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// A parsed `cc/add` body: one contact, or `{"contacts":[…]}`.
#[derive(Debug)]
pub struct AddRequest {
    pub batch: bool,
    pub items: Vec<Result<NewCall, ItemError>>,
}

/// Characters FreeSWITCH's `{var=value}` syntax would take as syntax.
fn safe_value(s: &str) -> bool {
    !s.chars()
        .any(|c| c.is_control() || matches!(c, ',' | '\'' | '{' | '}' | '^' | '[' | ']' | '"'))
}

fn parse_var_name(n: &str) -> bool {
    let b = n.as_bytes();
    !b.is_empty()
        && b.len() <= 32
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
}

/// Validate one contact. `now` and `tz` (minutes east of UTC) read the time window.
pub fn parse_contact(c: ContactInput, now: i64, tz: i64) -> Result<NewCall, ItemError> {
    let phone = phone::parse(&c.phone)
        .map_err(|e| ItemError::new(e.code().as_str(), "phone", e.to_string()))?;
    let target = match (c.queue.as_deref(), c.extension.as_deref()) {
        (Some(q), None) => Target::Queue(
            cc::parse_name("queue", q)
                .map_err(|e| ItemError::new("invalid_parameter", "queue", e.to_string()))?,
        ),
        (None, Some(x)) => {
            let x = x.trim();
            if x.is_empty()
                || x.len() > 64
                || !x.bytes().all(|b| {
                    b.is_ascii_alphanumeric()
                        || matches!(b, b'_' | b'+' | b'*' | b'#' | b'.' | b'-')
                })
            {
                return Err(ItemError::new(
                    "invalid_parameter",
                    "extension",
                    "expected 1 to 64 characters from A-Z a-z 0-9 _ + * # . -",
                ));
            }
            Target::Extension(x.to_string())
        }
        (Some(_), Some(_)) => {
            return Err(ItemError::new(
                "invalid_parameter",
                "queue",
                "give either queue or extension, not both",
            ))
        }
        (None, None) => {
            return Err(ItemError::new(
                "invalid_parameter",
                "queue",
                "give queue (the call joins it on answer) or extension",
            ))
        }
    };
    let caller_id_number = match c.caller_id_number.as_deref().map(str::trim) {
        None | Some("") => String::new(),
        Some(n) => {
            let digits = n.strip_prefix('+').unwrap_or(n);
            if digits.is_empty() || digits.len() > 20 || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(ItemError::new(
                    "invalid_parameter",
                    "caller_id_number",
                    "expected up to 20 digits, optionally after +",
                ));
            }
            n.to_string()
        }
    };
    let caller_id_name = c.caller_id_name.unwrap_or_default().trim().to_string();
    if caller_id_name.chars().count() > 64 || !safe_value(&caller_id_name) {
        return Err(ItemError::new(
            "invalid_parameter",
            "caller_id_name",
            "at most 64 characters, without , ' \" { } [ ] ^",
        ));
    }
    let crm_ref = c.crm_ref.unwrap_or_default().trim().to_string();
    if crm_ref.chars().count() > 128 || !safe_value(&crm_ref) {
        return Err(ItemError::new(
            "invalid_parameter",
            "crm_ref",
            "at most 128 characters, without , ' \" { } [ ] ^",
        ));
    }
    if c.variables.len() > 20 {
        return Err(ItemError::new(
            "invalid_parameter",
            "variables",
            "at most 20 variables",
        ));
    }
    let mut variables = BTreeMap::new();
    for (k, v) in c.variables {
        if !parse_var_name(&k) {
            return Err(ItemError::new(
                "invalid_parameter",
                "variables",
                format!("variable name {k:?}: expected a-z, then a-z 0-9 _, at most 32"),
            ));
        }
        let v = match v {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => {
                return Err(ItemError::new(
                    "invalid_parameter",
                    "variables",
                    format!("variable {k}: expected a string, number or boolean"),
                ))
            }
        };
        if v.chars().count() > 256 || !safe_value(&v) {
            return Err(ItemError::new(
                "invalid_parameter",
                "variables",
                format!("variable {k}: at most 256 characters, without , ' \" {{ }} [ ] ^"),
            ));
        }
        variables.insert(k, v);
    }
    let when = |field: &str, v: Option<String>| -> Result<Option<i64>, ItemError> {
        match v {
            None => Ok(None),
            Some(s) => parse_input(&s, tz).map(Some).ok_or_else(|| {
                ItemError::new(
                    "invalid_parameter",
                    field,
                    "expected an ISO-8601 date-time such as 2026-11-25T10:00:00+03:00",
                )
            }),
        }
    };
    let not_before_ms = when("not_before", c.not_before)?.unwrap_or(now);
    let not_after_ms = when("not_after", c.not_after)?;
    if let Some(after) = not_after_ms {
        if after <= now {
            return Err(ItemError::new(
                "invalid_range",
                "not_after",
                "not_after is already in the past",
            ));
        }
        if after <= not_before_ms {
            return Err(ItemError::new(
                "invalid_range",
                "not_after",
                "not_after must be later than not_before",
            ));
        }
    }
    let priority = c.priority.unwrap_or(0);
    if !(0..=100).contains(&priority) {
        return Err(ItemError::new(
            "invalid_parameter",
            "priority",
            "expected 0 to 100 (higher is dialled first)",
        ));
    }
    Ok(NewCall {
        phone,
        target,
        caller_id_number,
        caller_id_name,
        crm_ref,
        variables,
        priority,
        not_before_ms,
        not_after_ms,
    })
}

fn item_from_value(v: Value, now: i64, tz: i64) -> Result<NewCall, ItemError> {
    let c: ContactInput = serde_json::from_value(v).map_err(|e| {
        let msg = e.to_string();
        let code = if msg.starts_with("unknown field") {
            "unknown_field"
        } else {
            "invalid_parameter"
        };
        ItemError::new(code, "", msg)
    })?;
    parse_contact(c, now, tz)
}

/// Parse a `cc/add` body. A single contact that fails is an error of the request; in a batch each
/// contact is judged on its own.
pub fn parse_request(body: Value, now: i64, tz: i64) -> Result<AddRequest, ServiceError> {
    let Value::Object(mut map) = body else {
        return Err(ServiceError::invalid(
            "body",
            "expected a JSON object: one contact or {\"contacts\": [...]}",
        ));
    };
    if let Some(list) = map.remove("contacts") {
        if let Some(extra) = map.keys().next() {
            return Err(ServiceError::invalid(
                "body",
                format!("unknown field `{extra}` next to contacts"),
            ));
        }
        let Value::Array(list) = list else {
            return Err(ServiceError::invalid("contacts", "expected an array"));
        };
        if list.is_empty() {
            return Err(ServiceError::invalid("contacts", "the list is empty"));
        }
        if list.len() > MAX_BATCH {
            return Err(ServiceError::invalid(
                "contacts",
                format!(
                    "at most {MAX_BATCH} contacts per request, got {}",
                    list.len()
                ),
            ));
        }
        Ok(AddRequest {
            batch: true,
            items: list
                .into_iter()
                .map(|v| item_from_value(v, now, tz))
                .collect(),
        })
    } else {
        Ok(AddRequest {
            batch: false,
            items: vec![item_from_value(Value::Object(map), now, tz)],
        })
    }
}

// ---- storage ----------------------------------------------------------------------------------

/// One row of the call list, as the status method reports it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Call {
    pub id: String,
    pub batch_id: String,
    pub phone: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    pub caller_id_number: String,
    pub caller_id_name: String,
    pub crm_ref: String,
    pub variables: BTreeMap<String, String>,
    pub priority: i64,
    pub not_before: String,
    pub not_after: Option<String>,
    pub status: String,
    pub hangup_cause: Option<String>,
    pub attempts: i64,
    pub created_at: String,
    pub updated_at: String,
    pub dialed_at: Option<String>,
    pub answered_at: Option<String>,
    pub ended_at: Option<String>,
    /// Seconds talked, once the CDR of the call has been indexed.
    pub billsec: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct CallRow {
    id: String,
    batch_id: String,
    phone: String,
    target_kind: String,
    target: String,
    caller_id_number: String,
    caller_id_name: String,
    crm_ref: String,
    variables: String,
    priority: i64,
    not_before_ms: i64,
    not_after_ms: Option<i64>,
    status: String,
    hangup_cause: String,
    attempts: i64,
    created_ms: i64,
    updated_ms: i64,
    dial_ms: Option<i64>,
    answer_ms: Option<i64>,
    end_ms: Option<i64>,
}

const COLS: &str = "id, batch_id, phone, target_kind, target, caller_id_number, caller_id_name, \
    crm_ref, variables, priority, not_before_ms, not_after_ms, status, hangup_cause, attempts, \
    created_ms, updated_ms, dial_ms, answer_ms, end_ms";

fn call_of(r: CallRow, billsec: Option<i64>, cdr_cause: Option<String>) -> Call {
    let (queue, extension) = if r.target_kind == "queue" {
        (Some(r.target), None)
    } else {
        (None, Some(r.target))
    };
    let hangup_cause = if !r.hangup_cause.is_empty() {
        Some(r.hangup_cause)
    } else {
        cdr_cause.filter(|c| !c.is_empty())
    };
    Call {
        id: r.id,
        batch_id: r.batch_id,
        phone: r.phone,
        queue,
        extension,
        caller_id_number: r.caller_id_number,
        caller_id_name: r.caller_id_name,
        crm_ref: r.crm_ref,
        variables: serde_json::from_str(&r.variables).unwrap_or_default(),
        priority: r.priority,
        not_before: rfc3339(r.not_before_ms),
        not_after: r.not_after_ms.map(rfc3339),
        status: r.status,
        hangup_cause,
        attempts: r.attempts,
        created_at: rfc3339(r.created_ms),
        updated_at: rfc3339(r.updated_ms),
        dialed_at: r.dial_ms.map(rfc3339),
        answered_at: r.answer_ms.map(rfc3339),
        ended_at: r.end_ms.map(rfc3339),
        billsec,
    }
}

/// Store validated contacts of one request; returns the batch id and a call id per contact.
pub async fn enqueue(
    db: &Db,
    user_id: i64,
    calls: &[NewCall],
) -> Result<(String, Vec<String>), ServiceError> {
    let batch_id = new_uuid();
    let now = now_ms();
    let mut ids = Vec::with_capacity(calls.len());
    let mut tx = db.begin_write().await?;
    for (index, c) in calls.iter().enumerate() {
        let id = new_uuid();
        let (kind, target) = match &c.target {
            Target::Queue(q) => ("queue", q.as_str()),
            Target::Extension(x) => ("extension", x.as_str()),
        };
        sqlx::query(&format!(
            "INSERT INTO cc_calls (user_id, batch_index, {COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', '', 0, ?, ?, NULL, NULL, NULL)"
        ))
        .bind(user_id)
        .bind(index as i64)
        .bind(&id)
        .bind(&batch_id)
        .bind(c.phone.as_str())
        .bind(kind)
        .bind(target)
        .bind(&c.caller_id_number)
        .bind(&c.caller_id_name)
        .bind(&c.crm_ref)
        .bind(serde_json::to_string(&c.variables).unwrap_or_else(|_| "{}".into()))
        .bind(c.priority)
        .bind(c.not_before_ms)
        .bind(c.not_after_ms)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        ids.push(id);
    }
    tx.commit().await?;
    Ok((batch_id, ids))
}

async fn with_cdr(db: &Db, rows: Vec<CallRow>) -> Result<Vec<Call>, ServiceError> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let cdr: Option<(i64, String)> = if matches!(r.status.as_str(), "answered" | "completed") {
            sqlx::query_as("SELECT billsec, hangup_cause FROM cdr WHERE uuid = ?")
                .bind(&r.id)
                .fetch_optional(&db.pool)
                .await?
        } else {
            None
        };
        let (billsec, cause) = match cdr {
            Some((b, c)) => (Some(b), Some(c)),
            None => (None, None),
        };
        out.push(call_of(r, billsec, cause));
    }
    Ok(out)
}

/// One call of this user.
pub async fn get(db: &Db, user_id: i64, id: &str) -> Result<Option<Call>, ServiceError> {
    let row: Option<CallRow> = sqlx::query_as(&format!(
        "SELECT {COLS} FROM cc_calls WHERE id = ? AND user_id = ?"
    ))
    .bind(id)
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(with_cdr(db, row.into_iter().collect()).await?.pop())
}

/// All calls of one batch of this user (in the order they were sent); empty when there is none.
pub async fn batch(db: &Db, user_id: i64, batch_id: &str) -> Result<Vec<Call>, ServiceError> {
    let rows: Vec<CallRow> = sqlx::query_as(&format!(
        "SELECT {COLS} FROM cc_calls WHERE batch_id = ? AND user_id = ? ORDER BY batch_index"
    ))
    .bind(batch_id)
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    with_cdr(db, rows).await
}

/// Outcome of a cancel request.
#[derive(Debug, PartialEq, Eq)]
pub enum Cancel {
    Cancelled,
    NotFound,
    /// Already dialling or finished: its status.
    TooLate(String),
}

/// Cancel a queued call of this user.
pub async fn cancel(db: &Db, user_id: i64, id: &str) -> Result<Cancel, ServiceError> {
    let now = now_ms();
    let r = sqlx::query(
        "UPDATE cc_calls SET status = 'cancelled', updated_ms = ?, end_ms = ? \
         WHERE id = ? AND user_id = ? AND status = 'queued'",
    )
    .bind(now)
    .bind(now)
    .bind(id)
    .bind(user_id)
    .execute(&db.pool)
    .await?;
    if r.rows_affected() == 1 {
        return Ok(Cancel::Cancelled);
    }
    let st: Option<String> =
        sqlx::query_scalar("SELECT status FROM cc_calls WHERE id = ? AND user_id = ?")
            .bind(id)
            .bind(user_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(match st {
        None => Cancel::NotFound,
        Some(s) if s == "cancelled" => Cancel::Cancelled,
        Some(s) => Cancel::TooLate(s),
    })
}

// ---- dialling ---------------------------------------------------------------------------------

/// Pacing settings read from the «FreeSWITCH» block.
#[derive(Debug, Clone, PartialEq)]
pub struct Pacing {
    pub max_concurrent: i64,
    pub calls_per_second: f64,
    pub dial_template: String,
    pub caller_id_number: String,
    pub caller_id_name: String,
    pub originate_timeout_s: u64,
}

impl Pacing {
    pub fn from_snapshot(snap: &Snapshot) -> Pacing {
        let get = |k: &str| {
            snap.settings
                .get(&format!("freeswitch.{k}"))
                .cloned()
                .unwrap_or_default()
        };
        Pacing {
            max_concurrent: get("max_concurrent_calls").parse().unwrap_or(10),
            calls_per_second: get("calls_per_second").parse().unwrap_or(5.0),
            dial_template: get("dial_template"),
            caller_id_number: get("caller_id_number"),
            caller_id_name: get("caller_id_name"),
            originate_timeout_s: get("originate_timeout_s").parse().unwrap_or(30),
        }
    }
}

/// A variable in `{…}`: quoted when it has spaces (validation already refused the syntax characters).
fn var(out: &mut Vec<String>, k: &str, v: &str) {
    if v.contains(' ') {
        out.push(format!("{k}='{v}'"));
    } else {
        out.push(format!("{k}={v}"));
    }
}

/// The `originate` arguments for one call. Errors name what in the settings is unusable.
pub fn originate_args(
    id: &str,
    phone: &str,
    target: &Target,
    cid_number: &str,
    cid_name: &str,
    crm_ref: &str,
    variables: &BTreeMap<String, String>,
    p: &Pacing,
) -> Result<String, String> {
    let digits = phone.trim_start_matches('+');
    let tpl = p.dial_template.trim();
    if !(tpl.contains("{number}") || tpl.contains("{e164}")) {
        return Err("the dial template has neither {number} nor {e164}".into());
    }
    let dial = tpl.replace("{number}", digits).replace("{e164}", phone);
    if dial
        .chars()
        .any(|c| c.is_whitespace() || matches!(c, '{' | '}' | ',' | '\''))
    {
        return Err("the dial template must not contain spaces, braces, commas or quotes".into());
    }
    let mut vars = Vec::new();
    var(&mut vars, "origination_uuid", id);
    let num = if cid_number.is_empty() {
        &p.caller_id_number
    } else {
        cid_number
    };
    let name = if cid_name.is_empty() {
        &p.caller_id_name
    } else {
        cid_name
    };
    if !num.is_empty() {
        var(&mut vars, "origination_caller_id_number", num);
    }
    if !name.is_empty() && safe_value(name) {
        var(&mut vars, "origination_caller_id_name", name);
    }
    var(
        &mut vars,
        "originate_timeout",
        &p.originate_timeout_s.to_string(),
    );
    var(&mut vars, "ignore_early_media", "true");
    var(&mut vars, "ccgate_call_id", id);
    if !crm_ref.is_empty() {
        var(&mut vars, "ccgate_crm_ref", crm_ref);
    }
    for (k, v) in variables {
        var(&mut vars, &format!("ccgate_{k}"), v);
    }
    let app = match target {
        Target::Queue(q) => format!("&callcenter({q})"),
        Target::Extension(x) => format!("{x} XML default"),
    };
    Ok(format!("{{{}}}{dial} {app}", vars.join(",")))
}

/// How FreeSWITCH answered an originate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dialled {
    Answered,
    Busy,
    NoAnswer,
    Failed(String),
}

/// Read the reply to `originate` (`+OK <uuid>` or `-ERR <CAUSE>`).
pub fn classify_originate(reply: &str) -> Dialled {
    let t = reply.trim();
    if t.starts_with("+OK") {
        return Dialled::Answered;
    }
    let cause = t
        .strip_prefix("-ERR")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| c.split_whitespace().next().unwrap_or(c))
        .unwrap_or("UNKNOWN");
    let cause: String = cause
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(64)
        .collect();
    match cause.as_str() {
        "USER_BUSY" => Dialled::Busy,
        "NO_ANSWER" | "NO_USER_RESPONSE" | "ALLOTTED_TIMEOUT" => Dialled::NoAnswer,
        "" => Dialled::Failed("UNKNOWN".into()),
        _ => Dialled::Failed(cause),
    }
}

/// The pacing worker. One per process; several processes may share a database.
pub struct Dialer {
    db: Db,
    live: Arc<Live>,
    hub: Arc<FsHub>,
    /// Calls this process is handling (dialling or watching).
    inflight: Mutex<HashSet<String>>,
    wake: tokio::sync::Notify,
}

struct Claimed {
    id: String,
    phone: String,
    target: Target,
    cid_number: String,
    cid_name: String,
    crm_ref: String,
    variables: BTreeMap<String, String>,
    attempts: i64,
}

impl Dialer {
    pub fn new(db: Db, live: Arc<Live>, hub: Arc<FsHub>) -> Arc<Dialer> {
        Arc::new(Dialer {
            db,
            live,
            hub,
            inflight: Mutex::new(HashSet::new()),
            wake: tokio::sync::Notify::new(),
        })
    }

    /// New contacts were stored: look at once instead of at the next tick.
    pub fn poke(&self) {
        self.wake.notify_one();
    }

    /// Run the pacing loop until the task is aborted.
    pub fn spawn(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move { me.run().await })
    }

    async fn run(self: Arc<Self>) {
        let mut tokens: f64 = 0.0;
        let mut last = tokio::time::Instant::now();
        let mut last_sweep = tokio::time::Instant::now() - Duration::from_secs(60);
        loop {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                _ = self.wake.notified() => {}
            }
            let snap = self.live.current();
            let p = Pacing::from_snapshot(&snap);
            let now_i = tokio::time::Instant::now();
            let cps = p.calls_per_second.max(0.1);
            tokens = (tokens + now_i.duration_since(last).as_secs_f64() * cps).min(cps.max(1.0));
            last = now_i;
            if now_i.duration_since(last_sweep) >= Duration::from_secs(2) {
                last_sweep = now_i;
                if let Err(e) = self.sweep(&p).await {
                    tracing::warn!(error = %e, "call list sweep failed");
                }
            }
            match self.tick(&p, &mut tokens).await {
                Ok(()) => {}
                Err(e) => tracing::warn!(error = %e, "dialer tick failed"),
            }
        }
    }

    /// Expire overdue contacts and pick up calls no task of this process looks after (a restart).
    async fn sweep(self: &Arc<Self>, p: &Pacing) -> Result<(), ServiceError> {
        let now = now_ms();
        sqlx::query(
            "UPDATE cc_calls SET status = 'expired', updated_ms = ?, end_ms = ? \
             WHERE status = 'queued' AND not_after_ms IS NOT NULL AND not_after_ms < ?",
        )
        .bind(now)
        .bind(now)
        .bind(now)
        .execute(&self.db.pool)
        .await?;
        let stale_dial = now - (p.originate_timeout_s as i64 + 60) * 1000;
        let rows: Vec<(String, String, Option<i64>)> = sqlx::query_as(
            "SELECT id, status, dial_ms FROM cc_calls WHERE status IN ('dialing', 'answered')",
        )
        .fetch_all(&self.db.pool)
        .await?;
        for (id, status, dial_ms) in rows {
            if self.inflight.lock().unwrap().contains(&id) {
                continue;
            }
            if status == "dialing" && dial_ms.unwrap_or(0) > stale_dial {
                // Another instance may be dialling it right now.
                continue;
            }
            self.inflight.lock().unwrap().insert(id.clone());
            let me = self.clone();
            tokio::spawn(async move {
                let up = me.exists(&id).await;
                match up {
                    Some(true) => {
                        if status == "dialing" {
                            me.set_answered(&id).await;
                        }
                        me.watch(&id).await;
                    }
                    Some(false) if status == "dialing" => {
                        me.finish(&id, "failed", "ORIGINATE_LOST").await;
                    }
                    Some(false) => me.finish(&id, "completed", "").await,
                    None => {}
                }
                me.inflight.lock().unwrap().remove(&id);
            });
        }
        Ok(())
    }

    async fn tick(self: &Arc<Self>, p: &Pacing, tokens: &mut f64) -> Result<(), ServiceError> {
        if p.max_concurrent <= 0 || *tokens < 1.0 {
            return Ok(());
        }
        let active: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM cc_calls WHERE status IN ('dialing', 'answered')",
        )
        .fetch_one(&self.db.pool)
        .await?;
        let free = (p.max_concurrent - active).min(tokens.floor() as i64);
        if free <= 0 {
            return Ok(());
        }
        let now = now_ms();
        type Cand = (
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            i64,
        );
        let cands: Vec<Cand> = sqlx::query_as(
            "SELECT id, phone, target_kind, target, caller_id_number, caller_id_name, crm_ref, variables, attempts \
             FROM cc_calls WHERE status = 'queued' AND not_before_ms <= ? \
             AND (not_after_ms IS NULL OR not_after_ms >= ?) \
             ORDER BY priority DESC, created_ms, id LIMIT ?",
        )
        .bind(now)
        .bind(now)
        .bind(free)
        .fetch_all(&self.db.pool)
        .await?;
        for (id, phone, kind, target, cid_number, cid_name, crm_ref, vars, attempts) in cands {
            let claimed = sqlx::query(
                "UPDATE cc_calls SET status = 'dialing', dial_ms = ?, updated_ms = ?, attempts = attempts + 1 \
                 WHERE id = ? AND status = 'queued'",
            )
            .bind(now)
            .bind(now)
            .bind(&id)
            .execute(&self.db.pool)
            .await?;
            if claimed.rows_affected() != 1 {
                continue;
            }
            *tokens -= 1.0;
            self.inflight.lock().unwrap().insert(id.clone());
            let call = Claimed {
                id,
                phone,
                target: if kind == "queue" {
                    Target::Queue(target)
                } else {
                    Target::Extension(target)
                },
                cid_number,
                cid_name,
                crm_ref,
                variables: serde_json::from_str(&vars).unwrap_or_default(),
                attempts: attempts + 1,
            };
            let me = self.clone();
            let p = p.clone();
            tokio::spawn(async move {
                let id = call.id.clone();
                me.place(call, p).await;
                me.inflight.lock().unwrap().remove(&id);
            });
        }
        Ok(())
    }

    async fn place(self: &Arc<Self>, c: Claimed, p: Pacing) {
        let args = match originate_args(
            &c.id,
            &c.phone,
            &c.target,
            &c.cid_number,
            &c.cid_name,
            &c.crm_ref,
            &c.variables,
            &p,
        ) {
            Ok(a) => a,
            Err(why) => {
                tracing::error!(call = %c.id, %why, "cannot dial: fix freeswitch.dial_template");
                self.finish(&c.id, "failed", "INVALID_DIAL_STRING").await;
                return;
            }
        };
        // A connection of its own: originate holds it until the callee answers or gives up.
        let snap = self.live.current();
        let mut cfg = fs_config(&snap);
        cfg.timeout = Duration::from_secs(p.originate_timeout_s + 15);
        let client = FsClient::new(&cfg);
        match client.api("originate", &args).await {
            Ok(reply) => match classify_originate(&reply) {
                Dialled::Answered => {
                    self.set_answered(&c.id).await;
                    self.watch(&c.id).await;
                }
                Dialled::Busy => self.finish(&c.id, "busy", "USER_BUSY").await,
                Dialled::NoAnswer => self.finish(&c.id, "no_answer", "NO_ANSWER").await,
                Dialled::Failed(cause) => self.finish(&c.id, "failed", &cause).await,
            },
            Err(TransportError::Timeout) => match self.exists(&c.id).await {
                Some(true) => {
                    self.set_answered(&c.id).await;
                    self.watch(&c.id).await;
                }
                _ => self.finish(&c.id, "failed", "ORIGINATE_TIMEOUT").await,
            },
            Err(e @ (TransportError::Unavailable(_) | TransportError::AuthFailed)) => {
                tracing::warn!(call = %c.id, error = %e, attempt = c.attempts, "FreeSWITCH unreachable; contact goes back to the queue");
                if c.attempts >= MAX_ATTEMPTS {
                    self.finish(&c.id, "failed", "GATEWAY_UNREACHABLE").await;
                } else {
                    self.requeue(&c.id, c.attempts).await;
                }
            }
            Err(TransportError::Protocol(e)) => {
                tracing::warn!(call = %c.id, error = %e, "unexpected originate answer");
                self.finish(&c.id, "failed", "UPSTREAM_ERROR").await;
            }
        }
    }

    /// `uuid_exists`: `None` when FreeSWITCH cannot tell us now.
    async fn exists(&self, id: &str) -> Option<bool> {
        let snap = self.live.current();
        let client = self.hub.client(&snap).await;
        match client.api("uuid_exists", id).await {
            Ok(t) if t.trim() == "true" => Some(true),
            Ok(t) if t.trim() == "false" => Some(false),
            _ => None,
        }
    }

    /// Follow an answered call until FreeSWITCH no longer has it.
    async fn watch(&self, id: &str) {
        let started = tokio::time::Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            match self.exists(id).await {
                Some(false) => {
                    self.finish(id, "completed", "").await;
                    return;
                }
                // Longer than any call: leave it to the CDR.
                _ if started.elapsed() > Duration::from_secs(12 * 3600) => {
                    self.finish(id, "completed", "").await;
                    return;
                }
                _ => {}
            }
        }
    }

    async fn set_answered(&self, id: &str) {
        let now = now_ms();
        let r = sqlx::query(
            "UPDATE cc_calls SET status = 'answered', answer_ms = ?, updated_ms = ? WHERE id = ? AND status = 'dialing'",
        )
        .bind(now)
        .bind(now)
        .bind(id)
        .execute(&self.db.pool)
        .await;
        if let Err(e) = r {
            tracing::error!(call = %id, error = %e, "cannot record an answered call");
        }
    }

    async fn finish(&self, id: &str, status: &str, cause: &str) {
        let now = now_ms();
        let r = sqlx::query(
            "UPDATE cc_calls SET status = ?, hangup_cause = ?, end_ms = ?, updated_ms = ? \
             WHERE id = ? AND status IN ('dialing', 'answered')",
        )
        .bind(status)
        .bind(cause)
        .bind(now)
        .bind(now)
        .bind(id)
        .execute(&self.db.pool)
        .await;
        if let Err(e) = r {
            tracing::error!(call = %id, error = %e, "cannot record a call outcome");
        }
    }

    async fn requeue(&self, id: &str, attempts: i64) {
        let now = now_ms();
        let r = sqlx::query(
            "UPDATE cc_calls SET status = 'queued', not_before_ms = ?, dial_ms = NULL, updated_ms = ? \
             WHERE id = ? AND status = 'dialing'",
        )
        .bind(now + 15_000 * attempts)
        .bind(now)
        .bind(id)
        .execute(&self.db.pool)
        .await;
        if let Err(e) = r {
            tracing::error!(call = %id, error = %e, "cannot put a call back in the queue");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_764_000_000_000;

    fn one(v: Value) -> Result<NewCall, ItemError> {
        let r = parse_request(v, NOW, 180).unwrap();
        assert!(!r.batch);
        r.items.into_iter().next().unwrap()
    }

    #[test]
    fn single_contact_parses_and_normalizes() {
        let c = one(
            json!({"phone": "8 (916) 123-45-67", "queue": "support@default",
            "crm_ref": "deal 42", "variables": {"lead_id": 42, "vip": true}, "priority": 7}),
        )
        .unwrap();
        assert_eq!(c.phone.as_str(), "+79161234567");
        assert_eq!(c.target, Target::Queue("support@default".into()));
        assert_eq!(c.variables["lead_id"], "42");
        assert_eq!(c.variables["vip"], "true");
        assert_eq!(c.priority, 7);
        assert_eq!(c.not_before_ms, NOW);
    }

    #[test]
    fn contact_errors_name_the_field() {
        let field = |v: Value| one(v).unwrap_err().field;
        assert_eq!(field(json!({"phone": "12", "queue": "q"})), "phone");
        assert_eq!(field(json!({"phone": "+79161234567"})), "queue");
        assert_eq!(
            field(json!({"phone": "+79161234567", "queue": "q", "extension": "1"})),
            "queue"
        );
        assert_eq!(
            field(json!({"phone": "+79161234567", "queue": "a b"})),
            "queue"
        );
        assert_eq!(
            field(json!({"phone": "+79161234567", "extension": "1 2"})),
            "extension"
        );
        assert_eq!(
            field(json!({"phone": "+79161234567", "queue": "q", "variables": {"A": "1"}})),
            "variables"
        );
        assert_eq!(
            field(json!({"phone": "+79161234567", "queue": "q", "variables": {"a": "x,y"}})),
            "variables"
        );
        assert_eq!(
            field(json!({"phone": "+79161234567", "queue": "q", "variables": {"a": [1]}})),
            "variables"
        );
        assert_eq!(
            field(json!({"phone": "+79161234567", "queue": "q", "crm_ref": "a}b"})),
            "crm_ref"
        );
        assert_eq!(
            field(json!({"phone": "+79161234567", "queue": "q", "caller_id_number": "abc"})),
            "caller_id_number"
        );
        assert_eq!(
            field(json!({"phone": "+79161234567", "queue": "q", "priority": 101})),
            "priority"
        );
        assert_eq!(
            field(json!({"phone": "+79161234567", "queue": "q", "not_before": "tomorrow"})),
            "not_before"
        );
        assert_eq!(
            field(
                json!({"phone": "+79161234567", "queue": "q", "not_after": "2020-01-01T00:00:00Z"})
            ),
            "not_after"
        );
        let e = one(json!({"phone": "+79161234567", "queue": "q", "qeue": "x"})).unwrap_err();
        assert_eq!(e.code, "unknown_field");
    }

    #[test]
    fn batch_judges_each_contact() {
        let r = parse_request(
            json!({"contacts": [{"phone": "+79161234567", "queue": "q"}, {"phone": "x", "queue": "q"}]}),
            NOW,
            0,
        )
        .unwrap();
        assert!(r.batch);
        assert!(r.items[0].is_ok());
        assert_eq!(r.items[1].as_ref().unwrap_err().field, "phone");
        assert!(parse_request(json!({"contacts": []}), NOW, 0).is_err());
        assert!(parse_request(json!({"contacts": [], "x": 1}), NOW, 0).is_err());
        assert!(parse_request(json!([1]), NOW, 0).is_err());
        let many: Vec<Value> = (0..1001)
            .map(|_| json!({"phone": "+79161234567", "queue": "q"}))
            .collect();
        assert!(parse_request(json!({ "contacts": many }), NOW, 0).is_err());
    }

    fn pacing(tpl: &str) -> Pacing {
        Pacing {
            max_concurrent: 2,
            calls_per_second: 1.0,
            dial_template: tpl.into(),
            caller_id_number: "4950000000".into(),
            caller_id_name: "Acme Support".into(),
            originate_timeout_s: 20,
        }
    }

    #[test]
    fn originate_arguments() {
        let mut vars = BTreeMap::new();
        vars.insert("lead_id".to_string(), "42".to_string());
        let a = originate_args(
            "u-1",
            "+79161234567",
            &Target::Queue("support@default".into()),
            "",
            "",
            "deal 42",
            &vars,
            &pacing("sofia/gateway/gw1/{number}"),
        )
        .unwrap();
        assert_eq!(
            a,
            "{origination_uuid=u-1,origination_caller_id_number=4950000000,origination_caller_id_name='Acme Support',\
originate_timeout=20,ignore_early_media=true,ccgate_call_id=u-1,ccgate_crm_ref='deal 42',ccgate_lead_id=42}\
sofia/gateway/gw1/79161234567 &callcenter(support@default)"
        );
        let b = originate_args(
            "u-2",
            "+79161234567",
            &Target::Extension("1000".into()),
            "+7495",
            "Bob",
            "",
            &BTreeMap::new(),
            &pacing("loopback/{e164}/default"),
        )
        .unwrap();
        assert!(
            b.ends_with("}loopback/+79161234567/default 1000 XML default"),
            "{b}"
        );
        assert!(b.contains("origination_caller_id_number=+7495,origination_caller_id_name=Bob,"));
        assert!(originate_args(
            "u",
            "+7",
            &Target::Extension("1".into()),
            "",
            "",
            "",
            &BTreeMap::new(),
            &pacing("sofia/gateway/gw1/")
        )
        .is_err());
        assert!(originate_args(
            "u",
            "+7",
            &Target::Extension("1".into()),
            "",
            "",
            "",
            &BTreeMap::new(),
            &pacing("sofia/gateway/gw 1/{number}")
        )
        .is_err());
    }

    #[test]
    fn originate_replies() {
        assert_eq!(classify_originate("+OK 1b2c\n"), Dialled::Answered);
        assert_eq!(classify_originate("-ERR USER_BUSY\n"), Dialled::Busy);
        assert_eq!(classify_originate("-ERR NO_ANSWER\n"), Dialled::NoAnswer);
        assert_eq!(
            classify_originate("-ERR NO_ROUTE_DESTINATION\n"),
            Dialled::Failed("NO_ROUTE_DESTINATION".into())
        );
        assert_eq!(
            classify_originate("-ERR\n"),
            Dialled::Failed("UNKNOWN".into())
        );
        assert_eq!(classify_originate(""), Dialled::Failed("UNKNOWN".into()));
        assert_eq!(
            classify_originate("-USAGE: <call url>"),
            Dialled::Failed("UNKNOWN".into())
        );
    }
}
