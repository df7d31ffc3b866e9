//! When to lock after inactivity. Pure: the engine drives it with a timer
//! and calls [`super::Vault::lock`] when it is due.

/// Minutes of inactivity before locking, when the user chose nothing.
pub const DEFAULT_AUTO_LOCK_MINUTES: u32 = 5;

/// The public record holding the user's choice, in minutes (0 = never).
pub const AUTO_LOCK_RECORD: &str = "auto_lock_minutes";

/// Inactivity timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AutoLock {
    /// Inactivity allowed before locking; 0 disables auto-lock.
    pub timeout_ms: u64,
    /// The last time the user did something.
    pub last_activity_ms: u64,
}

impl AutoLock {
    pub fn new(timeout_ms: u64, now_ms: u64) -> Self {
        Self {
            timeout_ms,
            last_activity_ms: now_ms,
        }
    }

    /// A timer for a setting in minutes, as stored.
    pub fn from_minutes(minutes: u32, now_ms: u64) -> Self {
        Self::new(u64::from(minutes) * 60_000, now_ms)
    }

    /// Records activity at `now_ms`.
    pub fn touch(&mut self, now_ms: u64) {
        self.last_activity_ms = now_ms;
    }

    /// Whether the vault should be locked at `now_ms`.
    pub fn is_due(&self, now_ms: u64) -> bool {
        self.remaining_ms(now_ms) == Some(0)
    }

    /// Time left before locking (`None` when auto-lock is off), for the
    /// engine to schedule its next check.
    pub fn remaining_ms(&self, now_ms: u64) -> Option<u64> {
        if self.timeout_ms == 0 {
            return None;
        }
        let idle = now_ms.saturating_sub(self.last_activity_ms);
        Some(self.timeout_ms.saturating_sub(idle))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_after_the_timeout_and_touch_postpones_it() {
        let mut timer = AutoLock::from_minutes(1, 1_000);
        assert!(!timer.is_due(60_999));
        assert!(timer.is_due(61_000));
        timer.touch(61_000);
        assert!(!timer.is_due(61_000));
        assert_eq!(timer.remaining_ms(91_000), Some(30_000));
    }

    #[test]
    fn zero_means_never() {
        let timer = AutoLock::from_minutes(0, 0);
        assert!(!timer.is_due(u64::MAX));
        assert_eq!(timer.remaining_ms(5), None);
    }

    #[test]
    fn a_clock_moved_back_does_not_lock() {
        let timer = AutoLock::new(1_000, 10_000);
        assert!(!timer.is_due(0));
    }
}
