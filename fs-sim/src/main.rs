//! fs-sim binary: starts the Event Socket and mod_xml_rpc listeners of the simulator.
//!
//! Prints `fs-sim esl ADDR` and `fs-sim http ADDR` (and `fs-sim reports ADDR` with
//! `--reports-listen`) once each listener is bound (port 0 allowed).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use fs_sim::scenario::Scenario;
use fs_sim::sim::{ApiMode, Config, Sim};
use tokio::net::TcpListener;

const HELP: &str =
    "fs-sim: a protocol-faithful FreeSWITCH simulator (ESL + mod_xml_rpc + mod_callcenter)

Usage: fs-sim [options]
  --esl-listen ADDR        Event Socket listen address   (default 127.0.0.1:8021)
  --esl-password PW        Event Socket password         (default ClueCon)
  --http-listen ADDR       mod_xml_rpc listen address    (default 127.0.0.1:8080)
  --http-user USER         HTTP Basic user               (default freeswitch)
  --http-password PW       HTTP Basic password           (default works)
  --scenario NAME          capture | demo                (default capture)
  --cdr-dir DIR            write CDRs (xml_cdr/, json_cdr/, cdr-csv/Master.csv) under DIR
  --recordings-dir DIR     write <uuid>.wav recordings of answered calls into DIR
  --reports-listen ADDR    also serve the fake historical report server (GET /report) on ADDR
  --reports-login USER     its HTTP Basic login           (default demo)
  --reports-password PW    its HTTP Basic password        (default demo)
  -h, --help               this text";

struct Args {
    esl_listen: String,
    http_listen: String,
    scenario: Scenario,
    cfg: Config,
    reports_listen: Option<String>,
    reports: fs_sim::reports::Config,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        esl_listen: "127.0.0.1:8021".into(),
        http_listen: "127.0.0.1:8080".into(),
        scenario: Scenario::Capture,
        cfg: Config {
            esl_password: "ClueCon".into(),
            http_user: "freeswitch".into(),
            http_password: "works".into(),
            cdr_dir: None,
            recordings_dir: None,
        },
        reports_listen: None,
        reports: fs_sim::reports::Config::default(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let (flag, inline) = match flag.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (flag, None),
        };
        if flag == "-h" || flag == "--help" {
            println!("{HELP}");
            std::process::exit(0);
        }
        let value = match inline {
            Some(v) => v,
            None => it.next().ok_or_else(|| format!("{flag} needs a value"))?,
        };
        match flag.as_str() {
            "--esl-listen" => a.esl_listen = value,
            "--esl-password" => a.cfg.esl_password = value,
            "--http-listen" => a.http_listen = value,
            "--http-user" => a.cfg.http_user = value,
            "--http-password" => a.cfg.http_password = value,
            "--scenario" => {
                a.scenario = Scenario::parse(&value)
                    .ok_or_else(|| format!("unknown scenario {value:?} (capture|demo)"))?
            }
            "--cdr-dir" => a.cfg.cdr_dir = Some(PathBuf::from(value)),
            "--recordings-dir" => a.cfg.recordings_dir = Some(PathBuf::from(value)),
            "--reports-listen" => a.reports_listen = Some(value),
            "--reports-login" => a.reports.login = value,
            "--reports-password" => a.reports.password = value,
            _ => return Err(format!("unknown option {flag}\n\n{HELP}")),
        }
    }
    Ok(a)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("fs-sim: {e}");
            return ExitCode::from(2);
        }
    };
    for d in [&args.cfg.cdr_dir, &args.cfg.recordings_dir]
        .into_iter()
        .flatten()
    {
        if let Err(e) = std::fs::create_dir_all(d) {
            eprintln!("fs-sim: cannot create {}: {e}", d.display());
            return ExitCode::from(1);
        }
    }
    let sim = Sim::new(args.cfg.clone(), args.scenario.callcenter());
    let esl = match TcpListener::bind(&args.esl_listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("fs-sim: cannot listen on {}: {e}", args.esl_listen);
            return ExitCode::from(1);
        }
    };
    let http = match TcpListener::bind(&args.http_listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("fs-sim: cannot listen on {}: {e}", args.http_listen);
            return ExitCode::from(1);
        }
    };
    let show = |l: &TcpListener| l.local_addr().map(|a| a.to_string()).unwrap_or_default();
    println!("fs-sim esl {}", show(&esl));
    println!("fs-sim http {}", show(&http));
    tokio::spawn(fs_sim::esl::serve(esl, sim.clone()));
    tokio::spawn(fs_sim::http::serve(http, sim.clone()));
    if let Some(addr) = &args.reports_listen {
        let reports = match TcpListener::bind(addr).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("fs-sim: cannot listen on {addr}: {e}");
                return ExitCode::from(1);
            }
        };
        println!("fs-sim reports {}", show(&reports));
        tokio::spawn(fs_sim::reports::serve(reports, args.reports.clone()));
    }
    // HEARTBEAT every 20 seconds, as FreeSWITCH does.
    let hb = sim.clone();
    tokio::spawn(async move {
        let mut t = tokio::time::interval(Duration::from_secs(20));
        t.tick().await;
        loop {
            t.tick().await;
            hb.emit(hb.heartbeat());
        }
    });
    if args.scenario == Scenario::Demo {
        // A short history of calls: answered, busy and unroutable.
        let demo = sim.clone();
        tokio::spawn(async move {
            for dial in [
                "{sim_talk_seconds=2}loopback/9999/default &park()",
                "{sim_talk_seconds=4}loopback/7001/default &park()",
                "user/4861002@default &park()",
                "loopback/nosuchdest/default &park()",
            ] {
                let _ = demo.api("originate", dial, ApiMode::Esl).await;
            }
        });
    }
    let _ = tokio::signal::ctrl_c().await;
    ExitCode::SUCCESS
}
