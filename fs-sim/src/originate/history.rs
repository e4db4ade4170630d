//! A believable day for the `demo` scenario: the CDR files of queue calls placed over the last
//! hours, back-dated — member legs of answered calls (with their wait and talk) and of abandoned
//! ones (`BREAK_OUT`, `TIMEOUT`, `EXIT_WITH_KEY`), and the agents' legs —, written exactly as the
//! live queue model writes them, so the CDR index and the online statistics have a day to show.
//! With a recordings directory, the answered calls of the window's last hour also leave their
//! recording (`<member uuid>.wav`, the talk as a tone, as the live model records), within a size
//! budget, so `cc/audio` has older calls to play too.

use std::path::Path;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::sim::Sim;
use crate::util::new_uuid;

use super::cdr::write_cdrs;
use super::leg::Leg;
use super::wav::wav_tone;

/// Answered calls this close to the window's end are recorded…
const RECORDED_US: u64 = 3_600_000_000;
/// …until the recordings of one run reach this many bytes (a talk of minutes is megabytes).
const RECORDING_BUDGET: u64 = 48 << 20;

/// Per queue: its extension, calls per hour, mean seconds to answer, share abandoned.
const TRAFFIC: [(&str, &str, u32, f64, f64); 3] = [
    ("support@default", "7001", 14, 12.0, 0.07),
    ("sales@default", "7002", 8, 25.0, 0.12),
    ("billing@default", "7003", 4, 8.0, 0.04),
];

/// What one back-dated queue call came to.
struct Call<'a> {
    queue: &'a str,
    ext: &'a str,
    joined_us: u64,
    /// `Ok((agent, agent type, seconds waited, seconds talked))` or `Err((reason, seconds waited))`.
    outcome: Result<(String, String, u64, u64), (&'static str, u64)>,
}

fn leg(
    sim: &Sim,
    name: String,
    outbound: bool,
    dest: &str,
    cid: (&str, &str),
    t: (u64, u64, u64),
) -> Leg {
    Leg {
        uuid: new_uuid(),
        name,
        outbound,
        loopback: true,
        dest: dest.into(),
        context: "default".into(),
        cid_name: cid.0.into(),
        cid_num: cid.1.into(),
        callee_name: String::new(),
        callee_num: String::new(),
        session_id: sim.next_session_id(),
        created_us: t.0,
        answered_us: t.1,
        hangup_us: t.2,
        cause: "NORMAL_CLEARING".into(),
        extra: vec![],
        apps: vec![],
        record: None,
        agent_side: false,
    }
}

/// The legs of one call, with mod_callcenter's variables in the order the live model sets them;
/// an answered call's member leg records into `record` (path of the WAV) when given.
fn legs_of(sim: &Sim, c: &Call, caller: &str, record: Option<&Path>) -> Vec<Leg> {
    let joined_s = c.joined_us / 1_000_000;
    let member_uuid = new_uuid();
    let end_us = match &c.outcome {
        Ok((_, _, wait, talk)) => c.joined_us + (wait + talk) * 1_000_000 + 400_000,
        Err((_, wait)) => c.joined_us + wait * 1_000_000 + 200_000,
    };
    let mut m = leg(
        sim,
        format!("loopback/{}-b", c.ext),
        false,
        c.ext,
        ("", caller),
        (c.joined_us, c.joined_us, end_us),
    );
    m.apps = vec![
        ("answer".into(), String::new()),
        ("callcenter".into(), c.queue.into()),
        ("hangup".into(), String::new()),
    ];
    m.extra = vec![
        ("cc_side".into(), "member".into()),
        ("cc_member_uuid".into(), member_uuid.clone()),
        ("cc_queue_joined_epoch".into(), joined_s.to_string()),
        ("cc_queue".into(), c.queue.into()),
    ];
    match &c.outcome {
        Err((reason, wait)) => {
            m.extra.extend([
                (
                    "cc_queue_canceled_epoch".to_string(),
                    (joined_s + wait).to_string(),
                ),
                ("cc_cause".into(), "cancel".into()),
                ("cc_cancel_reason".into(), reason.to_string()),
            ]);
            vec![m]
        }
        Ok((agent, agent_type, wait, talk)) => {
            let bridged_us = c.joined_us + wait * 1_000_000 + 300_000;
            if let Some(dir) = record {
                let path = dir.join(format!("{}.wav", m.uuid));
                // 8 samples per millisecond talked, from the bridge.
                m.record = Some((path.to_string_lossy().into_owned(), talk * 8000 + 800));
            }
            let ext = agent.split('@').next().unwrap_or("");
            let mut a = leg(
                sim,
                format!("loopback/{ext}-a"),
                true,
                ext,
                ("", caller),
                (bridged_us, bridged_us, end_us),
            );
            a.agent_side = true;
            a.extra = vec![
                ("cc_side".into(), "agent".into()),
                ("cc_queue".into(), c.queue.into()),
                ("cc_agent".into(), agent.clone()),
                ("cc_agent_type".into(), agent_type.clone()),
                ("cc_member_uuid".into(), member_uuid),
                ("cc_member_session_uuid".into(), m.uuid.clone()),
                ("cc_agent_bridged".into(), "true".into()),
            ];
            m.extra.extend([
                ("cc_agent_uuid".to_string(), a.uuid.clone()),
                ("cc_agent_bridged".into(), "true".into()),
                ("cc_agent".into(), agent.clone()),
                (
                    "cc_queue_answered_epoch".into(),
                    (bridged_us / 1_000_000).to_string(),
                ),
                ("cc_cause".into(), "answered".into()),
            ]);
            // mod_callcenter names the file the queue's record-template gave.
            if let Some((path, _)) = &m.record {
                m.extra.push(("cc_record_filename".into(), path.clone()));
            }
            vec![m, a]
        }
    }
}

