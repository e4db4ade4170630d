//! The queries behind `cc/cdr`: the list (filters, order, paging, JSON or CSV) with its totals
//! cache, and one CDR with all its variables.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::Mutex;

use serde::Serialize;
use serde_json::Value;

use crate::cc::cdr::Row;
use crate::cc::{call_uuid, CcError};
use crate::platform::db::{Backend, Db};
use crate::platform::query::Filter;
use crate::platform::time::parse_input;

/// The totals of list queries, kept until the index next changes. Paging through one search, or a
/// screen polling it, counts its matches once per change of the index instead of once per request
/// (a COUNT over 1 000 000 rows takes several milliseconds even from an index).
#[derive(Debug, Default)]
pub struct Totals {
    generation: AtomicU64,
    cache: Mutex<HashMap<String, (u64, i64)>>,
}

impl Totals {
    /// Distinct searches remembered; past that, the stale ones go, then all.
    const MAX: usize = 512;

    /// Called after rows are committed: every remembered total is stale from now on.
    pub(crate) fn changed(&self) {
        self.generation.fetch_add(1, AtomicOrdering::SeqCst);
    }

    fn generation(&self) -> u64 {
        self.generation.load(AtomicOrdering::SeqCst)
    }

    fn get(&self, key: &str) -> Option<i64> {
        let now = self.generation();
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache.get(key).filter(|(g, _)| *g == now).map(|(_, n)| *n)
    }

    /// `generation` is the one read before counting: a count that raced a commit is kept under
    /// the older generation, so it is never served after that commit.
    fn put(&self, key: String, generation: u64, total: i64) {
        let now = self.generation();
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= Self::MAX {
            cache.retain(|_, (g, _)| *g == now);
            if cache.len() >= Self::MAX {
                cache.clear();
            }
        }
        cache.insert(key, (generation, total));
    }
}

/// What a list is limited to.
#[derive(Debug, Clone, Default)]
pub struct CdrFilter {
    pub from_ms: Option<i64>,
    pub until_ms: Option<i64>,
    /// Caller or destination number (exact).
    pub number: Option<String>,
    pub direction: Option<String>,
    pub hangup_cause: Option<String>,
    pub queue: Option<String>,
    pub uuid: Option<String>,
}

impl CdrFilter {
    /// The `WHERE` clause with its values.
    fn to_sql(&self) -> Filter {
        let mut w = Filter::new();
        w.and_opt("start_ms >= ?", self.from_ms)
            .and_opt("start_ms < ?", self.until_ms);
        if let Some(n) = &self.number {
            w.and(
                "(caller_id_number = ? OR destination_number = ?)",
                [n.as_str().into(), n.as_str().into()],
            );
        }
        w.and_opt("direction = ?", self.direction.as_deref())
            .and_opt("hangup_cause = ?", self.hangup_cause.as_deref())
            .and_opt("queue = ?", self.queue.as_deref())
            .and_opt("uuid = ?", self.uuid.as_deref());
        w
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Start,
    Duration,
    Billsec,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    /// `bom`: start with a byte-order mark (for Excel).
    Csv {
        bom: bool,
    },
}

/// A `cc/cdr` list request, validated.
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub filter: CdrFilter,
    pub order: Order,
    pub desc: bool,
    pub limit: i64,
    pub offset: i64,
    pub format: Format,
}

impl ListQuery {
    /// The query parameters a list takes.
    pub const PARAMS: &'static [&'static str] = &[
        "from",
        "until",
        "number",
        "direction",
        "hangup_cause",
        "queue",
        "uuid",
        "limit",
        "offset",
        "order",
        "sort",
        "format",
        "bom",
    ];

    /// Read the parameters (`param(name)` gives a non-empty value or `None`); `tz` (minutes east of
    /// UTC) reads dates without an offset.
    pub fn parse<'a>(
        param: impl Fn(&str) -> Option<&'a str>,
        tz: i64,
    ) -> Result<ListQuery, CcError> {
        let time = |name: &'static str| {
            param(name)
                .map(|v| {
                    parse_input(v, tz)
                        .ok_or_else(|| CcError::invalid(name, "expected RFC 3339 or YYYY-MM-DD"))
                })
                .transpose()
        };
        let int = |name: &'static str, default: i64, max: i64| match param(name) {
            None => Ok(default),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|n| (0..=max).contains(n))
                .ok_or_else(|| {
                    CcError::invalid(name, format!("expected a whole number from 0 to {max}"))
                }),
        };
        let filter = CdrFilter {
            from_ms: time("from")?,
            until_ms: time("until")?,
            number: param("number").map(|n| n.trim().trim_start_matches('+').to_string()),
            direction: param("direction").map(String::from),
            hangup_cause: param("hangup_cause").map(|s| s.to_ascii_uppercase()),
            queue: param("queue").map(String::from),
            uuid: param("uuid").map(String::from),
        };
        if let (Some(a), Some(b)) = (filter.from_ms, filter.until_ms) {
            if a >= b {
                return Err(CcError::InvalidRange("from must be before until".into()));
            }
        }
        let order = match param("order").unwrap_or("start") {
            "start" => Order::Start,
            "duration" => Order::Duration,
            "billsec" => Order::Billsec,
            _ => return Err(CcError::invalid("order", "start, duration or billsec")),
        };
        let desc = match param("sort").unwrap_or("desc") {
            "desc" => true,
            "asc" => false,
            _ => return Err(CcError::invalid("sort", "asc or desc")),
        };
        let limit = int("limit", 100, 1000)?.max(1);
        let offset = int("offset", 0, i64::MAX)?;
        let format = match param("format") {
            None | Some("json") => Format::Json,
            Some("csv") => Format::Csv {
                bom: param("bom") == Some("true"),
            },
            Some(other) => {
                return Err(CcError::invalid(
                    "format",
                    format!("json or csv, not {other}"),
                ))
            }
        };
        Ok(ListQuery {
            filter,
            order,
            desc,
            limit,
            offset,
            format,
        })
    }
}

