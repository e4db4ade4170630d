//! `mixed` mode: a fixed-rate open loop over many API methods at once (`scripts/load-test`).
//!
//! The requests come from a file, one per line (blank lines and `#` comments skipped):
//!
//! ```text
//! WEIGHT NAME METHOD PATH [JSON BODY…]
//! 20 me GET /api/v1/me
//! 2 cc/add POST /api/v1/cc/add {"phone":"+79160000001","queue":"support@default"}
//! ```
//!
//! Each second of the run sends `--rate` requests, the lines taken round robin by weight (smooth
//! weighted order, so a heavy line does not come in bursts), each request started on schedule
//! whatever the answers do (no coordinated omission). Several lines may share a NAME: they are
//! reported together. Printed: requests sent and answered, answers by status, p50/p99 overall
//! and per NAME, and a last line `answered=N` for scripts.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::Conn;

struct Line {
    name: String,
    weight: u32,
    bytes: Vec<u8>,
}

struct Args {
    base: String,
    key: String,
    requests: String,
    seconds: u64,
    rate: u64,
    conns: usize,
}

fn args(mut it: impl Iterator<Item = String>) -> Args {
    let mut a = Args {
        base: String::new(),
        key: String::new(),
        requests: String::new(),
        seconds: 60,
        rate: 2000,
        conns: 64,
    };
    while let Some(k) = it.next() {
        let v = it.next().unwrap_or_else(|| panic!("{k} needs a value"));
        match k.as_str() {
            "--base" => a.base = v,
            "--key" => a.key = v,
            "--requests" => a.requests = v,
            "--seconds" => a.seconds = v.parse().expect("--seconds"),
            "--rate" => a.rate = v.parse::<u64>().expect("--rate").max(1),
            "--conns" => a.conns = v.parse::<usize>().expect("--conns").max(1),
            _ => panic!("unknown argument {k}"),
        }
    }
    assert!(
        !a.base.is_empty() && !a.requests.is_empty(),
        "--base and --requests are required"
    );
    a
}

fn parse(text: &str, host: &str, key: &str) -> Vec<Line> {
    let mut out = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let mut parts = l.splitn(5, ' ');
        let mut next = |what: &str| {
            parts
                .next()
                .unwrap_or_else(|| panic!("line {}: no {what}: {raw}", n + 1))
                .to_string()
        };
        let weight: u32 = next("weight").parse().expect("weight is a number");
        let (name, method, path) = (next("name"), next("method"), next("path"));
        let body = parts.next().unwrap_or("").trim().to_string();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: ccgate-loadgen\r\nAuthorization: Bearer {key}\r\n"
        );
        if !body.is_empty() || method == "POST" {
            head.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body.as_bytes());
        if weight > 0 {
            out.push(Line {
                name,
                weight,
                bytes,
            });
        }
    }
    assert!(!out.is_empty(), "no requests in the file");
    out
}

/// One cycle of line indexes in smooth weighted round-robin order.
fn cycle(lines: &[Line]) -> Vec<usize> {
    let total: i64 = lines.iter().map(|l| l.weight as i64).sum();
    let mut current = vec![0i64; lines.len()];
    let mut out = Vec::with_capacity(total as usize);
    for _ in 0..total {
        for (c, l) in current.iter_mut().zip(lines) {
            *c += l.weight as i64;
        }
        let (best, _) = current
            .iter()
            .enumerate()
            .max_by_key(|(i, c)| (**c, std::cmp::Reverse(*i)))
            .expect("lines");
        current[best] -= total;
        out.push(best);
    }
    out
}

#[derive(Default)]
struct Tally {
    lat_us: Vec<u64>,
    by_status: BTreeMap<u16, u64>,
    failed: u64,
}

impl Tally {
    fn add(&mut self, o: Tally) {
        self.lat_us.extend(o.lat_us);
        for (s, n) in o.by_status {
            *self.by_status.entry(s).or_default() += n;
        }
        self.failed += o.failed;
    }
    fn pct(&mut self, p: f64) -> f64 {
        if self.lat_us.is_empty() {
            return f64::NAN;
        }
        self.lat_us.sort_unstable();
        let i = ((self.lat_us.len() as f64 - 1.0) * p).round() as usize;
        self.lat_us[i] as f64 / 1000.0
    }
    fn statuses(&self) -> String {
        let mut v: Vec<String> = self
            .by_status
            .iter()
            .map(|(s, n)| format!("{s}:{n}"))
            .collect();
        if self.failed > 0 {
            v.push(format!("no-answer:{}", self.failed));
        }
        v.join(" ")
    }
}

