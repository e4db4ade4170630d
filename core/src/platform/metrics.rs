//! Process metrics in the Prometheus text format (`GET /metrics`, served by the server behind
//! its own access rule). One process-wide registry, [`metrics()`]: the places that do the work
//! count it where it happens (the REST pipeline, the FreeSWITCH client, the SMS gateways' clients,
//! the statistics and report servers' clients, the journal writer) without any of it passed
//! around. Counting is a read lock on a map that only grows plus atomic adds: no allocation once a
//! series exists, never a wait on the scrape.
//!
//! Series (all names start with `ccgate_`):
//! * `api_requests_total{module,method,status}` and `api_request_duration_seconds{module,method}`
//!   — every `/api` request as journaled (`module`/`method` `-` for unknown routes, `me` for
//!   `/api/v1/me`);
//! * `upstream_requests_total{upstream,outcome}` and `upstream_request_duration_seconds{upstream}`
//!   — calls to FreeSWITCH (`freeswitch_xmlrpc`, `freeswitch_esl`), each SMS gateway
//!   (`sms:<gateway name>`), the statistics server (`stats_server`) and the report server
//!   (`report_server`); `outcome` is `ok` or `error`;
//! * `journal_batch_duration_seconds`, `journal_rows_total`, `journal_write_errors_total`;
//! * gauges read at scrape time by the server: the journal queue's depth, SMS by status and
//!   `cc/add` calls by status created today, the dialer's queue.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

/// Upper bounds (seconds) of the latency histograms' buckets: sub-millisecond API answers up to
/// slow upstreams.
pub const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A histogram's cumulative state: one counter per bucket (non-cumulative here, summed when
/// written), the count and the sum in microseconds.
#[derive(Default)]
pub struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_us: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_us.fetch_add(
            d.as_micros().min(u64::MAX as u128) as u64,
            Ordering::Relaxed,
        );
    }

    fn write(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (i, le) in BUCKETS.iter().enumerate() {
            cumulative += self.buckets[i].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{le}\"}} {cumulative}"
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {count}");
        let sum = self.sum_us.load(Ordering::Relaxed) as f64 / 1e6;
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braces} {sum}");
        let _ = writeln!(out, "{name}_count{braces} {count}");
    }
}

/// Series of one metric by label values (in the metric's label order), keyed by the values
/// joined with the unit separator (which no label value contains: see [`key_into`]).
struct Family<T> {
    series: RwLock<HashMap<String, Arc<T>>>,
}

const SEP: char = '\u{1f}';

/// The key of `labels` in `buf` (cleared first); a separator inside a value is dropped, so two
/// label sets never share a key by accident.
fn key_into(buf: &mut String, labels: &[&str]) {
    buf.clear();
    for (i, l) in labels.iter().enumerate() {
        if i > 0 {
            buf.push(SEP);
        }
        buf.extend(l.chars().filter(|c| *c != SEP));
    }
}

impl<T: Default> Family<T> {
    fn new() -> Self {
        Family {
            series: RwLock::new(HashMap::new()),
        }
    }

    fn get(&self, labels: &[&str]) -> Arc<T> {
        thread_local! {
            static KEY: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
        }
        KEY.with_borrow_mut(|key| {
            key_into(key, labels);
            if let Some(v) = self
                .series
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .get(key.as_str())
            {
                return v.clone();
            }
            let mut map = self.series.write().unwrap_or_else(|p| p.into_inner());
            map.entry(key.clone()).or_default().clone()
        })
    }

    /// Every series, sorted by its label values.
    fn snapshot(&self) -> Vec<(Vec<String>, Arc<T>)> {
        let map = self.series.read().unwrap_or_else(|p| p.into_inner());
        let mut all: Vec<(Vec<String>, Arc<T>)> = map
            .iter()
            .map(|(k, v)| (k.split(SEP).map(str::to_string).collect(), v.clone()))
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }
}

/// Label values escaped as the text format wants (`\`, `"`, newline).
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn labels(names: &[&str], values: &[String]) -> String {
    names
        .iter()
        .zip(values)
        .map(|(n, v)| format!("{n}=\"{}\"", escape(v)))
        .collect::<Vec<_>>()
        .join(",")
}

