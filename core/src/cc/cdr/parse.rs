//! Call detail records as FreeSWITCH writes them: mod_xml_cdr `*.cdr.xml`, mod_json_cdr
//! `*.cdr.json` (variable values URL-encoded in both) and mod_cdr_csv `Master.csv` rows (default
//! template). Each parses into one [`Cdr`] with the fields the API filters on plus every variable.
//! Malformed input is an error, never a panic.

use std::collections::BTreeMap;

use crate::cc::cdr::Row;
use crate::freeswitch::encode::percent_decode;

/// One parsed CDR: the indexed columns, the queue-leg fields and every channel variable (decoded;
/// empty for CSV rows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cdr {
    pub row: Row,
    pub queue_leg: QueueLeg,
    pub variables: BTreeMap<String, String>,
}

/// What mod_callcenter left on a leg of a queue call (`cc_side`, `cc_cause`, `cc_cancel_reason`,
/// `cc_queue_joined_epoch`, `cc_queue_answered_epoch`, `cc_queue_canceled_epoch`; the epochs are
/// whole seconds, kept as milliseconds). Indexed in their own `cdr` columns (not part of the
/// `cc/cdr` answer) for the online statistics. Empty for a call that never met a queue, and for
/// CSV rows, whose template carries no `cc_*` variables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueLeg {
    /// `member` (the caller's leg) or `agent`.
    pub side: String,
    /// `answered` or `cancel` on a member leg.
    pub cause: String,
    /// `TIMEOUT`, `NO_AGENT_TIMEOUT`, `BREAK_OUT` or `EXIT_WITH_KEY` when `cause` is `cancel`.
    pub cancel_reason: String,
    pub joined_ms: Option<i64>,
    pub answered_ms: Option<i64>,
    pub canceled_ms: Option<i64>,
}

impl QueueLeg {
    /// The `cdr` columns, in the order [`QueueLeg::bind_to`] binds them.
    pub const COLUMNS: &'static [&'static str] = &[
        "cc_side",
        "cc_cause",
        "cc_cancel_reason",
        "cc_queue_joined_ms",
        "cc_queue_answered_ms",
        "cc_queue_canceled_ms",
    ];

    /// Read from decoded channel variables.
    pub fn from_variables(vars: &BTreeMap<String, String>) -> QueueLeg {
        let g = |k: &str| {
            vars.get(k)
                .map(|v| v.trim().to_string())
                .unwrap_or_default()
        };
        let epoch = |k: &str| {
            vars.get(k)
                .and_then(|v| v.trim().parse::<i64>().ok())
                .filter(|&s| s > 0)
                .map(|s| s * 1000)
        };
        QueueLeg {
            side: g("cc_side"),
            cause: g("cc_cause"),
            cancel_reason: g("cc_cancel_reason"),
            joined_ms: epoch("cc_queue_joined_epoch"),
            answered_ms: epoch("cc_queue_answered_epoch"),
            canceled_ms: epoch("cc_queue_canceled_epoch"),
        }
    }

    /// Bind the columns' values, in [`QueueLeg::COLUMNS`] order.
    pub fn bind_to<'q>(
        &'q self,
        q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        q.bind(&self.side)
            .bind(&self.cause)
            .bind(&self.cancel_reason)
            .bind(self.joined_ms)
            .bind(self.answered_ms)
            .bind(self.canceled_ms)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CdrError {
    #[error("malformed CDR: {0}")]
    Malformed(String),
    #[error("the CDR has no uuid")]
    NoUuid,
}

fn epoch_ms(v: &BTreeMap<String, String>, sec: &str, usec: &str) -> Option<i64> {
    if let Some(u) = v
        .get(usec)
        .and_then(|x| x.parse::<i64>().ok())
        .filter(|&u| u > 0)
    {
        return Some(u / 1000);
    }
    v.get(sec)
        .and_then(|x| x.parse::<i64>().ok())
        .filter(|&s| s > 0)
        .map(|s| s * 1000)
}

