//! Queue calls in the simulator leave the member-leg CDR variables FreeSWITCH 1.11.2 writes
//! (names and order as in `testdata/freeswitch/cc-outcomes`): an answered call, callers who
//! hang up or time out, a `&callcenter(<queue>)` originate, and the demo's back-dated day.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fs_sim::callcenter::Render;
use fs_sim::scenario::Scenario;
use fs_sim::sim::{ApiMode, Config, Sim};

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "fs-sim-{name}-{}-{}",
        std::process::id(),
        fs_sim::util::now_micros()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn sim(scenario: Scenario, dir: &Path) -> Arc<Sim> {
    Sim::new(
        Config {
            cdr_dir: Some(dir.to_path_buf()),
            ..Default::default()
        },
        scenario.callcenter(),
    )
}

/// The `<cc_…>` element names of an XML CDR, in order, and their values.
fn cc_vars(xml: &str) -> Vec<(String, String)> {
    let mut out = vec![];
    let mut rest = xml;
    while let Some(i) = rest.find("<cc_") {
        rest = &rest[i + 1..];
        let end = rest.find('>').unwrap();
        let name = rest[..end].to_string();
        let close = format!("</{name}>");
        let vend = rest.find(&close).unwrap();
        out.push((name, rest[end + 1..vend].replace("%40", "@")));
        rest = &rest[vend..];
    }
    out
}

fn names(v: &[(String, String)]) -> Vec<&str> {
    v.iter().map(|(k, _)| k.as_str()).collect()
}

fn get<'a>(v: &'a [(String, String)], k: &str) -> &'a str {
    v.iter()
        .find(|(n, _)| n == k)
        .map(|(_, x)| x.as_str())
        .unwrap_or("")
}

fn capture(uuid: &str) -> Vec<(String, String)> {
    let p = format!(
        "{}/../testdata/freeswitch/cc-outcomes/{uuid}.cdr.xml",
        env!("CARGO_MANIFEST_DIR")
    );
    cc_vars(&std::fs::read_to_string(p).unwrap())
}

/// Member-leg XML CDRs written so far.
fn member_legs(dir: &Path) -> Vec<Vec<(String, String)>> {
    let Ok(rd) = std::fs::read_dir(dir.join("xml_cdr")) else {
        return vec![];
    };
    rd.flatten()
        .map(|e| cc_vars(&std::fs::read_to_string(e.path()).unwrap()))
        .filter(|v| get(v, "cc_side") == "member")
        .collect()
}

