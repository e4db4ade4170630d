//! The `originate` command line: its usage text, the parsed [`Request`], the [`Outcome`] its
//! destination decides, and the Q.850 codes of the hangup causes.

/// Usage printed by `originate` without enough arguments.
pub const ORIGINATE_USAGE: &str = "-USAGE: <call url> <exten>|&<application_name>(<app_args>) [<dialplan>] [<context>] [<cid_name>] [<cid_num>] [<timeout_sec>]\n";

/// What happens to an originated call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Answered; talks for the given seconds.
    Answer { talk_secs: u64 },
    /// Fails with a hangup cause after a delay.
    Fail { cause: String, after_ms: u64 },
}

/// Q.850 code of a hangup cause.
pub fn q850(cause: &str) -> u32 {
    match cause {
        "UNALLOCATED_NUMBER" => 1,
        "NO_ROUTE_DESTINATION" => 3,
        "NORMAL_CLEARING" => 16,
        "USER_BUSY" => 17,
        "NO_USER_RESPONSE" => 18,
        "NO_ANSWER" => 19,
        "CALL_REJECTED" => 21,
        "NORMAL_TEMPORARY_FAILURE" => 41,
        "RECOVERY_ON_TIMER_EXPIRE" => 102,
        "ORIGINATOR_CANCEL" => 487,
        _ => 0,
    }
}

/// A parsed originate request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Request {
    pub vars: Vec<(String, String)>,
    pub endpoint: String,
    /// Destination number (`loopback/<dest>/…`, `user/<dest>@…`, `sofia/<profile>/<dest>@…`).
    pub dest: String,
    pub context: String,
    pub dial: String,
    pub app: String,
    pub app_arg: String,
    pub cid_name: Option<String>,
    pub cid_num: Option<String>,
    pub timeout: Option<u64>,
}

impl Request {
    /// Variable from the `{…}` block.
    pub fn var(&self, k: &str) -> Option<&str> {
        self.vars
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }

    /// Parse `originate` arguments; `None` when too few.
    pub fn parse(args: &str) -> Option<Request> {
        let args = args.trim();
        let (dial, rest) = if args.starts_with('{') {
            let close = args.find('}')?;
            let end = args[close..]
                .find(char::is_whitespace)
                .map(|i| close + i)
                .unwrap_or(args.len());
            (&args[..end], args[end..].trim())
        } else {
            match args.split_once(char::is_whitespace) {
                Some((d, r)) => (d, r.trim()),
                None => (args, ""),
            }
        };
        let rest: Vec<&str> = rest.split_whitespace().collect();
        if dial.is_empty() || rest.is_empty() {
            return None;
        }
        let mut r = Request {
            dial: dial.to_string(),
            ..Default::default()
        };
        let mut target = dial;
        if let Some(body) = dial.strip_prefix('{') {
            let close = body.find('}')?;
            for kv in body[..close].split(',') {
                if let Some((k, v)) = kv.split_once('=') {
                    // FreeSWITCH strips the single quotes around a value with spaces.
                    let v = v.trim();
                    let v = v
                        .strip_prefix('\'')
                        .and_then(|x| x.strip_suffix('\''))
                        .unwrap_or(v);
                    r.vars.push((k.trim().to_string(), v.to_string()));
                }
            }
            target = &body[close + 1..];
        }
        let parts: Vec<&str> = target.split('/').collect();
        r.endpoint = parts[0].to_string();
        r.context = "default".into();
        match r.endpoint.as_str() {
            "loopback" => {
                r.dest = parts.get(1).unwrap_or(&"").to_string();
                if let Some(c) = parts.get(2) {
                    r.context = c.to_string();
                }
            }
            // sofia/<profile>/<dest>@host or sofia/gateway/<gateway>/<dest>
            "sofia" if parts.get(1) == Some(&"gateway") => {
                r.dest = parts.get(3).unwrap_or(&"").to_string()
            }
            "sofia" => r.dest = parts.get(2).unwrap_or(&"").to_string(),
            _ => r.dest = parts.get(1).unwrap_or(&"").to_string(),
        }
        if let Some((d, _)) = r.dest.clone().split_once('@') {
            r.dest = d.to_string();
        }
        let app = rest[0];
        if let Some(a) = app.strip_prefix('&') {
            match a.split_once('(') {
                Some((n, arg)) => {
                    r.app = n.to_string();
                    r.app_arg = arg.trim_end_matches(')').to_string();
                }
                None => r.app = a.to_string(),
            }
        } else {
            r.app = "transfer".into();
            r.app_arg = app.to_string();
        }
        r.cid_name = rest.get(3).map(|s| s.to_string());
        r.cid_num = rest.get(4).map(|s| s.to_string());
        r.timeout = rest.get(5).and_then(|s| s.parse().ok());
        Some(r)
    }

    /// Decide the outcome from the destination (rules in the module docs).
    pub fn outcome(&self) -> Outcome {
        if self.endpoint == "error" {
            let cause = if self.dest.is_empty() {
                "NORMAL_TEMPORARY_FAILURE".to_string()
            } else {
                self.dest.to_ascii_uppercase()
            };
            return Outcome::Fail { cause, after_ms: 0 };
        }
        let digits = self.dest.strip_prefix('+').unwrap_or(&self.dest);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Outcome::Fail {
                cause: "NO_ROUTE_DESTINATION".into(),
                after_ms: 0,
            };
        }
        if digits.starts_with("486") {
            return Outcome::Fail {
                cause: "USER_BUSY".into(),
                after_ms: 500,
            };
        }
        if digits.starts_with("480") || digits.starts_with("408") {
            let secs = self
                .var("originate_timeout")
                .or(self.var("leg_timeout"))
                .and_then(|v| v.parse().ok())
                .or(self.timeout)
                .unwrap_or(5);
            return Outcome::Fail {
                cause: "NO_ANSWER".into(),
                after_ms: secs * 1000,
            };
        }
        let talk_secs = self
            .var("sim_talk_seconds")
            .and_then(|v| v.parse().ok())
            .unwrap_or(3);
        Outcome::Answer { talk_secs }
    }
}
