//! What the demo month's successful requests created: SMS (`sms_messages` with their parts and
//! status events, through the demo gateway, final: mostly delivered, some undelivered, expired or
//! refused by the operator) and `cc/add` calls (`cc_calls`: validated and stored by the dialer's
//! own `parse_contact` and `enqueue`, then given the outcome the pacing worker would have
//! recorded — completed, busy, no answer, failed — with back-dated times).

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::Rng;

use crate::cc::dialer::contact::{parse_contact, ContactInput};
use crate::cc::dialer::store;
use crate::platform::db::Db;
use crate::platform::error::ServiceError;
use crate::platform::query::insert_rows;
use crate::platform::time::rfc3339;
use crate::sms::providers::NormStatus;
use crate::sms::text;

const TEXTS: [&str; 6] = [
    "Ваш код подтверждения: {n}. Никому его не сообщайте.",
    "Заказ №{n} передан в доставку. Курьер позвонит за час до приезда.",
    "Напоминаем о записи на завтра в 14:30. Для отмены ответьте 0.",
    "Спасибо за обращение! Номер заявки {n}. Оцените работу оператора: 1-5.",
    "Your verification code: {n}",
    "Оплата по договору {n} получена. Баланс обновится в течение часа.",
];

/// One SMS of a demo `sms.send`.
pub struct Sms {
    pub user_id: i64,
    pub batch_id: String,
    pub seq: i64,
    pub at: i64,
}

fn phone(rng: &mut StdRng) -> String {
    let code = [916, 903, 925, 977, 985, 999][rng.gen_range(0..6)];
    format!("+7{code}{:07}", rng.gen_range(0..10_000_000u32))
}

