//! Server side of the «Отчёты» page: the page's dates become the reports' parameters (its `until`
//! is the last day, the reports' the day after), the core builds the report, and its JSON becomes
//! a [`ReportTable`]: columns, rows, totals, a chart. The report server's answer (`demoReport`) is
//! shown as a table when it holds rows of objects, as text otherwise.

use ccgate_core::access::live::Snapshot;
use ccgate_core::platform::csv::Csv;
use ccgate_core::platform::error::ServiceError;
use ccgate_core::platform::time::{date_of_day, now_ms};
use ccgate_core::reports::params::{period, Range};
use ccgate_core::reports::{build, demo, Output, Report};
use serde_json::Value;

use super::{day_number, ChartData, ReportTable, Section};
use crate::error::AppError;
use crate::ssr::AppState;

/// Bars drawn for a grouping other than by day: the busiest groups.
const CHART_GROUPS: usize = 20;

/// The page's query as the reports take it.
struct Query {
    from: Option<String>,
    /// The day after the page's last day (the reports' `until` is exclusive).
    until: Option<String>,
    group_by: Option<String>,
}

impl Query {
    fn new(from: &str, until: &str, group_by: &str) -> Result<Query, AppError> {
        let date = |field: &'static str, s: &str| -> Result<Option<i64>, AppError> {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            Ok(Some(day_number(s).ok_or_else(|| {
                ServiceError::invalid(field, "expected YYYY-MM-DD")
            })?))
        };
        Ok(Query {
            from: date("from", from)?.map(date_of_day),
            until: date("until", until)?.map(|d| date_of_day(d + 1)),
            group_by: Some(group_by.trim().to_string()).filter(|g| !g.is_empty()),
        })
    }

    fn param(&self, name: &str) -> Option<&str> {
        match name {
            "from" => self.from.as_deref(),
            "until" => self.until.as_deref(),
            "group_by" => self.group_by.as_deref(),
            _ => None,
        }
    }

    /// The report server's query: the same dates.
    fn upstream(&self) -> String {
        let mut q: Vec<String> = Vec::new();
        if let Some(f) = &self.from {
            q.push(format!("from={f}"));
        }
        if let Some(u) = &self.until {
            q.push(format!("until={u}"));
        }
        q.join("&")
    }
}

fn kind(report: &str) -> Result<Report, AppError> {
    Ok(match report {
        "request" => Report::Request,
        "badRequest" => Report::BadRequest,
        "users" => Report::Users,
        "sms" => Report::Sms,
        _ => return Err(ServiceError::invalid("report", "no such report").into()),
    })
}

/// The days the query covers (also its range check, done before anything is read).
fn days(q: &Query, snap: &Snapshot) -> Result<(String, String, Range), AppError> {
    let p = period(q.param("from"), q.param("until"), snap, now_ms())?;
    Ok((
        date_of_day(p.from_day),
        date_of_day(p.to_day),
        Range::of(&p, snap),
    ))
}

pub(super) async fn run(
    state: &AppState,
    report: &str,
    from: &str,
    until: &str,
    group_by: &str,
) -> Result<ReportTable, AppError> {
    let q = Query::new(from, until, group_by)?;
    let snap = state.live.current();
    let (from_date, to_date, range) = days(&q, &snap)?;
    let mut t = ReportTable {
        report: report.to_string(),
        from_date,
        to_date,
        days: range.days,
        utc_offset: range.utc_offset,
        group_by: String::new(),
        columns: vec![],
        numeric: vec![],
        rows: vec![],
        totals: None,
        summary: vec![],
        sections: vec![],
        chart: None,
        empty: false,
        text: None,
    };
    if report == "demoReport" {
        let answer = demo::fetch(&snap.reports, Some(&q.upstream())).await?;
        fill_demo(&mut t, &serde_json::to_value(answer).unwrap_or_default());
    } else {
        let r = kind(report)?;
        let out = build(
            &state.db,
            Some(&state.reports_cache),
            &snap,
            r,
            |n| q.param(n),
            now_ms(),
        )
        .await?;
        let Output::Json(v) = out else {
            return Err(AppError::Internal);
        };
        fill(&mut t, r, &v);
    }
    t.numeric = numeric(&t.rows, t.columns.len());
    Ok(t)
}

