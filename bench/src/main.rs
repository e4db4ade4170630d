//! Load generator for `scripts/bench-gateway` and `scripts/bench-cc`: measures two URLs side by
//! side in one run — first closed-loop (as fast as `--conns` connections go), then open-loop at a
//! fixed rate — and prints requests/s and latency percentiles for each, plus the ratio. It speaks
//! plain HTTP/1.1 over keep-alive connections itself (precomputed request bytes, answers framed by
//! Content-Length), so on a 2-core machine it takes as little CPU from the server as it can.
//!
//! Without `--bare` it measures the gateway URL alone at the fixed rate (`scripts/bench-stats`).
//!
//! cargo run --release -p ccgate-bench -- \
//!     --bare http://127.0.0.1:3000/healthz --gateway http://127.0.0.1:3000/api/v1/me --key ccg_… \
//!     [--seconds 10] [--conns 32] [--rate 5000] [--rounds 3]
//!
//! `latency` mode (`scripts/bench-reports`): one call at a time on one keep-alive connection, for
//! read-heavy methods whose single-call latency is the figure; p50 / p99 / max per URL.
//!
//! cargo run --release -p ccgate-bench -- latency --key ccg_… --calls 200 URL [URL…]
//!
//! `mixed` mode (`scripts/load-test`): many methods at one fixed rate, round robin by weight over
//! a request file; per-method p50/p99 and answers by status (see `mixed.rs`).
//!
//! cargo run --release -p ccgate-bench -- mixed --base http://127.0.0.1:3000 --key ccg_… \
//!     --requests FILE [--seconds 60] [--rate 2000] [--conns 64]

use std::time::{Duration, Instant};

mod mixed;

struct Args {
    bare: String,
    /// `user:password` for HTTP Basic on the bare URL (e.g. FreeSWITCH's mod_xml_rpc).
    bare_basic: Option<(String, String)>,
    gateway: String,
    key: String,
    seconds: u64,
    conns: usize,
    rate: u64,
    /// Fixed-rate rounds (bare then gateway each).
    rounds: usize,
}

fn args() -> Args {
    let mut a = Args {
        bare: String::new(),
        bare_basic: None,
        gateway: String::new(),
        key: String::new(),
        seconds: 10,
        conns: 32,
        rate: 5000,
        rounds: 3,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().unwrap_or_else(|| panic!("{k} needs a value"));
        match k.as_str() {
            "--bare" => a.bare = v,
            "--bare-basic" => {
                let (u, p) = v.split_once(':').expect("--bare-basic user:password");
                a.bare_basic = Some((u.to_string(), p.to_string()));
            }
            "--gateway" => a.gateway = v,
            "--key" => a.key = v,
            "--seconds" => a.seconds = v.parse().expect("--seconds"),
            "--conns" => a.conns = v.parse().expect("--conns"),
            "--rate" => a.rate = v.parse().expect("--rate"),
            "--rounds" => a.rounds = v.parse::<usize>().expect("--rounds").max(1),
            _ => panic!("unknown argument {k}"),
        }
    }
    assert!(!a.gateway.is_empty(), "--gateway is required");
    a
}

struct Result {
    done: usize,
    errors: usize,
    elapsed: Duration,
    lat_us: Vec<u64>,
}

impl Result {
    fn rps(&self) -> f64 {
        self.done as f64 / self.elapsed.as_secs_f64()
    }
    fn pct(&mut self, p: f64) -> f64 {
        if self.lat_us.is_empty() {
            return f64::NAN;
        }
        self.lat_us.sort_unstable();
        let i = ((self.lat_us.len() as f64 - 1.0) * p).round() as usize;
        self.lat_us[i] as f64 / 1000.0
    }
}

/// A target: where to connect and the exact request bytes (HTTP/1.1, keep-alive).
#[derive(Clone)]
struct Target {
    addr: String,
    request: std::sync::Arc<Vec<u8>>,
}

