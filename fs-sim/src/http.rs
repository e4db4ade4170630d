//! mod_xml_rpc HTTP front-end: `/txtapi/<cmd>?<args>`, `/api/…`, `/webapi/…` with Basic auth.
//!
//! API answers are `HTTP/1.1 200 OK`, `Connection: close`, no Content-Length, and the socket is
//! closed after the body (also for HTTP/1.0 and `Connection: keep-alive`). 401 answers come from
//! the Abyss server with their own headers and a fixed 228-byte HTML page.

use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{timeout, Duration};

use crate::sim::{ApiMode, Sim, VERSION_SHORT};
use crate::util::{
    accept_forever, base64_decode, header_line, header_value, http_date, now_epoch, percent_decode,
};

/// Abyss' 401 page (228 bytes).
pub const PAGE_401: &str = "<HTML><HEAD><TITLE>Error 401</TITLE></HEAD><BODY><H1>Error 401</H1><P>Unauthorized</P><p><HR><b><i><a href=\"http://xmlrpc-c.sourceforge.net\">ABYSS Web Server for XML-RPC For C/C++</a></i></b> version 1.26.0<br></p></BODY></HTML>";

const ABYSS_SERVER: &str = "Freeswitch xmlrpc-c_abyss /1.26.0";

/// A parsed request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub target: String,
    pub version: String,
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// Parse the bytes before the blank line.
    pub fn parse(head: &str) -> Option<Request> {
        let mut lines = head.split("\r\n").flat_map(|l| l.split('\n'));
        let first = lines.next()?;
        let mut parts = first.split_whitespace();
        let method = parts.next()?.to_string();
        let target = parts.next()?.to_string();
        let version = parts.next().unwrap_or("HTTP/1.0").to_string();
        let headers = lines.filter_map(header_line).collect();
        Some(Request {
            method,
            target,
            version,
            headers,
        })
    }

    /// Header value (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        header_value(&self.headers, name)
    }

    /// The Host header without its port (`127.0.0.1`), as FS uses for the domain.
    pub fn host_domain(&self) -> String {
        let h = self.header("Host").unwrap_or("localhost");
        if let Some(rest) = h.strip_prefix('[') {
            return rest.split(']').next().unwrap_or(rest).to_string();
        }
        h.rsplit_once(':').map(|(a, _)| a).unwrap_or(h).to_string()
    }
}

/// The 401 reply; `realm` is `freeswitch` without credentials, the Host domain with bad ones.
pub fn unauthorized(realm: &str, epoch: u64) -> String {
    format!(
        "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"{realm}\"\r\nContent-type: text/html\r\nContent-length: {}\r\nConnection: close\r\nDate: {}\r\nServer: {ABYSS_SERVER}\r\n\r\n{PAGE_401}",
        PAGE_401.len(),
        http_date(epoch, "UTC")
    )
}

/// Head of a mod_xml_rpc API answer.
pub fn api_head(user: &str, domain: &str, content_type: &str, epoch: u64) -> String {
    format!(
        "HTTP/1.1 200 OK\r\nfreeswitch-user: {user}\r\nfreeswitch-domain: {domain}\r\nConnection: close\r\nDate: {}\r\nServer: FreeSWITCH-{VERSION_SHORT}-mod_xml_rpc\r\nContent-Type: {content_type}\r\n\r\n",
        http_date(epoch, "GMT")
    )
}

/// Accept HTTP connections forever.
pub async fn serve(listener: TcpListener, sim: Arc<Sim>) {
    accept_forever(listener, sim, handle).await
}

pub(crate) async fn read_head(stream: &mut TcpStream) -> std::io::Result<Option<String>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            return Ok(Some(String::from_utf8_lossy(&buf[..p]).into_owned()));
        }
        if let Some(p) = buf.windows(2).position(|w| w == b"\n\n") {
            return Ok(Some(String::from_utf8_lossy(&buf[..p]).into_owned()));
        }
        if buf.len() > 64 * 1024 {
            return Ok(None);
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Produce the complete response bytes for a request.
pub async fn respond(sim: &Arc<Sim>, req: &Request) -> String {
    let epoch = now_epoch();
    let domain = req.host_domain();
    // Basic auth.
    let creds = req
        .header("Authorization")
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        })
        .and_then(base64_decode)
        .map(|b| String::from_utf8_lossy(&b).into_owned());
    let user = match creds {
        None => return unauthorized("freeswitch", epoch),
        Some(c) => {
            let (u, p) = c.split_once(':').unwrap_or((c.as_str(), ""));
            if u != sim.cfg.http_user || p != sim.cfg.http_password {
                return unauthorized(&domain, epoch);
            }
            u.to_string()
        }
    };
    let (path, query) = match req.target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (req.target.as_str(), None),
    };
    let (mode, cmd) = if let Some(c) = path.strip_prefix("/txtapi/") {
        (ApiMode::Txt, c)
    } else if let Some(c) = path.strip_prefix("/webapi/") {
        (ApiMode::Html, c)
    } else if let Some(c) = path.strip_prefix("/api/") {
        (ApiMode::Html, c)
    } else {
        return static_page(&user, &domain, path, epoch);
    };
    let cmd = percent_decode(cmd);
    let args = query.map(percent_decode).unwrap_or_default();
    match sim.api(&cmd, &args, mode).await {
        Some(out) => {
            let ct = if mode == ApiMode::Txt {
                "text/plain"
            } else {
                "text/html"
            };
            format!("{}{out}", api_head(&user, &domain, ct, epoch))
        }
        None => format!(
            "{}INVALID COMMAND!\n",
            api_head(&user, &domain, "text/plain", epoch)
        ),
    }
}

