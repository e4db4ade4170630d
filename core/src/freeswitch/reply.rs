//! Classification of API command output (the same text over ESL `api/response` bodies and
//! mod_xml_rpc `/txtapi` bodies), and the mapping of FreeSWITCH errors to our stable codes.

/// What an API command answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `+OK …` (the rest of the first line after `+OK`, trimmed) or any other non-error text.
    Ok(String),
    /// `-ERR <reason>`.
    Err(String),
    /// `-USAGE: …`.
    Usage(String),
    /// The command does not exist (`INVALID COMMAND!` over HTTP, `-ERR <cmd> Command not found!` over ESL).
    InvalidCommand,
    /// The command wrote nothing (ESL `-ERR no reply`, HTTP empty body).
    NoReply,
}

/// Errors FreeSWITCH reports, mapped to what the API says about them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FsError {
    QueueNotFound,
    AgentNotFound,
    TierNotFound,
    AgentExists,
    TierExists,
    InvalidAgentStatus,
    InvalidTierState,
    /// `-ERR Invalid!` and other rejections of our arguments.
    Invalid(String),
    /// An originate failure cause such as `USER_BUSY`.
    Cause(String),
    CommandNotFound,
    NoReply,
    Other(String),
}

pub fn classify(text: &str) -> Reply {
    let t = text.trim_start_matches(['\n', '\r']);
    let first = t.lines().next().unwrap_or("").trim_end();
    if t.trim().is_empty() {
        return Reply::NoReply;
    }
    if first == "INVALID COMMAND!"
        || (first.starts_with("-ERR ") && first.ends_with(" Command not found!"))
    {
        return Reply::InvalidCommand;
    }
    if first == "-ERR no reply" {
        return Reply::NoReply;
    }
    if let Some(rest) = first.strip_prefix("-USAGE:") {
        let more: Vec<&str> = t.lines().skip(1).collect();
        let mut u = rest.trim().to_string();
        if !more.is_empty() {
            if !u.is_empty() {
                u.push('\n');
            }
            u.push_str(more.join("\n").trim());
        }
        return Reply::Usage(u);
    }
    if let Some(rest) = first.strip_prefix("-ERR") {
        return Reply::Err(rest.trim().to_string());
    }
    if let Some(rest) = first.strip_prefix("+OK") {
        return Reply::Ok(rest.trim().to_string());
    }
    Reply::Ok(t.to_string())
}

/// The stable meaning of an `-ERR` reason.
pub fn error_of(reason: &str) -> FsError {
    match reason.trim() {
        "Queue not found!" | "Invalid Queue not found!" => FsError::QueueNotFound,
        "Agent not found!" => FsError::AgentNotFound,
        "Tier not found!" => FsError::TierNotFound,
        "Agent already exist!" => FsError::AgentExists,
        "Tier already exist!" => FsError::TierExists,
        "Invalid Agent Status!" => FsError::InvalidAgentStatus,
        "Invalid Tier State!" => FsError::InvalidTierState,
        "Invalid!" | "Agent type invalid!" => FsError::Invalid(reason.trim().to_string()),
        r if !r.is_empty() && r.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') => {
            FsError::Cause(r.to_string())
        }
        r => FsError::Other(r.to_string()),
    }
}

