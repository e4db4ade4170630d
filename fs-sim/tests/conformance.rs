//! Spawns the built `fs-sim` binary on port 0 and checks it end to end: the FreeSWITCH
//! conformance checker (when python3 and the checker are available) and an ESL originate
//! round trip with events, CDR files and a WAV recording.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHECKER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/conformance/fs-conformance.py");

struct Server {
    child: Child,
    esl: String,
    http: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(extra: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fs-sim"))
        .args([
            "--esl-listen",
            "127.0.0.1:0",
            "--http-listen",
            "127.0.0.1:0",
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn fs-sim");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let (mut esl, mut http) = (String::new(), String::new());
    for _ in 0..2 {
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let parts: Vec<&str> = line.split_whitespace().collect();
        match parts.as_slice() {
            ["fs-sim", "esl", a] => esl = a.to_string(),
            ["fs-sim", "http", a] => http = a.to_string(),
            _ => panic!("unexpected line {line:?}"),
        }
    }
    assert!(!esl.is_empty() && !http.is_empty());
    Server { child, esl, http }
}

#[test]
fn conformance_checker_passes() {
    let python = Command::new("python3").arg("--version").output();
    assert!(
        python.is_ok() && Path::new(CHECKER).exists(),
        "python3 and {CHECKER} are needed: the checker run must not be skipped"
    );
    let s = spawn(&["--scenario", "capture"]);
    let out = Command::new("python3")
        .arg(CHECKER)
        .args(["--esl", &s.esl, "--password", "ClueCon", "--http", &s.http])
        .args(["--user", "freeswitch", "--pass", "works"])
        .output()
        .expect("run checker");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "checker failed:\n{text}");
    assert!(text.contains("79 passed, 0 failed"), "{text}");
}

/// Minimal ESL client reading whole frames.
struct Esl {
    s: TcpStream,
    buf: Vec<u8>,
}

impl Esl {
    /// Connect with a 15 s read timeout; the `auth/request` greeting is still to be read.
    fn connect(addr: &str) -> Esl {
        let sock = TcpStream::connect(addr).unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(15)))
            .unwrap();
        Esl {
            s: sock,
            buf: vec![],
        }
    }

