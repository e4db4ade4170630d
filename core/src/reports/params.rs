//! The parameters every report takes: `from` and `until` (RFC 3339, or a plain date read in the
//! configured zone; `until` exclusive), `group_by`, `user` (an API user's login), `format=json|csv`
//! and `bom=true`. The counters are daily, so a range is widened to whole days of the configured
//! zone; the answer says which days it covers.

use serde::Serialize;

use crate::access::live::Snapshot;
use crate::dashboard::{Period, MAX_DAYS};
use crate::platform::time::{parse_input, rfc3339};

use super::ReportsError;

/// The query parameters a counter report takes.
pub const PARAMS: &[&str] = &["from", "until", "group_by", "user", "format", "bom"];

/// What a report's rows are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupBy {
    Day,
    User,
    Module,
    Method,
    Status,
    ErrorCode,
    Gateway,
}

impl GroupBy {
    pub const ALL: &'static [GroupBy] = &[
        GroupBy::Day,
        GroupBy::User,
        GroupBy::Module,
        GroupBy::Method,
        GroupBy::Status,
        GroupBy::ErrorCode,
        GroupBy::Gateway,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Day => "day",
            GroupBy::User => "user",
            GroupBy::Module => "module",
            GroupBy::Method => "method",
            GroupBy::Status => "status",
            GroupBy::ErrorCode => "error_code",
            GroupBy::Gateway => "gateway",
        }
    }

    fn parse(s: &str) -> Option<GroupBy> {
        GroupBy::ALL.iter().copied().find(|g| g.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    /// `bom`: start with a byte-order mark (Excel needs it to show Cyrillic).
    Csv {
        bom: bool,
    },
}

/// A validated report request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportQuery {
    /// Whole days of the configured zone, both ends included.
    pub period: Period,
    pub group_by: GroupBy,
    /// An API user's login.
    pub user: Option<String>,
    pub format: Format,
}

impl ReportQuery {
    /// Read the parameters (`param(name)` gives a non-empty value or `None`). `allowed` lists the
    /// groupings this report offers, the first being its default.
    pub fn parse<'a>(
        param: impl Fn(&str) -> Option<&'a str>,
        allowed: &[GroupBy],
        snap: &Snapshot,
        now_ms: i64,
    ) -> Result<ReportQuery, ReportsError> {
        let period = period(param("from"), param("until"), snap, now_ms)?;
        let group_by = match param("group_by") {
            None => allowed[0],
            Some(g) => GroupBy::parse(g)
                .filter(|g| allowed.contains(g))
                .ok_or_else(|| {
                    let names: Vec<&str> = allowed.iter().map(|g| g.as_str()).collect();
                    ReportsError::invalid("group_by", format!("one of {}", names.join(", ")))
                })?,
        };
        let format = match param("format") {
            None | Some("json") => Format::Json,
            Some("csv") => Format::Csv {
                bom: match param("bom") {
                    None | Some("false") => false,
                    Some("true") => true,
                    Some(_) => return Err(ReportsError::invalid("bom", "true or false")),
                },
            },
            Some(other) => {
                return Err(ReportsError::invalid(
                    "format",
                    format!("json or csv, not {other}"),
                ))
            }
        };
        Ok(ReportQuery {
            period,
            group_by,
            user: param("user").map(|u| u.trim().to_string()),
            format,
        })
    }
}

/// The whole days `[from, until)` cover in the configured zone. Without `until`: through today;
/// without `from`: the one day before `until`.
pub fn period(
    from: Option<&str>,
    until: Option<&str>,
    snap: &Snapshot,
    now_ms: i64,
) -> Result<Period, ReportsError> {
    let tz = snap.utc_offset_minutes;
    let time = |field: &'static str, v: &str| {
        parse_input(v, tz)
            .or_else(|| {
                // A `+hh:mm` offset sent unencoded arrives as ` hh:mm` (form decoding).
                let v = v.trim_start();
                let cut = v
                    .len()
                    .checked_sub(6)
                    .filter(|&i| v.as_bytes()[i] == b' ')?;
                parse_input(&format!("{}+{}", &v[..cut], &v[cut + 1..]), tz)
            })
            .ok_or_else(|| ReportsError::invalid(field, "expected RFC 3339 or YYYY-MM-DD"))
    };
    let from_ms = from.map(|v| time("from", v)).transpose()?;
    let until_ms = until.map(|v| time("until", v)).transpose()?;
    if let (Some(a), Some(b)) = (from_ms, until_ms) {
        if a >= b {
            return Err(ReportsError::InvalidRange(
                "from must be before until".into(),
            ));
        }
    }
    // `until` is exclusive: the last day is the one holding the millisecond before it.
    let to_day = match until_ms {
        Some(u) => snap.day_of(u - 1),
        None => snap.day_of(now_ms),
    };
    let from_day = match from_ms {
        Some(f) => snap.day_of(f),
        None => to_day,
    };
    if from_day > to_day {
        return Err(ReportsError::InvalidRange(
            "from must be before until".into(),
        ));
    }
    let days = to_day - from_day + 1;
    if days > MAX_DAYS {
        return Err(ReportsError::RangeTooLarge {
            days,
            max_days: MAX_DAYS,
        });
    }
    Ok(Period { from_day, to_day })
}

