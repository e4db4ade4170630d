//! mod_callcenter's pipe tables. Parse by header name, never by position: columns differ between
//! FreeSWITCH versions (`system` vs `instance_id`, columns added by `ALTER TABLE`). An empty
//! SQL-backed list is just `+OK`; `queue list` always prints its header. NULL is an empty field
//! over ESL and `(null)` over HTTP: both become empty strings.

use std::collections::BTreeMap;

pub type Row = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    #[error("the table does not end with +OK")]
    NoOk,
    #[error("row {row} has {got} fields, the header {want}")]
    Ragged { row: usize, got: usize, want: usize },
}

pub fn parse(text: &str) -> Result<Vec<Row>, TableError> {
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    let Some(ok_at) = lines.iter().rposition(|l| l.trim() == "+OK") else {
        return Err(TableError::NoOk);
    };
    let body: Vec<&str> = lines[..ok_at]
        .iter()
        .copied()
        .filter(|l| !l.is_empty())
        .collect();
    let Some((header, rows)) = body.split_first() else {
        return Ok(Vec::new());
    };
    let cols: Vec<&str> = header.split('|').collect();
    let mut out = Vec::with_capacity(rows.len());
    for (i, line) in rows.iter().enumerate() {
        let fields: Vec<&str> = line.split('|').collect();
        if fields.len() != cols.len() {
            return Err(TableError::Ragged {
                row: i + 1,
                got: fields.len(),
                want: cols.len(),
            });
        }
        out.push(
            cols.iter()
                .zip(fields)
                .map(|(c, f)| {
                    let v = if f == "(null)" { "" } else { f };
                    (c.to_string(), v.to_string())
                })
                .collect(),
        );
    }
    Ok(out)
}

/// A column that was renamed between versions: the first present of `names`.
pub fn get<'a>(row: &'a Row, names: &[&str]) -> &'a str {
    names
        .iter()
        .find_map(|n| row.get(*n))
        .map(String::as_str)
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::freeswitch::frame::FrameParser;

    fn esl_body(name: &str) -> String {
        let p = format!(
            "{}/../testdata/freeswitch/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let mut fp = FrameParser::new();
        fp.feed(&std::fs::read(&p).unwrap());
        fp.next_frame().unwrap().unwrap().body_text()
    }

    fn http_body(name: &str) -> String {
        let p = format!(
            "{}/../testdata/freeswitch/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let s = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
        s[s.find("\r\n\r\n").unwrap() + 4..].to_string()
    }

    #[test]
    fn queue_list_with_and_without_queues() {
        assert!(parse(&esl_body("esl_cc_03_queue_list_0_queues.raw"))
            .unwrap()
            .is_empty());
        let q = parse(&esl_body("esl_cc_10_queue_list_2_queues.raw")).unwrap();
        assert_eq!(q.len(), 2);
        let support = q.iter().find(|r| r["name"] == "support@default").unwrap();
        assert_eq!(support["strategy"], "longest-idle-agent");
        assert_eq!(support["record_template"], "");
        assert_eq!(
            support["moh_sound"],
            "tone_stream://%(1000,4000,440);loops=-1"
        );
    }

    #[test]
    fn empty_sql_lists_are_just_ok() {
        for name in [
            "esl_cc_05_agent_list_empty.raw",
            "esl_cc_06_tier_list_empty.raw",
            "esl_cc_13_queue_list_members_support_empty.raw",
        ] {
            assert!(parse(&esl_body(name)).unwrap().is_empty(), "{name}");
        }
    }

    #[test]
    fn agents_and_tiers() {
        let a = parse(&esl_body("esl_cc_28_agent_list.raw")).unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(a[1]["status"], "On Break");
        assert_eq!(get(&a[0], &["instance_id", "system"]), "single_box");
        assert_eq!(a[0]["contact"], "{leg_timeout=10}loopback/1000/default");
        let t = parse(&esl_body("esl_cc_30_tier_list.raw")).unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!(t[2]["level"], "2");
        let t = parse(&esl_body("esl_cc_31_queue_list_tiers_support.raw")).unwrap();
        assert!(t.iter().all(|r| r["queue"] == "support@default"));
    }

    #[test]
    fn http_null_is_empty() {
        let a = parse(&http_body("http_07_txtapi_cc_agent_list.raw")).unwrap();
        assert!(!a.is_empty());
        for r in &a {
            assert_ne!(r["uuid"], "(null)");
        }
        let q = parse(&http_body("http_04_txtapi_cc_queue_list.raw")).unwrap();
        assert!(q.iter().all(|r| r["record_template"] != "(null)"));
    }

    #[test]
    fn old_column_names_still_read() {
        let old = "name|system|uuid|status\n1015|single_box||Available\n+OK\n";
        let rows = parse(old).unwrap();
        assert_eq!(get(&rows[0], &["instance_id", "system"]), "single_box");
    }

    #[test]
    fn broken_tables_are_errors() {
        assert_eq!(parse("-ERR Invalid!\n"), Err(TableError::NoOk));
        assert!(matches!(
            parse("a|b\n1|2|3\n+OK\n"),
            Err(TableError::Ragged { .. })
        ));
    }
}