/// The page query: `uuid` breaks ties in the chosen order (the indexes of migration 0006 end in it).
fn page_sql(where_sql: &str, order: Order, desc: bool) -> String {
    let ord = match order {
        Order::Start => "start_ms",
        Order::Duration => "duration",
        Order::Billsec => "billsec",
    };
    let dir = if desc { "DESC" } else { "ASC" };
    let cols = Row::select_list();
    format!("SELECT {cols} FROM cdr{where_sql} ORDER BY {ord} {dir}, uuid {dir} LIMIT ? OFFSET ?")
}

/// One page of a list and the number of all matches.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CdrPage))]
pub struct Page {
    pub items: Vec<Row>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

pub async fn list(db: &Db, totals: &Totals, q: &ListQuery) -> Result<Page, CcError> {
    let (limit, offset) = (q.limit.clamp(1, 1000), q.offset.max(0));
    let w = q.filter.to_sql();
    let where_sql = w.sql();
    let sql = page_sql(&where_sql, q.order, q.desc);
    let items = w
        .bind(sqlx::query_as::<_, Row>(&sql))
        .bind(limit)
        .bind(offset)
        .fetch_all(&db.pool)
        .await?;
    let key = format!("{w:?}");
    let total = match totals.get(&key) {
        Some(total) => total,
        None => {
            let generation = totals.generation();
            let count_sql = format!("SELECT COUNT(*) FROM cdr{where_sql}");
            let total: i64 = w
                .bind(sqlx::query_scalar(&count_sql))
                .fetch_one(&db.pool)
                .await?;
            totals.put(key, generation, total);
            total
        }
    };
    Ok(Page {
        items,
        total,
        limit: q.limit,
        offset: q.offset,
    })
}

fn csv_field(v: &Value) -> String {
    match v {
        Value::String(s) => crate::platform::csv::field(s).into_owned(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

impl Page {
    /// The page as CSV (CRLF lines, a header of the public column names), with a BOM if asked.
    pub fn to_csv(&self, bom: bool) -> String {
        let mut out = String::new();
        if bom {
            out.push('\u{feff}');
        }
        out.push_str(&Row::PUBLIC.join(","));
        out.push_str("\r\n");
        for r in &self.items {
            let v = serde_json::to_value(r).unwrap_or(Value::Null);
            let cells: Vec<String> = Row::PUBLIC.iter().map(|k| csv_field(&v[*k])).collect();
            out.push_str(&cells.join(","));
            out.push_str("\r\n");
        }
        out
    }
}

/// One CDR with all its variables.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CdrDetail))]
pub struct Detail {
    #[serde(flatten)]
    pub row: Row,
    pub variables: Value,
}

/// One CDR by call UUID, if indexed.
pub async fn get(db: &Db, uuid: &str) -> Result<Option<Detail>, CcError> {
    let sql = format!("SELECT {} FROM cdr WHERE uuid = ?", Row::select_list());
    let row: Option<Row> = sqlx::query_as(&sql)
        .bind(uuid)
        .fetch_optional(&db.pool)
        .await?;
    let Some(row) = row else { return Ok(None) };
    // MariaDB sends MEDIUMTEXT as a BLOB-typed column: read bytes there, text on SQLite.
    let q = "SELECT variables FROM cdr WHERE uuid = ?";
    let vars: String = match db.backend {
        Backend::MySql => {
            let b: Vec<u8> = sqlx::query_scalar(q).bind(uuid).fetch_one(&db.pool).await?;
            String::from_utf8_lossy(&b).into_owned()
        }
        Backend::Sqlite => sqlx::query_scalar(q).bind(uuid).fetch_one(&db.pool).await?,
    };
    Ok(Some(Detail {
        row,
        variables: serde_json::from_str(&vars).unwrap_or(Value::Null),
    }))
}

/// `cc/cdr/{uuid}`: the CDR of a call as the caller named it.
pub async fn one(db: &Db, uuid: &str) -> Result<Detail, CcError> {
    let uuid = call_uuid("uuid", uuid)?;
    get(db, &uuid).await?.ok_or(CcError::CdrNotFound)
}

#[cfg(test)]
mod tests;
