//! Extractors that turn every malformed input into a clear 4xx in the common error shape.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, MatchedPath, Path, Request};
use axum::http::header;
use axum::http::request::Parts;
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
        if declared_over(req.headers(), super::BODY_LIMIT) {
            return Err(too_large());
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                ApiError::new(ErrorCode::InvalidJson, "the request body could not be read")
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

fn too_large() -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        "the request body is larger than 1 MiB",
    )
}

/// One path parameter (`{id}`, `{uuid}`), percent-decoded: one that is not UTF-8 once decoded is
/// 400 `invalid_parameter` naming it, in the common error shape (the framework's own answer is
/// plain text without a code).
pub struct ApiPath(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ApiPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(ApiPath(v)),
            Err(e) => {
                // The parameter's name, from the route (`/v1/cc/add/{id}`).
                let name = parts
                    .extensions
                    .get::<MatchedPath>()
                    .and_then(|m| {
                        let p = m.as_str();
                        let start = p.rfind('{')? + 1;
                        let end = start + p[start..].find('}')?;
                        Some(p[start..end].to_string())
                    })
                    .unwrap_or_else(|| "path".into());
                tracing::debug!(error = %e.body_text(), "path parameter refused");
                Err(ApiError::new(
                    ErrorCode::InvalidParameter,
                    format!("`{name}` is not UTF-8 once percent-decoded"),
                )
                .with_details(json!({ "field": name, "reason": "not UTF-8" })))
            }
        }
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

/// Parse a JSON body. Every error names where it is: `line` and `column`, and `field`, the path
/// of the value it is in (`contacts[2].priority`) when not the whole body. A number too large for
/// any type (`1e400`) is `invalid_parameter` like one too large for its field; deep nesting stops
/// at serde_json's recursion limit (`invalid_json`), it cannot overflow the stack.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = match serde_path_to_error::deserialize(&mut de) {
        Ok(v) => de.end().map(|()| v).map_err(|e| (None, e)),
        Err(e) => {
            let path = e.path().to_string();
            Err(((path != ".").then_some(path), e.into_inner()))
        }
    };
    parsed.map_err(|(field, e)| {
        use serde_json::error::Category;
        let msg = e.to_string();
        let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
        let mut details = json!({ "line": e.line(), "column": e.column() });
        if let Some(f) = &field {
            details["field"] = json!(f);
        }
        let out_of_range = msg.starts_with("number out of range");
        match e.classify() {
            Category::Syntax | Category::Eof | Category::Io if !out_of_range => ApiError::new(
                ErrorCode::InvalidJson,
                format!("malformed JSON at line {}, column {}", e.line(), e.column()),
            )
            .with_details(details),
            _ => {
                let code = if msg.starts_with("unknown field") {
                    ErrorCode::UnknownField
                } else {
                    ErrorCode::InvalidParameter
                };
                let message = match &field {
                    Some(f) => format!("{f}: {msg}"),
                    None => msg.clone(),
                };
                details["reason"] = json!(msg);
                ApiError::new(code, message).with_details(details)
            }
        }
    })
}

/// Whether the request declares a body over `limit` bytes: answered 413 from its head, before
/// any of the body is read (a client waiting to send it would otherwise wait for the body timeout).
pub fn declared_over(headers: &axum::http::HeaderMap, limit: usize) -> bool {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_some_and(|n| n > limit as u64)
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
        assert!(parse_json::<T>(b"{\"phone\":\"5\"} x").is_err());
    }

    #[test]
    fn errors_name_the_field() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct N {
            items: Vec<M>,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct M {
            priority: i64,
        }
        for body in [
            &b"{\"items\":[{\"priority\":1},{\"priority\":99999999999999999999}]}"[..],
            b"{\"items\":[{\"priority\":1},{\"priority\":1e400}]}",
            b"{\"items\":[{\"priority\":1},{\"priority\":-1.5}]}",
        ] {
            let e = parse_json::<N>(body).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidParameter, "{e:?}");
            assert_eq!(e.details.unwrap()["field"], "items[1].priority");
        }
        // Also into an untyped value.
        let e = parse_json::<serde_json::Value>(b"{\"a\":{\"b\":1e999}}").unwrap_err();
        assert_eq!(
            (e.code, &e.details.unwrap()["field"]),
            (ErrorCode::InvalidParameter, &json!("a.b"))
        );
        // Nesting past the recursion limit is malformed JSON, not a crash.
        let deep = "[".repeat(100_000);
        let e = parse_json::<serde_json::Value>(deep.as_bytes()).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidJson);
        let deep = "{\"a\":".repeat(100_000);
        assert_eq!(
            parse_json::<serde_json::Value>(deep.as_bytes())
                .unwrap_err()
                .code,
            ErrorCode::InvalidJson
        );
        // Not UTF-8 inside a string.
        let e = parse_json::<T>(b"{\"phone\":\"\xff\xfe\"}").unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidJson);
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