/// The report as CSV with a byte-order mark, and its file name.
pub(super) async fn csv(
    state: &AppState,
    report: &str,
    from: &str,
    until: &str,
    group_by: &str,
) -> Result<(String, String), AppError> {
    let q = Query::new(from, until, group_by)?;
    let snap = state.live.current();
    let (from_date, to_date, _) = days(&q, &snap)?;
    let name = format!("ccgate-{report}-{from_date}-{to_date}.csv");
    if report == "demoReport" {
        let t = run(state, report, from, until, group_by).await?;
        if let Some(text) = t.text {
            return Ok((text, name));
        }
        let cols: Vec<&str> = t.columns.iter().map(String::as_str).collect();
        let mut c = Csv::new(&cols, true);
        for r in &t.rows {
            c.row(r);
        }
        return Ok((c.finish(), name));
    }
    let r = kind(report)?;
    let param = |n: &str| match n {
        "format" => Some("csv"),
        "bom" => Some("true"),
        n => q.param(n),
    };
    let out = build(
        &state.db,
        Some(&state.reports_cache),
        &snap,
        r,
        param,
        now_ms(),
    )
    .await?;
    match out {
        Output::Csv(body) => Ok((body, name)),
        Output::Json(_) => Err(AppError::Internal),
    }
}

/// A JSON value as a cell: numbers and text as they are, maps as `key: n, …`.
fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| format!("{k}: {}", cell(v)))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Array(a) => a.iter().map(cell).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

fn items(v: &Value) -> &[Value] {
    v["items"].as_array().map(Vec::as_slice).unwrap_or(&[])
}

fn grid(rows: &[Value], cols: &[&str]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| cols.iter().map(|c| cell(&r[*c])).collect())
        .collect()
}

/// Bars of `keys` over the rows' first column (all days; else the busiest groups); none when
/// every value is zero: a chart of zeros would draw empty data as data.
fn chart(
    rows: &[Value],
    label: &str,
    keys: &[&str],
    by_day: bool,
    stacked: bool,
) -> Option<ChartData> {
    let rows = if by_day {
        rows
    } else {
        &rows[..rows.len().min(CHART_GROUPS)]
    };
    let c = ChartData {
        // An empty label (requests without a valid key) is named by the page.
        labels: rows.iter().map(|r| cell(&r[label])).collect(),
        series: keys
            .iter()
            .map(|k| {
                let vals = rows.iter().map(|r| r[*k].as_f64().unwrap_or(0.0)).collect();
                (k.to_string(), vals)
            })
            .collect(),
        stacked,
    };
    c.series
        .iter()
        .any(|(_, v)| v.iter().any(|x| *x != 0.0))
        .then_some(c)
}

