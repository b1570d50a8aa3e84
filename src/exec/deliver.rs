//! At-least-once delivery of the notification feed to sinks: which deliveries are due, one attempt
//! each, backoff after a failure, a record of every attempt. Storage sits behind `DeliveryLog`
//! (Postgres in `store::delivery`, `MemoryDeliveryLog` here); the clock is an argument.

use super::{BoxFuture, Notification, Sink};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

/// A sink and the notification kinds it wants (`None`: all).
pub struct Route {
    pub sink: Arc<dyn Sink>,
    pub kinds: Option<BTreeSet<String>>,
}

impl Route {
    pub fn accepts(&self, kind: &str) -> bool {
        self.kinds.as_ref().is_none_or(|k| k.contains(kind))
    }
}

/// How failed deliveries are retried.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeliveryPolicy {
    /// Attempts per (notification, sink) before giving up.
    pub max_attempts: u32,
    /// Delay after the first failure; doubles per failure up to `max_backoff`.
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    /// A notification older than this when first due for a sink is skipped (a sink added today does
    /// not get last month's feed).
    pub max_age: Duration,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        DeliveryPolicy {
            max_attempts: 10,
            initial_backoff: Duration::from_secs(5),
            max_backoff: Duration::from_secs(600),
            max_age: Duration::from_secs(86_400),
        }
    }
}

impl DeliveryPolicy {
    /// Wait after the `failures`-th failure (1-based).
    pub fn backoff(&self, failures: u32) -> Duration {
        let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(30));
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }
}

/// How long a claimed delivery is kept from other deliverers without a heartbeat. The deliverer
/// renews its claims every third of it while it works; a worker restarting with the same id takes
/// its claims back at once.
pub const DELIVERY_LEASE: Duration = Duration::from_secs(30);

/// One (notification, sink) pair that is due, claimed by this deliverer.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingDelivery {
    pub notification: Notification,
    pub sink: String,
    /// Attempts already recorded.
    pub attempts: u32,
    /// The claim's epoch: the attempt is recorded only while the claim is still this one.
    pub epoch: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AttemptResult {
    Delivered,
    /// Failed; tried again at `retry_at`, or never (`None`: gave up).
    Failed {
        error: String,
        retry_at: Option<DateTime<Utc>>,
    },
    /// Not sent: filtered out by the sink's `kinds`, too old, or the sink no longer configured.
    Skipped {
        reason: String,
    },
}

/// The record of one attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryAttempt {
    pub notification_id: Uuid,
    pub sink: String,
    /// 1-based.
    pub attempt: u32,
    pub at: DateTime<Utc>,
    pub result: AttemptResult,
}

/// Where deliveries are tracked.
pub trait DeliveryLog: Send + Sync {
    /// Pairs of feed notifications and these sinks that were never attempted, or whose last attempt
    /// failed with `retry_at <= now`; never delivered, skipped or given up. Oldest first.
    fn due<'a>(
        &'a self,
        sinks: &'a [String],
        now: DateTime<Utc>,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<PendingDelivery>, String>>;
    /// The earliest pending `retry_at` among these sinks, to sleep until.
    fn next_retry<'a>(
        &'a self,
        sinks: &'a [String],
    ) -> BoxFuture<'a, Result<Option<DateTime<Utc>>, String>>;
    /// Records an attempt of a claim of `epoch`. `Ok(false)`: the claim was taken over meanwhile, and
    /// nothing was recorded (the new holder's attempt counts).
    fn record<'a>(
        &'a self,
        attempt: &'a DeliveryAttempt,
        epoch: i64,
    ) -> BoxFuture<'a, Result<bool, String>>;
    /// Extends this deliverer's claims by `DELIVERY_LEASE` from `now` (a heartbeat).
    fn renew<'a>(&'a self, now: DateTime<Utc>) -> BoxFuture<'a, Result<(), String>>;
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryStats {
    pub delivered: usize,
    pub failed: usize,
    pub gave_up: usize,
    pub skipped: usize,
    /// Attempts whose claim was taken over before they were recorded (dropped, not counted above).
    pub fenced: usize,
}

impl DeliveryStats {
    pub fn attempted(&self) -> usize {
        self.delivered + self.failed + self.gave_up + self.skipped + self.fenced
    }
}

