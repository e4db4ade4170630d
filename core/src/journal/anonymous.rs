//! How much of the journal requests without a known caller may write (no key, a wrong key, an
//! unknown route): at most [`PER_IP_PER_MINUTE`] rows per client address and [`PER_MINUTE`] in
//! all per minute. Beyond that they are still answered, but not journaled one by one: the number
//! left out is logged (a warning) when the minute ends. Requests of a known API user are never
//! limited here. Every stored path is also cut at [`super::mask::MAX_PATH`] characters.

use std::collections::HashMap;
use std::sync::Mutex;

/// Rows per client address per minute.
pub const PER_IP_PER_MINUTE: u32 = 120;
/// Rows per minute from all addresses together.
pub const PER_MINUTE: u32 = 1200;

#[derive(Default)]
struct Minute {
    minute: i64,
    total: u32,
    per_ip: HashMap<String, u32>,
    left_out: u64,
}

/// The per-minute budget (one per journal, so per server).
#[derive(Default)]
pub struct Budget {
    m: Mutex<Minute>,
}

impl Budget {
    /// May an anonymous request from `ip` at `at_ms` be journaled?
    pub fn admit(&self, ip: &str, at_ms: i64) -> bool {
        let minute = at_ms.div_euclid(60_000);
        let mut m = self.m.lock().unwrap_or_else(|p| p.into_inner());
        if m.minute != minute {
            if m.left_out > 0 {
                tracing::warn!(
                    left_out = m.left_out,
                    "requests without a known API user over the journal's per-minute budget were answered but not journaled"
                );
            }
            *m = Minute {
                minute,
                ..Minute::default()
            };
        }
        let used = m.per_ip.get(ip).copied().unwrap_or(0);
        if m.total >= PER_MINUTE || used >= PER_IP_PER_MINUTE {
            m.left_out += 1;
            return false;
        }
        m.total += 1;
        m.per_ip.insert(ip.to_string(), used + 1);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_address_and_in_all() {
        let b = Budget::default();
        let t = 1_800_000_000_000;
        let admitted = (0..200).filter(|_| b.admit("10.0.0.1", t)).count();
        assert_eq!(admitted, PER_IP_PER_MINUTE as usize);
        // Another address has its own share.
        assert!(b.admit("10.0.0.2", t));
        // The next minute starts afresh.
        assert!(b.admit("10.0.0.1", t + 60_000));
        // All addresses together stop at the total.
        let b = Budget::default();
        let all = (0..20_000)
            .filter(|i| b.admit(&format!("10.1.{}.{}", i / 250, i % 250), t))
            .count();
        assert_eq!(all, PER_MINUTE as usize);
    }
}
