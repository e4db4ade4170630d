//! Delivery reports: POSTed as SMS Traffic does (`sms_id`, `status`, `delivery_date`) to the
//! callback URL once the delivery delay has passed.

use std::sync::Arc;
use std::time::SystemTime;

use axum::http::header;

use super::{Config, Fake};
use crate::shared::{enc, msk};

impl Fake {
    /// A delivery report, as SMS Traffic POSTs it.
    pub async fn post_report(&self, url: &str, id: u64, status: &str) -> Result<u16, String> {
        let body = format!(
            "sms_id={id}&status={}&delivery_date={}",
            enc(status),
            enc(&msk(SystemTime::now()))
        );
        self.http
            .post(url)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map(|r| r.status().as_u16())
            .map_err(|e| e.to_string())
    }
}

/// POST a report for each `(id, final status)` after the delivery delay, when a callback URL is set.
pub(super) fn schedule(fake: &Arc<Fake>, cfg: &Config, reports: Vec<(u64, String)>) {
    if let (Some(url), Some(after)) = (cfg.callback_url.clone(), cfg.deliver_after) {
        let fake = fake.clone();
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            for (id, status) in reports {
                let _ = fake.post_report(&url, id, &status).await;
            }
        });
    }
}