/// A bare integer answer (`queue count …`): `Some(n)`, or `None` if the text is not one.
pub fn count(text: &str) -> Option<u64> {
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::freeswitch::frame::FrameParser;

    fn body(name: &str) -> String {
        let p = format!(
            "{}/../testdata/freeswitch/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"));
        if name.starts_with("http_") {
            let s = String::from_utf8_lossy(&bytes).into_owned();
            let i = s.find("\r\n\r\n").expect("http header end");
            return s[i + 4..].to_string();
        }
        let mut p = FrameParser::new();
        p.feed(&bytes);
        p.next_frame().unwrap().unwrap().body_text()
    }

    #[test]
    fn esl_captures_classify() {
        let cases: &[(&str, Reply)] = &[
            (
                "esl_cc_01_queue_unload_support.raw",
                Reply::Ok(String::new()),
            ),
            (
                "esl_cc_09_queue_load_nosuch.raw",
                Reply::Err("Invalid Queue not found!".into()),
            ),
            (
                "esl_cc_15_agent_add_1000_again.raw",
                Reply::Err("Agent already exist!".into()),
            ),
            (
                "esl_cc_16_agent_add_badtype.raw",
                Reply::Err("Agent type invalid!".into()),
            ),
            (
                "esl_cc_22_agent_set_status_bad.raw",
                Reply::Err("Invalid Agent Status!".into()),
            ),
            (
                "esl_cc_23_agent_set_status_nosuch_agent.raw",
                Reply::Err("Agent not found!".into()),
            ),
            (
                "esl_cc_27_tier_add_nosuch_queue.raw",
                Reply::Err("Queue not found!".into()),
            ),
            (
                "esl_cc_39_agent_get_status_nosuch.raw",
                Reply::Err("Agent not found!".into()),
            ),
            ("esl_cc_40_agent_del_nosuch.raw", Reply::Ok(String::new())),
            ("esl_cc_41_tier_del_nosuch.raw", Reply::Ok(String::new())),
            (
                "esl_cc_42_unknown_target_foo.raw",
                Reply::Err("Invalid!".into()),
            ),
            ("esl_cc_44_queue_unknown_action.raw", Reply::NoReply),
            (
                "esl_cc_45_queue_list_bad_sub.raw",
                Reply::Err("Invalid!".into()),
            ),
            ("esl_06_api_nosuchcmd.raw", Reply::InvalidCommand),
            ("esl_07_api_nosuchcmd_with_args.raw", Reply::InvalidCommand),
        ];
        for (name, want) in cases {
            let b = body(name);
            assert_eq!(&classify(&b), want, "{name}: body {b:?}");
        }
        assert!(
            matches!(classify(&body("esl_cc_43_no_args_usage.raw")), Reply::Usage(u) if u.contains("callcenter_config"))
        );
        assert_eq!(
            classify(&body("esl_cc_37_agent_get_status_1000.raw")),
            Reply::Ok("Available".into())
        );
        assert_eq!(count(&body("esl_cc_11_queue_count_2_queues.raw")), Some(2));
        assert_eq!(count(&body("esl_cc_04_queue_count_0_queues.raw")), Some(0));
    }

    #[test]
    fn http_captures_classify() {
        assert_eq!(
            classify(&body("http_10_txtapi_unknown_cmd.raw")),
            Reply::InvalidCommand
        );
        assert_eq!(
            classify(&body("http_29_txtapi_cc_queue_foo_empty_output.raw")),
            Reply::NoReply
        );
        assert_eq!(
            classify(&body("http_26_txtapi_cc_agent_del_nosuch.raw")),
            Reply::Ok(String::new())
        );
        assert!(matches!(
            classify(&body("http_27_txtapi_cc_no_args_usage.raw")),
            Reply::Usage(_)
        ));
        assert_eq!(
            count(&body("http_05_txtapi_cc_queue_count.raw")).is_some(),
            true
        );
    }

    #[test]
    fn errors_map_to_codes() {
        assert_eq!(error_of("Queue not found!"), FsError::QueueNotFound);
        assert_eq!(error_of("Invalid Queue not found!"), FsError::QueueNotFound);
        assert_eq!(error_of("Agent not found!"), FsError::AgentNotFound);
        assert_eq!(error_of("USER_BUSY"), FsError::Cause("USER_BUSY".into()));
        assert_eq!(
            error_of("NO_ROUTE_DESTINATION"),
            FsError::Cause("NO_ROUTE_DESTINATION".into())
        );
        assert_eq!(error_of("Invalid!"), FsError::Invalid("Invalid!".into()));
        assert!(matches!(error_of("something odd"), FsError::Other(_)));
    }
}
