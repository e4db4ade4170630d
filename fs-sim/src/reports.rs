//! A fake of the call center's historical report server (what `reports.demoReport` forwards to):
//! `GET /report?from=YYYY-MM-DD&until=YYYY-MM-DD[&project=NAME]` with HTTP Basic credentials
//! answers one row per day of `[from, until)` — offered, answered and abandoned calls, service
//! level, waits and talk time — with totals. The figures are made up but steady: the same day
//! and project always give the same numbers, weekends are quieter. Without credentials or with
//! wrong ones: 401. For tests it can also be slow, answer garbage under a JSON content type,
//! fail with 500, or answer plain text.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use crate::http::{read_head, Request};
use crate::util::{accept_forever, base64_decode, civil, json_escape, now_epoch, percent_decode};

/// How the server answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Behaviour {
    /// Believable JSON.
    Normal,
    /// Believable JSON after this long.
    Slow(Duration),
    /// `Content-Type: application/json` with a body that is not JSON.
    Garbage,
    /// HTTP 500.
    Fail,
    /// The rows as `text/csv`.
    Text,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub login: String,
    pub password: String,
    pub behaviour: Behaviour,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            login: "demo".into(),
            password: "demo".into(),
            behaviour: Behaviour::Normal,
        }
    }
}

/// Serve report requests forever.
pub async fn serve(listener: TcpListener, cfg: Config) {
    accept_forever(listener, Arc::new(cfg), handle).await
}

async fn handle(mut stream: TcpStream, cfg: Arc<Config>) -> std::io::Result<()> {
    let Ok(Some(head)) =
        tokio::time::timeout(Duration::from_secs(30), read_head(&mut stream)).await?
    else {
        return Ok(());
    };
    let Some(req) = Request::parse(&head) else {
        return Ok(());
    };
    if let Behaviour::Slow(d) = cfg.behaviour {
        tokio::time::sleep(d).await;
    }
    let answer = respond(&cfg, &req);
    stream.write_all(answer.as_bytes()).await?;
    stream.shutdown().await
}

fn reply(status: &str, content_type: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn authorised(cfg: &Config, req: &Request) -> bool {
    let Some(b64) = req
        .header("Authorization")
        .and_then(|v| v.strip_prefix("Basic "))
    else {
        return false;
    };
    let Some(plain) = base64_decode(b64.trim()).and_then(|b| String::from_utf8(b).ok()) else {
        return false;
    };
    plain.split_once(':') == Some((cfg.login.as_str(), cfg.password.as_str()))
}

/// The complete response for a request.
pub fn respond(cfg: &Config, req: &Request) -> String {
    let (path, query) = req.target.split_once('?').unwrap_or((&req.target, ""));
    if req.method != "GET" || path != "/report" {
        return reply(
            "404 Not Found",
            "application/json",
            "{\"error\":\"not found\"}",
        );
    }
    if !authorised(cfg, req) {
        return reply(
            "401 Unauthorized",
            "application/json",
            "{\"error\":\"bad login or password\"}",
        );
    }
    match cfg.behaviour {
        Behaviour::Garbage => {
            return reply(
                "200 OK",
                "application/json",
                "<html>Report engine error</html>",
            )
        }
        Behaviour::Fail => {
            return reply(
                "500 Internal Server Error",
                "application/json",
                "{\"error\":\"report database unavailable\"}",
            )
        }
        _ => {}
    }
    let param = |name: &str| {
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| percent_decode(&v.replace('+', " ")))
    };
    let today = (now_epoch() / 86_400) as i64;
    let from = param("from").and_then(|s| day_of(&s)).unwrap_or(today - 6);
    let until = param("until").and_then(|s| day_of(&s)).unwrap_or(today + 1);
    if until <= from || until - from > 366 {
        return reply(
            "400 Bad Request",
            "application/json",
            "{\"error\":\"from must be before until, at most 366 days\"}",
        );
    }
    let project = param("project").unwrap_or_else(|| "all".into());
    let rows: Vec<Day> = (from..until).map(|d| Day::of(d, &project)).collect();
    if cfg.behaviour == Behaviour::Text {
        let mut csv = String::from("date,offered,answered,abandoned\r\n");
        for r in &rows {
            csv.push_str(&format!(
                "{},{},{},{}\r\n",
                r.date, r.offered, r.answered, r.abandoned
            ));
        }
        return reply("200 OK", "text/csv; charset=utf-8", &csv);
    }
    reply(
        "200 OK",
        "application/json; charset=utf-8",
        &to_json(&project, &rows),
    )
}

/// Days since 1970-01-01 of `YYYY-MM-DD` (the first ten characters of an RFC 3339 time too).
fn day_of(s: &str) -> Option<i64> {
    let s = s.get(..10)?;
    let b = s.as_bytes();
    if b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d): (i64, i64, i64) = (
        s[..4].parse().ok()?,
        s[5..7].parse().ok()?,
        s[8..].parse().ok()?,
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    Some(era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468)
}

/// One day's figures.
struct Day {
    date: String,
    offered: u64,
    answered: u64,
    abandoned: u64,
    answered_in_sl: u64,
    avg_wait_s: u64,
    max_wait_s: u64,
    avg_talk_s: u64,
    outbound: u64,
}