/// The range as answered: `from` and `until` (exclusive) in RFC 3339 UTC, the number of days and
/// the zone they are days of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ReportRange))]
pub struct Range {
    pub from: String,
    pub until: String,
    pub days: i64,
    pub utc_offset: String,
}

impl Range {
    pub fn of(period: &Period, snap: &Snapshot) -> Range {
        let tz = snap.utc_offset_minutes;
        let (from, until) = period.millis(tz);
        let sign = if tz < 0 { '-' } else { '+' };
        Range {
            from: rfc3339(from),
            until: rfc3339(until),
            days: period.days(),
            utc_offset: format!("{sign}{:02}:{:02}", tz.abs() / 60, tz.abs() % 60),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::time::date_of_day;

    fn snap() -> Snapshot {
        let mut s = Snapshot::default();
        s.utc_offset_minutes = 180;
        s
    }

    fn parse(q: &str, allowed: &[GroupBy]) -> Result<ReportQuery, ReportsError> {
        let pairs = crate::platform::form::form_pairs(q);
        let now = parse_input("2026-11-25T22:30:00Z", 0).unwrap(); // the 26th at +03:00
        ReportQuery::parse(
            |k| {
                pairs
                    .iter()
                    .find(|(n, _)| n == k)
                    .map(|(_, v)| v.as_str())
                    .filter(|v| !v.is_empty())
            },
            allowed,
            &snap(),
            now,
        )
    }

    fn dates(p: &Period) -> (String, String) {
        (date_of_day(p.from_day), date_of_day(p.to_day))
    }

    #[test]
    fn ranges_are_whole_days_of_the_zone() {
        let all = GroupBy::ALL;
        let q = parse("", all).unwrap();
        assert_eq!(dates(&q.period), ("2026-11-26".into(), "2026-11-26".into()));
        assert_eq!(
            (q.group_by, q.format, q.user),
            (GroupBy::Day, Format::Json, None)
        );
        // Plain dates: `until` exclusive.
        let q = parse("from=2026-11-01&until=2026-11-03", all).unwrap();
        assert_eq!(dates(&q.period), ("2026-11-01".into(), "2026-11-02".into()));
        // 20:59:59Z is 23:59:59 local (the 1st); 21:00Z is the 2nd.
        let q = parse("from=2026-11-01T20:59:59Z&until=2026-11-01T21:00:00Z", all).unwrap();
        assert_eq!(dates(&q.period), ("2026-11-01".into(), "2026-11-01".into()));
        let q = parse("from=2026-11-01T21:00:00Z&until=2026-11-01T21:00:01Z", all).unwrap();
        assert_eq!(dates(&q.period), ("2026-11-02".into(), "2026-11-02".into()));
        // An offset's `+` encoded, or sent bare (decoded as a space).
        let q = parse(
            "from=2026-11-02T00:00:00%2B03:00&until=2026-11-02T00:00:01+03:00",
            all,
        )
        .unwrap();
        assert_eq!(dates(&q.period), ("2026-11-02".into(), "2026-11-02".into()));
        let q = parse("until=2026-11-10", all).unwrap();
        assert_eq!(dates(&q.period), ("2026-11-09".into(), "2026-11-09".into()));
        let q = parse("from=2026-01-01", all).unwrap();
        assert_eq!(q.period.days(), 330);
        let q = parse("from=2025-11-26&until=2026-11-27", all).unwrap();
        assert_eq!(q.period.days(), 366);
        let (from, until) = q.period.millis(180);
        assert_eq!(rfc3339(from), "2025-11-25T21:00:00Z");
        assert_eq!(rfc3339(until), "2026-11-26T21:00:00Z");
    }

    #[test]
    fn bad_ranges_and_parameters() {
        let all = GroupBy::ALL;
        let code = |q: &str, allowed: &[GroupBy]| {
            use crate::platform::error::PublicError;
            let e = parse(q, allowed).unwrap_err();
            (e.code().as_str(), e.field().map(String::from))
        };
        assert_eq!(
            code("from=2026-11-03&until=2026-11-01", all),
            ("invalid_range", None)
        );
        assert_eq!(
            code("from=2026-11-03&until=2026-11-03", all),
            ("invalid_range", None)
        );
        assert_eq!(code("from=2026-12-01", all), ("invalid_range", None));
        assert_eq!(
            code("from=2025-11-25&until=2026-11-27", all),
            ("range_too_large", Some("until".into()))
        );
        assert_eq!(
            code("from=25.11.2026", all),
            ("invalid_parameter", Some("from".into()))
        );
        assert_eq!(
            code("group_by=weekday", all),
            ("invalid_parameter", Some("group_by".into()))
        );
        assert_eq!(
            code("group_by=gateway", &[GroupBy::Day, GroupBy::User]),
            ("invalid_parameter", Some("group_by".into()))
        );
        assert_eq!(
            code("format=xml", all),
            ("invalid_parameter", Some("format".into()))
        );
        assert_eq!(
            code("format=csv&bom=yes", all),
            ("invalid_parameter", Some("bom".into()))
        );
        let q = parse("group_by=error_code&user=crm&format=csv&bom=true", all).unwrap();
        assert_eq!(q.group_by, GroupBy::ErrorCode);
        assert_eq!(q.user.as_deref(), Some("crm"));
        assert_eq!(q.format, Format::Csv { bom: true });
        let q = parse("", &[GroupBy::User]).unwrap();
        assert_eq!(q.group_by, GroupBy::User);
    }
}
