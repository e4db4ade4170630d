//! [`Flight`]: a single-flight cache. Concurrent callers asking for the same key while its value is
//! missing or stale share one fetch (the first runs it, the others wait for its result); a value
//! younger than the caller's `max_age` is served without fetching. So a hundred requests a second
//! cost the upstream one fetch per `max_age`, however many arrive at once.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Keys remembered at most; past that, the ones nobody is waiting on are dropped.
const MAX_KEYS: usize = 256;

struct SlotInner<T> {
    value: tokio::sync::Mutex<Option<(Instant, T)>>,
    /// Fetches finished: a caller that sees it move while it waited takes that fetch's result.
    done: AtomicU64,
}

impl<T> Default for SlotInner<T> {
    fn default() -> Self {
        SlotInner {
            value: tokio::sync::Mutex::new(None),
            done: AtomicU64::new(0),
        }
    }
}

type Slot<T> = Arc<SlotInner<T>>;

pub struct Flight<K, T> {
    slots: Mutex<HashMap<K, Slot<T>>>,
}

impl<K, T> Default for Flight<K, T> {
    fn default() -> Self {
        Flight {
            slots: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash + Clone, T: Clone> Flight<K, T> {
    /// The value of `key` if it was fetched less than `max_age` ago, else the result of `fetch`
    /// (run once for all concurrent callers). Its age counts from when the fetch started, so a
    /// value is never older than `max_age` plus one fetch. A `max_age` of zero still shares a
    /// fetch in flight, but never serves a finished one again.
    pub async fn get<F, Fut>(&self, key: K, max_age: Duration, fetch: F) -> T
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            if slots.len() >= MAX_KEYS && !slots.contains_key(&key) {
                slots.retain(|_, s| Arc::strong_count(s) > 1);
            }
            slots.entry(key).or_default().clone()
        };
        let seen = slot.done.load(Ordering::SeqCst);
        let mut cur = slot.value.lock().await;
        if let Some((at, v)) = cur.as_ref() {
            // Fresh, or fetched by the caller this one waited on.
            if at.elapsed() < max_age || slot.done.load(Ordering::SeqCst) != seen {
                return v.clone();
            }
        }
        let started = Instant::now();
        let v = fetch().await;
        *cur = Some((started, v.clone()));
        slot.done.fetch_add(1, Ordering::SeqCst);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_callers_share_one_fetch() {
        let flight: Arc<Flight<&str, u64>> = Arc::default();
        let fetches = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let (flight, fetches) = (flight.clone(), fetches.clone());
            tasks.push(tokio::spawn(async move {
                flight
                    .get("live", Duration::from_secs(1), || async {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        fetches.fetch_add(1, Ordering::SeqCst) + 1
                    })
                    .await
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), 1);
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        // Still fresh: served without a fetch.
        let v = flight
            .get("live", Duration::from_secs(1), || async { 99 })
            .await;
        assert_eq!(v, 1);
        // Stale: fetched again; another key has its own value.
        tokio::time::sleep(Duration::from_millis(30)).await;
        let v = flight
            .get("live", Duration::from_millis(10), || async { 2 })
            .await;
        assert_eq!(v, 2);
        assert_eq!(
            flight
                .get("other", Duration::from_secs(1), || async { 7 })
                .await,
            7
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn zero_max_age_shares_only_a_fetch_in_flight() {
        let flight: Arc<Flight<u8, u64>> = Arc::default();
        let fetches = Arc::new(AtomicU64::new(0));
        let run = |flight: Arc<Flight<u8, u64>>, fetches: Arc<AtomicU64>| async move {
            flight
                .get(0, Duration::ZERO, || async {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    fetches.fetch_add(1, Ordering::SeqCst) + 1
                })
                .await
        };
        let (a, b) = tokio::join!(
            run(flight.clone(), fetches.clone()),
            run(flight.clone(), fetches.clone())
        );
        assert_eq!((a, b), (1, 1));
        assert_eq!(run(flight.clone(), fetches.clone()).await, 2);
    }

    #[tokio::test]
    async fn keys_are_bounded() {
        let flight: Flight<usize, usize> = Flight::default();
        for k in 0..(MAX_KEYS * 2) {
            flight
                .get(k, Duration::from_secs(60), || async move { k })
                .await;
        }
        assert!(flight.slots.lock().unwrap().len() <= MAX_KEYS);
    }
}
