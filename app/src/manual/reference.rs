//! The «Модули API» reference, distilled from the OpenAPI document the REST API serves
//! (`GET /api/v1/openapi.json`, generated from the handlers): what the page shows is what the
//! document says, so the two cannot disagree. Examples come from the document too; the server's
//! tests validate them against the document's own schemas.

use serde_json::Value;

use crate::api::docs::{MethodDoc, ParamDoc};

const VERBS: &[&str] = &["get", "post", "put", "patch", "delete"];

/// Every operation of the document except the document itself, in catalogue order.
pub fn methods(doc: &Value) -> Vec<MethodDoc> {
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        let Some(rest) = path.strip_prefix("/api/v1/") else {
            continue;
        };
        if rest == "openapi.json" {
            continue;
        }
        let mut parts = rest.split('/');
        let (module, method) = match (parts.next(), parts.next()) {
            (Some("me"), None) => (String::new(), "me".to_string()),
            (Some(m), Some(x)) => (m.to_string(), x.to_string()),
            _ => continue,
        };
        for verb in VERBS {
            if let Some(op) = item.get(*verb) {
                out.push(operation(doc, path, verb, &module, &method, item, op));
            }
        }
    }
    let rank = |m: &MethodDoc| {
        ccgate_catalogue::all()
            .position(|(a, b)| a.name == m.module && b.name == m.method)
            .map(|p| p + 1)
            .unwrap_or(0)
    };
    out.sort_by_key(|m| {
        (
            rank(m),
            m.path.len(),
            VERBS.iter().position(|v| *v == m.verb),
        )
    });
    out
}

fn operation(
    doc: &Value,
    path: &str,
    verb: &str,
    module: &str,
    method: &str,
    item: &Value,
    op: &Value,
) -> MethodDoc {
    let mut params: Vec<ParamDoc> = Vec::new();
    let listed = item
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(
            op.get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        );
    for p in listed {
        let p = resolve(doc, p);
        let schema = p
            .get("schema")
            .map(|s| resolve(doc, s))
            .unwrap_or(&Value::Null);
        params.push(ParamDoc {
            name: str_of(p, "name"),
            location: str_of(p, "in"),
            ty: type_name(doc, schema),
            required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
            default: schema.get("default").map(scalar),
            example: p
                .get("example")
                .or_else(|| schema.get("example"))
                .or_else(|| schema.get("examples").and_then(|e| e.get(0)))
                .map(scalar),
            description: str_of(p, "description"),
        });
    }
    let body_example = op
        .pointer("/requestBody/content/application~1json")
        .and_then(|c| example_of(doc, c))
        .map(pretty);
    let mut answer_types = Vec::new();
    let mut answer_example = None;
    let mut errors = Vec::new();
    if let Some(responses) = op.get("responses").and_then(Value::as_object) {
        for (status, r) in responses {
            let Ok(status) = status.parse::<u16>() else {
                continue;
            };
            let r = resolve(doc, r);
            if (200..300).contains(&status) && answer_types.is_empty() {
                if let Some(content) = r.get("content").and_then(Value::as_object) {
                    answer_types = content.keys().cloned().collect();
                    answer_example = content
                        .values()
                        .find_map(|c| example_of(doc, c))
                        .map(pretty);
                }
            } else if status >= 400 {
                let codes = r
                    .pointer("/content/application~1json/schema/allOf/1/properties/error/properties/code/enum")
                    .and_then(Value::as_array);
                for c in codes.into_iter().flatten().filter_map(Value::as_str) {
                    errors.push((status, c.to_string()));
                }
            }
        }
    }
    let implemented = !errors.iter().any(|(_, c)| c == "not_implemented");
    let permission = (!module.is_empty()).then(|| format!("{module}.{method}"));
    let curl = curl_line(verb, path, &params, body_example.as_deref());
    MethodDoc {
        module: module.to_string(),
        method: method.to_string(),
        verb: verb.to_uppercase(),
        path: path.to_string(),
        description: op
            .get("description")
            .or_else(|| op.get("summary"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        permission,
        implemented,
        params,
        body_example,
        answer_types,
        answer_example,
        errors,
        curl,
    }
}

/// `v`, or what its `$ref` points at inside the document.
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .strip_prefix('#')
            .and_then(|p| doc.pointer(p))
            .unwrap_or(v),
        None => v,
    }
}

