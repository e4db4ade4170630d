//! Extractors that turn every malformed input into a clear 4xx in the common error shape.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::error::{ApiError, ErrorCode};

/// A JSON body: 415 without a JSON content type, 413 over the limit, 400 `invalid_json` with the
/// position, 400 `unknown_field` / `invalid_parameter` for the wrong shape.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|ct| {
                let mime = ct
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                mime == "application/json"
                    || (mime.starts_with("application/") && mime.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError::new(
                ErrorCode::UnsupportedMediaType,
                "expected Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    ErrorCode::PayloadTooLarge,
                    "the request body is larger than 1 MiB",
                )
            } else {
                ApiError::new(ErrorCode::InvalidJson, "the request body could not be read")
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// A body that must be one JSON object (a method's named fields): an array or a scalar is a 400
/// `invalid_parameter` — serde would otherwise read an array as the fields in declaration order,
/// past the unknown-field check.
pub fn parse_json_object<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    match first {
        Some(b'{') | None => parse_json(bytes),
        Some(_) => {
            // Not even JSON: the syntax error is the clearer answer.
            parse_json::<serde::de::IgnoredAny>(bytes)?;
            Err(ApiError::new(
                ErrorCode::InvalidParameter,
                "the body must be a JSON object with named fields",
            )
            .with_details(json!({ "reason": "not an object" })))
        }
    }
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        use serde_json::error::Category;
        let pos = json!({ "line": e.line(), "column": e.column() });
        match e.classify() {
            Category::Syntax | Category::Eof | Category::Io => ApiError::new(
                ErrorCode::InvalidJson,
                format!("malformed JSON at line {}, column {}", e.line(), e.column()),
            )
            .with_details(pos),
            Category::Data => {
                let msg = e.to_string();
                let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
                let code = if msg.starts_with("unknown field") {
                    ErrorCode::UnknownField
                } else {
                    ErrorCode::InvalidParameter
                };
                ApiError::new(code, msg.clone()).with_details(json!({
                    "reason": msg, "line": e.line(), "column": e.column()
                }))
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct T {
        phone: String,
    }

    #[test]
    fn json_errors_are_classified() {
        let e = parse_json::<T>(b"{\"phone\": ").unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidJson);
        assert_eq!(e.details.unwrap()["line"], 1);
        let e = parse_json::<T>(b"{\"phone\":\"1\",\"phnoe\":2}").unwrap_err();
        assert_eq!(e.code, ErrorCode::UnknownField);
        let e = parse_json::<T>(b"{\"phone\":5}").unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidParameter);
        assert!(parse_json::<T>(b"{\"phone\":\"5\"}").is_ok());
    }

    #[test]
    fn fields_are_named_never_positional() {
        // serde alone reads `["5"]` as `{phone: "5"}`.
        assert!(parse_json::<T>(b"[\"5\"]").is_ok());
        for body in [&b" [\"5\"]"[..], b"\"5\"", b"5", b"null"] {
            let e = parse_json_object::<T>(body).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidParameter, "{body:?}");
        }
        assert_eq!(
            parse_json_object::<T>(b"[1,").unwrap_err().code,
            ErrorCode::InvalidJson
        );
        assert!(parse_json_object::<T>(b" {\"phone\":\"5\"}").is_ok());
    }
}
