//! Slowing down passphrase guessing.
//!
//! Argon2id already makes each guess cost; on top of that, after a few wrong
//! passphrases every further attempt must wait, doubling each time. The
//! counter is persisted (in a public record) so that reloading the page does
//! not reset it. It only slows down someone guessing through this app: a
//! copy of the encrypted profile can be attacked offline, where only the
//! passphrase's strength and Argon2id's cost help.

use serde::{Deserialize, Serialize};

/// Wrong passphrases allowed without any wait: typos happen.
pub const FREE_FAILURES: u32 = 3;
/// The wait after the first failure beyond the free ones.
pub const FIRST_DELAY_MS: u64 = 1_000;
/// The wait never grows beyond this.
pub const MAX_DELAY_MS: u64 = 5 * 60 * 1_000;

/// Consecutive wrong passphrases and when the next attempt is allowed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Throttle {
    pub failures: u32,
    pub not_before_ms: u64,
}

impl Throttle {
    /// The wait imposed after `failures` consecutive wrong passphrases:
    /// nothing for the first [`FREE_FAILURES`], then 1 s, 2 s, 4 s … capped
    /// at [`MAX_DELAY_MS`].
    pub fn delay_after(failures: u32) -> u64 {
        let Some(doublings) = failures.checked_sub(FREE_FAILURES + 1) else {
            return 0;
        };
        // 2^9 s already exceeds the cap; stop before shifting overflows.
        FIRST_DELAY_MS
            .checked_shl(doublings.min(20))
            .map_or(MAX_DELAY_MS, |d| d.min(MAX_DELAY_MS))
    }

    /// How long to wait before an attempt at `now_ms` is allowed; 0 if it is.
    ///
    /// Never more than the delay the counter calls for: if the clock was
    /// moved back, the user is not locked out for the difference.
    pub fn wait_ms(&self, now_ms: u64) -> u64 {
        self.not_before_ms
            .saturating_sub(now_ms)
            .min(Self::delay_after(self.failures))
    }

    /// The state after one more wrong passphrase at `now_ms`.
    pub fn failed(&self, now_ms: u64) -> Self {
        let failures = self.failures.saturating_add(1);
        Self {
            failures,
            not_before_ms: now_ms.saturating_add(Self::delay_after(failures)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_free_failures_then_doubling_up_to_five_minutes() {
        let delays: Vec<u64> = (0..=14).map(Throttle::delay_after).collect();
        assert_eq!(
            delays,
            [
                0, 0, 0, 0, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000,
                300_000, 300_000
            ]
        );
        assert_eq!(Throttle::delay_after(u32::MAX), MAX_DELAY_MS);
    }

    #[test]
    fn a_clock_moved_back_does_not_extend_the_wait() {
        let t = Throttle::default()
            .failed(0)
            .failed(0)
            .failed(0)
            .failed(1_000_000);
        assert_eq!(t.wait_ms(1_000_000), 1_000);
        assert_eq!(t.wait_ms(0), 1_000);
        assert_eq!(t.wait_ms(1_000_500), 500);
        assert_eq!(t.wait_ms(1_001_000), 0);
    }
}