pub async fn run(it: impl Iterator<Item = String>) {
    let a = args(it);
    let addr = a
        .base
        .strip_prefix("http://")
        .expect("http:// only")
        .trim_end_matches('/')
        .to_string();
    let text = std::fs::read_to_string(&a.requests).expect("read --requests");
    let lines = Arc::new(parse(&text, &addr, &a.key));
    let order = cycle(&lines);
    let target = super::Target {
        addr: addr.clone(),
        request: Arc::new(Vec::new()),
    };

    let total = a.rate * a.seconds;
    let start = Instant::now();
    let (jobs_tx, jobs_rx) = tokio::sync::mpsc::unbounded_channel::<(Instant, usize)>();
    let jobs = Arc::new(tokio::sync::Mutex::new(jobs_rx));
    let mut tasks = Vec::new();
    for _ in 0..a.conns {
        let (jobs, lines, mut c) = (jobs.clone(), lines.clone(), Conn::new(target.clone()));
        tasks.push(tokio::spawn(async move {
            let mut tallies: Vec<Tally> = (0..lines.len()).map(|_| Tally::default()).collect();
            loop {
                let job = { jobs.lock().await.recv().await };
                let Some((sent, i)) = job else { break };
                let t = &mut tallies[i];
                match c.send(&lines[i].bytes).await {
                    Some(status) => {
                        t.lat_us.push(sent.elapsed().as_micros() as u64);
                        *t.by_status.entry(status).or_default() += 1;
                    }
                    None => t.failed += 1,
                }
            }
            tallies
        }));
    }
    for n in 0..total {
        let due = start + Duration::from_nanos(n * 1_000_000_000 / a.rate);
        tokio::time::sleep_until(due.into()).await;
        let _ = jobs_tx.send((Instant::now(), order[(n as usize) % order.len()]));
    }
    drop(jobs_tx);
    let dispatched = start.elapsed();
    let mut per_line: Vec<Tally> = (0..lines.len()).map(|_| Tally::default()).collect();
    for t in tasks {
        for (acc, one) in per_line.iter_mut().zip(t.await.expect("worker")) {
            acc.add(one);
        }
    }
    let elapsed = start.elapsed();

    // By name (lines may share one), in the file's order.
    let mut names: Vec<String> = Vec::new();
    let mut by_name: BTreeMap<String, Tally> = BTreeMap::new();
    for (l, t) in lines.iter().zip(per_line) {
        if !names.contains(&l.name) {
            names.push(l.name.clone());
        }
        by_name.entry(l.name.clone()).or_default().add(t);
    }
    let mut all = Tally::default();
    for t in by_name.values() {
        all.add(Tally {
            lat_us: t.lat_us.clone(),
            by_status: t.by_status.clone(),
            failed: t.failed,
        });
    }
    let answered: u64 = all.by_status.values().sum();
    println!(
        "sent {total} requests in {:.1} s ({:.0}/s offered), answered {answered} in {:.1} s, no answer {}",
        dispatched.as_secs_f64(),
        total as f64 / dispatched.as_secs_f64(),
        elapsed.as_secs_f64(),
        all.failed
    );
    println!(
        "{:<16} {:>8} {:>9} {:>9}  answers by status",
        "method", "answered", "p50 ms", "p99 ms"
    );
    for name in &names {
        let t = by_name.get_mut(name).expect("name");
        let n: u64 = t.by_status.values().sum();
        let (p50, p99) = (t.pct(0.50), t.pct(0.99));
        println!("{name:<16} {n:>8} {p50:>9.2} {p99:>9.2}  {}", t.statuses());
    }
    let (p50, p99) = (all.pct(0.50), all.pct(0.99));
    println!(
        "{:<16} {answered:>8} {p50:>9.2} {p99:>9.2}  {}",
        "all",
        all.statuses()
    );
    println!("answered={answered}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_interleave() {
        let lines = parse("# x\n3 a GET /a\n1 b POST /b {\"x\": 1}\n", "h:1", "k");
        assert_eq!(cycle(&lines), vec![0, 0, 1, 0]);
        let b = String::from_utf8(lines[1].bytes.clone()).unwrap();
        assert!(b.starts_with("POST /b HTTP/1.1\r\n"), "{b}");
        assert!(
            b.contains("Content-Length: 8\r\n") && b.ends_with("\r\n\r\n{\"x\": 1}"),
            "{b}"
        );
    }
}
