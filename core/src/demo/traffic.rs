//! The demo's month of API traffic, planned deterministically from a seed: per day and user a
//! number of requests (more on weekdays), each at a time drawn from an office-hours curve in the
//! configured zone, to a method of the user's mix, with the outcome such a call meets now and
//! then (bad parameters, missing permissions, unknown keys and routes, an upstream that is down or
//! slow). Successful `sms.send` and `cc.add` requests carry what they created: messages and calls.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::journal::{mask_path, Entry};

/// Requests per local hour of a weekday, relative (a call center's office day, quiet nights).
const HOURLY: [u32; 24] = [
    1, 1, 1, 1, 1, 1, 2, 5, 14, 26, 32, 33, 29, 22, 28, 31, 30, 26, 17, 9, 5, 3, 2, 1,
];
/// Share of a weekday's traffic on Saturdays and Sundays.
const WEEKEND: f64 = 0.25;
const DAY_MS: i64 = 86_400_000;

/// One demo API user as the traffic sees it.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: i64,
    pub login: String,
    pub key_id: i64,
    pub ip: String,
    /// Requests on an ordinary weekday.
    pub per_weekday: u32,
    /// (weight, `module.method`) of the calls it makes; methods it does not hold are refused 403.
    pub mix: &'static [(u32, &'static str)],
}

/// What a successful request created.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// `sms.send`: this many recipients.
    Sms { recipients: u32 },
    /// `cc.add`: one contact.
    Call,
}

/// A planned request: its journal entry and what it created.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub entry: Entry,
    pub effect: Option<Effect>,
}

/// How a method answers when all goes well, and how it fails: (chance, status, error code).
struct Profile {
    verb: &'static str,
    ok: u16,
    bytes: (i64, i64),
    latency_ms: (i64, i64),
    fails: &'static [(f64, u16, &'static str)],
}

fn profile(method: &str) -> Profile {
    let p = |verb, ok, bytes, latency_ms, fails| Profile {
        verb,
        ok,
        bytes,
        latency_ms,
        fails,
    };
    match method {
        "cc.queues" | "cc.tiers" => p(
            "GET",
            200,
            (900, 4_000),
            (4, 40),
            &[
                (0.006, 503, "upstream_unavailable"),
                (0.004, 400, "unknown_field"),
            ],
        ),
        "cc.queue" | "cc.tier" => p(
            "GET",
            200,
            (300, 1_200),
            (3, 30),
            &[
                (0.04, 404, "queue_not_found"),
                (0.004, 503, "upstream_unavailable"),
            ],
        ),
        "cc.cdr" => p(
            "GET",
            200,
            (2_000, 60_000),
            (8, 180),
            &[(0.03, 422, "invalid_range"), (0.01, 400, "range_too_large")],
        ),
        "cc.audio" => p(
            "GET",
            200,
            (200_000, 4_000_000),
            (20, 400),
            &[(0.05, 404, "recording_not_found")],
        ),
        "cc.add" => p(
            "POST",
            202,
            (180, 400),
            (5, 45),
            &[
                (0.05, 400, "invalid_phone"),
                (0.01, 422, "idempotency_key_reused"),
            ],
        ),
        "sms.send" => p(
            "POST",
            200,
            (220, 2_000),
            (40, 400),
            &[
                (0.04, 400, "invalid_phone"),
                (0.01, 400, "text_empty"),
                (0.003, 502, "gateway_refused"),
            ],
        ),
        "sms.getStatus" => p(
            "GET",
            200,
            (250, 1_500),
            (3, 25),
            &[(0.02, 400, "invalid_parameter")],
        ),
        "stats.all" | "stats.get" => p(
            "GET",
            200,
            (1_500, 9_000),
            (10, 120),
            &[
                (0.01, 404, "project_not_found"),
                (0.004, 504, "upstream_timeout"),
            ],
        ),
        "me" => p("GET", 200, (150, 300), (1, 6), &[]),
        // reports.*
        _ => p(
            "GET",
            200,
            (700, 12_000),
            (15, 250),
            &[(0.04, 422, "invalid_range"), (0.003, 500, "internal_error")],
        ),
    }
}

fn path_of(rng: &mut StdRng, method: &str, day: i64) -> String {
    let queue = ["support@default", "sales@default", "billing@default"][rng.gen_range(0..3)];
    let date = crate::platform::time::date_of_day(day);
    let p = match method {
        "me" => "/api/v1/me".to_string(),
        "cc.queue" => format!("/api/v1/cc/queue?name={queue}"),
        "cc.tier" => format!(
            "/api/v1/cc/tier?queue={queue}&agent=10{:02}",
            rng.gen_range(1..13)
        ),
        "cc.cdr" => format!("/api/v1/cc/cdr?from={date}&limit=100"),
        "cc.audio" => format!("/api/v1/cc/audio?uuid={:032x}", rng.gen::<u128>()),
        "sms.getStatus" => format!("/api/v1/sms/getStatus?id=m{:027x}", rng.gen::<u128>() >> 20),
        "stats.get" => "/api/v1/stats/get?project=support".to_string(),
        "reports.request" | "reports.badRequest" | "reports.users" | "reports.sms" => {
            let (m, x) = method.split_once('.').unwrap_or(("reports", "request"));
            format!("/api/v1/{m}/{x}?from={date}&group_by=day")
        }
        other => format!("/api/v1/{}", other.replacen('.', "/", 1)),
    };
    mask_path(&p)
}

