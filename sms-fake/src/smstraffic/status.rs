//! `operation=status`: a message's status as time passes (empty, `Buffered SMSC`, final), in the
//! flat reply for one `sms_id` and `<sms>`-wrapped for several.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use axum::response::Response;

use super::reply::{description, error, reply, xml_escape};
use super::{lock, Fake, Request, Sms};
use crate::shared::msk;

impl Fake {
    fn status_of(&self, s: &Sms, now: Instant) -> &'static str {
        let after = lock(&self.cfg).deliver_after;
        match after {
            Some(d) if now >= s.submitted + d => leak(&s.final_status),
            _ if now >= s.submitted + Duration::from_millis(50) => "Buffered SMSC",
            _ => "",
        }
    }
}

/// Status strings are a handful of fixed words; keep them as `&'static str`.
fn leak(s: &str) -> &'static str {
    for known in [
        "Delivered",
        "Non Delivered",
        "Rejected",
        "Expired",
        "Deleted",
        "Unknown status",
        "Buffered SMSC",
    ] {
        if s == known {
            return known;
        }
    }
    "Unknown status"
}

pub(super) fn status(fake: &Arc<Fake>, req: &Request) -> Response {
    let Some(ids) = req.get("sms_id") else {
        return error(433, description(433));
    };
    let ids: Vec<&str> = ids
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if ids.is_empty() {
        return error(433, description(433));
    }
    let now = Instant::now();
    let st = lock(&fake.state);
    let item = |id: &str| -> String {
        match id.parse::<u64>().ok().and_then(|n| st.sms.get(&n)) {
            Some(s) => {
                let status = fake.status_of(s, now);
                let submitted = msk(s.submitted_wall);
                let changed = msk(SystemTime::now());
                format!(
                    "<submition_date>{submitted}</submition_date>\n<send_date>{submitted}</send_date>\n<last_status_change_date>{changed}</last_status_change_date>\n<status>{status}</status>\n<error></error>\n<sms_id>{id}</sms_id>\n"
                )
            }
            None => format!(
                "<error>no such message or this message does not belong to you</error>\n<sms_id>{}</sms_id>\n",
                xml_escape(id)
            ),
        }
    };
    if ids.len() == 1 {
        reply(item(ids[0]))
    } else {
        reply(
            ids.iter()
                .map(|id| format!("<sms>\n{}</sms>\n", item(id)))
                .collect(),
        )
    }
}
