//! Example requests and answers of every method, put into the OpenAPI document by
//! [`attach`] — from there the manual's «Модули API» page and the interactive reference show
//! them. Taken from real answers against fs-sim and the SMS fake, shortened. The server's tests
//! validate each one against the schema beside it (`server/tests/api/docs.rs`), and [`attach`]
//! refuses an example for an operation, status or media type the document does not have, so
//! they cannot drift from the code unnoticed.

use serde_json::{json, Value};

const CALL: &str = "a4b44a56-7afb-443b-afa9-b4e7381ec691";
const BATCH: &str = "eba2e53c-73f5-4fb1-aa57-af4bd643a98f";
const CDR: &str = "2ef035a7-a803-451e-b017-16ad795f0b5f";
const SMS: &str = "m1a23f34cac458e8ca089db45ee7";

/// Where an example goes: (path, verb, `request` or a response status, media type, example).
fn examples() -> Vec<(
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Value,
)> {
    let json = "application/json";
    let queue = json!({
        "name": "support@default", "strategy": "longest-idle-agent",
        "moh_sound": "local_stream://moh", "record_template": "/var/lib/freeswitch/recordings/${uuid}.wav",
        "max_wait_time": 0, "calls_answered": 126, "calls_abandoned": 17,
        "fields": {"strategy": "longest-idle-agent", "tier_rules_apply": "false", "discard_abandoned_after": "60"},
        "agents": {"total": 3, "by_status": {"Available": 2, "On Break": 1},
                   "by_state": {"In a queue call": 1, "Waiting": 2}},
        "tiers": 3, "waiting_members": 1
    });
    let tier = json!({"queue": "support@default", "agent": "1000@default", "state": "Ready", "level": 1, "position": 1});
    let cdr = json!({
        "uuid": CDR, "direction": "outbound", "caller_id_name": "", "caller_id_number": "74950000000",
        "destination_number": "1000", "start": "2026-12-04T03:59:00Z", "answer": "2026-12-04T03:59:00Z",
        "end": "2026-12-04T03:59:04Z", "duration": 4, "billsec": 4, "hangup_cause": "NORMAL_CLEARING",
        "queue": "support@default"
    });
    let mut cdr_detail = cdr.clone();
    cdr_detail["variables"] = json!({"cc_queue": "support@default", "cc_agent": "1000@default", "hangup_cause": "NORMAL_CLEARING", "billsec": "4"});
    let period = json!({
        "from": "2026-12-03T21:00:00Z", "until": "2026-12-04T03:59:18Z",
        "offered": 101, "answered": 87, "abandoned": 14, "abandon_rate": 13.9,
        "abandoned_by_reason": {"BREAK_OUT": 13, "EXIT_WITH_KEY": 0, "NO_AGENT_TIMEOUT": 0, "TIMEOUT": 1},
        "answered_within_threshold": 69, "service_level": 68.3, "service_level_seconds": 20,
        "avg_wait_seconds": 11.6, "max_wait_seconds": 52.0, "avg_talk_seconds": 248.0,
        "outbound": {"total": 1, "by_status": {"queued": 0, "dialing": 0, "answered": 0, "completed": 1,
            "busy": 0, "no_answer": 0, "failed": 0, "cancelled": 0, "expired": 0}}
    });
    let live = json!({
        "calls_waiting": 1, "calls_with_agent": 2, "longest_wait_seconds": 34,
        "agents": {"total": 3, "available": 2, "on_call": 2, "on_break": 1, "logged_out": 0,
            "by_status": {"available": 2, "available_on_demand": 0, "logged_out": 0, "on_break": 1},
            "by_state": {"idle": 0, "in_a_queue_call": 2, "receiving": 0, "reserved": 0, "waiting": 1}}
    });
    let project = json!({"name": "support@default", "title": "support@default", "defined": false,
        "queues": ["support@default"], "service_level_seconds": 20});
    let range = |report: &str, group_by: &str| {
        json!({"report": report, "from": "2026-11-30T21:00:00Z", "until": "2026-12-02T21:00:00Z",
               "days": 2, "group_by": group_by, "user": null, "utc_offset": "+03:00"})
    };
    let with = |mut base: Value, extra: Value| {
        for (k, v) in extra.as_object().cloned().unwrap_or_default() {
            base[k] = v;
        }
        base
    };
    vec![
        (
            "/api/v1/me",
            "get",
            "200",
            json,
            json!({
                "user": {"id": "1", "login": "crm", "note": "CRM"},
                "key": {"id": "1", "name": "main", "prefix": "ccg_MyLQ1BWc", "expires_at": null},
                "permissions": ["cc.queues", "cc.add", "sms.send", "sms.getStatus"]
            }),
        ),
        (
            "/api/v1/cc/queues",
            "get",
            "200",
            json,
            json!({"items": [queue.clone()], "total": 1}),
        ),
        (
            "/api/v1/cc/queue",
            "get",
            "200",
            json,
            with(
                queue.clone(),
                json!({
                    "agent_list": [{"name": "1000@default", "status": "Available", "state": "Waiting",
                        "contact": "{leg_timeout=10}loopback/1000/default", "type": "callback",
                        "calls_answered": 4, "talk_time": 289, "no_answer_count": 0, "last_status_change": 1796353136}],
                    "tier_list": [tier.clone()],
                    "members": []
                }),
            ),
        ),
        (
            "/api/v1/cc/tiers",
            "get",
            "200",
            json,
            json!({"items": [tier.clone()], "total": 1}),
        ),
        ("/api/v1/cc/tier", "get", "200", json, tier.clone()),
        (
            "/api/v1/cc/cdr",
            "get",
            "200",
            json,
            json!({"items": [cdr], "total": 408, "limit": 1, "offset": 0}),
        ),
        ("/api/v1/cc/cdr/{uuid}", "get", "200", json, cdr_detail),
        (
            "/api/v1/cc/add",
            "post",
            "request",
            json,
            json!({
                "phone": "+79161234567", "queue": "support@default", "crm_ref": "deal-1842"
            }),
        ),
        (
            "/api/v1/cc/add",
            "post",
            "202",
            json,
            json!({
                "accepted": 1, "rejected": 0, "batch_id": BATCH,
                "items": [{"index": 0, "id": CALL, "phone": "+79161234567", "status": "queued"}]
            }),
        ),
        (
            "/api/v1/cc/add/{id}",
            "get",
            "200",
            json,
            json!({
                "id": CALL, "batch_id": BATCH, "phone": "+79161234567", "queue": "support@default",
                "caller_id_number": "", "caller_id_name": "", "crm_ref": "deal-1842", "variables": {},
                "priority": 0, "not_before": "2026-12-04T03:59:10Z", "not_after": null,
                "status": "answered", "hangup_cause": null, "attempts": 1,
                "created_at": "2026-12-04T03:59:10Z", "updated_at": "2026-12-04T03:59:11Z",
                "dialed_at": "2026-12-04T03:59:10Z", "answered_at": "2026-12-04T03:59:11Z",
                "ended_at": null, "billsec": null
            }),
        ),
        (
            "/api/v1/cc/add/{id}",
            "delete",
            "200",
            json,
            json!({"id": CALL, "status": "cancelled"}),
        ),
        (
            "/api/v1/sms/send",
            "post",
            "request",
            json,
            json!({
                "phone": "+79161234567", "text": "Ваш код: 1234", "sender": "SHOP"
            }),
        ),
        (
            "/api/v1/sms/send",
            "post",
            "200",
            json,
            json!({
                "accepted": 1, "rejected": 0, "parts": 1, "submitted": true,
                "batch_id": "b1a23f34cac42f718323c8335197",
                "items": [{"index": 0, "id": SMS, "phone": "+79161234567", "status": "accepted",
                    "parts": 1, "encoding": "ucs2", "gateway": "main"}]
            }),
        ),
        (
            "/api/v1/sms/getStatus",
            "get",
            "200",
            json,
            json!({
                "items": [{"id": SMS, "batch_id": "b1a23f34cac42f718323c8335197", "phone": "+79161234567",
                    "sender": "SHOP", "status": "delivered", "final": true, "raw_status": "Delivered",
                    "encoding": "ucs2", "parts": 1, "gateway": "main", "provider_ids": ["1000472891"],
                    "created_at": "2026-12-04T03:59:14Z", "submitted_at": "2026-12-04T03:59:14Z",
                    "updated_at": "2026-12-04T03:59:18Z", "done_at": "2026-12-04T03:59:18Z"}],
                "total": 1, "not_found": []
            }),
        ),
        (
            "/api/v1/stats/get",
            "get",
            "200",
            json,
            json!({
                "as_of": "2026-12-04T03:59:18Z", "source": "builtin", "project": project.clone(),
                "live": live.clone(), "period": period.clone(),
                "sms": {"created": 1, "sent": 1, "delivered": 1}
            }),
        ),
        (
            "/api/v1/stats/all",
            "get",
            "200",
            json,
            json!({
                "as_of": "2026-12-04T03:59:18Z", "source": "builtin",
                "items": [{"project": project, "live": live.clone(), "period": period.clone()}],
                "total": 1,
                "overall": {"queues": ["support@default"], "live": live, "period": period},
                "sms": {"created": 1, "sent": 1, "delivered": 1}
            }),
        ),
        (
            "/api/v1/reports/request",
            "get",
            "200",
            json,
            with(
                range("request", "day"),
                json!({
                    "items": [{"key": "2026-12-01", "requests": 1520, "ok": 1488, "bad": 30, "error": 2},
                              {"key": "2026-12-02", "requests": 1611, "ok": 1590, "bad": 21, "error": 0}],
                    "total": 2, "totals": {"requests": 3131, "ok": 3078, "bad": 51, "error": 2}
                }),
            ),
        ),
        (
            "/api/v1/reports/badRequest",
            "get",
            "200",
            json,
            with(
                range("badRequest", "day"),
                json!({
                    "items": [{"key": "2026-12-01", "requests": 1520, "bad": 30, "error": 2,
                               "by_error_code": {"auth_invalid": 18, "invalid_phone": 12}}],
                    "total": 1, "totals": {"requests": 1520, "bad": 30, "error": 2, "bad_rate": 2.1},
                    "by_error_code": [{"error_code": "auth_invalid", "status": 401, "count": 18},
                                      {"error_code": "invalid_phone", "status": 400, "count": 12}],
                    "server_errors": []
                }),
            ),
        ),
        (
            "/api/v1/reports/users",
            "get",
            "200",
            json,
            with(
                range("users", "user"),
                json!({
                    "items": [{"user_id": 1, "login": "crm", "status": "active", "requests": 3131,
                        "bad_requests": 51, "errors": 2, "sms_sent": 420, "sms_delivered": 401,
                        "calls_placed": 96, "calls_answered": 71, "last_request_at": "2026-12-02T17:45:12Z"}],
                    "total": 1, "totals": {"requests": 3131, "bad_requests": 51, "errors": 2, "sms_sent": 420,
                        "sms_delivered": 401, "calls_placed": 96, "calls_answered": 71}
                }),
            ),
        ),
        (
            "/api/v1/reports/sms",
            "get",
            "200",
            json,
            with(
                range("sms", "day"),
                json!({
                    "items": [{"key": "2026-12-01", "messages": 210, "parts": 236, "delivered": 201,
                        "failed": 6, "pending": 3, "delivery_rate": 95.7,
                        "by_status": {"delivered": 201, "undelivered": 6, "sent": 3}}],
                    "total": 1, "totals": {"key": "", "messages": 210, "parts": 236, "delivered": 201,
                        "failed": 6, "pending": 3, "delivery_rate": 95.7,
                        "by_status": {"delivered": 201, "undelivered": 6, "sent": 3}}
                }),
            ),
        ),
        (
            "/api/v1/reports/demoReport",
            "get",
            "200",
            json,
            json!({
                "report": "demoReport", "upstream_status": 200, "content_type": "application/json; charset=utf-8",
                "data": {"from": "2026-12-01", "until": "2026-12-02", "project": "all",
                    "rows": [{"date": "2026-12-01", "offered": 521, "answered": 485, "abandoned": 36,
                        "abandon_rate": 6.9, "service_level": 89.9, "avg_wait_s": 32, "max_wait_s": 234,
                        "avg_talk_s": 161, "outbound_calls": 73}],
                    "totals": {"offered": 521, "answered": 485, "abandoned": 36, "abandon_rate": 6.9,
                        "service_level": 89.9, "outbound_calls": 73}}
            }),
        ),
    ]
}

/// `~` and `/` escaped for a JSON pointer.
fn esc(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// Put every example into `doc`; an example for something the document lacks stops start-up.
pub fn attach(doc: &mut Value) {
    for (path, verb, at, media, example) in examples() {
        let pointer = if at == "request" {
            format!(
                "/paths/{}/{verb}/requestBody/content/{}",
                esc(path),
                esc(media)
            )
        } else {
            format!(
                "/paths/{}/{verb}/responses/{at}/content/{}",
                esc(path),
                esc(media)
            )
        };
        let Some(slot) = doc.pointer_mut(&pointer) else {
            panic!("an example for {verb} {path} {at} {media}, which the document does not have");
        };
        slot["example"] = example;
    }
}