pub struct Metrics {
    api_requests: Family<AtomicU64>,
    api_latency: Family<Histogram>,
    upstream_requests: Family<AtomicU64>,
    upstream_latency: Family<Histogram>,
    journal_batch: Histogram,
    journal_rows: AtomicU64,
    journal_errors: AtomicU64,
}

/// The process's registry.
pub fn metrics() -> &'static Metrics {
    static M: OnceLock<Metrics> = OnceLock::new();
    M.get_or_init(Metrics::new)
}

/// Whether an upstream call succeeded, for [`Metrics::upstream`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Error,
}

impl Metrics {
    fn new() -> Metrics {
        Metrics {
            api_requests: Family::new(),
            api_latency: Family::new(),
            upstream_requests: Family::new(),
            upstream_latency: Family::new(),
            journal_batch: Histogram::default(),
            journal_rows: AtomicU64::new(0),
            journal_errors: AtomicU64::new(0),
        }
    }

    /// One `/api` request as the journal records it.
    pub fn api_request(&self, module: &str, method: &str, status: u16, took: Duration) {
        let mut code = itoa::Buffer::new();
        self.api_requests
            .get(&[module, method, code.format(status)])
            .fetch_add(1, Ordering::Relaxed);
        self.api_latency.get(&[module, method]).observe(took);
    }

    /// One call to an upstream (FreeSWITCH, an SMS gateway, the statistics or report server).
    pub fn upstream(&self, upstream: &str, outcome: Outcome, took: Duration) {
        let o = match outcome {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
        };
        self.upstream_requests
            .get(&[upstream, o])
            .fetch_add(1, Ordering::Relaxed);
        self.upstream_latency.get(&[upstream]).observe(took);
    }

    /// Time `f`, an upstream call, and count it by whether it returned `Ok`.
    pub async fn time_upstream<T, E, F>(&self, upstream: &str, f: F) -> Result<T, E>
    where
        F: std::future::Future<Output = Result<T, E>>,
    {
        let started = std::time::Instant::now();
        let r = f.await;
        let outcome = if r.is_ok() {
            Outcome::Ok
        } else {
            Outcome::Error
        };
        self.upstream(upstream, outcome, started.elapsed());
        r
    }

