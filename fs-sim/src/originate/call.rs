//! An originated call from start to hangup (`originate`), and the API commands that act on live
//! calls (`uuid_kill`, `uuid_exists`).

use std::sync::Arc;
use std::time::Duration;

use crate::sim::Sim;
use crate::util::{new_uuid, now_micros};

use super::cdr::write_cdrs;
use super::leg::Leg;
use super::queue::{member_flow, queue_for, Patience};
use super::request::{Outcome, Request, ORIGINATE_USAGE};
use super::wav::wav_tone;

/// Register `legs` as live channels in `state`/`callstate`: `show channels`, session counters.
pub(super) fn register(sim: &Sim, legs: &[Leg], state: &str, callstate: &str) {
    let mut ch = sim.channels.lock().unwrap();
    for l in legs {
        ch.push(l.channel(state, callstate));
    }
    let n = ch.len() as u64;
    drop(ch);
    let mut st = sim.stats.lock().unwrap();
    st.sessions_total += legs.len() as u64;
    st.peak = st.peak.max(n);
}

/// Talk for `talk_secs` unless `uuid_kill` comes first; the hangup cause.
pub(super) async fn talk(talk_secs: u64, kill: &mut Kill) -> String {
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_secs(talk_secs)) => "NORMAL_CLEARING".to_string(),
        _ = kill.changed() => kill.borrow().clone().unwrap_or_else(|| "NORMAL_CLEARING".into()),
    }
}

/// Where `uuid_kill` delivers its cause to a live call.
pub(super) type Kill = tokio::sync::watch::Receiver<Option<String>>;

/// Report hangup of `legs` (in order): events, channel removal, CDRs.
fn finish(sim: &Sim, legs: &[Leg], cdr_legs: &[bool]) {
    for (leg, &cdr) in legs.iter().zip(cdr_legs) {
        sim.channels.lock().unwrap().retain(|c| c.uuid != leg.uuid);
        sim.kills.lock().unwrap().remove(&leg.uuid);
        sim.emit(leg.event(sim, "CHANNEL_HANGUP"));
        sim.emit(leg.event(sim, "CHANNEL_HANGUP_COMPLETE"));
        if let (true, Some(dir)) = (cdr, &sim.cfg.cdr_dir) {
            if let Err(e) = write_cdrs(sim, dir, leg) {
                eprintln!("fs-sim: cannot write CDR for {}: {e}", leg.uuid);
            }
        }
    }
}

/// `uuid_kill <uuid> [cause]`.
pub fn uuid_kill(sim: &Sim, args: &str) -> String {
    let mut it = args.split_whitespace();
    let Some(uuid) = it.next() else {
        return "-USAGE: <uuid> [cause]\n".into();
    };
    let cause = it.next().unwrap_or("NORMAL_CLEARING").to_string();
    match sim.kills.lock().unwrap().get(uuid) {
        Some(tx) => {
            let _ = tx.send(Some(cause));
            "+OK\n".into()
        }
        None => "-ERR No such channel!\n".into(),
    }
}

/// One call counted in `calls_up` / `peak_calls` while it lives.
struct CallSlot(Arc<Sim>);

impl CallSlot {
    fn new(sim: &Arc<Sim>) -> CallSlot {
        use std::sync::atomic::Ordering::SeqCst;
        let n = sim.calls_up.fetch_add(1, SeqCst) + 1;
        sim.peak_calls.fetch_max(n, SeqCst);
        CallSlot(sim.clone())
    }
}