fn base64(input: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in input.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn target(url: &str, key: Option<&str>) -> Target {
    let rest = url.strip_prefix("http://").expect("http:// URLs only");
    let (addr, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let auth = match key {
        Some(k) => match k.strip_prefix("basic:") {
            Some(up) => format!("Authorization: Basic {}\r\n", base64(up.as_bytes())),
            None => format!("Authorization: Bearer {k}\r\n"),
        },
        None => String::new(),
    };
    Target {
        addr: addr.to_string(),
        request: std::sync::Arc::new(
            format!(
                "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: ccgate-loadgen\r\n{auth}\r\n"
            )
            .into_bytes(),
        ),
    }
}

/// One keep-alive connection, opened on first use and again after the server closed it (a
/// close-delimited answer, as FreeSWITCH's mod_xml_rpc sends, costs a new connection each time).
struct Conn {
    t: Target,
    stream: Option<tokio::net::TcpStream>,
    buf: Vec<u8>,
}

impl Conn {
    fn new(t: Target) -> Conn {
        Conn {
            t,
            stream: None,
            buf: Vec::with_capacity(16 * 1024),
        }
    }

    /// One request; true for a 2xx answer read completely.
    async fn one(&mut self) -> bool {
        let req = self.t.request.clone();
        self.send(&req)
            .await
            .is_some_and(|s| (200..300).contains(&s))
    }

    /// Send `req` (to this connection's address); the answer's status, `None` when there was
    /// no complete answer.
    async fn send(&mut self, req: &[u8]) -> Option<u16> {
        match self.exchange(req).await {
            Ok(status) => Some(status),
            Err(_) => {
                self.stream = None;
                None
            }
        }
    }

    async fn exchange(&mut self, req: &[u8]) -> std::io::Result<u16> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        if self.stream.is_none() {
            let s = tokio::net::TcpStream::connect(&self.t.addr).await?;
            s.set_nodelay(true)?;
            self.stream = Some(s);
            self.buf.clear();
        }
        let s = self.stream.as_mut().expect("connected");
        s.write_all(req).await?;
        // Head.
        let head_end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            if s.read_buf(&mut self.buf).await? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]).to_ascii_lowercase();
        let status: u16 = head
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or(0);
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<usize>().ok());
        let chunked = head.contains("transfer-encoding: chunked");
        let close = head.contains("connection: close");
        match (length, chunked) {
            (Some(n), _) => {
                while self.buf.len() < head_end + n {
                    if s.read_buf(&mut self.buf).await? == 0 {
                        return Err(std::io::ErrorKind::UnexpectedEof.into());
                    }
                }
                self.buf.drain(..head_end + n);
            }
            (None, true) => loop {
                // Good enough for a benchmark: the last chunk ends the body.
                if let Some(i) = self.buf[head_end..]
                    .windows(5)
                    .position(|w| w == b"0\r\n\r\n")
                {
                    self.buf.drain(..head_end + i + 5);
                    break;
                }
                if s.read_buf(&mut self.buf).await? == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
            },
            (None, false) => {
                // Close-delimited.
                while s.read_buf(&mut self.buf).await? != 0 {}
                self.stream = None;
                self.buf.clear();
                return Ok(status);
            }
        }
        if close {
            self.stream = None;
            self.buf.clear();
        }
        Ok(status)
    }
}

/// As fast as `conns` concurrent loops can go.
async fn closed_loop(url: &str, key: Option<&str>, conns: usize, secs: u64) -> Result {
    let t = target(url, key);
    let deadline = Instant::now() + Duration::from_secs(secs);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let mut c = Conn::new(t.clone());
        tasks.push(tokio::spawn(async move {
            let (mut lat, mut errors) = (Vec::with_capacity(1 << 16), 0usize);
            while Instant::now() < deadline {
                let t = Instant::now();
                if c.one().await {
                    lat.push(t.elapsed().as_micros() as u64);
                } else {
                    errors += 1;
                }
            }
            (lat, errors)
        }));
    }
    let mut r = Result {
        done: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        lat_us: Vec::new(),
    };
    for t in tasks {
        let (lat, e) = t.await.unwrap();
        r.done += lat.len();
        r.errors += e;
        r.lat_us.extend(lat);
    }
    r.elapsed = start.elapsed();
    r
}

