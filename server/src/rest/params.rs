//! Query parameters: known names only (an unknown one is 400 `unknown_field`, so typos do not pass
//! silently), each at most once, percent-decoded.

use std::collections::BTreeMap;

use ccgate_core::platform::form::form_pairs;
use serde_json::json;

use super::error::{ApiError, ErrorCode};

pub struct Params(BTreeMap<String, String>);

impl Params {
    pub fn parse(raw: Option<&str>, allowed: &[&str]) -> Result<Params, ApiError> {
        let mut map = BTreeMap::new();
        for (k, v) in form_pairs(raw.unwrap_or("")) {
            if !allowed.contains(&k.as_str()) {
                return Err(ApiError::new(
                    ErrorCode::UnknownField,
                    format!("unknown parameter `{k}`"),
                )
                .with_details(json!({ "field": k, "allowed": allowed })));
            }
            if map.insert(k.clone(), v).is_some() {
                return Err(ApiError::new(
                    ErrorCode::InvalidParameter,
                    format!("`{k}` given twice"),
                )
                .with_details(json!({ "field": k })));
            }
        }
        Ok(Params(map))
    }

    pub fn opt(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }

    pub fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.opt(name).ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidParameter, format!("`{name}` is required"))
                .with_details(json!({ "field": name, "reason": "required" }))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_names_only() {
        let p = Params::parse(Some("queue=support%40default&agent="), &["queue", "agent"]).unwrap();
        assert_eq!(p.opt("queue"), Some("support@default"));
        let p = Params::parse(Some("q=a+b%2Bc&&x"), &["q", "x"]).unwrap();
        assert_eq!((p.opt("q"), p.opt("x")), (Some("a b+c"), None));
        assert_eq!(p.opt("agent"), None);
        assert!(p.required("agent").is_err());
        let e = Params::parse(Some("qeue=x"), &["queue"]).err().unwrap();
        assert_eq!(e.code, ErrorCode::UnknownField);
        let e = Params::parse(Some("queue=a&queue=b"), &["queue"])
            .err()
            .unwrap();
        assert_eq!(e.code, ErrorCode::InvalidParameter);
    }
}
