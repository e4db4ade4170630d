//! Inbound Event Socket (mod_event_socket) server.
//!
//! Framing: the client sends a command line plus optional header lines, ended by a blank line;
//! the server answers with `Content-Type: command/reply` or `api/response` frames and streams
//! subscribed events as `text/event-plain|json|xml` frames.

use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedReadHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, mpsc};

use crate::event::{Format, Subscription};
use crate::sim::{ApiMode, Sim};
use crate::util::{accept_forever, header_line, header_value, new_uuid};

/// The notice FreeSWITCH sends before closing (after `exit` or a bad password).
pub const DISCONNECT_NOTICE: &str = "Content-Type: text/disconnect-notice\nContent-Length: 67\n\nDisconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n";

/// One command received from a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The first line, e.g. `api status`.
    pub line: String,
    /// Following `Name: value` lines (e.g. `Job-UUID`).
    pub headers: Vec<(String, String)>,
    /// Body, when a `Content-Length` header was given.
    pub body: Option<String>,
}

impl Command {
    /// Value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header_value(&self.headers, name)
    }
}

/// A `command/reply` frame.
pub fn command_reply(text: &str) -> String {
    format!("Content-Type: command/reply\nReply-Text: {text}\n\n")
}

/// An `api/response` frame.
pub fn api_response(body: &str) -> String {
    format!(
        "Content-Type: api/response\nContent-Length: {}\n\n{body}",
        body.len()
    )
}

/// Read one command; `Ok(None)` at end of stream.
async fn read_command(rd: &mut BufReader<OwnedReadHalf>) -> std::io::Result<Option<Command>> {
    let mut lines: Vec<String> = Vec::new();
    loop {
        let mut line = String::new();
        if rd.read_line(&mut line).await? == 0 {
            return Ok(None);
        }
        let line = line.trim_end_matches(['\n', '\r']).to_string();
        if line.is_empty() {
            if lines.is_empty() {
                continue; // stray blank lines between commands
            }
            break;
        }
        lines.push(line);
    }
    let line = lines.remove(0);
    let headers: Vec<(String, String)> = lines.iter().filter_map(|l| header_line(l)).collect();
    let mut cmd = Command {
        line,
        headers,
        body: None,
    };
    if let Some(len) = cmd
        .header("Content-Length")
        .and_then(|v| v.parse::<usize>().ok())
    {
        let mut buf = vec![0u8; len];
        rd.read_exact(&mut buf).await?;
        cmd.body = Some(String::from_utf8_lossy(&buf).into_owned());
    }
    Ok(Some(cmd))
}

/// Accept ESL connections forever.
pub async fn serve(listener: TcpListener, sim: Arc<Sim>) {
    accept_forever(listener, sim, handle).await
}

enum Next {
    Continue,
    Close,
}

struct Conn {
    sim: Arc<Sim>,
    authed: bool,
    sub: Subscription,
}

impl Conn {
    /// Handle one command: returns the bytes to write and whether to close afterwards.
    fn execute(&mut self, cmd: Command) -> (String, Next) {
        let line = cmd.line.trim();
        let (word, rest) = match line.split_once(' ') {
            Some((w, r)) => (w, r.trim()),
            None => (line, ""),
        };
        let word_lc = word.to_ascii_lowercase();
        if word_lc == "exit" {
            return (
                format!("{}{DISCONNECT_NOTICE}", command_reply("+OK bye")),
                Next::Close,
            );
        }
        if !self.authed {
            if word_lc == "auth" {
                if rest == self.sim.cfg.esl_password {
                    self.authed = true;
                    return (command_reply("+OK accepted"), Next::Continue);
                }
                return (
                    format!("{}{DISCONNECT_NOTICE}", command_reply("-ERR invalid")),
                    Next::Close,
                );
            }
            return (command_reply("-ERR command not found"), Next::Continue);
        }
        match word_lc.as_str() {
            "bgapi" => {
                let job = cmd
                    .header("Job-UUID")
                    .map(str::to_string)
                    .unwrap_or_else(new_uuid);
                let (c, a) = split_api(rest);
                let reply = format!(
                    "Content-Type: command/reply\nReply-Text: +OK Job-UUID: {job}\nJob-UUID: {job}\n\n"
                );
                tokio::spawn(self.sim.clone().run_bgapi(job, c, a));
                (reply, Next::Continue)
            }
            "event" => {
                let mut words: Vec<&str> = rest.split_whitespace().collect();
                let fmt = words
                    .first()
                    .and_then(|w| Format::parse(w))
                    .unwrap_or(Format::Plain);
                if words.first().and_then(|w| Format::parse(w)).is_some() {
                    words.remove(0);
                }
                self.sub.subscribe(fmt, &words);
                (
                    command_reply(&format!("+OK event listener enabled {}", fmt.word())),
                    Next::Continue,
                )
            }
            "noevents" => {
                self.sub = Subscription::default();
                (
                    command_reply("+OK no longer listening for events"),
                    Next::Continue,
                )
            }
            "nixevent" => {
                let words: Vec<&str> = rest.split_whitespace().collect();
                self.sub.nix(&words);
                (command_reply("+OK events nixed"), Next::Continue)
            }
            "linger" => (command_reply("+OK will linger"), Next::Continue),
            "nolinger" => (command_reply("+OK will not linger"), Next::Continue),
            _ => (command_reply("-ERR command not found"), Next::Continue),
        }
    }
}

