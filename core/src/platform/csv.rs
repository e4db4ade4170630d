//! CSV as the reports write it: a header row, CRLF lines, fields quoted when they hold a comma,
//! a quote or a line break, and an optional UTF-8 byte-order mark (for Excel).

/// A CSV document being written.
pub struct Csv {
    out: String,
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
            let cell = cell.as_ref();
            if cell.contains([',', '"', '\n', '\r']) {
                self.out.push('"');
                self.out.push_str(&cell.replace('"', "\"\""));
                self.out.push('"');
            } else {
                self.out.push_str(cell);
            }
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
}
