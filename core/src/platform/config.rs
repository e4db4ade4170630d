//! Typed configuration, read once at start: an optional TOML file plus `CCGATE_*` environment
//! overrides. Every key is declared once in [`KEYS`]; `ccgate --help` prints that table.
//! A bad value stops start-up with one line naming the key.

use crate::platform::net::CidrList;
use crate::platform::secret::Secret;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

/// One configuration key: file name (`bind`), environment name (`CCGATE_BIND`), default, help.
pub struct Key {
    pub name: &'static str,
    pub default: &'static str,
    pub help: &'static str,
}

impl Key {
    pub fn env_name(&self) -> String {
        format!("CCGATE_{}", self.name.to_ascii_uppercase())
    }
}

pub const KEYS: &[Key] = &[
    Key {
        name: "bind",
        default: "127.0.0.1:3000",
        help: "address and port to listen on",
    },
    Key {
        name: "database_url",
        default: "sqlite://data/ccgate.db",
        help: "sqlite://PATH (embedded default) or mysql://USER:PASS@HOST:PORT/DB (MariaDB/MySQL)",
    },
    Key {
        name: "cookie_secure",
        default: "false",
        help: "mark the admin session cookie Secure (set true when served over HTTPS)",
    },
    Key {
        name: "session_idle_minutes",
        default: "480",
        help: "admin session lifetime without activity, minutes",
    },
    Key {
        name: "log_format",
        default: "pretty",
        help: "log output: pretty or json",
    },
    Key {
        name: "log_level",
        default: "info",
        help: "log filter, e.g. info or ccgate=debug,sqlx=warn",
    },
    Key {
        name: "site_root",
        default: "target/site",
        help: "directory with the built browser assets (pkg/, css, icons)",
    },
    Key {
        name: "db_max_connections",
        default: "10",
        help: "size of the database connection pool",
    },
    Key {
        name: "public_url",
        default: "",
        help: "the address integrators reach ccgate at, e.g. https://cc.example.com (the more_info link of API errors); empty: from the request's Host header",
    },
    Key {
        name: "http_header_timeout_seconds",
        default: "10",
        help: "a connection that has not sent a whole request head within this time is closed (also an idle keep-alive connection waiting for its next request)",
    },
    Key {
        name: "http_body_timeout_seconds",
        default: "30",
        help: "a request whose body stops arriving for this long fails its read (answered with a 4xx) and its connection is closed",
    },
    Key {
        name: "http_max_connections",
        default: "4096",
        help: "open client connections served at once (API and panel together); more wait in the listen queue",
    },
    Key {
        name: "demo",
        default: "false",
        help: "demo mode: on the first start into a database without API users, seed demo API users, keys and 30 days of traffic (scripts/serve sets it; CCGATE_DEMO=0 skips)",
    },
    Key {
        name: "demo_key_file",
        default: "data/demo-key.txt",
        help: "demo mode: where the seeded key of API-TEST is written (mode 0600) for the curl line printed at start",
    },
    Key {
        name: "trusted_proxies",
        default: "",
        help: "reverse proxies (CIDR blocks, comma-separated) whose X-Forwarded-For is believed: a request from one of them comes from the right-most forwarded address that is not itself one; empty: the header is ignored and the TCP peer is the client",
    },
    Key {
        name: "metrics_allow",
        default: "127.0.0.1/32, ::1/128",
        help: "client addresses (CIDR blocks, comma-separated) that may read GET /metrics without the token; empty: none",
    },
    Key {
        name: "metrics_token",
        default: "",
        help: "bearer token that also opens GET /metrics (Prometheus: authorization credentials), at least 16 characters; empty: only metrics_allow decides",
    },
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub database_url: Secret<String>,
    pub cookie_secure: bool,
    pub session_idle_minutes: u32,
    pub log_format: LogFormat,
    pub log_level: String,
    pub site_root: PathBuf,
    pub db_max_connections: u32,
    /// `https://host[:port]` without a trailing slash; `None`: taken from each request's `Host`.
    pub public_url: Option<String>,
    /// Seconds a connection may take to send a request head (and may idle between requests).
    pub http_header_timeout_seconds: u32,
    /// Seconds a request body may pause.
    pub http_body_timeout_seconds: u32,
    /// Client connections served at once.
    pub http_max_connections: u32,
    /// Demo mode (`CCGATE_DEMO`): seed demo users and traffic once, print a ready `curl` line.
    pub demo: bool,
    /// Where demo mode writes the plain key of `API-TEST`.
    pub demo_key_file: PathBuf,
    /// The config file read at start (`--config FILE` or `CCGATE_CONFIG`), if any.
    pub file: Option<PathBuf>,
    /// Where `database_url` came from (the panel's «База данных» block says so).
    pub database_url_source: Source,
    /// Proxies whose `X-Forwarded-For` is believed (`platform::net::client_addr`); empty: none.
    pub trusted_proxies: CidrList,
    /// Who may read `GET /metrics`: these addresses, or anyone with [`Config::metrics_token`].
    pub metrics_allow: CidrList,
    /// The bearer token of `GET /metrics`; empty: none.
    pub metrics_token: Secret<String>,
}