pub struct Deliverer {
    pub routes: Vec<Route>,
    pub policy: DeliveryPolicy,
    /// Deliveries taken per pass.
    pub batch: usize,
}

impl Deliverer {
    pub fn new(routes: Vec<Route>, policy: DeliveryPolicy) -> Deliverer {
        Deliverer {
            routes,
            policy,
            batch: 100,
        }
    }

    fn sink_names(&self) -> Vec<String> {
        self.routes
            .iter()
            .map(|r| r.sink.name().to_string())
            .collect()
    }

    /// One pass: attempt every due delivery once and record each attempt.
    pub async fn deliver_due(
        &self,
        log: &dyn DeliveryLog,
        now: DateTime<Utc>,
    ) -> Result<DeliveryStats, String> {
        let names = self.sink_names();
        if names.is_empty() {
            return Ok(DeliveryStats::default());
        }
        let claimed = log.due(&names, now, self.batch).await?;
        if claimed.is_empty() {
            return Ok(DeliveryStats::default());
        }
        // Heartbeat the claims while the batch is worked through (a slow sink must not lose them).
        let started = std::time::Instant::now();
        let work = self.attempt_all(log, claimed, now);
        tokio::pin!(work);
        let every = DELIVERY_LEASE / 3;
        loop {
            tokio::select! {
                done = &mut work => return done,
                _ = tokio::time::sleep(every) => {
                    let at = now + chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
                    log.renew(at).await?;
                }
            }
        }
    }

    async fn attempt_all(
        &self,
        log: &dyn DeliveryLog,
        claimed: Vec<PendingDelivery>,
        now: DateTime<Utc>,
    ) -> Result<DeliveryStats, String> {
        let mut stats = DeliveryStats::default();
        for pending in claimed {
            let attempt = pending.attempts + 1;
            let route = self.routes.iter().find(|r| r.sink.name() == pending.sink);
            let age = (now - pending.notification.created_at)
                .to_std()
                .unwrap_or_default();
            let result = match route {
                None => AttemptResult::Skipped {
                    reason: "sink is no longer configured".into(),
                },
                Some(r) if !r.accepts(&pending.notification.kind) => AttemptResult::Skipped {
                    reason: format!(
                        "kind `{}` is not in the sink's kinds",
                        pending.notification.kind
                    ),
                },
                Some(_) if pending.attempts == 0 && age > self.policy.max_age => {
                    AttemptResult::Skipped {
                        reason: "older than the delivery max_age when first due".into(),
                    }
                }
                Some(r) => match r.sink.deliver(&pending.notification).await {
                    Ok(()) => AttemptResult::Delivered,
                    Err(error) => AttemptResult::Failed {
                        error,
                        retry_at: (attempt < self.policy.max_attempts).then(|| {
                            now + chrono::Duration::from_std(self.policy.backoff(attempt))
                                .unwrap_or(chrono::Duration::MAX)
                        }),
                    },
                },
            };
            let record = DeliveryAttempt {
                notification_id: pending.notification.id,
                sink: pending.sink,
                attempt,
                at: now,
                result,
            };
            if !log.record(&record, pending.epoch).await? {
                stats.fenced += 1;
                continue;
            }
            match &record.result {
                AttemptResult::Delivered => stats.delivered += 1,
                AttemptResult::Failed {
                    retry_at: Some(_), ..
                } => stats.failed += 1,
                AttemptResult::Failed { retry_at: None, .. } => stats.gave_up += 1,
                AttemptResult::Skipped { .. } => stats.skipped += 1,
            }
        }
        Ok(stats)
    }