/// Build a [`Cdr`] from decoded channel variables.
pub fn from_variables(vars: BTreeMap<String, String>) -> Result<Cdr, CdrError> {
    let g = |k: &str| vars.get(k).cloned().unwrap_or_default();
    let uuid = g("uuid");
    if uuid.is_empty() {
        return Err(CdrError::NoUuid);
    }
    let num = |k: &str| vars.get(k).and_then(|x| x.parse::<i64>().ok()).unwrap_or(0);
    let start_ms = epoch_ms(&vars, "start_epoch", "start_uepoch").unwrap_or(0);
    let row = Row {
        uuid,
        direction: g("direction"),
        caller_id_name: g("caller_id_name"),
        caller_id_number: g("caller_id_number"),
        destination_number: g("destination_number"),
        start_ms,
        answer_ms: epoch_ms(&vars, "answer_epoch", "answer_uepoch"),
        end_ms: epoch_ms(&vars, "end_epoch", "end_uepoch").unwrap_or(start_ms),
        duration: num("duration"),
        billsec: num("billsec"),
        hangup_cause: g("hangup_cause"),
        queue: g("cc_queue"),
    };
    Ok(Cdr {
        row,
        queue_leg: QueueLeg::from_variables(&vars),
        variables: vars,
    })
}

/// mod_json_cdr: `{"variables": {name: urlencoded value, …}, …}`.
pub fn parse_json(text: &str) -> Result<Cdr, CdrError> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| CdrError::Malformed(e.to_string()))?;
    let obj = v
        .get("variables")
        .and_then(|x| x.as_object())
        .ok_or_else(|| CdrError::Malformed("no variables object".into()))?;
    let vars = obj
        .iter()
        .map(|(k, v)| {
            let s = match v {
                serde_json::Value::String(s) => percent_decode(s),
                other => other.to_string(),
            };
            (k.clone(), s)
        })
        .collect::<BTreeMap<String, String>>();
    let mut vars = vars;
    // Unanswered calls may lack some variables; the first caller profile has them.
    if let Some(profile) = v
        .pointer("/callflow/0/caller_profile")
        .and_then(|p| p.as_object())
    {
        for k in PROFILE_FIELDS {
            if let Some(val) = profile.get(*k).and_then(|x| x.as_str()) {
                vars.entry(k.to_string())
                    .or_insert_with(|| percent_decode(val));
            }
        }
    }
    from_variables(vars)
}

/// Fields taken from the first caller profile when the variables lack them.
const PROFILE_FIELDS: &[&str] = &["destination_number", "caller_id_number", "caller_id_name"];

/// mod_xml_cdr: the children of `<cdr><variables>`, values URL-encoded.
pub fn parse_xml(text: &str) -> Result<Cdr, CdrError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut path: Vec<String> = Vec::new();
    let mut vars = BTreeMap::new();
    let mut current: Option<(String, String)> = None;
    let mut profile: BTreeMap<String, String> = BTreeMap::new();
    let mut in_profile: Option<(String, String)> = None;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                if path.len() == 2 && path[0] == "cdr" && path[1] == "variables" {
                    current = Some((name.clone(), String::new()));
                }
                if path.len() == 3
                    && path[1] == "callflow"
                    && path[2] == "caller_profile"
                    && PROFILE_FIELDS.contains(&name.as_str())
                {
                    in_profile = Some((name.clone(), String::new()));
                }
                path.push(name);
            }
            Ok(Event::Empty(e)) => {
                if path.len() == 2 && path[0] == "cdr" && path[1] == "variables" {
                    vars.insert(
                        String::from_utf8_lossy(e.name().as_ref()).into_owned(),
                        String::new(),
                    );
                }
            }
            Ok(Event::Text(t)) => {
                if let Some((_, value)) = current.as_mut().or(in_profile.as_mut()) {
                    let raw = t
                        .unescape()
                        .map_err(|e| CdrError::Malformed(e.to_string()))?;
                    value.push_str(&raw);
                }
            }
            Ok(Event::End(_)) => {
                if path.len() == 3 {
                    if let Some((k, v)) = current.take() {
                        vars.insert(k, percent_decode(&v));
                    }
                }
                if path.len() == 4 {
                    if let Some((k, v)) = in_profile.take() {
                        profile.entry(k).or_insert_with(|| percent_decode(&v));
                    }
                }
                if path.pop().is_none() {
                    return Err(CdrError::Malformed("unbalanced tags".into()));
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(CdrError::Malformed(e.to_string())),
        }
    }
    if !path.is_empty() {
        return Err(CdrError::Malformed("truncated document".into()));
    }
    for (k, v) in profile {
        vars.entry(k).or_insert(v);
    }
    from_variables(vars)
}

/// Split one CSV line (double-quoted fields, `""` for a quote).
pub fn split_csv(line: &str) -> Result<Vec<String>, CdrError> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut chars = line.trim_end_matches(['\r', '\n']).chars().peekable();
    let mut quoted = false;
    let mut started = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (false, '"') if !started => {
                quoted = true;
                started = true;
            }
            (true, '"') => {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            }
            (false, ',') => {
                out.push(std::mem::take(&mut field));
                started = false;
            }
            (_, c) => {
                field.push(c);
                started = true;
            }
        }
    }
    if quoted {
        return Err(CdrError::Malformed("unterminated quote".into()));
    }
    out.push(field);
    Ok(out)
}

