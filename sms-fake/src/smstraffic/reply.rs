//! The XML replies of `multi.php`: the `<reply>` envelope, errors, and the vendor's error texts.

use axum::http::header;
use axum::response::{IntoResponse, Response};

pub(super) fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub(super) fn reply(body: String) -> Response {
    (
        [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
        format!("<?xml version=\"1.0\" ?>\n<reply>\n{body}</reply>\n"),
    )
        .into_response()
}

pub(super) fn error(code: u32, description: &str) -> Response {
    reply(format!(
        "<result>ERROR</result>\n<code>{code}</code>\n<description>{}</description>\n",
        xml_escape(description)
    ))
}

/// The vendor's descriptions for the codes the fake produces.
pub fn description(code: u32) -> &'static str {
    match code {
        401 => "login param is missing",
        402 => "password param is missing",
        403 => "phones param is missing",
        405 => "message param is missing",
        407 => "phones parameter is empty",
        411 => "Authentication failed",
        415 => "Not enough funds",
        421 => "originator parameter is too long",
        425 => "Phone is too short. No messages has been sent.",
        426 => "Phone is too long. No messages has been sent.",
        428 => "wrong phone format. No messages has been sent.",
        432 => "Blocked phone. No messages has been sent.",
        433 => "sms_id parameter is missing",
        436 => "Originator is forbidden",
        1000 => "Temporary error",
        _ => "Error",
    }
}