/// Where a value came from: its default, the config file or its `CCGATE_*` variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Default,
    File,
    Env,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Default => "default",
            Source::File => "file",
            Source::Env => "env",
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

impl Config {
    /// Load from a file (if given) and the process environment.
    pub fn load(path: Option<&std::path::Path>) -> Result<Config, ConfigError> {
        let text = match path {
            Some(p) => Some(std::fs::read_to_string(p).map_err(|e| {
                ConfigError(format!("cannot read config file {}: {e}", p.display()))
            })?),
            None => None,
        };
        let mut c = Self::from_sources(text.as_deref(), &|k| std::env::var(k).ok())?;
        c.file = path.map(|p| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()));
        Ok(c)
    }

    /// Pure core of [`Config::load`], for tests: file text and an environment lookup.
    pub fn from_sources(
        file: Option<&str>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let mut values: BTreeMap<&'static str, (String, Source)> = KEYS
            .iter()
            .map(|k| (k.name, (k.default.to_string(), Source::Default)))
            .collect();
        if let Some(text) = file {
            let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
                ConfigError(format!("config file: {}", e.message()))
            })?;
            for (name, value) in table {
                let key = KEYS.iter().find(|k| k.name == name).ok_or_else(|| {
                    ConfigError(format!(
                        "config file: unknown key `{name}` (see `ccgate --help`)"
                    ))
                })?;
                let s = match value {
                    toml::Value::String(s) => s,
                    toml::Value::Integer(i) => i.to_string(),
                    toml::Value::Boolean(b) => b.to_string(),
                    other => {
                        return Err(ConfigError(format!(
                            "config file: `{name}` must be a string, number or boolean, got {}",
                            other.type_str()
                        )))
                    }
                };
                values.insert(key.name, (s, Source::File));
            }
        }
        for key in KEYS {
            if let Some(v) = env(&key.env_name()) {
                values.insert(key.name, (v, Source::Env));
            }
        }
        let get = |name: &'static str| -> Field<'_> {
            let (value, source) = &values[name];
            Field {
                name,
                value,
                source: *source,
            }
        };
        Ok(Config {
            bind: get("bind").parse_with("an address like 127.0.0.1:3000", |v| v.parse().ok())?,
            database_url: Secret::new(get("database_url").parse_with(
                "a URL starting with sqlite:// or mysql://",
                |v| {
                    (v.starts_with("sqlite:")
                        || v.starts_with("mysql://")
                        || v.starts_with("mariadb://"))
                    .then(|| v.to_string())
                },
            )?),
            cookie_secure: get("cookie_secure").parse_with("true or false", parse_bool)?,
            session_idle_minutes: get("session_idle_minutes")
                .parse_with("a whole number of minutes from 1 to 525600", |v| {
                    v.parse().ok().filter(|n| (1..=525_600).contains(n))
                })?,
            log_format: get("log_format").parse_with("pretty or json", |v| match v {
                "pretty" => Some(LogFormat::Pretty),
                "json" => Some(LogFormat::Json),
                _ => None,
            })?,
            log_level: get("log_level").parse_with("a log filter", |v| {
                (!v.trim().is_empty()).then(|| v.to_string())
            })?,
            site_root: get("site_root").parse_with("a directory path", |v| {
                (!v.is_empty()).then(|| PathBuf::from(v))
            })?,
            db_max_connections: get("db_max_connections")
                .parse_with("a whole number from 1 to 1000", |v| {
                    v.parse().ok().filter(|n| (1..=1000).contains(n))
                })?,
            public_url: get("public_url").parse_with(
                "empty or an http:// or https:// address without a path",
                parse_public_url,
            )?,
            http_header_timeout_seconds: get("http_header_timeout_seconds")
                .parse_with("a whole number of seconds from 1 to 3600", |v| {
                    v.parse().ok().filter(|n| (1..=3600).contains(n))
                })?,
            http_body_timeout_seconds: get("http_body_timeout_seconds")
                .parse_with("a whole number of seconds from 1 to 3600", |v| {
                    v.parse().ok().filter(|n| (1..=3600).contains(n))
                })?,
            http_max_connections: get("http_max_connections")
                .parse_with("a whole number from 16 to 1000000", |v| {
                    v.parse().ok().filter(|n| (16..=1_000_000).contains(n))
                })?,
            demo: get("demo").parse_with("true or false (1 or 0)", parse_bool)?,
            demo_key_file: get("demo_key_file")
                .parse_with("a file path", |v| (!v.is_empty()).then(|| PathBuf::from(v)))?,
            file: None,
            database_url_source: values["database_url"].1,
            trusted_proxies: get("trusted_proxies").parse_with(
                "IPv4 or IPv6 addresses or CIDR blocks separated by commas",
                |v| CidrList::parse(v).ok(),
            )?,
            metrics_allow: get("metrics_allow").parse_with(
                "IPv4 or IPv6 addresses or CIDR blocks separated by commas",
                |v| CidrList::parse(v).ok(),
            )?,
            metrics_token: Secret::new(get("metrics_token").parse_with(
                "empty, or a token of at least 16 characters without spaces",
                |v| {
                    (v.is_empty() || (v.len() >= 16 && !v.contains(char::is_whitespace)))
                        .then(|| v.to_string())
                },
            )?),
        })
    }

    pub fn is_loopback(&self) -> bool {
        self.bind.ip().is_loopback()
    }
}