    /// Delivers until `stop` turns true: a pass, then sleep until the next retry is due, a `hint`
    /// (a new notification), or `idle` at most. Errors of a pass are returned to `on_error` and the
    /// loop goes on.
    pub async fn run(
        &self,
        log: &dyn DeliveryLog,
        clock: &(dyn Fn() -> DateTime<Utc> + Send + Sync),
        hint: &tokio::sync::Notify,
        idle: Duration,
        mut stop: tokio::sync::watch::Receiver<bool>,
        on_error: &(dyn Fn(String) + Send + Sync),
    ) {
        let names = self.sink_names();
        while !*stop.borrow() {
            let mut sleep = idle;
            match self.deliver_due(log, clock()).await {
                // A full batch: there may be more due at once.
                Ok(stats) if stats.attempted() >= self.batch => continue,
                Ok(_) => {}
                Err(e) => on_error(e),
            }
            match log.next_retry(&names).await {
                Ok(Some(at)) => {
                    let until = (at - clock()).to_std().unwrap_or(Duration::ZERO);
                    sleep = sleep.min(until.max(Duration::from_millis(10)));
                }
                Ok(None) => {}
                Err(e) => on_error(e),
            }
            tokio::select! {
                _ = tokio::time::sleep(sleep) => {}
                _ = hint.notified() => {}
                _ = stop.changed() => {}
            }
        }
    }
}

/// An in-memory `DeliveryLog` (tests, `rwf simulate`).
#[derive(Default)]
pub struct MemoryDeliveryLog {
    notifications: Mutex<Vec<Notification>>,
    attempts: Mutex<Vec<DeliveryAttempt>>,
}

impl MemoryDeliveryLog {
    pub fn new() -> MemoryDeliveryLog {
        MemoryDeliveryLog::default()
    }
    pub fn push(&self, notification: Notification) {
        lock(&self.notifications).push(notification);
    }
    pub fn attempts(&self) -> Vec<DeliveryAttempt> {
        lock(&self.attempts).clone()
    }

    fn last_attempt(&self, id: Uuid, sink: &str) -> Option<DeliveryAttempt> {
        lock(&self.attempts)
            .iter()
            .rev()
            .find(|a| a.notification_id == id && a.sink == sink)
            .cloned()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl DeliveryLog for MemoryDeliveryLog {
    fn due<'a>(
        &'a self,
        sinks: &'a [String],
        now: DateTime<Utc>,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<PendingDelivery>, String>> {
        Box::pin(async move {
            let mut notifications = lock(&self.notifications).clone();
            notifications.sort_by_key(|n| n.created_at);
            let mut due = Vec::new();
            for n in notifications {
                for sink in sinks {
                    let last = self.last_attempt(n.id, sink);
                    let ready = match &last {
                        None => true,
                        Some(a) => matches!(
                            a.result,
                            AttemptResult::Failed { retry_at: Some(at), .. } if at <= now
                        ),
                    };
                    if ready && due.len() < limit {
                        due.push(PendingDelivery {
                            notification: n.clone(),
                            sink: sink.clone(),
                            attempts: last.map_or(0, |a| a.attempt),
                            epoch: 0,
                        });
                    }
                }
            }
            Ok(due)
        })
    }

    fn next_retry<'a>(
        &'a self,
        sinks: &'a [String],
    ) -> BoxFuture<'a, Result<Option<DateTime<Utc>>, String>> {
        Box::pin(async move {
            let ids: Vec<Uuid> = lock(&self.notifications).iter().map(|n| n.id).collect();
            let mut next: Option<DateTime<Utc>> = None;
            for id in ids {
                for sink in sinks {
                    if let Some(DeliveryAttempt {
                        result:
                            AttemptResult::Failed {
                                retry_at: Some(at), ..
                            },
                        ..
                    }) = self.last_attempt(id, sink)
                    {
                        next = Some(next.map_or(at, |n| n.min(at)));
                    }
                }
            }
            Ok(next)
        })
    }

    /// One deliverer in one process: claims are never taken over, every attempt is recorded.
    fn record<'a>(
        &'a self,
        attempt: &'a DeliveryAttempt,
        _epoch: i64,
    ) -> BoxFuture<'a, Result<bool, String>> {
        Box::pin(async move {
            lock(&self.attempts).push(attempt.clone());
            Ok(true)
        })
    }

    fn renew<'a>(&'a self, _now: DateTime<Utc>) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded() {
        let p = DeliveryPolicy {
            initial_backoff: Duration::from_secs(5),
            max_backoff: Duration::from_secs(60),
            ..DeliveryPolicy::default()
        };
        let secs: Vec<u64> = (1..=6).map(|n| p.backoff(n).as_secs()).collect();
        assert_eq!(secs, [5, 10, 20, 40, 60, 60]);
        assert_eq!(p.backoff(1000).as_secs(), 60);
    }
}