fn fill(t: &mut ReportTable, r: Report, v: &Value) {
    let g = v["group_by"].as_str().unwrap_or("day").to_string();
    let by_day = g == "day";
    let rows = items(v);
    let tot = &v["totals"];
    let (cols, series, stacked): (Vec<&str>, Vec<&str>, bool) = match r {
        Report::Request => (
            vec!["key", "requests", "ok", "bad", "error"],
            vec!["ok", "bad", "error"],
            true,
        ),
        Report::BadRequest => (
            vec!["key", "requests", "bad", "error", "by_error_code"],
            vec!["bad", "error"],
            true,
        ),
        Report::Users => (
            vec![
                "login",
                "status",
                "requests",
                "bad_requests",
                "errors",
                "sms_sent",
                "sms_delivered",
                "calls_placed",
                "calls_answered",
                "last_request_at",
            ],
            vec!["requests", "bad_requests", "sms_sent", "calls_placed"],
            false,
        ),
        Report::Sms => (
            vec![
                "key",
                "messages",
                "parts",
                "delivered",
                "failed",
                "pending",
                "delivery_rate",
                "by_status",
            ],
            vec!["delivered", "failed", "pending"],
            true,
        ),
    };
    t.rows = grid(rows, &cols);
    let mut totals: Vec<String> = cols.iter().map(|c| cell(&tot[*c])).collect();
    totals[0] = String::new();
    if r == Report::BadRequest {
        totals[4] = String::new();
    }
    t.totals = Some(totals);
    t.columns = cols.iter().map(|c| c.to_string()).collect();
    t.columns[0] = if r == Report::Users {
        "login".into()
    } else {
        g.clone()
    };
    t.chart = chart(rows, cols[0], &series, by_day, stacked);
    t.empty = match r {
        Report::Users => rows.is_empty(),
        Report::Sms => tot["messages"].as_i64().unwrap_or(0) == 0,
        _ => tot["requests"].as_i64().unwrap_or(0) == 0,
    };
    match r {
        Report::BadRequest => {
            t.summary
                .push(("bad_rate".into(), format!("{} %", cell(&tot["bad_rate"]))));
            for key in ["by_error_code", "server_errors"] {
                let list = v[key].as_array().map(Vec::as_slice).unwrap_or(&[]);
                let cols = ["error_code", "status", "count"];
                t.sections.push(Section {
                    title: key.into(),
                    columns: cols.iter().map(|c| c.to_string()).collect(),
                    rows: grid(list, &cols),
                });
            }
        }
        // Its title says «%» already.
        Report::Sms => t
            .summary
            .push(("delivery_rate".into(), cell(&tot["delivery_rate"]))),
        _ => {}
    }
    t.group_by = g;
}

/// A call center's figures in the order people read them.
const KNOWN: &[&str] = &[
    "offered",
    "answered",
    "abandoned",
    "abandon_rate",
    "service_level",
    "avg_wait_s",
    "max_wait_s",
    "avg_talk_s",
    "outbound_calls",
];

/// The first array of objects in the report server's JSON (itself, or a field of it).
fn rows_of(data: &Value) -> Option<&[Value]> {
    let is_rows = |a: &Vec<Value>| !a.is_empty() && a.iter().all(Value::is_object);
    match data {
        Value::Array(a) if is_rows(a) => Some(a),
        Value::Object(m) => m.values().find_map(|v| match v {
            Value::Array(a) if is_rows(a) => Some(a.as_slice()),
            _ => None,
        }),
        _ => None,
    }
}

fn fill_demo(t: &mut ReportTable, answer: &Value) {
    t.summary
        .push(("upstream_status".into(), cell(&answer["upstream_status"])));
    t.summary
        .push(("content_type".into(), cell(&answer["content_type"])));
    let data = &answer["data"];
    let Some(rows) = rows_of(data) else {
        t.text = match answer["text"].as_str() {
            Some(s) => Some(s.to_string()),
            None => Some(serde_json::to_string_pretty(data).unwrap_or_default()),
        };
        return;
    };
    // Text columns (the date) first, then the figures: a call center's usual ones in their usual
    // order, others by name.
    let first = rows[0].as_object().expect("rows are objects");
    let rank = |k: &str| KNOWN.iter().position(|c| *c == k).unwrap_or(KNOWN.len());
    let mut cols: Vec<&str> = first
        .iter()
        .filter(|(_, v)| v.is_string())
        .map(|(k, _)| k.as_str())
        .collect();
    let mut figures: Vec<&str> = first
        .iter()
        .filter(|(_, v)| !v.is_string())
        .map(|(k, _)| k.as_str())
        .collect();
    figures.sort_by_key(|k| rank(k));
    cols.extend(figures);
    t.rows = grid(rows, &cols);
    if let Some(tot) = data.get("totals").filter(|v| v.is_object()) {
        let mut totals: Vec<String> = cols.iter().map(|c| cell(&tot[*c])).collect();
        totals[0] = String::new();
        t.totals = Some(totals);
    }
    let counts: Vec<&str> = cols
        .iter()
        .copied()
        .filter(|c| rows.iter().all(|r| r[*c].is_u64()))
        .collect();
    let preferred: Vec<&str> = ["offered", "answered", "abandoned"]
        .into_iter()
        .filter(|c| counts.contains(c))
        .collect();
    let series = if preferred.is_empty() {
        counts.into_iter().take(3).collect()
    } else {
        preferred
    };
    if !series.is_empty() && first[cols[0]].is_string() {
        t.chart = chart(rows, cols[0], &series, true, false);
    }
    t.columns = cols.iter().map(|c| c.to_string()).collect();
}

