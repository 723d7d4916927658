//! Fault injection for tests, off unless a test arms it through
//! [`EmbeddedBroker::faults`](super::EmbeddedBroker::faults): drop a
//! connection after N more requests, delay every response, or answer a given
//! API with a given error code (for the next K requests or always). These
//! stage on demand what a real broker only does by accident.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// One armed error injection.
#[derive(Debug, Clone, Copy)]
struct ApiFailure {
    api_key: i16,
    error_code: i16,
    /// Requests still to fail; `None` fails every one.
    remaining: Option<u32>,
}

#[derive(Debug, Default)]
struct Armed {
    /// Requests still to serve before a connection is dropped (one-shot).
    drop_after: Option<u64>,
    delay: Option<Duration>,
    failures: Vec<ApiFailure>,
}

/// What the connection should do with one incoming request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Decision {
    /// Close the connection without answering this request.
    pub drop_connection: bool,
    /// Answer with this error code instead of handling the request.
    pub error_code: Option<i16>,
    /// Hold the response back this long.
    pub delay: Option<Duration>,
}

/// The broker's fault switches.
#[derive(Debug, Default)]
pub struct Faults {
    armed: Mutex<Armed>,
    /// Connections dropped so far, so a test can show a drop fired.
    dropped: AtomicU64,
}

impl Faults {
    fn armed(&self) -> std::sync::MutexGuard<'_, Armed> {
        self.armed.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// After `requests` more requests (on any connection) are served, the
    /// connection carrying the next one is closed without an answer. Fires
    /// once.
    pub fn drop_connection_after(&self, requests: u64) {
        self.armed().drop_after = Some(requests);
    }

    /// Delays every response by `delay` (`None` turns it off).
    pub fn delay_responses(&self, delay: Option<Duration>) {
        self.armed().delay = delay;
    }

    /// Answers requests of `api_key` with `error_code`: the next `times`
    /// ones, or every one when `times` is `None`.
    pub fn fail_api(&self, api_key: i16, error_code: i16, times: Option<u32>) {
        let mut armed = self.armed();
        armed.failures.retain(|f| f.api_key != api_key);
        armed.failures.push(ApiFailure {
            api_key,
            error_code,
            remaining: times,
        });
    }

    /// How many connections the armed drops closed so far.
    pub fn dropped_connections(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Disarms everything.
    pub fn clear(&self) {
        *self.armed() = Armed::default();
    }

    /// Decides the fate of one request of `api_key`.
    pub fn decide(&self, api_key: i16) -> Decision {
        let mut armed = self.armed();
        let mut decision = Decision {
            delay: armed.delay,
            ..Decision::default()
        };
        if let Some(n) = armed.drop_after {
            if n == 0 {
                armed.drop_after = None;
                decision.drop_connection = true;
                self.dropped.fetch_add(1, Ordering::Relaxed);
                return decision;
            }
            armed.drop_after = Some(n - 1);
        }
        if let Some(i) = armed.failures.iter().position(|f| f.api_key == api_key) {
            let f = &mut armed.failures[i];
            decision.error_code = Some(f.error_code);
            if let Some(r) = f.remaining.as_mut() {
                *r = r.saturating_sub(1);
                if *r == 0 {
                    armed.failures.remove(i);
                }
            }
        }
        decision
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_fire_as_armed() {
        let f = Faults::default();
        assert_eq!(f.decide(0), Decision::default());
        f.drop_connection_after(1);
        assert!(!f.decide(0).drop_connection);
        assert!(f.decide(0).drop_connection);
        assert!(!f.decide(0).drop_connection);
        assert_eq!(f.dropped_connections(), 1);
        f.fail_api(3, 5, Some(2));
        assert_eq!(f.decide(3).error_code, Some(5));
        assert_eq!(f.decide(1).error_code, None);
        assert_eq!(f.decide(3).error_code, Some(5));
        assert_eq!(f.decide(3).error_code, None);
        f.fail_api(3, 7, None);
        f.delay_responses(Some(Duration::from_millis(5)));
        for _ in 0..3 {
            let d = f.decide(3);
            assert_eq!(d.error_code, Some(7));
            assert_eq!(d.delay, Some(Duration::from_millis(5)));
        }
        f.clear();
        assert_eq!(f.decide(3), Decision::default());
    }
}