    /// One journal batch written (or given up on).
    pub fn journal_batch(&self, rows: usize, took: Duration, ok: bool) {
        self.journal_batch.observe(took);
        if ok {
            self.journal_rows.fetch_add(rows as u64, Ordering::Relaxed);
        } else {
            self.journal_errors.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The text exposition of every counter and histogram, then `gauges` (name, help, labelled
    /// values) read by the caller at scrape time.
    pub fn render(&self, gauges: &[Gauge]) -> String {
        let mut out = String::with_capacity(16 * 1024);
        counter_family(
            &mut out,
            "ccgate_api_requests_total",
            "API requests answered, by module, method and HTTP status.",
            &["module", "method", "status"],
            &self.api_requests,
        );
        histogram_family(
            &mut out,
            "ccgate_api_request_duration_seconds",
            "Time to answer an API request, by module and method.",
            &["module", "method"],
            &self.api_latency,
        );
        counter_family(
            &mut out,
            "ccgate_upstream_requests_total",
            "Calls to FreeSWITCH, SMS gateways and the call center's statistics and report servers, by outcome.",
            &["upstream", "outcome"],
            &self.upstream_requests,
        );
        histogram_family(
            &mut out,
            "ccgate_upstream_request_duration_seconds",
            "Time of a call to an upstream.",
            &["upstream"],
            &self.upstream_latency,
        );
        let _ = writeln!(
            out,
            "# HELP ccgate_journal_batch_duration_seconds Time to write one batch of the request journal.\n\
             # TYPE ccgate_journal_batch_duration_seconds histogram"
        );
        self.journal_batch
            .write(&mut out, "ccgate_journal_batch_duration_seconds", "");
        let _ = writeln!(
            out,
            "# HELP ccgate_journal_rows_total Request journal rows written.\n\
             # TYPE ccgate_journal_rows_total counter\n\
             ccgate_journal_rows_total {}\n\
             # HELP ccgate_journal_write_errors_total Journal batches whose write failed (retried).\n\
             # TYPE ccgate_journal_write_errors_total counter\n\
             ccgate_journal_write_errors_total {}",
            self.journal_rows.load(Ordering::Relaxed),
            self.journal_errors.load(Ordering::Relaxed)
        );
        for g in gauges {
            let _ = writeln!(out, "# HELP {} {}\n# TYPE {} gauge", g.name, g.help, g.name);
            for (l, v) in &g.values {
                let names: Vec<&str> = l.iter().map(|(n, _)| *n).collect();
                let values: Vec<String> = l.iter().map(|(_, v)| v.clone()).collect();
                let l = labels(&names, &values);
                if l.is_empty() {
                    let _ = writeln!(out, "{} {v}", g.name);
                } else {
                    let _ = writeln!(out, "{}{{{l}}} {v}", g.name);
                }
            }
        }
        out
    }
}

/// A gauge read at scrape time: each value with its labels (name, value).
pub struct Gauge {
    pub name: &'static str,
    pub help: &'static str,
    pub values: Vec<(Vec<(&'static str, String)>, f64)>,
}

fn counter_family(out: &mut String, name: &str, help: &str, names: &[&str], f: &Family<AtomicU64>) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
    for (values, c) in f.snapshot() {
        let _ = writeln!(
            out,
            "{name}{{{}}} {}",
            labels(names, &values),
            c.load(Ordering::Relaxed)
        );
    }
}

fn histogram_family(
    out: &mut String,
    name: &str,
    help: &str,
    names: &[&str],
    f: &Family<Histogram>,
) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
    for (values, h) in f.snapshot() {
        h.write(out, name, &labels(names, &values));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_labels_escaped() {
        let m = Metrics::new();
        m.api_request("cc", "queues", 200, Duration::from_micros(300));
        m.api_request("cc", "queues", 200, Duration::from_millis(3));
        m.api_request("cc", "queues", 502, Duration::from_secs(20));
        m.upstream("sms:a\"b", Outcome::Error, Duration::from_millis(30));
        m.journal_batch(7, Duration::from_millis(2), true);
        let text = m.render(&[Gauge {
            name: "ccgate_journal_queue_depth",
            help: "Requests answered and waiting for the journal writer.",
            values: vec![(vec![], 3.0)],
        }]);
        assert!(
            text.contains(
                "ccgate_api_requests_total{module=\"cc\",method=\"queues\",status=\"200\"} 2\n"
            ),
            "{text}"
        );
        assert!(text.contains(
            "ccgate_api_requests_total{module=\"cc\",method=\"queues\",status=\"502\"} 1\n"
        ));
        assert!(text.contains("ccgate_api_request_duration_seconds_bucket{module=\"cc\",method=\"queues\",le=\"0.0005\"} 1\n"));
        assert!(text.contains("ccgate_api_request_duration_seconds_bucket{module=\"cc\",method=\"queues\",le=\"0.005\"} 2\n"));
        assert!(text.contains("ccgate_api_request_duration_seconds_bucket{module=\"cc\",method=\"queues\",le=\"10\"} 2\n"));
        assert!(text.contains("ccgate_api_request_duration_seconds_bucket{module=\"cc\",method=\"queues\",le=\"+Inf\"} 3\n"));
        assert!(text.contains(
            "ccgate_api_request_duration_seconds_count{module=\"cc\",method=\"queues\"} 3\n"
        ));
        assert!(text.contains(
            "ccgate_upstream_requests_total{upstream=\"sms:a\\\"b\",outcome=\"error\"} 1\n"
        ));
        assert!(text.contains("ccgate_journal_rows_total 7\n"));
        assert!(text.contains("ccgate_journal_batch_duration_seconds_count 1\n"));
        assert!(text
            .contains("# TYPE ccgate_journal_queue_depth gauge\nccgate_journal_queue_depth 3\n"));
    }
}