impl Drop for CallSlot {
    fn drop(&mut self) {
        self.0
            .calls_up
            .fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// `uuid_exists <uuid>`: `true` while the channel is up, else `false` (no newline, as FreeSWITCH).
pub fn uuid_exists(sim: &Sim, args: &str) -> String {
    let Some(uuid) = args.split_whitespace().next() else {
        return "-USAGE: <uuid>\n".into();
    };
    let up = sim.channels.lock().unwrap().iter().any(|c| c.uuid == uuid)
        || sim.kills.lock().unwrap().contains_key(uuid);
    if up { "true" } else { "false" }.into()
}

/// `originate <call url> <exten>|&app(args) [dialplan] [context] [cid_name] [cid_num] [timeout]`.
pub async fn originate_api(sim: &Arc<Sim>, args: &str) -> String {
    let Some(req) = Request::parse(args) else {
        return ORIGINATE_USAGE.to_string();
    };
    sim.originates
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let slot = CallSlot::new(sim);
    let now = now_micros();
    let a_uuid = req
        .var("origination_uuid")
        .map(str::to_string)
        .unwrap_or_else(new_uuid);
    *sim.originated
        .lock()
        .unwrap()
        .entry(a_uuid.clone())
        .or_default() += 1;
    let loopback = req.endpoint == "loopback";
    let cid_num_b = req
        .var("origination_caller_id_number")
        .map(str::to_string)
        .unwrap_or_else(|| "0000000000".into());
    let cid_name_b = req
        .var("origination_caller_id_name")
        .map(str::to_string)
        .unwrap_or_default();
    let mut a = Leg {
        uuid: a_uuid.clone(),
        name: if loopback {
            format!("loopback/{}-a", req.dest)
        } else {
            req.dial.rsplit('}').next().unwrap_or(&req.dial).to_string()
        },
        outbound: true,
        loopback,
        dest: req.dest.clone(),
        context: req.context.clone(),
        // mod_loopback flips the A-leg caller id to "Outbound Call" <default> (as captured).
        cid_name: req.cid_name.clone().unwrap_or_else(|| {
            if loopback {
                "Outbound Call".into()
            } else {
                cid_name_b.clone()
            }
        }),
        cid_num: req.cid_num.clone().unwrap_or_else(|| {
            if loopback {
                "default".into()
            } else {
                cid_num_b.clone()
            }
        }),
        callee_name: String::new(),
        callee_num: cid_num_b.clone(),
        session_id: sim.next_session_id(),
        created_us: now,
        answered_us: 0,
        hangup_us: 0,
        cause: String::new(),
        extra: vec![],
        apps: vec![(req.app.clone(), req.app_arg.clone())],
        record: None,
        agent_side: false,
    };
    let mut legs = vec![];
    let b_uuid = new_uuid();
    if loopback {
        a.extra = vec![
            ("origination_uuid".into(), a_uuid.clone()),
            ("originate_early_media".into(), "true".into()),
            ("originate_endpoint".into(), "loopback".into()),
            ("other_loopback_leg_uuid".into(), b_uuid.clone()),
            ("loopback_leg".into(), "A".into()),
        ];
        let b = Leg {
            uuid: b_uuid.clone(),
            name: format!("loopback/{}-b", req.dest),
            outbound: false,
            loopback,
            dest: req.dest.clone(),
            context: req.context.clone(),
            cid_name: cid_name_b,
            cid_num: cid_num_b,
            callee_name: "Outbound Call".into(),
            callee_num: "default".into(),
            session_id: sim.next_session_id(),
            created_us: now,
            answered_us: 0,
            hangup_us: 0,
            cause: String::new(),
            extra: vec![
                ("origination_uuid".into(), a_uuid.clone()),
                ("other_loopback_leg_uuid".into(), a_uuid.clone()),
                ("loopback_leg".into(), "B".into()),
            ],
            apps: vec![],
            record: None,
            agent_side: false,
        };
        legs.push(b);
    } else {
        a.extra = vec![("origination_uuid".into(), a_uuid.clone())];
    }
    legs.push(a);
    register(sim, &legs, "CS_INIT", "DOWN");
    for l in &legs {
        sim.emit(l.event(sim, "CHANNEL_CREATE"));
    }
    match req.outcome() {
        Outcome::Fail { cause, after_ms } => {
            tokio::time::sleep(Duration::from_millis(after_ms)).await;
            let end = now_micros();
            for l in legs.iter_mut() {
                l.cause = cause.clone();
                l.hangup_us = end;
                if !l.outbound {
                    l.apps.clear();
                }
            }
            // FreeSWITCH writes no CDR for the never-answered originating loopback a-leg.
            let cdr: Vec<bool> = legs.iter().map(|l| !(l.loopback && l.outbound)).collect();
            finish(sim, &legs, &cdr);
            format!("-ERR {cause}\n")
        }
        Outcome::Answer { talk_secs } => {
            // How long a caller waits in a queue without an agent before hanging up.
            let patience = Patience {
                caller_secs: req
                    .var("sim_patience_seconds")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(talk_secs),
            };
            tokio::time::sleep(Duration::from_millis(100)).await;
            let ans = now_micros();
            let rec_dir = sim.cfg.recordings_dir.clone();
            for l in legs.iter_mut() {
                l.answered_us = ans;
                if !l.outbound || !loopback {
                    if let Some(dir) = &rec_dir {
                        let path = dir.join(format!("{}.wav", l.uuid));
                        l.record = Some((path.to_string_lossy().into_owned(), talk_secs * 8000));
                        let apps = vec![
                            ("answer".to_string(), String::new()),
                            ("set".into(), "RECORD_STEREO=false".into()),
                            ("record_session".into(), path.to_string_lossy().into_owned()),
                            (
                                "playback".into(),
                                format!("tone_stream://%({},0,440)", talk_secs * 1000),
                            ),
                            ("hangup".into(), String::new()),
                        ];
                        if l.outbound {
                            l.apps.extend(apps);
                        } else {
                            l.apps = apps;
                        }
                    } else if !l.outbound {
                        l.apps = vec![
                            ("answer".to_string(), String::new()),
                            (
                                "playback".into(),
                                format!("tone_stream://%({},0,440)", talk_secs * 1000),
                            ),
                            ("hangup".into(), String::new()),
                        ];
                    }
                }
            }
            {
                let mut ch = sim.channels.lock().unwrap();
                for l in &legs {
                    if let Some(c) = ch.iter_mut().find(|c| c.uuid == l.uuid) {
                        *c = l.channel("CS_EXECUTE", "ACTIVE");
                    }
                }
            }
            for l in &legs {
                sim.emit(l.event(sim, "CHANNEL_ANSWER"));
            }
            let (tx, mut rx) = tokio::sync::watch::channel::<Option<String>>(None);
            let tx = Arc::new(tx);
            {
                let mut k = sim.kills.lock().unwrap();
                for l in &legs {
                    k.insert(l.uuid.clone(), tx.clone());
                }
            }
            let sim2 = sim.clone();
            tokio::spawn(async move {
                let _slot = slot;
                // The leg running `&callcenter(q)` (the originated one, last), else the
                // dialplan leg of a queue extension (first).
                let last = legs.len() - 1;
                let (m, queue) = match queue_for(&sim2, &legs[last]) {
                    Some(q) => (last, Some(q)),
                    None => (0, queue_for(&sim2, &legs[0])),
                };
                let cause = match queue {
                    Some(q) => {
                        let (cause, agent) =
                            member_flow(&sim2, &mut legs[m], &q, talk_secs, patience, &mut rx)
                                .await;
                        if let Some(agent) = agent {
                            legs.push(agent);
                        }
                        cause
                    }
                    None => talk(talk_secs, &mut rx).await,
                };
                let end = now_micros();
                for l in legs.iter_mut() {
                    l.cause = cause.clone();
                    l.hangup_us = end;
                    if let Some((path, samples)) = &mut l.record {
                        // 8 samples per millisecond actually talked.
                        *samples = end.saturating_sub(l.answered_us) / 1000 * 8;
                        if let Err(e) = std::fs::write(&*path, wav_tone(*samples)) {
                            eprintln!("fs-sim: cannot write recording {path}: {e}");
                        }
                    }
                }
                let cdr = vec![true; legs.len()];
                finish(&sim2, &legs, &cdr);
            });
            format!("+OK {a_uuid}\n")
        }
    }
}
