//! `POST /multi.php`: failure modes and stalls (of every request, or of status queries only), authentication, and the operation dispatch
//! (`account`, `status`, or sending).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::reply::{description, error, reply};
use super::{lock, send, status, Fake, Request};
use crate::shared::{parse_form, Mode};

/// `POST /multi.php`: answer the request, then wait first when told to stall.
pub(super) async fn multi(State(fake): State<Arc<Fake>>, body: Bytes) -> Response {
    let form = parse_form(&String::from_utf8_lossy(&body));
    let req = Request { form };
    let stall = {
        let st = lock(&fake.state);
        match &st.mode {
            Some(Mode::Stall(d)) => Some(*d),
            _ if req.get("operation") == Some("status") => st.status_stall,
            _ => None,
        }
    };
    let answer = handle(&fake, &req);
    if let Some(d) = stall {
        tokio::time::sleep(d).await;
    }
    answer
}

/// Failure modes, then login and password, then the operation.
fn handle(fake: &Arc<Fake>, req: &Request) -> Response {
    let cfg = lock(&fake.cfg).clone();
    let operation = req.get("operation").unwrap_or("");
    {
        let mut st = lock(&fake.state);
        st.requests.push(req.clone());
        if operation.is_empty() {
            st.sends += 1;
        }
        if operation == "status" {
            st.status_queries += 1;
        }
        match st.mode.clone() {
            Some(Mode::Error(code)) => return error(code, description(code)),
            Some(Mode::Http(status)) => {
                return (
                    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                    "Service Unavailable",
                )
                    .into_response()
            }
            _ => {}
        }
    }
    let Some(login) = req.get("login") else {
        return error(401, description(401));
    };
    let Some(password) = req.get("password") else {
        return error(402, description(402));
    };
    if login != cfg.login || password != cfg.password {
        return error(411, description(411));
    }
    match operation {
        "account" => return reply(format!("<account>{}</account>\n", cfg.balance)),
        "status" => return status::status(fake, req),
        _ => {}
    }
    send::send(fake, req, &cfg)
}