/// Split `cmd args…` into the command name and its (untrimmed-inside) argument string.
pub fn split_api(s: &str) -> (String, String) {
    let s = s.trim();
    match s.split_once(' ') {
        Some((c, a)) => (c.to_string(), a.trim_start().to_string()),
        None => (s.to_string(), String::new()),
    }
}

async fn handle(stream: TcpStream, sim: Arc<Sim>) -> std::io::Result<()> {
    let _ = stream.set_nodelay(true);
    let (rd, mut wr) = stream.into_split();
    let (tx, mut rx) = mpsc::channel::<Command>(64);
    let reader = tokio::spawn(async move {
        let mut rd = BufReader::new(rd);
        while let Ok(Some(cmd)) = read_command(&mut rd).await {
            if tx.send(cmd).await.is_err() {
                break;
            }
        }
    });
    let mut events = sim.events.subscribe();
    wr.write_all(b"Content-Type: auth/request\n\n").await?;
    let mut conn = Conn {
        sim: sim.clone(),
        authed: false,
        sub: Subscription::default(),
    };
    let result = loop {
        tokio::select! {
            cmd = rx.recv() => {
                let Some(cmd) = cmd else { break Ok(()) };
                let is_api = cmd.line.trim_start().to_ascii_lowercase().starts_with("api ")
                    || cmd.line.trim().eq_ignore_ascii_case("api");
                if is_api && conn.authed {
                    let (c, a) = split_api(cmd.line.trim_start()[3..].trim());
                    let body = match sim.api(&c, &a, ApiMode::Esl).await {
                        Some(o) if !o.is_empty() => o,
                        Some(_) => "-ERR no reply\n".to_string(),
                        None => format!("-ERR {c} Command not found!\n"),
                    };
                    if let Err(e) = wr.write_all(api_response(&body).as_bytes()).await {
                        break Err(e);
                    }
                    continue;
                }
                let (out, next) = conn.execute(cmd);
                if let Err(e) = wr.write_all(out.as_bytes()).await {
                    break Err(e);
                }
                if let Next::Close = next {
                    break Ok(());
                }
            }
            ev = events.recv() => match ev {
                Ok(ev) => {
                    if conn.authed && conn.sub.matches(&ev) {
                        let fmt = conn.sub.format.unwrap_or(Format::Plain);
                        if let Err(e) = wr.write_all(ev.frame(fmt).as_bytes()).await {
                            break Err(e);
                        }
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => break Ok(()),
            },
        }
    };
    let _ = wr.shutdown().await;
    reader.abort();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAPS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/freeswitch/");

    #[test]
    fn frames_match_captures() {
        let bad = std::fs::read_to_string(format!("{CAPS}esl_03_auth_bad_full_stream.raw"))
            .expect("the captures in testdata/freeswitch");
        assert_eq!(
            format!("{}{DISCONNECT_NOTICE}", command_reply("-ERR invalid")),
            bad
        );
        let exit = std::fs::read_to_string(format!("{CAPS}esl_13_exit_full_stream.raw")).unwrap();
        assert_eq!(
            format!("{}{DISCONNECT_NOTICE}", command_reply("+OK bye")),
            exit
        );
        let nf = std::fs::read_to_string(format!("{CAPS}esl_06_api_nosuchcmd.raw")).unwrap();
        assert_eq!(api_response("-ERR nosuchcmd Command not found!\n"), nf);
    }

    #[test]
    fn split_api_keeps_args() {
        assert_eq!(
            split_api("callcenter_config agent set status 1001@default 'On Break'"),
            (
                "callcenter_config".to_string(),
                "agent set status 1001@default 'On Break'".to_string()
            )
        );
        assert_eq!(split_api("status"), ("status".to_string(), String::new()));
    }
}
