//! Dates and times as the panel shows them. Server functions send instants as Unix milliseconds;
//! every page turns them into text with [`format_time`] (through [`use_time`]) in the configured
//! zone (`general.utc_offset`) and the page's language — `02.12.2026 07:58:38` in Russian,
//! `Dec 2, 2026, 07:58:38` in English. The zone is named once, in the layout's footer
//! ([`zone_label`]). The REST API keeps RFC 3339 UTC; only the panel reads this module.
//!
//! The zone is the server's: rendered into `<body data-utc-offset>` by the shell and read from
//! there by the browser bundle, so both builds format alike (no time-zone database: the setting
//! is a fixed offset).

use leptos::prelude::*;

use crate::i18n::{use_lang, Lang};

/// The attribute of `<body>` that carries the zone (minutes east of UTC) to the browser (written
/// by `crate::shell`).
pub const BODY_ATTR: &str = "data-utc-offset";

/// The configured zone, in minutes east of UTC, provided by `App`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Zone(pub i64);

/// Days since 1970-01-01 of a `YYYY-MM-DD` date.
pub fn day_number(date: &str) -> Option<i64> {
    let b = date.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d): (i64, i64, i64) = (
        date[..4].parse().ok()?,
        date[5..7].parse().ok()?,
        date[8..].parse().ok()?,
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// `YYYY-MM-DD` of a day number (the inverse of [`day_number`]).
pub fn date_of(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

fn civil_from_days(day: i64) -> (i64, i64, i64) {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The instant `ms` (Unix milliseconds) in the zone `offset` minutes east of UTC, to the second:
/// `02.12.2026 07:58:38` (Russian) or `Dec 2, 2026, 07:58:38` (English).
pub fn format_time(ms: i64, offset: i64, lang: Lang) -> String {
    let secs = ms.div_euclid(1000) + offset * 60;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    let (h, mi, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    match lang {
        Lang::Ru => format!("{d:02}.{m:02}.{y:04} {h:02}:{mi:02}:{s:02}"),
        Lang::En => format!(
            "{} {d}, {y:04}, {h:02}:{mi:02}:{s:02}",
            MONTHS[(m - 1) as usize]
        ),
    }
}

/// The time of day of `ms` in the zone `offset` minutes east of UTC: `07:58:38` (both languages;
/// for a page that shows only today, such as the wall board's "as of").
pub fn format_clock(ms: i64, offset: i64) -> String {
    let rem = (ms.div_euclid(1000) + offset * 60).rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// The zone as people name it: `UTC+03:00`, `UTC−05:30`, `UTC`.
pub fn zone_label(offset: i64) -> String {
    if offset == 0 {
        return "UTC".into();
    }
    let sign = if offset < 0 { '-' } else { '+' };
    let a = offset.abs();
    format!("UTC{sign}{:02}:{:02}", a / 60, a % 60)
}

/// An RFC 3339 time (`2026-11-26T10:05:07Z`, `…+03:00`, optional fraction) as Unix milliseconds;
/// for times that reach the panel as text (a report's `last_request_at`).
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || !matches!(b[10], b'T' | b't') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let day = day_number(&s[..10])?;
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut i = 19;
    let mut ms = 0;
    if b[i] == b'.' {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let frac = s.get(start..i.min(start + 3)).filter(|f| !f.is_empty())?;
        ms = frac.parse::<i64>().ok()? * 10_i64.pow(3 - frac.len() as u32);
    }
    let offset = match s.get(i..)? {
        "Z" | "z" => 0,
        r if r.len() == 6 && r.as_bytes()[3] == b':' => {
            let sign = match r.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            sign * (num(i + 1..i + 3)? * 60 + num(i + 4..i + 6)?)
        }
        _ => return None,
    };
    Some((day * 86_400 + h * 3600 + mi * 60 + se - offset * 60) * 1000 + ms)
}

/// The zone this render uses: the live settings' on the server, `<body data-utc-offset>` in the
/// browser.
pub fn initial_zone() -> Zone {
    #[cfg(feature = "ssr")]
    {
        Zone(
            use_context::<crate::ssr::AppState>()
                .map(|s| s.live.current().utc_offset_minutes)
                .unwrap_or_default(),
        )
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        Zone(
            document()
                .body()
                .and_then(|b| b.get_attribute(BODY_ATTR))
                .and_then(|v| v.parse().ok())
                .unwrap_or_default(),
        )
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        Zone::default()
    }
}

/// The zone provided by `App` (UTC where none is, as in unit tests).
pub fn use_zone() -> Zone {
    use_context::<Zone>().unwrap_or_default()
}

/// The page's one time formatter: an instant in Unix ms as text in the configured zone and the
/// current language (reactive on the language).
pub fn use_time() -> impl Fn(i64) -> String + Copy + Send + Sync + 'static {
    let lang = use_lang();
    let Zone(offset) = use_zone();
    move |ms| format_time(ms, offset, lang.get())
}

/// [`format_clock`] in the configured zone.
pub fn use_clock() -> impl Fn(i64) -> String + Copy + Send + Sync + 'static {
    let Zone(offset) = use_zone();
    move |ms| format_clock(ms, offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_796_187_518_000; // 2026-12-02T04:58:38Z

    #[test]
    fn moscow_time_in_both_languages() {
        assert_eq!(format_time(T, 180, Lang::Ru), "02.12.2026 07:58:38");
        assert_eq!(format_time(T, 180, Lang::En), "Dec 2, 2026, 07:58:38");
        assert_eq!(format_time(T + 999, 0, Lang::Ru), "02.12.2026 04:58:38");
    }

    #[test]
    fn clock_in_the_configured_zone() {
        assert_eq!(format_clock(T, 180), "07:58:38");
        let t = parse_rfc3339("2026-12-02T01:00:00Z").unwrap();
        assert_eq!(format_clock(t, -120), "23:00:00");
        assert_eq!(format_clock(t + 999, 0), "01:00:00");
    }

    #[test]
    fn the_offset_moves_the_date_across_midnight_and_years() {
        // 2026-12-31T22:30:00Z is already the new year in Moscow, still the old one in New York.
        let t = parse_rfc3339("2026-12-31T22:30:00Z").unwrap();
        assert_eq!(format_time(t, 180, Lang::Ru), "01.01.2027 01:30:00");
        assert_eq!(format_time(t, -300, Lang::En), "Dec 31, 2026, 17:30:00");
        assert_eq!(format_time(t, 330, Lang::Ru), "01.01.2027 04:00:00");
        // Before the epoch, and a leap day.
        assert_eq!(format_time(-1000, 0, Lang::Ru), "31.12.1969 23:59:59");
        let leap = parse_rfc3339("2024-02-29T23:59:59+03:00").unwrap();
        assert_eq!(format_time(leap, 180, Lang::En), "Feb 29, 2024, 23:59:59");
        assert_eq!(format_time(leap, 0, Lang::Ru), "29.02.2024 20:59:59");
    }

    #[test]
    fn rfc3339_reads_what_the_core_writes() {
        assert_eq!(parse_rfc3339("2026-12-02T04:58:38Z"), Some(T));
        assert_eq!(parse_rfc3339("2026-12-02T07:58:38+03:00"), Some(T));
        assert_eq!(parse_rfc3339("2026-12-02T04:58:38.25Z"), Some(T + 250));
        assert_eq!(parse_rfc3339("2026-12-01T23:58:38-05:00"), Some(T));
        for bad in [
            "2026-12-02",
            "2026-12-02 04:58:38",
            "2026-12-02T04:58:38",
            "02.12.2026",
            "",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn zones_are_named_with_sign_and_minutes() {
        assert_eq!(zone_label(180), "UTC+03:00");
        assert_eq!(zone_label(-330), "UTC-05:30");
        assert_eq!(zone_label(0), "UTC");
    }

    #[test]
    fn day_numbers_round_trip() {
        assert_eq!(day_number("1970-01-01"), Some(0));
        assert_eq!(day_number("2026-11-26"), Some(20_783));
        assert_eq!(
            day_number("2024-03-01").unwrap() - day_number("2024-02-28").unwrap(),
            2
        );
        assert_eq!(day_number("2026-13-01"), None);
        assert_eq!(day_number("26.11.2026"), None);
        for d in [-1, 0, 59, 11_016, 20_783, 20_820] {
            assert_eq!(day_number(&date_of(d)), Some(d), "{d}");
        }
        assert_eq!(date_of(20_783), "2026-11-26");
        assert_eq!(date_of(11_016), "2000-02-29");
    }
}