fn str_of(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

/// A media type's example: its own, else its schema's.
fn example_of(doc: &Value, content: &Value) -> Option<Value> {
    content.get("example").cloned().or_else(|| {
        let s = resolve(doc, content.get("schema")?);
        s.get("example")
            .cloned()
            .or_else(|| s.get("examples").and_then(|e| e.get(0)).cloned())
    })
}

fn pretty(v: Value) -> String {
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

/// A parameter value as the page shows it: strings bare, anything else as JSON.
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

/// A schema's type in a few words.
fn type_name(doc: &Value, schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().unwrap_or(r).to_string();
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array) {
        return e.iter().map(scalar).collect::<Vec<_>>().join(" | ");
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(alts) = schema.get(key).and_then(Value::as_array) {
            return alts
                .iter()
                .map(|a| type_name(doc, resolve(doc, a)))
                .filter(|t| t != "null")
                .collect::<Vec<_>>()
                .join(" | ");
        }
    }
    let base = match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect::<Vec<_>>()
            .join(" | "),
        _ => String::new(),
    };
    let base = if base == "array" {
        let item = schema
            .get("items")
            .map(|i| type_name(doc, i))
            .unwrap_or_default();
        format!("array of {item}")
    } else {
        base
    };
    match schema.get("format").and_then(Value::as_str) {
        Some(f) => format!("{base} ({f})"),
        None => base,
    }
}

/// A `curl` command for the operation: required parameters filled with their examples.
fn curl_line(verb: &str, path: &str, params: &[ParamDoc], body: Option<&str>) -> String {
    let mut url = path.to_string();
    let mut query = Vec::new();
    for p in params {
        let value = p
            .example
            .clone()
            .or_else(|| p.default.clone())
            .unwrap_or_else(|| format!("<{}>", p.name));
        match p.location.as_str() {
            "path" => url = url.replace(&format!("{{{}}}", p.name), &encode(&value)),
            "query" if p.required => query.push(format!("{}={}", p.name, encode(&value))),
            _ => {}
        }
    }
    let mut line = String::from("curl");
    match verb {
        "get" => {}
        "post" if body.is_some() => {}
        v => line.push_str(&format!(" -X {}", v.to_uppercase())),
    }
    line.push_str(" -H 'Authorization: Bearer ccg_…'");
    if let Some(b) = body {
        let compact = serde_json::from_str::<Value>(b)
            .map(|v| v.to_string())
            .unwrap_or_else(|_| b.to_string());
        line.push_str(" -H 'Content-Type: application/json' \\\n  -d '");
        line.push_str(&compact.replace('\'', "'\\''"));
        line.push('\'');
    }
    let q = if query.is_empty() {
        String::new()
    } else {
        format!("?{}", query.join("&"))
    };
    line.push_str(&format!(" \\\n  'http://HOST{url}{q}'"));
    line
}

/// Percent-encoding for a query value or path segment (`:` and `@` kept, as RFC 3986 allows).
fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "paths": {
                "/api/v1/cc/queue": {"get": {
                    "description": "One queue.",
                    "parameters": [{"name": "name", "in": "query", "required": true,
                        "schema": {"type": "string", "example": "support@default"},
                        "description": "The queue."}],
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/Q"}}}},
                        "404": {"description": "", "content": {"application/json": {"schema": {"allOf": [
                            {"$ref": "#/components/schemas/ErrorBody"},
                            {"properties": {"error": {"properties": {"code": {"enum": ["queue_not_found"]}}}}}
                        ]}}}}
                    }
                }},
                "/api/v1/sms/send": {"post": {
                    "requestBody": {"content": {"application/json": {"example": {"phone": "+79001234567", "text": "it's"}}}},
                    "responses": {"200": {"description": "ok"}}
                }},
                "/api/v1/openapi.json": {"get": {"responses": {}}}
            },
            "components": {"schemas": {"Q": {"type": "object", "example": {"name": "support@default"}}}}
        })
    }

    #[test]
    fn operations_are_distilled_in_catalogue_order() {
        let m = methods(&doc());
        let names: Vec<_> = m
            .iter()
            .map(|m| format!("{}.{}", m.module, m.method))
            .collect();
        assert_eq!(names, ["cc.queue", "sms.send"]);
        let q = &m[0];
        assert_eq!(q.verb, "GET");
        assert_eq!(q.permission.as_deref(), Some("cc.queue"));
        assert_eq!(q.params[0].ty, "string");
        assert!(q.params[0].required);
        assert_eq!(q.errors, [(404, "queue_not_found".to_string())]);
        assert!(q
            .answer_example
            .as_deref()
            .unwrap()
            .contains("support@default"));
        assert_eq!(
            q.curl,
            "curl -H 'Authorization: Bearer ccg_…' \\\n  'http://HOST/api/v1/cc/queue?name=support@default'"
        );
        let s = &m[1];
        assert!(
            s.curl
                .contains("-d '{\"phone\":\"+79001234567\",\"text\":\"it'\\''s\"}'"),
            "{}",
            s.curl
        );
        assert!(!s.curl.contains("-X"), "{}", s.curl);
    }
}