/// Columns whose every non-empty cell is a number (the first one never: it names the row).
fn numeric(rows: &[Vec<String>], n: usize) -> Vec<bool> {
    (0..n)
        .map(|i| {
            i > 0
                && rows.iter().all(|r| {
                    r.get(i)
                        .is_none_or(|c| c.is_empty() || c.parse::<f64>().is_ok())
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_last_day_is_included() {
        let q = Query::new("2026-11-01", "2026-11-30", "").unwrap();
        assert_eq!(q.param("from"), Some("2026-11-01"));
        assert_eq!(q.param("until"), Some("2026-12-01"));
        assert_eq!(q.param("group_by"), None);
        assert_eq!(q.upstream(), "from=2026-11-01&until=2026-12-01");
        assert!(matches!(
            Query::new("01.11.2026", "", ""),
            Err(AppError::Invalid { field, .. }) if field == "from"
        ));
        assert_eq!(Query::new("", "", "user").unwrap().upstream(), "");
    }

    #[test]
    fn report_server_rows_become_a_table() {
        let answer = json!({
            "upstream_status": 200,
            "content_type": "application/json",
            "data": {"project": "all", "rows": [
                {"date": "2026-11-21", "offered": 10, "answered": 9, "abandoned": 1, "service_level": 80.5},
                {"date": "2026-11-22", "offered": 4, "answered": 4, "abandoned": 0, "service_level": 100.0},
            ], "totals": {"offered": 14, "answered": 13, "abandoned": 1}},
        });
        let mut t = blank();
        fill_demo(&mut t, &answer);
        assert_eq!(
            t.columns,
            ["date", "offered", "answered", "abandoned", "service_level"]
        );
        assert_eq!(t.rows[1], ["2026-11-22", "4", "4", "0", "100.0"]);
        assert_eq!(t.totals.as_ref().unwrap(), &["", "14", "13", "1", ""]);
        let c = t.chart.unwrap();
        assert_eq!(c.labels, ["2026-11-21", "2026-11-22"]);
        let names: Vec<&str> = c.series.iter().map(|s| s.0.as_str()).collect();
        assert_eq!(names, ["offered", "answered", "abandoned"]);
        assert_eq!(t.text, None);
        assert_eq!(numeric(&t.rows, 5), [false, true, true, true, true]);

        let mut t = blank();
        fill_demo(
            &mut t,
            &json!({"upstream_status": 200, "text": "date,n\r\n"}),
        );
        assert_eq!(t.text.as_deref(), Some("date,n\r\n"));
        assert!(t.rows.is_empty());
    }

    #[test]
    fn all_zero_is_no_chart() {
        let rows = [
            json!({"login": "a", "requests": 0, "sms_sent": 0}),
            json!({"login": "b", "requests": 0}),
        ];
        assert_eq!(
            chart(&rows, "login", &["requests", "sms_sent"], false, false),
            None
        );
        let rows = [
            json!({"login": "a", "requests": 0}),
            json!({"login": "b", "requests": 2}),
        ];
        let c = chart(&rows, "login", &["requests"], false, false).unwrap();
        assert_eq!(c.series, [("requests".to_string(), vec![0.0, 2.0])]);
    }

    fn blank() -> ReportTable {
        ReportTable {
            report: "demoReport".into(),
            from_date: String::new(),
            to_date: String::new(),
            days: 0,
            utc_offset: String::new(),
            group_by: String::new(),
            columns: vec![],
            numeric: vec![],
            rows: vec![],
            totals: None,
            summary: vec![],
            sections: vec![],
            chart: None,
            empty: false,
            text: None,
        }
    }
}