/// Requests started on a fixed schedule, whatever the answers do (no coordinated omission): a
/// request waiting for a free connection counts its wait.
async fn open_loop(url: &str, key: Option<&str>, rate: u64, secs: u64, conns: usize) -> Result {
    let t = target(url, key);
    let total = rate * secs;
    let start = Instant::now();
    let (jobs_tx, jobs_rx) = tokio::sync::mpsc::unbounded_channel::<Instant>();
    let jobs = std::sync::Arc::new(tokio::sync::Mutex::new(jobs_rx));
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let (jobs, mut c) = (jobs.clone(), Conn::new(t.clone()));
        tasks.push(tokio::spawn(async move {
            let (mut lat, mut errors) = (Vec::with_capacity(1 << 16), 0usize);
            loop {
                let sent = { jobs.lock().await.recv().await };
                let Some(sent) = sent else { break };
                if c.one().await {
                    lat.push(sent.elapsed().as_micros() as u64);
                } else {
                    errors += 1;
                }
            }
            (lat, errors)
        }));
    }
    for i in 0..total {
        let due = start + Duration::from_nanos(i * 1_000_000_000 / rate);
        tokio::time::sleep_until(due.into()).await;
        // Latency counts from this dispatch, not from `due`: tokio's timer wakes with millisecond
        // granularity, and that lateness is the load generator's, not the server's. Dispatch never
        // waits for answers, so a slow server still cannot hold requests back.
        let _ = jobs_tx.send(Instant::now());
    }
    drop(jobs_tx);
    let mut r = Result {
        done: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        lat_us: Vec::new(),
    };
    for t in tasks {
        let (lat, e) = t.await.unwrap();
        r.done += lat.len();
        r.errors += e;
        r.lat_us.extend(lat);
    }
    r.elapsed = start.elapsed();
    r
}

fn row(name: &str, r: &mut Result) -> String {
    format!(
        "{:<34} {:>10.0} {:>9.3} {:>9.3} {:>9.3} {:>7}",
        name,
        r.rps(),
        r.pct(0.50),
        r.pct(0.99),
        r.pct(0.999),
        r.errors
    )
}