/// A `Master.csv` row in mod_cdr_csv's default template: caller_id_name, caller_id_number,
/// destination_number, context, start_stamp, answer_stamp, end_stamp, duration, billsec,
/// hangup_cause, uuid, bleg_uuid, accountcode, read_codec, write_codec. Stamps are FreeSWITCH's
/// local time; `utc_offset_minutes` says which.
pub fn parse_csv_row(line: &str, utc_offset_minutes: i64) -> Result<Cdr, CdrError> {
    let f = split_csv(line)?;
    if f.len() < 11 {
        return Err(CdrError::Malformed(format!(
            "{} fields, expected 15",
            f.len()
        )));
    }
    let stamp = |s: &str| -> Option<i64> {
        if s.is_empty() {
            return None;
        }
        let iso = format!("{}T{}Z", &s.get(..10)?, s.get(11..19)?);
        crate::platform::time::parse_input(&iso, 0).map(|ms| ms - utc_offset_minutes * 60_000)
    };
    if f[10].is_empty() {
        return Err(CdrError::NoUuid);
    }
    let start_ms =
        stamp(&f[4]).ok_or_else(|| CdrError::Malformed(format!("start_stamp {:?}", f[4])))?;
    let row = Row {
        uuid: f[10].clone(),
        caller_id_name: f[0].clone(),
        caller_id_number: f[1].clone(),
        destination_number: f[2].clone(),
        start_ms,
        answer_ms: stamp(&f[5]),
        end_ms: stamp(&f[6]).unwrap_or(start_ms),
        duration: f[7].parse().unwrap_or(0),
        billsec: f[8].parse().unwrap_or(0),
        hangup_cause: f[9].clone(),
        ..Row::default()
    };
    Ok(Cdr {
        row,
        queue_leg: QueueLeg::default(),
        variables: BTreeMap::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cap(rel: &str) -> String {
        let p = format!(
            "{}/../testdata/freeswitch/cdr/{rel}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
    }

    fn files(dir: &str) -> Vec<String> {
        let p = format!(
            "{}/../testdata/freeswitch/cdr/{dir}",
            env!("CARGO_MANIFEST_DIR")
        );
        let mut v: Vec<String> = std::fs::read_dir(&p)
            .unwrap_or_else(|e| panic!("{p}: {e}"))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn xml_and_json_of_the_same_call_agree() {
        let xml = files("xml_cdr");
        assert_eq!(xml.len(), 5);
        for name in xml {
            let x = parse_xml(&cap(&format!("xml_cdr/{name}"))).unwrap();
            let j =
                parse_json(&cap(&format!("json_cdr/{}", name.replace(".xml", ".json")))).unwrap();
            assert!(name.contains(&x.row.uuid), "{name}: {}", x.row.uuid);
            assert_eq!(x.row.uuid, j.row.uuid);
            assert_eq!(
                (x.row.start_ms, x.row.answer_ms, x.row.end_ms),
                (j.row.start_ms, j.row.answer_ms, j.row.end_ms),
                "{name}"
            );
            assert_eq!(
                (x.row.billsec, &x.row.hangup_cause),
                (j.row.billsec, &j.row.hangup_cause),
                "{name}"
            );
            assert_eq!(x.row.destination_number, j.row.destination_number);
            assert!(x.row.start_ms > 1_700_000_000_000);
        }
    }

    #[test]
    fn unanswered_calls_have_no_answer_time() {
        let c = parse_json(&cap(
            "json_cdr/a_724f4811-47fc-4690-b0ad-d2eb3bd54c38.cdr.json",
        ))
        .unwrap();
        assert_eq!(c.row.hangup_cause, "NO_ROUTE_DESTINATION");
        assert_eq!(c.row.answer_ms, None);
        assert_eq!(c.row.billsec, 0);
        assert_eq!(c.row.destination_number, "nosuchdest");
    }

    #[test]
    fn values_are_url_decoded() {
        let c = parse_json(&cap(
            "json_cdr/df1a03db-968a-48ec-be24-20935f7c40a3.cdr.json",
        ))
        .unwrap();
        assert_eq!(c.variables["originator_codec"], "L16@8000h@20i");
        let x = parse_xml(&cap("xml_cdr/df1a03db-968a-48ec-be24-20935f7c40a3.cdr.xml")).unwrap();
        assert_eq!(x.variables["originator_codec"], "L16@8000h@20i");
    }

    #[test]
    fn csv_rows_match_the_json_of_the_same_call() {
        let text = cap("cdr-csv/Master.csv");
        let mut n = 0;
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let csv = parse_csv_row(line, 0).unwrap();
            n += 1;
            let json_name = files("json_cdr")
                .into_iter()
                .find(|f| f.contains(&csv.row.uuid));
            if let Some(j) = json_name {
                let j = parse_json(&cap(&format!("json_cdr/{j}"))).unwrap();
                // CSV stamps have whole seconds.
                assert_eq!(
                    csv.row.start_ms / 1000,
                    j.row.start_ms / 1000,
                    "{}",
                    csv.row.uuid
                );
                assert_eq!(csv.row.hangup_cause, j.row.hangup_cause);
                assert_eq!(csv.row.billsec, j.row.billsec);
            }
        }
        assert!(n >= 3);
    }

    fn outcome(name: &str) -> String {
        let p = format!(
            "{}/../testdata/freeswitch/cc-outcomes/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
    }

    #[test]
    fn member_legs_of_queue_calls_carry_their_outcome() {
        const ANSWERED: &str = "3d69c3fb-8084-4779-abec-2327d2b83e9e";
        const ABANDONED: &str = "aaaaaaaa-bbbb-4ccc-8ddd-001796188092";
        for (uuid, ext) in [
            (ANSWERED, "json"),
            (ANSWERED, "xml"),
            (ABANDONED, "json"),
            (ABANDONED, "xml"),
        ] {
            let text = outcome(&format!("{uuid}.cdr.{ext}"));
            let c = if ext == "xml" {
                parse_xml(&text)
            } else {
                parse_json(&text)
            }
            .unwrap();
            assert_eq!(c.row.queue, "support@default", "{uuid}.{ext}");
            let q = &c.queue_leg;
            assert_eq!(q.side, "member", "{uuid}.{ext}");
            if uuid == ANSWERED {
                assert_eq!(q.cause, "answered");
                assert_eq!(q.cancel_reason, "");
                assert_eq!(q.joined_ms, Some(1_796_187_879_000));
                assert_eq!(q.answered_ms, Some(1_796_187_880_000));
                assert_eq!(q.canceled_ms, None);
                // Talk time: from the agent's answer to the end of the member leg.
                assert_eq!(c.row.end_ms, 1_796_187_885_992);
            } else {
                assert_eq!(q.cause, "cancel");
                assert_eq!(q.cancel_reason, "BREAK_OUT");
                assert_eq!(q.joined_ms, Some(1_796_188_092_000));
                assert_eq!(q.answered_ms, None);
                assert_eq!(q.canceled_ms, Some(1_796_188_097_000));
            }
        }
        // The Master.csv rows of the same calls carry no cc_* variables.
        for line in outcome("Master-rows.csv").lines() {
            let c = parse_csv_row(line, 0).unwrap();
            assert_eq!(c.queue_leg, QueueLeg::default());
        }
        // Calls that never met a queue have no queue leg; junk epochs are no time.
        let c = parse_json(&cap(
            "json_cdr/a_724f4811-47fc-4690-b0ad-d2eb3bd54c38.cdr.json",
        ))
        .unwrap();
        assert_eq!(c.queue_leg, QueueLeg::default());
        let vars: BTreeMap<String, String> = [
            ("cc_side", "member"),
            ("cc_queue_joined_epoch", "soon"),
            ("cc_queue_answered_epoch", "0"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let q = QueueLeg::from_variables(&vars);
        assert_eq!((q.joined_ms, q.answered_ms), (None, None));
    }

    #[test]
    fn csv_quoting() {
        assert_eq!(
            split_csv(r#""a","b ""q""",,"c,d""#).unwrap(),
            ["a", "b \"q\"", "", "c,d"]
        );
        assert!(split_csv(r#""open"#).is_err());
    }

    #[test]
    fn malformed_input_is_an_error() {
        assert!(parse_json("{").is_err());
        assert!(parse_json("{\"variables\":{}}").is_err());
        assert!(parse_xml("<cdr><variables><uuid>x</uuid>").is_err());
        assert!(parse_xml("<cdr><variables></variables></cdr>").is_err());
        assert!(parse_csv_row("\"a\",\"b\"", 0).is_err());
        assert!(parse_xml("<cdr><variables><uuid>u1</uuid></variables></cdr>").is_ok());
    }
}