/// Abyss' static handler: an (empty) index for `/`, 404 for anything else.
fn static_page(user: &str, domain: &str, path: &str, epoch: u64) -> String {
    if path == "/" {
        let c1 = "<HTML><HEAD><TITLE>Index of /</TITLE></HEAD><BODY><H1>Index of /</H1><PRE>Name                      Size      Date-Time             Type<HR WIDTH=100%>\r\n";
        let c2 = "</PRE><p><HR><b><i><a href=\"http://xmlrpc-c.sourceforge.net\">ABYSS Web Server for XML-RPC For C/C++</a></i></b> version 1.26.0<br></p></BODY></HTML>\r\n\r\n";
        return format!(
            "HTTP/1.1 200 OK\r\nfreeswitch-user: {user}\r\nfreeswitch-domain: {domain}\r\nContent-type: text/html\r\nLast-Modified: {d}\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nDate: {d}\r\nServer: {ABYSS_SERVER}\r\n\r\n{:x}\r\n{c1}\r\n{:x}\r\n{c2}\r\n0\r\n\r\n",
            c1.len(),
            c2.len(),
            d = http_date(epoch, "UTC")
        );
    }
    let page = "<HTML><HEAD><TITLE>Error 404</TITLE></HEAD><BODY><H1>Error 404</H1><P>Not Found</P><p><HR><b><i><a href=\"http://xmlrpc-c.sourceforge.net\">ABYSS Web Server for XML-RPC For C/C++</a></i></b> version 1.26.0<br></p></BODY></HTML>";
    format!(
        "HTTP/1.1 404 Not Found\r\nContent-type: text/html\r\nContent-length: {}\r\nConnection: close\r\nDate: {}\r\nServer: {ABYSS_SERVER}\r\n\r\n{page}",
        page.len(),
        http_date(epoch, "UTC")
    )
}

async fn handle(mut stream: TcpStream, sim: Arc<Sim>) -> std::io::Result<()> {
    let head = match timeout(Duration::from_secs(30), read_head(&mut stream)).await {
        Ok(Ok(Some(h))) => h,
        _ => return Ok(()),
    };
    let Some(req) = Request::parse(&head) else {
        return Ok(());
    };
    let out = respond(&sim, &req).await;
    stream.write_all(out.as_bytes()).await?;
    stream.shutdown().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAPS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/freeswitch/");

    fn strip_date(s: &str) -> String {
        s.lines()
            .filter(|l| !l.starts_with("Date: "))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn unauthorized_matches_capture() {
        let Ok(want) =
            std::fs::read_to_string(format!("{CAPS}http_08_txtapi_status_no_auth_401.raw"))
        else {
            return;
        };
        assert_eq!(PAGE_401.len(), 228);
        assert_eq!(
            strip_date(&unauthorized("freeswitch", 0)),
            strip_date(&want)
        );
        let want =
            std::fs::read_to_string(format!("{CAPS}http_09_txtapi_status_wrong_pass.raw")).unwrap();
        assert_eq!(strip_date(&unauthorized("127.0.0.1", 0)), strip_date(&want));
    }

    #[test]
    fn api_head_matches_capture() {
        let Ok(want) = std::fs::read_to_string(format!("{CAPS}http_10_txtapi_unknown_cmd.raw"))
        else {
            return;
        };
        let got = format!(
            "{}INVALID COMMAND!\n",
            api_head("freeswitch", "127.0.0.1", "text/plain", 0)
        );
        assert_eq!(strip_date(&got), strip_date(&want));
    }

    #[test]
    fn request_parsing() {
        let r = Request::parse(
            "GET /txtapi/status HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAuthorization: Basic x",
        )
        .unwrap();
        assert_eq!(r.target, "/txtapi/status");
        assert_eq!(r.host_domain(), "127.0.0.1");
        assert_eq!(r.header("authorization"), Some("Basic x"));
    }
}