fn pick<'a>(rng: &mut StdRng, mix: &'a [(u32, &'a str)]) -> &'a str {
    let total: u32 = mix.iter().map(|m| m.0).sum();
    let mut r = rng.gen_range(0..total.max(1));
    for (w, m) in mix {
        if r < *w {
            return m;
        }
        r -= w;
    }
    mix.last().map(|m| m.1).unwrap_or("me")
}

/// A local time of day (ms since local midnight) drawn from [`HOURLY`].
fn time_of_day(rng: &mut StdRng) -> i64 {
    let total: u32 = HOURLY.iter().sum();
    let mut r = rng.gen_range(0..total);
    let mut hour = 0;
    for (h, w) in HOURLY.iter().enumerate() {
        if r < *w {
            hour = h as i64;
            break;
        }
        r -= w;
    }
    hour * 3_600_000 + rng.gen_range(0..3_600_000)
}

/// Monday is 0 (day 0, 1970-01-01, was a Thursday).
pub fn weekday(day: i64) -> i64 {
    (day + 3).rem_euclid(7)
}

/// The requests of `days` local days ending with the day of `now_ms` (only those before
/// `now_ms`), oldest first. The same seed, callers and clock give the same plan.
pub fn plan(
    seed: u64,
    callers: &[Caller],
    granted: &dyn Fn(&Caller, &str) -> bool,
    now_ms: i64,
    offset_minutes: i64,
    days: i64,
) -> Vec<Planned> {
    let mut rng = StdRng::seed_from_u64(seed);
    let offset_ms = offset_minutes * 60_000;
    let today = (now_ms + offset_ms).div_euclid(DAY_MS);
    let mut out = Vec::new();
    for day in today - days + 1..=today {
        let midnight = day * DAY_MS - offset_ms;
        let factor = if weekday(day) >= 5 { WEEKEND } else { 1.0 };
        for c in callers {
            let n = (f64::from(c.per_weekday) * factor * rng.gen_range(0.8..1.2)).round() as u32;
            for _ in 0..n {
                let at = midnight + time_of_day(&mut rng);
                let method = pick(&mut rng, c.mix);
                let allowed = method == "me" || granted(c, method);
                out.push(request(&mut rng, c, method, allowed, at, day));
            }
        }
        // Callers without a (valid) key and integrators guessing routes.
        for _ in 0..rng.gen_range(2..9) {
            let at = midnight + time_of_day(&mut rng);
            out.push(stranger(&mut rng, at, day));
        }
    }
    out.retain(|p| p.entry.at < now_ms);
    out.sort_by_key(|p| p.entry.at);
    out
}

fn entry(rng: &mut StdRng, at: i64, verb: &str, path: String) -> Entry {
    let n: u128 = rng.gen::<u128>() & ((1u128 << 80) - 1);
    Entry {
        at,
        request_id: format!("{:012x}{n:020x}", at as u64 & 0xFFFF_FFFF_FFFF),
        user_id: None,
        user_login: None,
        key_id: None,
        module: None,
        method: None,
        http_method: verb.to_string(),
        path,
        status: 200,
        error_code: None,
        latency_us: 0,
        client_ip: String::new(),
        response_bytes: 0,
    }
}

fn request(
    rng: &mut StdRng,
    c: &Caller,
    method: &str,
    allowed: bool,
    at: i64,
    day: i64,
) -> Planned {
    let pr = profile(method);
    let path = path_of(rng, method, day);
    let mut e = entry(rng, at, pr.verb, path);
    e.user_id = Some(c.user_id);
    e.user_login = Some(c.login.clone());
    e.key_id = Some(c.key_id);
    e.client_ip = c.ip.clone();
    let (module, name) = match method.split_once('.') {
        Some((m, x)) => (Some(m.to_string()), x.to_string()),
        None => (None, method.to_string()),
    };
    e.module = module;
    e.method = Some(name);
    let fail = if allowed {
        let r: f64 = rng.gen();
        let mut acc = 0.0;
        pr.fails.iter().find(|(p, _, _)| {
            acc += p;
            r < acc
        })
    } else {
        Some(&(1.0, 403, "permission_denied"))
    };
    let effect;
    match fail {
        Some((_, status, code)) => {
            e.status = *status;
            e.error_code = Some(code.to_string());
            e.response_bytes = rng.gen_range(250..420);
            e.latency_us = match *status {
                504 => rng.gen_range(10_000_000..10_050_000),
                503 | 502 => rng.gen_range(1_000_000..3_000_000),
                _ => rng.gen_range(300..2_000),
            };
            effect = None;
        }
        None => {
            e.status = pr.ok;
            e.response_bytes = rng.gen_range(pr.bytes.0..=pr.bytes.1);
            e.latency_us = rng.gen_range(pr.latency_ms.0 * 1000..=pr.latency_ms.1 * 1000);
            effect = match method {
                "sms.send" => Some(Effect::Sms {
                    recipients: if rng.gen_bool(0.1) {
                        rng.gen_range(2..6)
                    } else {
                        1
                    },
                }),
                "cc.add" => Some(Effect::Call),
                _ => None,
            };
        }
    }
    Planned { entry: e, effect }
}

fn stranger(rng: &mut StdRng, at: i64, day: i64) -> Planned {
    let r: f64 = rng.gen();
    let (method, status, code) = if r < 0.45 {
        ("cc.queues", 401, "auth_missing")
    } else if r < 0.8 {
        ("sms.send", 401, "auth_invalid")
    } else {
        ("", 404, "not_found")
    };
    let mut e = if method.is_empty() {
        let wrong = ["/api/v1/cc/queue_list", "/api/v2/sms/send", "/api/v1/calls"];
        let path = wrong[rng.gen_range(0..wrong.len())].to_string();
        entry(rng, at, "GET", path)
    } else {
        let pr = profile(method);
        let path = path_of(rng, method, day);
        let mut e = entry(rng, at, pr.verb, path);
        let (m, x) = method.split_once('.').unwrap_or_default();
        e.module = Some(m.to_string());
        e.method = Some(x.to_string());
        e
    };
    e.status = status;
    e.error_code = Some(code.to_string());
    e.latency_us = rng.gen_range(80..600);
    e.response_bytes = rng.gen_range(250..400);
    e.client_ip = format!("203.0.113.{}", rng.gen_range(2..250));
    Planned {
        entry: e,
        effect: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIX: &[(u32, &str)] = &[(6, "cc.queues"), (2, "sms.send"), (1, "cc.tiers")];

    fn callers() -> Vec<Caller> {
        vec![Caller {
            user_id: 7,
            login: "crm".into(),
            key_id: 3,
            ip: "10.0.0.7".into(),
            per_weekday: 300,
            mix: MIX,
        }]
    }

    fn granted(_: &Caller, m: &str) -> bool {
        m != "cc.tiers"
    }

    // 2026-11-30 12:00 at +03:00 (a Monday).
    const NOW: i64 = 1_796_029_200_000;

    #[test]
    fn the_same_seed_plans_the_same_month() {
        let a = plan(1, &callers(), &granted, NOW, 180, 30);
        let b = plan(1, &callers(), &granted, NOW, 180, 30);
        assert_eq!(a, b);
        assert_ne!(a, plan(2, &callers(), &granted, NOW, 180, 30));
        assert!(a.windows(2).all(|w| w[0].entry.at <= w[1].entry.at));
        assert!(a.iter().all(|p| p.entry.at < NOW));
        let first_day = (NOW + 180 * 60_000) / DAY_MS - 29;
        assert!(a[0].entry.at >= first_day * DAY_MS - 180 * 60_000);
    }

    #[test]
    fn weekdays_office_hours_and_failures() {
        assert_eq!(weekday((NOW + 180 * 60_000) / DAY_MS), 0);
        let p = plan(9, &callers(), &granted, NOW, 180, 30);
        let mut per_day = std::collections::BTreeMap::<i64, (i64, i64)>::new();
        let mut office = 0;
        for x in &p {
            let local = x.entry.at + 180 * 60_000;
            let day = local.div_euclid(DAY_MS);
            let slot = per_day.entry(day).or_default();
            if weekday(day) >= 5 {
                slot.1 += 1;
            } else {
                slot.0 += 1;
            }
            let hour = local.rem_euclid(DAY_MS) / 3_600_000;
            if (9..18).contains(&hour) {
                office += 1;
            }
        }
        let weekdays: Vec<i64> = per_day.values().filter(|v| v.0 > 0).map(|v| v.0).collect();
        let weekends: Vec<i64> = per_day.values().filter(|v| v.1 > 0).map(|v| v.1).collect();
        assert!(weekends.len() >= 8, "{per_day:?}");
        assert!(weekdays.iter().min() > weekends.iter().max(), "{per_day:?}");
        assert!(office * 10 > p.len() * 7, "{office} of {}", p.len());
        let status = |s: u16| p.iter().filter(|x| x.entry.status == s).count();
        // cc.tiers is not granted: a ninth of the calls are refused.
        assert!(status(403) * 15 > p.len() && status(403) * 6 < p.len());
        assert!(status(401) > 0 && status(404) > 0 && status(503) > 0);
        for x in p.iter().filter(|x| x.entry.status >= 400) {
            assert!(x.entry.error_code.is_some(), "{x:?}");
        }
        for x in &p {
            let e = &x.effect;
            match x.entry.method.as_deref() {
                Some("send") if x.entry.status == 200 => {
                    assert!(matches!(e, Some(Effect::Sms { .. })))
                }
                _ => assert_eq!(e, &None),
            }
        }
    }
}
