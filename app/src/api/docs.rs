//! The manual («Документация»): the prose chapters (rendered on the server, `crate::manual`), the
//! per-method reference distilled from the OpenAPI document the REST API serves — the one source
//! of both, so they cannot disagree — and «Что может этот ключ» (signed in only). The first two
//! hold nothing secret and answer without a session, like the pages that show them.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::KeyRow;
use crate::error::AppError;

/// A rendered chapter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chapter {
    /// The text of its `#` heading.
    pub title: String,
    /// HTML from our own Markdown: raw HTML in the source is escaped.
    pub html: String,
    pub toc: Vec<TocEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub text: String,
}

/// One operation of the REST API as the reference page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodDoc {
    /// Catalogue names (`me` has an empty module; the document itself is `openapi`).
    pub module: String,
    pub method: String,
    pub verb: String,
    /// The full path, `/api/v1/…`.
    pub path: String,
    /// The handler's own description (English, from the code).
    pub description: String,
    /// `module.method` an API user must be granted, if any.
    pub permission: Option<String>,
    /// Whether a module serves it (else it answers 501 `not_implemented`).
    pub implemented: bool,
    pub params: Vec<ParamDoc>,
    /// An example request body (pretty JSON), for methods that take one.
    pub body_example: Option<String>,
    /// The content types of the successful answer.
    pub answer_types: Vec<String>,
    /// An example successful answer (pretty JSON).
    pub answer_example: Option<String>,
    /// (HTTP status, error code) of every error it can answer.
    pub errors: Vec<(u16, String)>,
    /// A ready `curl` line (`HOST` and the key to be filled in).
    pub curl: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamDoc {
    pub name: String,
    /// `query`, `path` or `header`.
    pub location: String,
    /// The type as the document gives it (`string`, `integer (int64)`, `a | b`…).
    pub ty: String,
    pub required: bool,
    pub default: Option<String>,
    pub example: Option<String>,
    pub description: String,
}

/// One method as an API user would find it today.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodVerdict {
    pub module: String,
    pub method: String,
    /// The error code a call gets with a valid key (`None`: it runs).
    pub refusal: Option<String>,
}

/// Everything «Что может этот ключ» shows of one API user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserAccess {
    pub user_id: i64,
    pub login: String,
    pub status: String,
    pub keys: Vec<KeyRow>,
    /// The IP allow-list as stored (canonical CIDR text; empty: any address).
    pub ip_allow: String,
    /// The limits in one line (`name=value, …`), empty without any.
    pub limits: String,
    pub methods: Vec<MethodVerdict>,
}

#[server(endpoint = "docs/chapter")]
pub async fn manual_chapter(name: String, lang: String) -> Result<Chapter, AppError> {
    crate::manual::chapter(&name, &lang)
        .ok_or_else(|| AppError::NotFound(format!("no chapter {name:?} in {lang:?}")).with_status())
}

#[server(endpoint = "docs/reference")]
pub async fn api_reference() -> Result<Vec<MethodDoc>, AppError> {
    let state = crate::ssr::state()?;
    Ok(crate::manual::reference::methods(&state.api_document))
}

#[server(endpoint = "docs/key")]
pub async fn key_access(user_id: i64) -> Result<UserAccess, AppError> {
    crate::ssr::require_admin().await?;
    let state = crate::ssr::state()?;
    let detail = ccgate_core::access::users::get(&state.db, user_id).await?;
    let keys = ccgate_core::access::keys::list(&state.db, user_id).await?;
    let limits = ccgate_core::access::limits::of_user(&state.db, user_id).await?;
    let snap = state.live.current();
    let methods = snap
        .access_of(user_id)
        .unwrap_or_default()
        .into_iter()
        .map(|m| MethodVerdict {
            module: m.module.to_string(),
            method: m.method.to_string(),
            refusal: m.refusal.map(|c| c.as_str().to_string()),
        })
        .collect();
    Ok(UserAccess {
        user_id,
        login: detail.login,
        status: detail.status,
        ip_allow: detail.ip_allow,
        limits: if limits.is_empty() {
            String::new()
        } else {
            limits.to_text()
        },
        keys: keys.into_iter().map(KeyRow::from).collect(),
        methods,
    })
}
