//! CSV as every export writes it (reports, `cc/cdr?format=csv`, the panel's downloads): a header
//! row, CRLF lines, fields quoted when they hold a comma, a quote or a line break, and an optional
//! UTF-8 byte-order mark (for Excel).
//!
//! Invariant: no cell can run as a spreadsheet formula. A text cell that starts with `=`, `+`,
//! `-`, `@`, a tab or a carriage return — and is not simply a number such as `-5` or a phone such
//! as `+79161234567` — is written with a leading `'` (the OWASP advice for CSV injection), so
//! `=1+2*3` from a caller-controlled name shows as text in Excel and LibreOffice.

use std::borrow::Cow;

/// A CSV document being written.
pub struct Csv {
    out: String,
}

/// Digits with an optional sign and fraction: a cell no spreadsheet reads as a formula.
fn is_plain_number(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (int, frac) = s.split_once('.').unwrap_or((s, "0"));
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// One text cell as it goes into the file: neutralised if it could start a formula, quoted if it
/// holds a separator, a quote or a line break.
pub fn field(cell: &str) -> Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']) && !is_plain_number(cell);
    let cell: Cow<str> = if risky {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    };
    if cell.contains([',', '"', '\n', '\r']) {
        Cow::Owned(format!("\"{}\"", cell.replace('"', "\"\"")))
    } else {
        cell
    }
}

impl Csv {
    pub fn new(header: &[&str], bom: bool) -> Csv {
        let mut c = Csv { out: String::new() };
        if bom {
            c.out.push('\u{feff}');
        }
        c.row(header.iter().copied());
        c
    }

    pub fn row<S: AsRef<str>>(&mut self, cells: impl IntoIterator<Item = S>) {
        let mut first = true;
        for cell in cells {
            if !first {
                self.out.push(',');
            }
            first = false;
            self.out.push_str(&field(cell.as_ref()));
        }
        self.out.push_str("\r\n");
    }

    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_needs_it() {
        let mut c = Csv::new(&["key", "n"], true);
        c.row(["a,b", "1"]);
        c.row(["say \"hi\"", "2"]);
        c.row(["Иван", "3"]);
        assert_eq!(
            c.finish(),
            "\u{feff}key,n\r\n\"a,b\",1\r\n\"say \"\"hi\"\"\",2\r\nИван,3\r\n"
        );
        assert_eq!(Csv::new(&["x"], false).finish(), "x\r\n");
    }

    #[test]
    fn no_cell_runs_as_a_formula() {
        assert_eq!(field("=1+2*3"), "'=1+2*3");
        assert_eq!(field("@SUM(A1:A9)"), "'@SUM(A1:A9)");
        assert_eq!(field("+1+cmd|' /C calc'!A0"), "'+1+cmd|' /C calc'!A0");
        assert_eq!(field("-2+3"), "'-2+3");
        assert_eq!(field("\tx"), "'\tx");
        assert_eq!(field("\r=1"), "\"'\r=1\"");
        assert_eq!(
            field("=HYPERLINK(\"http://x\",\"a,b\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"a,b\"\")\""
        );
        // Numbers and phone numbers stay as they are.
        for plain in ["-5", "+79161234567", "-0.25", "42", "", "Иван", "a=b"] {
            assert_eq!(field(plain), plain);
        }
        assert_eq!(field("-"), "'-");
        assert_eq!(field("+7 916"), "'+7 916");
    }
}
