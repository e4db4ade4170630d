//! Load generator for `scripts/bench-gateway`: measures two URLs side by side in one run — first
//! closed-loop (as fast as `--conns` connections go), then open-loop at a fixed rate — and prints
//! requests/s and latency percentiles for each, plus the ratio.
//!
//! cargo run --release -p ccgate-bench -- \
//!     --bare http://127.0.0.1:3000/healthz --gateway http://127.0.0.1:3000/api/v1/me --key ccg_… \
//!     [--seconds 10] [--conns 32] [--rate 5000]

use std::time::{Duration, Instant};

struct Args {
    bare: String,
    /// `user:password` for HTTP Basic on the bare URL (e.g. FreeSWITCH's mod_xml_rpc).
    bare_basic: Option<(String, String)>,
    gateway: String,
    key: String,
    seconds: u64,
    conns: usize,
    rate: u64,
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
            _ => panic!("unknown argument {k}"),
        }
    }
    assert!(
        !a.bare.is_empty() && !a.gateway.is_empty(),
        "--bare and --gateway are required"
    );
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

fn client(conns: usize) -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(conns)
        .tcp_nodelay(true)
        .build()
        .unwrap()
}

async fn one(c: &reqwest::Client, url: &str, key: Option<&str>) -> bool {
    let mut rb = c.get(url);
    match key.and_then(|k| k.strip_prefix("basic:")) {
        Some(up) => {
            let (u, p) = up.split_once(':').unwrap_or((up, ""));
            rb = rb.basic_auth(u, Some(p));
        }
        None => {
            if let Some(k) = key {
                rb = rb.bearer_auth(k);
            }
        }
    }
    match rb.send().await {
        Ok(r) => {
            let ok = r.status().is_success();
            let _ = r.bytes().await;
            ok
        }
        Err(_) => false,
    }
}

/// As fast as `conns` concurrent loops can go.
async fn closed_loop(url: &str, key: Option<&str>, conns: usize, secs: u64) -> Result {
    let c = client(conns);
    let deadline = Instant::now() + Duration::from_secs(secs);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let (c, url, key) = (c.clone(), url.to_string(), key.map(String::from));
        tasks.push(tokio::spawn(async move {
            let (mut lat, mut errors) = (Vec::new(), 0usize);
            while Instant::now() < deadline {
                let t = Instant::now();
                if one(&c, &url, key.as_deref()).await {
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

/// Requests started on a fixed schedule, whatever the answers do (no coordinated omission).
async fn open_loop(url: &str, key: Option<&str>, rate: u64, secs: u64, conns: usize) -> Result {
    let c = client(conns);
    let total = rate * secs;
    let start = Instant::now();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for i in 0..total {
        let due = start + Duration::from_nanos(i * 1_000_000_000 / rate);
        tokio::time::sleep_until(due.into()).await;
        let (c, url, key, tx) = (
            c.clone(),
            url.to_string(),
            key.map(String::from),
            tx.clone(),
        );
        tokio::spawn(async move {
            let ok = one(&c, &url, key.as_deref()).await;
            let _ = tx.send((ok, due.elapsed().as_micros() as u64));
        });
    }
    drop(tx);
    let mut r = Result {
        done: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        lat_us: Vec::new(),
    };
    while let Some((ok, us)) = rx.recv().await {
        if ok {
            r.done += 1;
            r.lat_us.push(us);
        } else {
            r.errors += 1;
        }
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

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let a = args();
    let key = Some(a.key.as_str()).filter(|k| !k.is_empty());
    let bare_auth = a.bare_basic.as_ref().map(|(u, p)| format!("basic:{u}:{p}"));
    let bare_key = bare_auth.as_deref();
    // Warm up both paths (connections, caches).
    closed_loop(&a.bare, bare_key, a.conns, 1).await;
    closed_loop(&a.gateway, key, a.conns, 1).await;

    let mut bare_max = closed_loop(&a.bare, bare_key, a.conns, a.seconds).await;
    let mut gw_max = closed_loop(&a.gateway, key, a.conns, a.seconds).await;
    let mut bare_fixed = open_loop(&a.bare, bare_key, a.rate, a.seconds, a.conns).await;
    let mut gw_fixed = open_loop(&a.gateway, key, a.rate, a.seconds, a.conns).await;

    println!(
        "{:<34} {:>10} {:>9} {:>9} {:>9} {:>7}",
        "run", "req/s", "p50 ms", "p99 ms", "p99.9 ms", "errors"
    );
    println!("bare    = {}\ngateway = {}", a.bare, a.gateway);
    println!(
        "{}",
        row(&format!("bare, {} conns", a.conns), &mut bare_max)
    );
    println!(
        "{}",
        row(&format!("gateway, {} conns", a.conns), &mut gw_max)
    );
    println!("{}", row(&format!("bare at {}/s", a.rate), &mut bare_fixed));
    println!(
        "{}",
        row(&format!("gateway at {}/s", a.rate), &mut gw_fixed)
    );
    println!();
    println!(
        "max throughput ratio gateway/bare: {:.1} %",
        100.0 * gw_max.rps() / bare_max.rps()
    );
    println!(
        "at {}/s: gateway delivered {:.1} % of the bare rate, p50 {:.3} ms (bare {:.3} ms, added {:.3} ms), p99 {:.3} ms (bare {:.3} ms)",
        a.rate,
        100.0 * gw_fixed.rps() / bare_fixed.rps(),
        gw_fixed.pct(0.50),
        bare_fixed.pct(0.50),
        gw_fixed.pct(0.50) - bare_fixed.pct(0.50),
        gw_fixed.pct(0.99),
        bare_fixed.pct(0.99)
    );
}