impl Day {
    fn of(day: i64, project: &str) -> Day {
        // A steady pseudo-random stream per (day, project): FNV-1a, then xorshift.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in day.to_le_bytes().iter().chain(project.as_bytes()) {
            h = (h ^ *b as u64).wrapping_mul(0x0100_0000_01b3);
        }
        let mut next = |n: u64| {
            h ^= h << 13;
            h ^= h >> 7;
            h ^= h << 17;
            h % n
        };
        let (y, m, d, _, _, _, wd) = civil((day.max(0) as u64) * 86_400);
        let weekend = wd == 0 || wd == 6;
        let offered = if weekend {
            120 + next(60)
        } else {
            380 + next(160)
        };
        let abandoned = offered * (3 + next(7)) / 100;
        let answered = offered - abandoned;
        let answered_in_sl = answered * (72 + next(22)) / 100;
        Day {
            date: format!("{y:04}-{m:02}-{d:02}"),
            offered,
            answered,
            abandoned,
            answered_in_sl,
            avg_wait_s: 8 + next(25),
            max_wait_s: 90 + next(400),
            avg_talk_s: 140 + next(120),
            outbound: if weekend { next(20) } else { 40 + next(80) },
        }
    }
}

fn pct(part: u64, whole: u64) -> String {
    if whole == 0 {
        "0.0".into()
    } else {
        format!("{:.1}", part as f64 * 100.0 / whole as f64)
    }
}

fn to_json(project: &str, rows: &[Day]) -> String {
    let items: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{{\"date\":\"{}\",\"offered\":{},\"answered\":{},\"abandoned\":{},\"abandon_rate\":{},\"service_level\":{},\"avg_wait_s\":{},\"max_wait_s\":{},\"avg_talk_s\":{},\"outbound_calls\":{}}}",
                r.date,
                r.offered,
                r.answered,
                r.abandoned,
                pct(r.abandoned, r.offered),
                pct(r.answered_in_sl, r.answered),
                r.avg_wait_s,
                r.max_wait_s,
                r.avg_talk_s,
                r.outbound
            )
        })
        .collect();
    let sum = |f: fn(&Day) -> u64| rows.iter().map(f).sum::<u64>();
    let (offered, answered, abandoned) = (
        sum(|r| r.offered),
        sum(|r| r.answered),
        sum(|r| r.abandoned),
    );
    format!(
        "{{\"project\":\"{}\",\"from\":\"{}\",\"until\":\"{}\",\"rows\":[{}],\"totals\":{{\"offered\":{offered},\"answered\":{answered},\"abandoned\":{abandoned},\"abandon_rate\":{},\"service_level\":{},\"outbound_calls\":{}}}}}",
        json_escape(project),
        rows.first().map(|r| r.date.as_str()).unwrap_or(""),
        rows.last().map(|r| r.date.as_str()).unwrap_or(""),
        items.join(","),
        pct(abandoned, offered),
        pct(sum(|r| r.answered_in_sl), answered),
        sum(|r| r.outbound),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(target: &str, auth: Option<&str>) -> Request {
        let mut head = format!("GET {target} HTTP/1.1\r\nHost: x");
        if let Some(a) = auth {
            head.push_str(&format!("\r\nAuthorization: Basic {a}"));
        }
        Request::parse(&head).unwrap()
    }

    // base64("demo:demo")
    const DEMO: &str = "ZGVtbzpkZW1v";

    #[test]
    fn rows_per_day_with_credentials_only() {
        let cfg = Config::default();
        let a = respond(
            &cfg,
            &req("/report?from=2026-11-21&until=2026-11-24", Some(DEMO)),
        );
        assert!(a.starts_with("HTTP/1.1 200 OK\r\n"), "{a}");
        let body = a.split("\r\n\r\n").nth(1).unwrap();
        assert_eq!(body.matches("\"date\"").count(), 3);
        assert!(body.contains("\"from\":\"2026-11-21\",\"until\":\"2026-11-23\""));
        // Same day, same figures.
        let again = respond(
            &cfg,
            &req("/report?from=2026-11-21&until=2026-11-24", Some(DEMO)),
        );
        assert_eq!(a, again);
        assert!(respond(&cfg, &req("/report", None)).starts_with("HTTP/1.1 401"));
        assert!(respond(&cfg, &req("/report", Some("ZGVtbzp4"))).starts_with("HTTP/1.1 401"));
        assert!(respond(&cfg, &req("/nope", Some(DEMO))).starts_with("HTTP/1.1 404"));
        assert!(respond(
            &cfg,
            &req("/report?from=2026-11-24&until=2026-11-21", Some(DEMO))
        )
        .starts_with("HTTP/1.1 400"));
        assert_eq!(day_of("1970-01-02"), Some(1));
        assert_eq!(day_of("2026-11-25T10:00:00Z"), Some(20_782));
    }

    #[test]
    fn failure_modes() {
        let cfg = |behaviour| Config {
            behaviour,
            ..Config::default()
        };
        let r = req("/report?from=2026-11-21&until=2026-11-22", Some(DEMO));
        assert!(respond(&cfg(Behaviour::Garbage), &r).ends_with("<html>Report engine error</html>"));
        assert!(respond(&cfg(Behaviour::Fail), &r).starts_with("HTTP/1.1 500"));
        let t = respond(&cfg(Behaviour::Text), &r);
        assert!(
            t.contains("text/csv") && t.contains("date,offered,answered,abandoned\r\n2026-11-21,")
        );
    }
}