fn parse_public_url(v: &str) -> Option<Option<String>> {
    if v.is_empty() {
        return Some(None);
    }
    let v = v.trim_end_matches('/');
    let rest = v
        .strip_prefix("https://")
        .or_else(|| v.strip_prefix("http://"))?;
    let ok = !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    ok.then(|| Some(v.to_string()))
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

struct Field<'a> {
    name: &'static str,
    value: &'a str,
    source: Source,
}

impl Field<'_> {
    fn parse_with<T>(
        &self,
        expected: &str,
        f: impl Fn(&str) -> Option<T>,
    ) -> Result<T, ConfigError> {
        f(self.value.trim()).ok_or_else(|| {
            let key = KEYS
                .iter()
                .find(|k| k.name == self.name)
                .expect("declared key");
            let shown = if self.name == "database_url" || self.name == "metrics_token" {
                "(hidden)".to_string()
            } else {
                format!("{:?}", self.value)
            };
            let place = match self.source {
                Source::Env => key.env_name(),
                Source::File => format!("`{}` in the config file", self.name),
                Source::Default => format!("default of `{}`", self.name),
            };
            ConfigError(format!("{place} = {shown}: expected {expected}"))
        })
    }
}

/// The settings table for `ccgate --help`.
pub fn help_table() -> String {
    let mut out = String::from("Settings (config file key / environment variable, default):\n");
    for k in KEYS {
        out.push_str(&format!(
            "  {:<22} {:<30} {}\n      {}\n",
            k.name,
            k.env_name(),
            k.default,
            k.help
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn defaults_apply() {
        let c = Config::from_sources(None, &|_| None).unwrap();
        assert_eq!(c.bind, "127.0.0.1:3000".parse().unwrap());
        assert_eq!(c.database_url.expose(), "sqlite://data/ccgate.db");
        assert!(!c.cookie_secure);
        assert_eq!(c.log_format, LogFormat::Pretty);
        assert_eq!(c.session_idle_minutes, 480);
        assert_eq!((c.file, c.database_url_source), (None, Source::Default));
        assert!(!c.demo);
        assert_eq!(c.demo_key_file, PathBuf::from("data/demo-key.txt"));
    }

    #[test]
    fn demo_mode_is_a_switch() {
        let on = Config::from_sources(None, &env_of(&[("CCGATE_DEMO", "1")])).unwrap();
        assert!(on.demo);
        let off = Config::from_sources(None, &env_of(&[("CCGATE_DEMO", "0")])).unwrap();
        assert!(!off.demo);
        assert!(Config::from_sources(None, &env_of(&[("CCGATE_DEMO", "perhaps")])).is_err());
    }

    #[test]
    fn file_then_env_override() {
        let file = "bind = \"0.0.0.0:8080\"\ncookie_secure = true\nlog_format = \"json\"\nsession_idle_minutes = 30\n";
        let c = Config::from_sources(Some(file), &env_of(&[("CCGATE_BIND", "127.0.0.1:9000")]))
            .unwrap();
        assert_eq!(c.bind, "127.0.0.1:9000".parse().unwrap());
        assert!(c.cookie_secure);
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(c.session_idle_minutes, 30);
        assert_eq!(c.database_url_source, Source::Default);
        let c =
            Config::from_sources(Some("database_url = \"sqlite://x.db\""), &env_of(&[])).unwrap();
        assert_eq!(c.database_url_source, Source::File);
        let c = Config::from_sources(
            Some("database_url = \"sqlite://x.db\""),
            &env_of(&[("CCGATE_DATABASE_URL", "sqlite://y.db")]),
        )
        .unwrap();
        assert_eq!(c.database_url_source, Source::Env);
    }

    #[test]
    fn bad_env_value_names_the_key() {
        let e = Config::from_sources(None, &env_of(&[("CCGATE_BIND", "nonsense")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "configuration error: CCGATE_BIND = \"nonsense\": expected an address like 127.0.0.1:3000"
        );
        assert!(!e.to_string().contains('\n'));
    }

    #[test]
    fn bad_file_value_names_the_key() {
        let e = Config::from_sources(Some("log_format = \"xml\""), &|_| None).unwrap_err();
        assert!(
            e.to_string().contains("`log_format` in the config file"),
            "{e}"
        );
    }

    #[test]
    fn unknown_file_key_is_refused() {
        let e = Config::from_sources(Some("bnid = \"x\""), &|_| None).unwrap_err();
        assert!(e.to_string().contains("unknown key `bnid`"), "{e}");
    }

    #[test]
    fn database_url_is_never_echoed() {
        let e = Config::from_sources(
            None,
            &env_of(&[("CCGATE_DATABASE_URL", "postgres://u:topsecret@h/db")]),
        )
        .unwrap_err();
        assert!(e.to_string().contains("CCGATE_DATABASE_URL"));
        assert!(!e.to_string().contains("topsecret"));
        let c = Config::from_sources(
            None,
            &env_of(&[("CCGATE_DATABASE_URL", "mysql://u:topsecret@h/db")]),
        )
        .unwrap();
        assert!(!format!("{c:?}").contains("topsecret"));
    }

    #[test]
    fn booleans_and_ranges() {
        let c = Config::from_sources(None, &env_of(&[("CCGATE_COOKIE_SECURE", "yes")])).unwrap();
        assert!(c.cookie_secure);
        assert!(Config::from_sources(None, &env_of(&[("CCGATE_COOKIE_SECURE", "maybe")])).is_err());
        assert!(
            Config::from_sources(None, &env_of(&[("CCGATE_SESSION_IDLE_MINUTES", "0")])).is_err()
        );
    }

    #[test]
    fn public_url_is_an_origin() {
        let c = |v: &'static str| {
            Config::from_sources(None, &move |k| {
                (k == "CCGATE_PUBLIC_URL").then(|| v.to_string())
            })
        };
        assert_eq!(c("").unwrap().public_url, None);
        assert_eq!(
            c("https://cc.example.com/").unwrap().public_url.as_deref(),
            Some("https://cc.example.com")
        );
        assert_eq!(
            c("http://10.0.0.5:3000").unwrap().public_url.as_deref(),
            Some("http://10.0.0.5:3000")
        );
        assert!(c("cc.example.com").is_err());
        assert!(c("https://cc.example.com/api").is_err());
    }

    #[test]
    fn trusted_proxies_are_cidr_blocks() {
        let c = Config::from_sources(None, &|_| None).unwrap();
        assert!(c.trusted_proxies.is_empty(), "off by default");
        let c = Config::from_sources(Some("trusted_proxies = \"10.0.0.0/8, ::1\""), &env_of(&[]))
            .unwrap();
        assert_eq!(c.trusted_proxies.to_string(), "10.0.0.0/8, ::1/128");
        let e = Config::from_sources(None, &env_of(&[("CCGATE_TRUSTED_PROXIES", "10.0.0.0/40")]))
            .unwrap_err();
        assert!(e.to_string().contains("CCGATE_TRUSTED_PROXIES"), "{e}");
    }

    #[test]
    fn help_lists_every_key() {
        let h = help_table();
        for k in KEYS {
            assert!(h.contains(&k.env_name()));
        }
    }
}