/// `latency --key K [--calls N] URL…`: sequential calls, after 5 warm-up calls per URL (the first
/// one timed on its own: cold caches).
async fn latency(mut it: impl Iterator<Item = String>) {
    let (mut key, mut calls, mut urls) = (None, 200usize, Vec::new());
    while let Some(k) = it.next() {
        match k.as_str() {
            "--key" => key = it.next(),
            "--calls" => calls = it.next().and_then(|v| v.parse().ok()).expect("--calls N"),
            _ => urls.push(k),
        }
    }
    assert!(!urls.is_empty(), "latency needs at least one URL");
    println!(
        "{:>9} {:>8} {:>9} {:>9} {:>9} {:>7}  url",
        "first ms", "calls", "p50 ms", "p99 ms", "max ms", "errors"
    );
    for url in &urls {
        let mut c = Conn::new(target(url, key.as_deref()));
        let t = Instant::now();
        c.one().await;
        let first = t.elapsed().as_secs_f64() * 1000.0;
        for _ in 0..4 {
            c.one().await;
        }
        let mut r = Result {
            done: 0,
            errors: 0,
            elapsed: Duration::ZERO,
            lat_us: Vec::with_capacity(calls),
        };
        let start = Instant::now();
        for _ in 0..calls {
            let t = Instant::now();
            if c.one().await {
                r.lat_us.push(t.elapsed().as_micros() as u64);
                r.done += 1;
            } else {
                r.errors += 1;
            }
        }
        r.elapsed = start.elapsed();
        let max = r.lat_us.iter().max().copied().unwrap_or(0) as f64 / 1000.0;
        let (p50, p99) = (r.pct(0.50), r.pct(0.99));
        println!(
            "{:>9.1} {:>8} {:>9.2} {:>9.2} {:>9.2} {:>7}  {url}",
            first, r.done, p50, p99, max, r.errors
        );
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let mut rest = std::env::args().skip(1).peekable();
    if rest.peek().map(String::as_str) == Some("latency") {
        rest.next();
        return latency(rest).await;
    }
    if rest.peek().map(String::as_str) == Some("mixed") {
        rest.next();
        return mixed::run(rest).await;
    }
    let a = args();
    let key = Some(a.key.as_str()).filter(|k| !k.is_empty());
    if a.bare.is_empty() {
        return gateway_only(&a, key).await;
    }
    let bare_auth = a.bare_basic.as_ref().map(|(u, p)| format!("basic:{u}:{p}"));
    let bare_key = bare_auth.as_deref();
    // Warm up both paths (connections, caches).
    closed_loop(&a.bare, bare_key, a.conns, 1).await;
    closed_loop(&a.gateway, key, a.conns, 1).await;

    // Fixed rate first, in alternating rounds (one noisy second on a shared machine then shows as
    // one outlier round, and the median tells the typical figure): a closed-loop gateway run leaves
    // the journal writer with a backlog that would land on whatever runs next. Pauses let
    // background work settle between runs.
    let settle = || tokio::time::sleep(Duration::from_secs(3));
    let mut rounds = Vec::new();
    for _ in 0..a.rounds {
        let b = open_loop(&a.bare, bare_key, a.rate, a.seconds, a.conns).await;
        settle().await;
        let g = open_loop(&a.gateway, key, a.rate, a.seconds, a.conns).await;
        settle().await;
        rounds.push((b, g));
    }
    let mut bare_max = closed_loop(&a.bare, bare_key, a.conns, a.seconds).await;
    settle().await;
    let mut gw_max = closed_loop(&a.gateway, key, a.conns, a.seconds).await;

    println!(
        "{:<34} {:>10} {:>9} {:>9} {:>9} {:>7}",
        "run", "req/s", "p50 ms", "p99 ms", "p99.9 ms", "errors"
    );
    println!("bare    = {}\ngateway = {}", a.bare, a.gateway);
    let mut summary: Vec<(f64, f64, f64, f64, f64)> = Vec::new();
    for (i, (b, g)) in rounds.iter_mut().enumerate() {
        println!(
            "{}",
            row(&format!("bare at {}/s, round {}", a.rate, i + 1), b)
        );
        println!(
            "{}",
            row(&format!("gateway at {}/s, round {}", a.rate, i + 1), g)
        );
        summary.push((
            100.0 * g.rps() / b.rps(),
            g.pct(0.50),
            b.pct(0.50),
            g.pct(0.99),
            b.pct(0.99),
        ));
    }
    println!(
        "{}",
        row(&format!("bare, {} conns", a.conns), &mut bare_max)
    );
    println!(
        "{}",
        row(&format!("gateway, {} conns", a.conns), &mut gw_max)
    );
    println!();
    println!(
        "max throughput ratio gateway/bare: {:.1} %",
        100.0 * gw_max.rps() / bare_max.rps()
    );
    let median = |f: fn(&(f64, f64, f64, f64, f64)) -> f64| {
        let mut v: Vec<f64> = summary.iter().map(f).collect();
        v.sort_by(|x, y| x.total_cmp(y));
        v[v.len() / 2]
    };
    println!(
        "at {}/s, median of {} rounds: gateway delivered {:.1} % of the bare rate, p50 {:.3} ms (bare {:.3} ms), p99 {:.3} ms (bare {:.3} ms)",
        a.rate,
        summary.len(),
        median(|s| s.0),
        median(|s| s.1),
        median(|s| s.2),
        median(|s| s.3),
        median(|s| s.4),
    );
}

/// Without `--bare`: the gateway URL alone, at the fixed rate only (`scripts/bench-stats`), in
/// `--rounds` rounds with a pause between them, then the median round.
async fn gateway_only(a: &Args, key: Option<&str>) {
    println!(
        "{:<34} {:>10} {:>9} {:>9} {:>9} {:>7}",
        "run", "req/s", "p50 ms", "p99 ms", "p99.9 ms", "errors"
    );
    println!("gateway = {}", a.gateway);
    let mut summary: Vec<(f64, f64, f64)> = Vec::new();
    for i in 0..a.rounds {
        if i > 0 {
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        let mut g = open_loop(&a.gateway, key, a.rate, a.seconds, a.conns).await;
        println!(
            "{}",
            row(&format!("gateway at {}/s, round {}", a.rate, i + 1), &mut g)
        );
        summary.push((g.rps(), g.pct(0.50), g.pct(0.99)));
    }
    summary.sort_by(|x, y| x.2.total_cmp(&y.2));
    let (rps, p50, p99) = summary[summary.len() / 2];
    println!(
        "at {}/s, median of {} rounds (by p99): {rps:.1} req/s, p50 {p50:.3} ms, p99 {p99:.3} ms",
        a.rate,
        summary.len()
    );
}
