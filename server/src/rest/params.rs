//! Query parameters: known names only (an unknown one is 400 `unknown_field`, so typos do not pass
//! silently), each at most once, percent-decoded; escapes that do not decode to UTF-8 (`%FF`) are
//! 400 `invalid_parameter` naming the parameter, never a U+FFFD in its place. The known names of a method are those of the
//! `IntoParams` struct its OpenAPI operation documents ([`Params::parse_for`]), so the document
//! and the handler accept the same parameters.

use std::any::TypeId;
use std::collections::{BTreeMap, HashMap};
use std::sync::{OnceLock, RwLock};

use utoipa::IntoParams;

use ccgate_core::platform::form::try_form_pairs;
use serde_json::json;

use super::error::{ApiError, ErrorCode};

pub struct Params(BTreeMap<String, String>);

impl Params {
    pub fn parse(raw: Option<&str>, allowed: &[&str]) -> Result<Params, ApiError> {
        let mut map = BTreeMap::new();
        let pairs = try_form_pairs(raw.unwrap_or("")).map_err(|e| {
            ApiError::new(
                ErrorCode::InvalidParameter,
                format!("`{}` is not UTF-8 once percent-decoded", e.name),
            )
            .with_details(json!({ "field": e.name, "reason": "not UTF-8" }))
        })?;
        for (k, v) in pairs {
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

    /// Parse with the parameter names documented by `T`.
    pub fn parse_for<T: IntoParams + 'static>(raw: Option<&str>) -> Result<Params, ApiError> {
        Params::parse(raw, names_of::<T>())
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

/// The query parameter names `T` documents, computed once per type.
pub fn names_of<T: IntoParams + 'static>() -> &'static [&'static str] {
    static CACHE: OnceLock<RwLock<HashMap<TypeId, &'static [&'static str]>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let id = TypeId::of::<T>();
    if let Some(names) = cache.read().unwrap_or_else(|e| e.into_inner()).get(&id) {
        return names;
    }
    let names: Vec<&'static str> =
        T::into_params(|| Some(utoipa::openapi::path::ParameterIn::Query))
            .into_iter()
            .map(|p| &*Box::leak(p.name.into_boxed_str()))
            .collect();
    let names: &'static [&'static str] = Box::leak(names.into_boxed_slice());
    *cache
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .entry(id)
        .or_insert(names)
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
        let e = Params::parse(Some("queue=%FF"), &["queue"]).err().unwrap();
        assert_eq!(e.code, ErrorCode::InvalidParameter);
        assert_eq!(e.details.unwrap()["field"], "queue");
    }
}