/// Where `demo_day` notes up to when it wrote, so a restart only fills the gap since.
const STAMP: &str = "demo-day.stamp";

/// Write the CDRs of `hours` of queue traffic ending a quarter of an hour before `now_us` under
/// `dir` (only the part after an earlier run's end), and add the calls to the queues' counters.
/// Returns how many calls were written.
pub fn demo_day(
    sim: &Sim,
    dir: &Path,
    now_us: u64,
    hours: u64,
    seed: u64,
) -> std::io::Result<usize> {
    let mut rng = StdRng::seed_from_u64(seed);
    let window_end = now_us.saturating_sub(900_000_000);
    let start_us = window_end.saturating_sub(hours * 3_600_000_000);
    let done_until: u64 = std::fs::read_to_string(dir.join(STAMP))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    let mut calls = 0;
    let mut recorded_bytes = 0u64;
    for (queue, ext, per_hour, mean_wait, abandon_share) in TRAFFIC {
        let agents: Vec<(String, String)> = {
            let cc = sim.cc.lock().unwrap();
            if !cc.loaded.contains_key(queue) {
                continue;
            }
            cc.tiers
                .iter()
                .filter(|t| t.queue == queue)
                .filter_map(|t| cc.agent(&t.agent))
                .map(|a| (a.name.clone(), a.agent_type.clone()))
                .collect()
        };
        if agents.is_empty() {
            continue;
        }
        let mut t = start_us;
        let (mut answered, mut abandoned) = (0, 0);
        loop {
            // Busier around the middle of the window.
            let hour = (t - start_us) as f64 / 3_600_000_000.0;
            let load = 0.6 + 0.8 * (std::f64::consts::PI * hour / hours.max(1) as f64).sin();
            let gap = 3600.0 / (f64::from(per_hour) * load.max(0.2));
            t += (rng.gen_range(0.3..1.7) * gap * 1_000_000.0) as u64;
            if t >= window_end {
                break;
            }
            if t < done_until {
                continue;
            }
            let caller = format!("+7916{:07}", rng.gen_range(0..10_000_000u32));
            let outcome = if rng.gen_bool(abandon_share) {
                let r: f64 = rng.gen();
                let (reason, wait) = if r < 0.85 {
                    ("BREAK_OUT", rng.gen_range(15..90))
                } else if r < 0.95 {
                    ("TIMEOUT", 120)
                } else {
                    ("EXIT_WITH_KEY", rng.gen_range(10..40))
                };
                abandoned += 1;
                Err((reason, wait))
            } else {
                // Mostly quick, now and then a long wait.
                let u: f64 = rng.gen_range(0.001..1.0);
                let wait = (-u.ln() * mean_wait).min(180.0) as u64;
                let (agent, agent_type) = agents[rng.gen_range(0..agents.len())].clone();
                answered += 1;
                Ok((agent, agent_type, wait, rng.gen_range(40..420)))
            };
            let call = Call {
                queue,
                ext,
                joined_us: t,
                outcome,
            };
            let record = match (&sim.cfg.recordings_dir, &call.outcome) {
                (Some(rd), Ok((_, _, _, talk)))
                    if t + RECORDED_US >= window_end
                        && recorded_bytes + talk * 16_000 <= RECORDING_BUDGET =>
                {
                    Some(rd.as_path())
                }
                _ => None,
            };
            for l in legs_of(sim, &call, &caller, record) {
                if let Some((path, samples)) = &l.record {
                    let wav = wav_tone(*samples);
                    recorded_bytes += wav.len() as u64;
                    std::fs::write(path, wav)?;
                }
                write_cdrs(sim, dir, &l)?;
            }
            calls += 1;
        }
        let mut cc = sim.cc.lock().unwrap();
        if let Some(q) = cc.loaded.get_mut(queue) {
            q.calls_answered += answered;
            q.calls_abandoned += abandoned;
        }
    }
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join(STAMP), window_end.max(done_until).to_string())?;
    Ok(calls)
}
