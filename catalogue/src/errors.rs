//! The public API's error codes: stable once published, listed once here (the REST layer, the
//! docs page and the reports all read this table). Never rename a code: add a new one.

macro_rules! codes {
    ($($variant:ident => ($code:literal, $status:literal, $doc:literal)),* $(,)?) => {
        /// Stable error codes. Never rename one: add new ones instead.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ErrorCode { $($variant),* }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code),* }
            }
            pub fn status(self) -> u16 {
                match self { $(ErrorCode::$variant => $status),* }
            }
            /// One line for the docs.
            pub fn doc(self) -> &'static str {
                match self { $(ErrorCode::$variant => $doc),* }
            }
        }
    };
}

codes! {
    AuthMissing => ("auth_missing", 401, "No API key: send Authorization: Bearer <key>, X-API-Key or Basic login:key."),
    AuthInvalid => ("auth_invalid", 401, "The API key is unknown or revoked, or does not belong to the login given."),
    KeyExpired => ("key_expired", 401, "The API key has expired; ask for a new one."),
    UserBlocked => ("user_blocked", 403, "The API user is blocked."),
    MethodDisabled => ("method_disabled", 403, "The method (or its module) is switched off for everyone."),
    PermissionDenied => ("permission_denied", 403, "The API user may not call this method; details.missing names it."),
    NotFound => ("not_found", 404, "No such route or resource."),
    MethodNotAllowed => ("method_not_allowed", 405, "The route exists but not with this HTTP method."),
    PayloadTooLarge => ("payload_too_large", 413, "The request body is larger than the method accepts (1 MiB; sms/send 16 MiB)."),
    UnsupportedMediaType => ("unsupported_media_type", 415, "Send JSON with Content-Type: application/json."),
    InvalidJson => ("invalid_json", 400, "The body is not valid JSON; details give line and column."),
    UnknownField => ("unknown_field", 400, "The body has a field this method does not know."),
    InvalidParameter => ("invalid_parameter", 400, "A parameter is missing or invalid; details name it."),
    Conflict => ("conflict", 409, "The request conflicts with the current state."),
    IdempotencyInProgress => ("idempotency_in_progress", 409, "A request with this Idempotency-Key is still running; retry later."),
    IdempotencyKeyReused => ("idempotency_key_reused", 422, "This Idempotency-Key was used with a different request body."),
    CallNotFound => ("call_not_found", 404, "No call or batch with that id in your call list."),
    CallNotCancellable => ("call_not_cancellable", 409, "The call is already being dialled or has finished; only queued calls can be cancelled."),
    QueueNotFound => ("queue_not_found", 404, "No such call-center queue."),
    AgentNotFound => ("agent_not_found", 404, "No such call-center agent."),
    TierNotFound => ("tier_not_found", 404, "No tier links this queue and agent."),
    CdrNotFound => ("cdr_not_found", 404, "No CDR of that call has been indexed."),
    ProjectNotFound => ("project_not_found", 404, "No statistics project of that name (Settings → «Онлайн статистика ЦОВ»; before any is defined, every queue is a project)."),
    InvalidRange => ("invalid_range", 422, "The time range is empty or reversed (from must be before until)."),
    RangeTooLarge => ("range_too_large", 400, "The time range is longer than allowed (reports: at most 366 days)."),
    RecordingNotFound => ("recording_not_found", 404, "No recording of that call inside the recordings directory."),
    RangeNotSatisfiable => ("range_not_satisfiable", 416, "The Range header asks for bytes the file does not have."),
    UpstreamUnavailable => ("upstream_unavailable", 503, "FreeSWITCH (or another upstream) cannot be reached."),
    UpstreamAuthFailed => ("upstream_auth_failed", 502, "The upstream refused the gateway's credentials; check Settings."),
    UpstreamError => ("upstream_error", 502, "The upstream answered something the gateway cannot use."),
    UpstreamTimeout => ("upstream_timeout", 504, "The upstream did not answer in time."),
    UpstreamTlsError => ("upstream_tls_error", 502, "The upstream's TLS certificate did not verify (for another name, expired, or signed by a CA this server does not trust: add the CA file in Settings); refused before the request was sent, so an SMS moves on to the next gateway."),
    PhoneEmpty => ("phone_empty", 400, "The phone number is empty."),
    PhoneBadCharacters => ("phone_bad_characters", 400, "Only digits, a leading +, spaces, dashes, dots and brackets are allowed in a phone number."),
    PhoneTooShort => ("phone_too_short", 400, "The phone number has too few digits for E.164."),
    PhoneTooLong => ("phone_too_long", 400, "The phone number has more than 15 digits."),
    PhoneBadLength => ("phone_bad_length", 400, "A +7 number has exactly 11 digits."),
    PhoneNotMobile => ("phone_not_mobile", 400, "A 10-digit number must be a Russian mobile starting with 9."),
    PhoneBadCountryCode => ("phone_bad_country_code", 400, "A country code never starts with 0."),
    TextEmpty => ("text_empty", 400, "The SMS text is empty."),
    TextTooLong => ("text_too_long", 400, "The SMS text is longer than allowed, or needs more parts than the gateway sends."),
    InvalidPhone => ("invalid_phone", 400, "The phone number cannot be read as E.164 (RU: 8XXXXXXXXXX, 7…, +7…, 10-digit 9…); details.reason says why."),
    BatchTooLarge => ("batch_too_large", 400, "More recipients in one sms/send than allowed (10 000)."),
    SmsGatewayNotConfigured => ("sms_gateway_not_configured", 503, "No SMS gateway is active: add one in Settings → SMS."),
    GatewayUnavailable => ("gateway_unavailable", 503, "No SMS gateway took the message (down, overloaded or refusing); per message in sms/send and sms/getStatus."),
    GatewayRefused => ("gateway_refused", 502, "The SMS gateway refused the request (credentials, funds, route); per message."),
    SubmitAmbiguous => ("submit_ambiguous", 504, "The SMS gateway may or may not have taken the message (no answer in time); it was not resent. Per message."),
    PhoneRejected => ("phone_rejected", 422, "The SMS gateway refused the phone number; per message."),
    SenderRejected => ("sender_rejected", 422, "The SMS gateway refused the sender name; per message."),
    NotQueued => ("not_queued", 502, "The SMS gateway answered but did not queue the message; per message."),
    MessageRejected => ("message_rejected", 422, "The SMS gateway refused the message; per message."),
    StatusExpired => ("status_expired", 504, "No final SMS status within the gateway's retention period; per message."),
    NotConfigured => ("not_configured", 503, "The method needs a setting that is still empty (details.setting names it): set it in Settings."),
    NotImplemented => ("not_implemented", 501, "The method is in the catalogue but its module is not available yet."),
    InternalError => ("internal_error", 500, "An unexpected failure; quote the request_id to support."),
    DatabaseUnavailable => ("database_unavailable", 503, "The gateway's own database cannot be reached right now (or gave no connection in time); retry later. Methods that need no database keep working."),
    IpNotAllowed => ("ip_not_allowed", 403, "The API user may not call from this address: it is outside the user's IP allow-list (Users → the user → «Разрешённые адреса»)."),
    RateLimited => ("rate_limited", 429, "Too many requests this minute for this API user (overall or for this method); wait Retry-After seconds. RateLimit-* headers tell the limit, what remains and when the count starts again."),
    QuotaExceeded => ("quota_exceeded", 429, "The API user's daily or monthly quota (cc/add contacts per day, SMS parts per day or month) has not enough left for this request; details name the quota, what is used and what was asked for. Nothing was queued or sent."),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            assert!(seen.insert(c.as_str()), "duplicate {}", c.as_str());
            assert!(c
                .as_str()
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch == '_'));
            assert!((400..600).contains(&c.status()));
        }
    }
}
