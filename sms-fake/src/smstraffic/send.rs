//! Sending (`multi.php` without `operation`): the checks on sender and phones, splitting into
//! parts, queueing one `Sms` per part, and the reply with the ids.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use axum::response::Response;

use super::reply::{description, error, reply};
use super::{lock, reports, Config, Fake, Request, Sms};
use crate::shared::Mode;

/// Parts the way SMS Traffic counts them: `rus=0` 160/153 characters, `rus=1/5` 70/67.
pub(crate) fn parts_of(text: &str, rus: &str) -> usize {
    let (single, per) = if rus == "0" { (160, 153) } else { (70, 67) };
    let n: usize = if rus == "0" {
        text.chars().count()
    } else {
        text.encode_utf16().count()
    };
    if n <= single {
        1
    } else {
        n.div_ceil(per)
    }
}

/// Queue the message for every phone (one `Sms` per part) and answer `queued N messages`.
pub(super) fn send(fake: &Arc<Fake>, req: &Request, cfg: &Config) -> Response {
    let Some(phones) = req.get("phones") else {
        return error(403, description(403));
    };
    let Some(message) = req.get("message") else {
        return error(405, description(405));
    };
    let phones: Vec<&str> = phones
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if phones.is_empty() {
        return error(407, description(407));
    }
    let originator = req.get("originator").unwrap_or("").to_string();
    let ignore = req.get("ignore_phone_format") == Some("1");
    let mut st = lock(&fake.state);
    if originator.len() > 15
        || (!originator.bytes().all(|b| b.is_ascii_digit()) && originator.chars().count() > 11)
    {
        return error(421, description(421));
    }
    if st.forbidden_originators.contains(&originator) {
        return error(436, description(436));
    }
    if !ignore {
        for p in &phones {
            if !p.bytes().all(|b| b.is_ascii_digit()) {
                return error(428, description(428));
            }
            if p.len() < 11 {
                return error(425, description(425));
            }
            if p.len() > 15 {
                return error(426, description(426));
            }
            if st.blocked_phones.contains(*p) {
                return error(432, description(432));
            }
        }
    }
    if st.mode == Some(Mode::QueueNothing) {
        return reply(
            "<result>OK</result>\n<code>0</code>\n<description>queued 0 messages</description>\n"
                .into(),
        );
    }
    let rus = req.get("rus").unwrap_or("0");
    let max_parts: usize = req
        .get("max_parts")
        .and_then(|v| v.parse().ok())
        .unwrap_or(255);
    let parts = parts_of(message, rus).min(max_parts.max(1));
    let want_ids = req.get("want_sms_ids") == Some("1");
    let now = Instant::now();
    let wall = SystemTime::now();
    let mut infos = String::new();
    let mut queued = 0;
    let mut reports = Vec::new();
    for p in &phones {
        let final_status = st
            .phone_status
            .get(*p)
            .cloned()
            .unwrap_or_else(|| cfg.final_status.clone());
        for part in 1..=parts {
            let id = st.next_id;
            st.next_id += 1;
            st.sms.insert(
                id,
                Sms {
                    id,
                    phone: p.to_string(),
                    text: message.to_string(),
                    originator: originator.clone(),
                    part,
                    parts,
                    submitted: now,
                    submitted_wall: wall,
                    final_status: final_status.clone(),
                },
            );
            queued += 1;
            if want_ids {
                infos.push_str(&format!(
                    "<message_info>\n<phone>{p}</phone>\n<sms_id>{id}</sms_id>\n</message_info>\n"
                ));
            }
            reports.push((id, final_status.clone()));
        }
    }
    drop(st);
    reports::schedule(fake, cfg, reports);
    let infos = if want_ids {
        format!("<message_infos>\n{infos}</message_infos>\n")
    } else {
        String::new()
    };
    reply(format!(
        "<result>OK</result>\n<code></code>\n<description>queued {queued} messages</description>\n{infos}"
    ))
}