/// Store the messages, each final no later than `now`.
pub async fn store_sms(
    db: &Db,
    rng: &mut StdRng,
    gateway: (i64, &str),
    sender: &str,
    msgs: &[Sms],
    now: i64,
) -> Result<(), ServiceError> {
    let columns = [
        "id",
        "user_id",
        "batch_id",
        "seq",
        "phone",
        "sender",
        "text",
        "encoding",
        "parts",
        "gateway_id",
        "gateway_name",
        "status",
        "final",
        "raw_status",
        "error_code",
        "created_at",
        "submitted_at",
        "updated_at",
        "done_at",
    ];
    let mut tx = db.begin_write().await?;
    for chunk in msgs.chunks(100) {
        let mut rows = Vec::with_capacity(chunk.len());
        for m in chunk {
            let id = format!("m{:011x}{:016x}", m.at, rng.gen::<u64>());
            let body = TEXTS[rng.gen_range(0..TEXTS.len())]
                .replace("{n}", &rng.gen_range(1000..999_999).to_string());
            let parts = text::count(&body);
            let r: f64 = rng.gen();
            let submitted = m.at + rng.gen_range(150..900);
            let (status, raw, code, done) = if r < 0.88 {
                let d = submitted + rng.gen_range(3_000..90_000);
                (NormStatus::Delivered, "Delivered", "", d)
            } else if r < 0.95 {
                let d = submitted + rng.gen_range(60_000..3_600_000);
                (NormStatus::Undelivered, "Non Delivered", "", d)
            } else if r < 0.98 && submitted + 86_400_000 < now {
                (NormStatus::Expired, "Expired", "", submitted + 86_400_000)
            } else {
                (NormStatus::Rejected, "", "phone_rejected", submitted)
            };
            rows.push((
                id,
                m,
                body,
                parts,
                status,
                raw,
                code,
                submitted,
                done.min(now),
            ));
        }
        let sql = insert_rows("sms_messages", &columns, rows.len());
        let mut q = sqlx::query(&sql);
        for (id, m, body, parts, status, raw, code, submitted, done) in &rows {
            q = q
                .bind(id)
                .bind(m.user_id)
                .bind(&m.batch_id)
                .bind(m.seq)
                .bind(phone(rng))
                .bind(sender)
                .bind(body)
                .bind(parts.encoding.as_str())
                .bind(parts.parts as i64)
                .bind(gateway.0)
                .bind(gateway.1)
                .bind(status.as_str())
                .bind(1i64)
                .bind(*raw)
                .bind(*code)
                .bind(m.at)
                .bind(*submitted)
                .bind(*done)
                .bind(*done);
        }
        q.execute(&mut *tx).await?;
        for (id, _, _, parts, status, raw, code, submitted, done) in &rows {
            let accepted = code.is_empty();
            let pid = rng.gen_range(8_000_000_000u64..9_000_000_000);
            if accepted {
                for n in 0..parts.parts as u64 {
                    sqlx::query(
                        "INSERT INTO sms_parts (gateway_id, provider_id, message_id, part_no, \
                         status, raw_status, final, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?)",
                    )
                    .bind(gateway.0)
                    .bind((pid + n).to_string())
                    .bind(id)
                    .bind(n as i64 + 1)
                    .bind(status.as_str())
                    .bind(*raw)
                    .bind(*done)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            let submit = if accepted {
                NormStatus::Accepted
            } else {
                NormStatus::Rejected
            };
            let error = if accepted {
                String::new()
            } else {
                "phone_rejected: Неверный номер телефона".to_string()
            };
            sqlx::query(
                "INSERT INTO sms_status_events (message_id, at, source, gateway_id, provider_id, \
                 status, raw_error) VALUES (?, ?, 'submit', ?, ?, ?, ?)",
            )
            .bind(id)
            .bind(*submitted)
            .bind(gateway.0)
            .bind(if accepted {
                pid.to_string()
            } else {
                String::new()
            })
            .bind(submit.as_str())
            .bind(error)
            .execute(&mut *tx)
            .await?;
            if accepted {
                sqlx::query(
                    "INSERT INTO sms_status_events (message_id, at, source, gateway_id, \
                     provider_id, status, raw_status) VALUES (?, ?, 'callback', ?, ?, ?, ?)",
                )
                .bind(id)
                .bind(*done)
                .bind(gateway.0)
                .bind(pid.to_string())
                .bind(status.as_str())
                .bind(*raw)
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Store one `cc/add` contact of `user_id` placed at `at`, with an outcome reached by `now`.
/// Returns its final status.
pub async fn store_call(
    db: &Db,
    rng: &mut StdRng,
    user_id: i64,
    at: i64,
    now: i64,
    offset_minutes: i64,
) -> Result<&'static str, ServiceError> {
    let queue = ["support@default", "sales@default"][rng.gen_range(0..2)];
    let mut variables = BTreeMap::new();
    variables.insert("campaign".to_string(), "december_retention".into());
    // Not before tomorrow while stored, so no pacing worker dials it before its outcome is set.
    let input = ContactInput {
        phone: phone(rng),
        queue: Some(queue.into()),
        extension: None,
        caller_id_number: Some("74950000000".into()),
        caller_id_name: Some("Demo CC".into()),
        crm_ref: Some(format!("CRM-{}", rng.gen_range(10_000..99_999))),
        variables,
        not_before: Some(rfc3339(now + 86_400_000)),
        not_after: None,
        priority: None,
    };
    let call = parse_contact(input, now, offset_minutes)
        .map_err(|e| ServiceError::Internal(format!("demo contact: {}", e.message)))?;
    let (_, ids) = store::enqueue(db, user_id, &[call])
        .await
        .map_err(|e| ServiceError::Internal(format!("demo contact: {e}")))?;
    let dial = at + rng.gen_range(1_000..20_000);
    let r: f64 = rng.gen();
    let (status, cause, answer, end, attempts) = if r < 0.62 {
        let answer = dial + rng.gen_range(4_000..25_000);
        let end = answer + rng.gen_range(30_000..420_000);
        ("completed", "", Some(answer), end, 1)
    } else if r < 0.80 {
        ("no_answer", "NO_ANSWER", None, dial + 30_000, 1)
    } else if r < 0.93 {
        (
            "busy",
            "USER_BUSY",
            None,
            dial + rng.gen_range(2_000..8_000),
            1,
        )
    } else {
        let cause = ["NORMAL_TEMPORARY_FAILURE", "UNALLOCATED_NUMBER"][rng.gen_range(0..2)];
        ("failed", cause, None, dial + rng.gen_range(500..3_000), 1)
    };
    let end = end.min(now);
    sqlx::query(
        "UPDATE cc_calls SET status = ?, hangup_cause = ?, attempts = ?, not_before_ms = ?, \
         created_ms = ?, updated_ms = ?, dial_ms = ?, answer_ms = ?, end_ms = ? WHERE id = ?",
    )
    .bind(status)
    .bind(cause)
    .bind(attempts as i64)
    .bind(at)
    .bind(at)
    .bind(end)
    .bind(dial.min(now))
    .bind(answer.map(|a| a.min(now)))
    .bind(end)
    .bind(&ids[0])
    .execute(&db.pool)
    .await?;
    Ok(status)
}
