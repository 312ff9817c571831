//! One run of an importer: the ledger of its source, its report, its
//! progress and whether it writes (`--dry-run` reads everything and writes
//! nothing). An importer asks [`Run::decide`] for each item, writes the new
//! and changed ones through a storage import write (which records the
//! ledger row with the item, atomically), then tells the run what happened.
//! The hot item writes (stories, images) go through a
//! [`crate::storage::ImportBatch`]: one savepoint per item, one commit per
//! batch.

use super::ledger::{Decision, Ledger};
use super::progress::Progress;
use super::report::{ItemName, Outcome, Report};
use crate::storage::{LedgerKey, StorageError, Store};

/// The state of one import run.
pub struct Run {
    pub ledger: Ledger,
    pub report: Report,
    pub progress: Progress,
    /// Read and map everything, write nothing.
    pub dry_run: bool,
    /// The run's clock (Unix seconds).
    pub now: i64,
}

impl Run {
    /// Starts a run of `source`, loading its ledger.
    pub async fn start(
        store: &Store,
        source: &str,
        dry_run: bool,
        progress: Progress,
        now: i64,
    ) -> Result<Run, StorageError> {
        Ok(Run {
            ledger: Ledger::load(store, source).await?,
            report: Report::new(source, dry_run),
            progress,
            dry_run,
            now,
        })
    }

    /// The ledger key of item `source_id` of `kind`.
    pub fn key(&self, kind: &str, source_id: &str) -> LedgerKey {
        self.ledger.key(kind, source_id)
    }

    /// What to do with an item, from its digest.
    pub fn decide(&self, kind: &str, source_id: &str, digest: &str) -> Decision {
        self.ledger.decide(kind, source_id, digest)
    }

    /// An item was stored (or, in a dry run, would have been) as
    /// `target_kind` `id`; `decision` says whether it was new or changed.
    pub fn stored(
        &mut self,
        key: &LedgerKey,
        decision: Decision,
        target_kind: &str,
        id: i64,
        digest: &str,
    ) {
        self.counted(key, decision, target_kind, id, digest);
        self.progress.tick();
    }

    /// [`Run::stored`] for an item that is part of another (a story's
    /// comment, a section made for a story): counted, not a step of the
    /// progress.
    pub fn counted(
        &mut self,
        key: &LedgerKey,
        decision: Decision,
        target_kind: &str,
        id: i64,
        digest: &str,
    ) {
        let outcome = match decision {
            Decision::New => Outcome::Imported,
            Decision::Changed { .. } => Outcome::Updated,
            Decision::Unchanged { .. } => Outcome::Unchanged,
        };
        self.ledger.record(key, target_kind, id, digest);
        self.report.count(&key.kind, outcome);
    }

    /// An item that needed no write.
    pub fn unchanged(&mut self, kind: &str) {
        self.report.count(kind, Outcome::Unchanged);
        self.progress.tick();
    }

    /// An item left out, with why.
    pub fn skip(&mut self, item: ItemName, reason: impl Into<String>) {
        self.report.skip(item, reason);
        self.progress.tick();
    }

    /// An item that could not be stored, with why; the run goes on.
    pub fn fail(&mut self, item: ItemName, reason: impl Into<String>) {
        self.report.fail(item, reason);
        self.progress.tick();
    }

    /// Counts new stories written together in a group (`true`) or one at a
    /// time after their group's write was refused (`false`).
    pub fn grouped(&mut self, stories: usize, together: bool) {
        if together {
            self.report.grouped += stories;
        } else {
            self.report.ungrouped += stories;
        }
    }

    /// Ends the progress display and hands back the report.
    pub fn finish(mut self) -> Report {
        self.progress.finish();
        self.report
    }
}