async fn wait_for_legs(dir: &Path, n: usize) -> Vec<Vec<(String, String)>> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let legs = member_legs(dir);
        if legs.len() >= n || Instant::now() > deadline {
            return legs;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn cc(sim: &Arc<Sim>, cmd: &str) {
    let r = sim
        .api("callcenter_config", cmd, ApiMode::Esl)
        .await
        .unwrap();
    assert_eq!(r, "+OK\n", "{cmd}");
}

#[tokio::test]
async fn answered_and_abandoned_member_legs_match_the_captures() {
    let dir = scratch("outcomes");
    let s = sim(Scenario::Capture, &dir);
    for cmd in [
        "agent add 1000@default callback",
        "agent set contact 1000@default {leg_timeout=10}loopback/1000/default",
        "agent set status 1000@default 'On Break'",
        "tier add support@default 1000@default 1 1",
    ] {
        cc(&s, cmd).await;
    }
    // Nobody available: the caller hangs up after a second.
    let r = s
        .api(
            "originate",
            "{sim_talk_seconds=1,sim_patience_seconds=1}loopback/7001/default &park()",
            ApiMode::Esl,
        )
        .await
        .unwrap();
    assert!(r.starts_with("+OK"), "{r}");
    // While it waits it is a member in state Waiting.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let members =
        s.cc.lock()
            .unwrap()
            .config_api("queue list members support@default", Render::Esl, 0);
    assert!(members.contains("|Waiting|"), "{members}");
    let legs = wait_for_legs(&dir, 1).await;
    assert_eq!(legs.len(), 1);
    let abandoned = &legs[0];
    let real = capture("aaaaaaaa-bbbb-4ccc-8ddd-001796188092");
    assert_eq!(names(abandoned), names(&real));
    assert_eq!(get(abandoned, "cc_cause"), "cancel");
    assert_eq!(get(abandoned, "cc_cancel_reason"), "BREAK_OUT");
    assert_eq!(get(abandoned, "cc_queue"), "support@default");
    let joined: u64 = get(abandoned, "cc_queue_joined_epoch").parse().unwrap();
    let canceled: u64 = get(abandoned, "cc_queue_canceled_epoch").parse().unwrap();
    assert!((joined..=joined + 3).contains(&canceled));

    // The agent is available: answered.
    cc(&s, "agent set status 1000@default Available").await;
    s.api(
        "originate",
        "{sim_talk_seconds=1}loopback/7001/default &park()",
        ApiMode::Esl,
    )
    .await
    .unwrap();
    let legs = wait_for_legs(&dir, 2).await;
    let answered = legs
        .iter()
        .find(|v| get(v, "cc_cause") == "answered")
        .expect("an answered member leg");
    let real = capture("3d69c3fb-8084-4779-abec-2327d2b83e9e");
    // The capture's queue had a record template (cc_record_filename); this one has none.
    let real_names: Vec<&str> = names(&real)
        .into_iter()
        .filter(|n| *n != "cc_record_filename")
        .collect();
    assert_eq!(names(answered), real_names);
    assert_eq!(get(answered, "cc_agent"), "1000@default");
    assert_eq!(get(answered, "cc_agent_bridged"), "true");
    let joined: u64 = get(answered, "cc_queue_joined_epoch").parse().unwrap();
    let ans: u64 = get(answered, "cc_queue_answered_epoch").parse().unwrap();
    assert!((joined..=joined + 2).contains(&ans));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_waiting_caller_is_answered_when_an_agent_comes_back() {
    let dir = scratch("late");
    let s = sim(Scenario::Capture, &dir);
    for cmd in [
        "agent add 1000@default callback",
        "agent set contact 1000@default loopback/1000/default",
        "agent set status 1000@default 'On Break'",
        "tier add support@default 1000@default 1 1",
    ] {
        cc(&s, cmd).await;
    }
    // `&callcenter(queue)` as cc/add dials: the originated leg itself is the member.
    let r = s
        .api(
            "originate",
            "{origination_uuid=11111111-2222-4333-8444-555555555555,sim_talk_seconds=1,sim_patience_seconds=20}sofia/gateway/gw1/79161234567 &callcenter(support@default)",
            ApiMode::Esl,
        )
        .await
        .unwrap();
    assert_eq!(r, "+OK 11111111-2222-4333-8444-555555555555\n");
    tokio::time::sleep(Duration::from_millis(2200)).await;
    cc(&s, "agent set status 1000@default Available").await;
    let legs = wait_for_legs(&dir, 1).await;
    assert_eq!(legs.len(), 1);
    let m = &legs[0];
    assert_eq!(get(m, "cc_cause"), "answered");
    let joined: u64 = get(m, "cc_queue_joined_epoch").parse().unwrap();
    let ans: u64 = get(m, "cc_queue_answered_epoch").parse().unwrap();
    assert!(ans >= joined + 2, "waited {} s", ans - joined);
    assert!(dir
        .join("xml_cdr/a_11111111-2222-4333-8444-555555555555.cdr.xml")
        .exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn queue_time_limits_end_the_wait() {
    let dir = scratch("timeout");
    let s = sim(Scenario::Capture, &dir);
    // sales@default: max_wait_time 120, max_wait_time_with_no_agent 30; shorten both.
    {
        let mut cc = s.cc.lock().unwrap();
        let q = cc.loaded.get_mut("sales@default").unwrap();
        q.cfg.max_wait_time = 1;
    }
    s.api(
        "originate",
        "{sim_talk_seconds=5,sim_patience_seconds=5}loopback/7002/default &park()",
        ApiMode::Esl,
    )
    .await
    .unwrap();
    let legs = wait_for_legs(&dir, 1).await;
    assert_eq!(get(&legs[0], "cc_cancel_reason"), "TIMEOUT");
    {
        let mut cc = s.cc.lock().unwrap();
        let q = cc.loaded.get_mut("sales@default").unwrap();
        q.cfg.max_wait_time = 0;
        q.cfg.max_wait_time_with_no_agent = 1;
    }
    s.api(
        "originate",
        "{sim_talk_seconds=5,sim_patience_seconds=5}loopback/7002/default &park()",
        ApiMode::Esl,
    )
    .await
    .unwrap();
    let legs = wait_for_legs(&dir, 2).await;
    assert!(legs
        .iter()
        .any(|v| get(v, "cc_cancel_reason") == "NO_AGENT_TIMEOUT"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_demo_day_has_answered_and_abandoned_calls() {
    let dir = scratch("day");
    let s = sim(Scenario::Demo, &dir);
    let now = fs_sim::util::now_micros();
    let n = fs_sim::originate::demo_day(&s, &dir, now, 8, 7).unwrap();
    assert!(n > 100, "{n} calls");
    let legs = member_legs(&dir);
    assert_eq!(legs.len(), n);
    let answered = legs
        .iter()
        .filter(|v| get(v, "cc_cause") == "answered")
        .count();
    let abandoned = legs
        .iter()
        .filter(|v| get(v, "cc_cause") == "cancel")
        .count();
    assert_eq!(answered + abandoned, n);
    assert!(
        abandoned > 0 && answered > abandoned * 5,
        "{answered}/{abandoned}"
    );
    let long = legs
        .iter()
        .filter(|v| get(v, "cc_cause") == "answered")
        .filter(|v| {
            let j: u64 = get(v, "cc_queue_joined_epoch").parse().unwrap();
            let a: u64 = get(v, "cc_queue_answered_epoch").parse().unwrap();
            a - j > 20
        })
        .count();
    assert!(
        long > 0 && long < answered / 2,
        "{long} of {answered} waited over 20 s"
    );
    for v in &legs {
        let j: u64 = get(v, "cc_queue_joined_epoch").parse().unwrap();
        assert!(j < now / 1_000_000 && j > now / 1_000_000 - 9 * 3600);
    }
    let real = capture("aaaaaaaa-bbbb-4ccc-8ddd-001796188092");
    let cancel = legs
        .iter()
        .find(|v| get(v, "cc_cause") == "cancel")
        .unwrap();
    assert_eq!(names(cancel), names(&real));
    // No recordings directory: nothing recorded.
    assert!(legs.iter().all(|v| get(v, "cc_record_filename").is_empty()));
    // Started again ten minutes later: only calls of the ten minutes since are added.
    let again = fs_sim::originate::demo_day(&s, &dir, now + 600_000_000, 8, 7).unwrap();
    assert!(again < 15, "{again} calls in ten minutes");
    assert_eq!(member_legs(&dir).len(), n + again);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The value of the first `<name>` element of an XML CDR, percent-decoded.
fn element(xml: &str, name: &str) -> String {
    let open = format!("<{name}>");
    let Some(i) = xml.find(&open) else {
        return String::new();
    };
    let rest = &xml[i + open.len()..];
    let end = rest.find('<').unwrap();
    fs_sim::util::percent_decode(&rest[..end])
}

#[test]
fn the_demo_days_last_hour_has_recordings() {
    let dir = scratch("day-rec");
    let rec = dir.join("recordings");
    std::fs::create_dir_all(&rec).unwrap();
    let s = Sim::new(
        Config {
            cdr_dir: Some(dir.clone()),
            recordings_dir: Some(rec.clone()),
            ..Default::default()
        },
        Scenario::Demo.callcenter(),
    );
    let now = fs_sim::util::now_micros();
    fs_sim::originate::demo_day(&s, &dir, now, 8, 7).unwrap();
    let members: Vec<String> = std::fs::read_dir(dir.join("xml_cdr"))
        .unwrap()
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .filter(|x| element(x, "cc_side") == "member")
        .collect();
    let answered: Vec<&String> = members
        .iter()
        .filter(|x| element(x, "cc_cause") == "answered")
        .collect();
    let recorded: Vec<&&String> = answered
        .iter()
        .filter(|x| !element(x, "cc_record_filename").is_empty())
        .collect();
    assert!(recorded.len() >= 5, "{} recorded", recorded.len());
    // Answered calls before the last hour are not recorded, abandoned ones never.
    assert!(recorded.len() < answered.len());
    assert!(members
        .iter()
        .filter(|x| element(x, "cc_cause") == "cancel")
        .all(|x| element(x, "cc_record_filename").is_empty()));
    let mut bytes = 0;
    for x in recorded {
        // In the window's last hour (which ends a quarter of an hour before now).
        let j: u64 = element(x, "cc_queue_joined_epoch").parse().unwrap();
        assert!(j + 3600 + 900 + 420 >= now / 1_000_000, "joined {j}");
        let path = std::path::PathBuf::from(element(x, "cc_record_filename"));
        assert_eq!(path.parent(), Some(rec.as_path()));
        let wav = std::fs::read(&path).unwrap();
        assert_eq!(&wav[..4], b"RIFF");
        assert_eq!(wav.len().to_string(), element(x, "record_file_size"));
        // The talk, from the bridge to the hangup.
        let a: u64 = element(x, "cc_queue_answered_epoch").parse().unwrap();
        let end: u64 = element(x, "end_epoch").parse().unwrap();
        let secs: u64 = element(x, "record_seconds").parse().unwrap();
        assert!(
            secs.abs_diff(end - a) <= 1,
            "{secs} s recorded of {} s",
            end - a
        );
        bytes += wav.len();
    }
    assert!(bytes <= 48 << 20, "{bytes} bytes of recordings");
    let _ = std::fs::remove_dir_all(&dir);
}