    fn frame(&mut self) -> (String, String) {
        loop {
            if let Some(p) = self.buf.windows(2).position(|w| w == b"\n\n") {
                let head = String::from_utf8_lossy(&self.buf[..p]).into_owned();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("Content-Length: "))
                    .map(|v| v.parse().unwrap())
                    .unwrap_or(0);
                if self.buf.len() >= p + 2 + len {
                    let body = String::from_utf8_lossy(&self.buf[p + 2..p + 2 + len]).into_owned();
                    self.buf.drain(..p + 2 + len);
                    return (head, body);
                }
            }
            let mut chunk = [0u8; 65536];
            let n = self.s.read(&mut chunk).expect("read");
            assert!(n > 0, "connection closed");
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    fn send(&mut self, cmd: &str) -> (String, String) {
        self.s.write_all(format!("{cmd}\n\n").as_bytes()).unwrap();
        self.frame()
    }
}

#[test]
fn originate_fires_events_and_writes_cdrs() {
    let dir: PathBuf = std::env::temp_dir().join(format!("fs-sim-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (cdr, rec) = (dir.join("cdr"), dir.join("rec"));
    let s = spawn(&[
        "--cdr-dir",
        cdr.to_str().unwrap(),
        "--recordings-dir",
        rec.to_str().unwrap(),
    ]);
    let mut c = Esl::connect(&s.esl);
    assert_eq!(c.frame().0, "Content-Type: auth/request");
    assert!(c.send("auth ClueCon").0.contains("+OK accepted"));
    let (h, _) = c.send("event json BACKGROUND_JOB CHANNEL_HANGUP_COMPLETE");
    assert!(h.contains("+OK event listener enabled json"));
    let uuid = "11111111-2222-4333-8444-555555555555";
    let (h, _) = c.send(&format!(
        "bgapi originate {{origination_uuid={uuid},sim_talk_seconds=1}}loopback/9999/default &park()\nJob-UUID: job-1"
    ));
    assert!(
        h.contains("Reply-Text: +OK Job-UUID: job-1\nJob-UUID: job-1"),
        "{h}"
    );
    let (h, body) = c.frame();
    assert!(h.contains("text/event-json"));
    assert!(body.contains("\"Event-Name\":\"BACKGROUND_JOB\""), "{body}");
    assert!(
        body.contains(&format!("\"_body\":\"+OK {uuid}\\n\"")),
        "{body}"
    );
    // Both loopback legs hang up: b first, then a (ours).
    let mut hung = vec![];
    let start = Instant::now();
    while hung.len() < 2 && start.elapsed() < Duration::from_secs(10) {
        let (_, body) = c.frame();
        assert!(body.contains("CHANNEL_HANGUP_COMPLETE"));
        assert!(body.contains("\"Hangup-Cause\":\"NORMAL_CLEARING\""));
        hung.push(body);
    }
    assert!(hung[1].contains(&format!("\"Unique-ID\":\"{uuid}\"")));
    // A failing destination: hangups, then BACKGROUND_JOB with -ERR.
    c.send("bgapi originate loopback/nosuchdest/default &park()");
    let mut last = String::new();
    for _ in 0..3 {
        last = c.frame().1;
    }
    assert!(
        last.contains("\"_body\":\"-ERR NO_ROUTE_DESTINATION\\n\""),
        "{last}"
    );
    // CDRs and recording on disk.
    std::thread::sleep(Duration::from_millis(200));
    assert!(cdr.join(format!("xml_cdr/a_{uuid}.cdr.xml")).exists());
    let json = std::fs::read_to_string(cdr.join(format!("json_cdr/a_{uuid}.cdr.json"))).unwrap();
    assert!(json.starts_with("{\"core-uuid\":"));
    let csv = std::fs::read_to_string(cdr.join("cdr-csv/Master.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.contains("\"NO_ROUTE_DESTINATION\""));
    let wavs: Vec<_> = std::fs::read_dir(&rec).unwrap().collect();
    assert_eq!(wavs.len(), 1);
    let wav = std::fs::read(wavs[0].as_ref().unwrap().path()).unwrap();
    assert_eq!(&wav[..4], b"RIFF");
    assert!(wav.len() > 44 + 8000);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn queue_extension_bridges_to_an_agent() {
    let s = spawn(&[]);
    let mut c = Esl::connect(&s.esl);
    c.frame();
    c.send("auth ClueCon");
    for cmd in [
        "agent add 1000@default callback",
        "agent set contact 1000@default {leg_timeout=10}loopback/1000/default",
        "agent set status 1000@default Available",
        "tier add support@default 1000@default 1 1",
    ] {
        assert_eq!(c.send(&format!("api callcenter_config {cmd}")).1, "+OK\n");
    }
    c.send("event plain CUSTOM callcenter::info");
    c.send("bgapi originate {sim_talk_seconds=1}loopback/7001/default &park()");
    let mut actions = vec![];
    while !actions.contains(&"agent-state-change(Waiting)".to_string()) {
        let (_, body) = c.frame();
        let get = |k: &str| {
            body.lines()
                .find_map(|l| l.strip_prefix(&format!("{k}: ")))
                .unwrap_or("")
                .to_string()
        };
        let mut a = get("CC-Action");
        if a == "agent-state-change" {
            a = format!("{a}({})", get("CC-Agent-State").replace("%20", " "));
        }
        actions.push(a);
    }
    assert_eq!(
        actions,
        [
            "member-queue-start",
            "members-count",
            "agent-state-change(Receiving)",
            "agent-offering",
            "bridge-agent-start",
            "agent-state-change(In a queue call)",
            "members-count",
            "bridge-agent-end",
            "member-queue-end",
            "agent-state-change(Waiting)",
        ]
    );
    let agents = c.send("api callcenter_config agent list 1000@default").1;
    let row: Vec<&str> = agents.lines().nth(1).unwrap().split('|').collect();
    assert_eq!(row[6], "Waiting");
    assert_eq!(row[17], "1", "calls_answered in {agents}");
    let queues = c.send("api callcenter_config queue list").1;
    let support = queues
        .lines()
        .find(|l| l.starts_with("support@default|"))
        .unwrap();
    assert_eq!(support.split('|').nth(14), Some("1"), "{queues}");
}
