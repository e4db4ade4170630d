//! The windows limits are counted in: the calendar minute (UTC and every zone agree), and the day
//! and the month of the configured zone (`general.utc_offset`, minutes east of UTC). A window is
//! `[start, end)` in Unix ms; its start names it in storage.

use crate::platform::time::{civil_from_days, days_from_civil};

const MINUTE: i64 = 60_000;
const DAY: i64 = 86_400_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Span {
    Minute,
    Day,
    Month,
}

/// `[start, end)` of the `span` holding `now`, for a zone `offset` minutes east of UTC.
pub fn window(span: Span, now: i64, offset: i64) -> (i64, i64) {
    let off = offset * MINUTE;
    match span {
        Span::Minute => {
            let start = now.div_euclid(MINUTE) * MINUTE;
            (start, start + MINUTE)
        }
        Span::Day => {
            let day = (now + off).div_euclid(DAY);
            (day * DAY - off, (day + 1) * DAY - off)
        }
        Span::Month => {
            let day = (now + off).div_euclid(DAY);
            let (y, m, _) = civil_from_days(day);
            let (m, y) = (m as i64, y);
            let first = days_from_civil(y, m, 1);
            let next = if m == 12 {
                days_from_civil(y + 1, 1, 1)
            } else {
                days_from_civil(y, m + 1, 1)
            };
            (first * DAY - off, next * DAY - off)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::time::rfc3339;

    #[test]
    fn windows() {
        // 2026-12-31T21:30:15.5Z
        let t = 1_798_752_615_500;
        assert_eq!(rfc3339(t), "2026-12-31T21:30:15Z");
        let (s, e) = window(Span::Minute, t, 180);
        assert_eq!((rfc3339(s), e - s), ("2026-12-31T21:30:00Z".into(), 60_000));
        // UTC+3: already 2027-01-01 00:30 there.
        let (s, e) = window(Span::Day, t, 180);
        assert_eq!(rfc3339(s), "2026-12-31T21:00:00Z");
        assert_eq!(rfc3339(e), "2027-01-01T21:00:00Z");
        let (s, e) = window(Span::Month, t, 180);
        assert_eq!(rfc3339(s), "2026-12-31T21:00:00Z");
        assert_eq!(rfc3339(e), "2027-01-31T21:00:00Z");
        // UTC: still December.
        let (s, e) = window(Span::Month, t, 0);
        assert_eq!(rfc3339(s), "2026-12-01T00:00:00Z");
        assert_eq!(rfc3339(e), "2027-01-01T00:00:00Z");
        // February of a leap year.
        let (s, e) = window(Span::Month, 1_709_251_200_000 - 1, 0); // 2024-02-29T23:59:59.999Z
        assert_eq!(rfc3339(s), "2024-02-01T00:00:00Z");
        assert_eq!(rfc3339(e), "2024-03-01T00:00:00Z");
        // The end of a window is the next one's start.
        assert_eq!(window(Span::Day, e, 0).0, e);
    }
}
