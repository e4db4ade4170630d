//! sms-fake binary: serves the SMS Traffic fake and prints `sms-fake http ADDR` once bound.

use std::time::Duration;

use sms_fake::{Config, Fake};

const HELP: &str = "sms-fake: a local SMS Traffic (multi.php) fake

Usage: sms-fake [options]
  --listen ADDR             listen address                  (default 127.0.0.1:18090)
  --login LOGIN             accepted login                  (default login)
  --password PW             accepted password               (default password)
  --deliver-after-ms MS     final status after MS            (default 2000; 0 = never)
  --final-status TEXT       final status                    (default Delivered)
  --callback-url URL        POST delivery reports there     (default none)
  --status-stall-ms MS      status queries answer after MS  (default 0)
  -h, --help                this text

Control while running: POST /_control with form fields mode=normal|error|http|stall|queue_nothing,
code=N, ms=N, status_stall_ms=N, deliver_after_ms=N, callback_url=URL, block_phone=DIGITS, forbid_originator=NAME.";

#[tokio::main]
async fn main() {
    let mut cfg = Config {
        deliver_after: Some(Duration::from_millis(2000)),
        ..Default::default()
    };
    let mut listen = "127.0.0.1:18090".to_string();
    let mut status_stall = None;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            println!("{HELP}");
            return;
        }
        let Some(value) = it.next() else {
            eprintln!("{flag} needs a value\n\n{HELP}");
            std::process::exit(2);
        };
        match flag.as_str() {
            "--listen" => listen = value,
            "--login" => cfg.login = value,
            "--password" => cfg.password = value,
            "--deliver-after-ms" => {
                let ms: u64 = value.parse().unwrap_or(2000);
                cfg.deliver_after = (ms > 0).then(|| Duration::from_millis(ms));
            }
            "--final-status" => cfg.final_status = value,
            "--callback-url" => cfg.callback_url = Some(value),
            "--status-stall-ms" => {
                let ms: u64 = value.parse().unwrap_or(0);
                status_stall = (ms > 0).then(|| Duration::from_millis(ms));
            }
            _ => {
                eprintln!("unknown option {flag}\n\n{HELP}");
                std::process::exit(2);
            }
        }
    }
    let listener = match tokio::net::TcpListener::bind(&listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("sms-fake: cannot listen on {listen}: {e}");
            std::process::exit(1);
        }
    };
    println!("sms-fake http {}", listener.local_addr().expect("addr"));
    let fake = Fake::new(cfg);
    fake.set_status_stall(status_stall);
    if let Err(e) = sms_fake::serve(listener, fake).await {
        eprintln!("sms-fake: {e}");
        std::process::exit(1);
    }
}
