//! The health registry: background jobs (scheduler, changes-feed consumers)
//! register here, beat while they run and report how far they have got, so
//! `/readyz` can tell a stuck job and `/metrics` can show its lag.
//!
//! A job calls [`Health::register`] once at start with the longest silence
//! that is still normal for it, then [`JobHandle::beat`] on every round;
//! a changes-feed consumer also reports its cursor with
//! [`JobHandle::set_cursor`], and the scheduler how late its oldest due story
//! is with [`JobHandle::set_lag`].

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The registry; cheap to clone, shared through `App`.
#[derive(Debug, Clone, Default)]
pub struct Health {
    jobs: Arc<Mutex<BTreeMap<String, JobState>>>,
}

#[derive(Debug, Clone)]
struct JobState {
    max_silence: Duration,
    last_beat: Instant,
    cursor: Option<i64>,
    lag_seconds: Option<f64>,
}

/// What a job reports about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct JobStatus {
    pub name: String,
    /// Seconds since the job last beat.
    pub silent_for: f64,
    /// Whether it beat within its allowed silence.
    pub alive: bool,
    /// The last changes-feed event id it has handled, for feed consumers.
    pub cursor: Option<i64>,
    /// How late it runs, in seconds, for jobs that measure it (the scheduler).
    pub lag_seconds: Option<f64>,
}

/// A running job's link to the registry.
#[derive(Debug, Clone)]
pub struct JobHandle {
    name: String,
    health: Health,
}

impl Health {
    /// Registers (or re-registers) the job `name`; it counts as alive until
    /// `max_silence` passes without a beat.
    pub fn register(&self, name: &str, max_silence: Duration) -> JobHandle {
        self.lock().insert(
            name.to_owned(),
            JobState {
                max_silence,
                last_beat: Instant::now(),
                cursor: None,
                lag_seconds: None,
            },
        );
        JobHandle {
            name: name.to_owned(),
            health: self.clone(),
        }
    }

    /// Every registered job, by name.
    pub fn jobs(&self) -> Vec<JobStatus> {
        let now = Instant::now();
        self.lock()
            .iter()
            .map(|(name, state)| {
                let silent = now.saturating_duration_since(state.last_beat);
                JobStatus {
                    name: name.clone(),
                    silent_for: silent.as_secs_f64(),
                    alive: silent <= state.max_silence,
                    cursor: state.cursor,
                    lag_seconds: state.lag_seconds,
                }
            })
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, JobState>> {
        // A panic while holding the lock leaves plain data behind; keep going.
        self.jobs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn update(&self, name: &str, change: impl FnOnce(&mut JobState)) {
        if let Some(state) = self.lock().get_mut(name) {
            state.last_beat = Instant::now();
            change(state);
        }
    }
}

impl JobHandle {
    /// The job is alive and working.
    pub fn beat(&self) {
        self.health.update(&self.name, |_| {});
    }

    /// The job has handled every changes-feed event up to `event_id` (a beat too).
    pub fn set_cursor(&self, event_id: i64) {
        self.health
            .update(&self.name, |state| state.cursor = Some(event_id));
    }

    /// The job runs `seconds` late (a beat too).
    pub fn set_lag(&self, seconds: f64) {
        self.health
            .update(&self.name, |state| state.lag_seconds = Some(seconds));
    }

    /// The job stopped on purpose: it no longer counts for readiness.
    pub fn deregister(&self) {
        self.health.lock().remove(&self.name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_that_stops_beating_is_reported_dead_after_its_allowed_silence() {
        let health = Health::default();
        let job = health.register("scheduler", Duration::ZERO);
        std::thread::sleep(Duration::from_millis(5));
        assert!(!health.jobs()[0].alive);
        let job2 = health.register("feed", Duration::from_secs(3600));
        job2.set_cursor(42);
        let jobs = health.jobs();
        assert_eq!(jobs[0].name, "feed");
        assert!(jobs[0].alive);
        assert_eq!(jobs[0].cursor, Some(42));
        job.deregister();
        assert_eq!(health.jobs().len(), 1);
    }
}
