//! The scheduler: publishes scheduled stories when they fall due and
//! announces lifted embargoes on the changes feed, every second or so, and
//! catches up on everything overdue when it starts after downtime. On
//! PostgreSQL each story is claimed with `FOR UPDATE SKIP LOCKED`, so with
//! several nodes running it, each story is still published exactly once.

use std::time::Duration;

use crate::app::Clock;
use crate::articles::revisions::change_event;
use crate::articles::{Article, Status};
use crate::ops::health::Health;
use crate::storage::{DuePublication, StorageError, Store};

/// How often the scheduler looks for due stories.
pub const INTERVAL: Duration = Duration::from_secs(1);
/// Stories published per transaction; a backlog takes several.
const BATCH: i64 = 100;
/// The name scheduler revisions record as their author.
pub const AUTHOR: &str = "scheduler";

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub published: Vec<i64>,
    pub embargoes_lifted: Vec<i64>,
}

/// One pass: publishes every story due at `now` (all of a backlog) and
/// appends the events of embargoes that lifted since the last pass.
pub async fn tick(store: &Store, now: i64) -> Result<Report, StorageError> {
    let mut report = Report::default();
    loop {
        let published = store.publish_due(now, BATCH, |row| due(row, now)).await?;
        let done = (published.len() as i64) < BATCH;
        report.published.extend(published);
        if done {
            break;
        }
    }
    report.embargoes_lifted = store
        .lift_embargoes(now, |row| match Article::from_row(row.clone()) {
            Ok(article) => vec![change_event(&article, &article, "article.embargo_lifted")],
            Err(error) => {
                tracing::error!(%error, "cannot read a story whose embargo lifted");
                Vec::new()
            }
        })
        .await?;
    Ok(report)
}

/// One pass on the right clock: on PostgreSQL the database's `now()`
/// (every node agrees on it, whatever their own clocks say, and `clock` is
/// anchored to it so pages and sessions use it too); on SQLite the
/// process's clock, which follows the system clock unless it jumped (see
/// [`Clock`]). A story is published only from `scheduled`, so a clock that
/// goes back never publishes one twice.
pub async fn pass(store: &Store, clock: &Clock) -> Result<Report, StorageError> {
    let now = match store.database_now_ms().await? {
        Some(ms) => {
            clock.anchor(ms);
            ms.div_euclid(1000)
        }
        None => {
            clock.follow_system();
            clock.now()
        }
    };
    tick(store, now).await
}

/// The published state, revision and event of a due story.
fn due(row: crate::storage::ArticleRow, now: i64) -> Option<DuePublication> {
    let before = match Article::from_row(row) {
        Ok(article) => article,
        Err(error) => {
            // One unreadable story must not hold up the others.
            tracing::error!(%error, "cannot publish a scheduled story");
            return None;
        }
    };
    debug_assert_eq!(before.status, Status::Scheduled);
    let mut after = before.clone();
    super::publish_now(&mut after, now);
    after.modified_at = now;
    after.revision = before.revision + 1;
    let event = change_event(&before, &after, "article.published");
    let audit = crate::audit::entry(
        &crate::audit::Actor::system(AUTHOR),
        "story.published",
        &format!("article:{}", after.id),
        serde_json::json!({ "as": "scheduled" }),
    );
    Some(DuePublication {
        audit: vec![audit],
        snapshot: after.snapshot(),
        row: after.to_row(),
        author: AUTHOR.into(),
        message: "Published as scheduled".into(),
        events: vec![event],
    })
}

/// Runs passes forever, one every [`INTERVAL`]; the first runs at once, so
/// stories that fell due while the site was down are published on start.
/// Each pass reads its time as [`pass`] does; the job reports to `health`.
pub async fn run(store: Store, clock: &Clock, health: &Health) {
    // Ready while passes succeed; /readyz fails after 30 s without one.
    let job = health.register("scheduler", Duration::from_secs(30));
    let mut interval = tokio::time::interval(INTERVAL);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        match pass(&store, clock).await {
            Ok(report) => {
                job.beat();
                job.set_lag(0.0);
                if !report.published.is_empty() || !report.embargoes_lifted.is_empty() {
                    tracing::info!(
                        published = ?report.published,
                        embargoes_lifted = ?report.embargoes_lifted,
                        "scheduler"
                    );
                }
            }
            Err(error) => tracing::error!(%error, "scheduler pass failed; retrying"),
        }
    }
}
