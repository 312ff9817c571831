//! The import ledger as an importer sees it: which source items are already
//! stored and as what, loaded once at the start of a run, and the decision
//! per item from its digest: new (store it), changed (update what it
//! became) or unchanged (leave it). The rows themselves are written by the
//! storage writes, in each item's own transaction (see
//! `storage::imports`).

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use crate::storage::{LedgerKey, LedgerRow, StorageError, Store};

/// What to do with one source item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Never stored: store it.
    New,
    /// Stored as target `id`, but the item changed since: update it.
    Changed { id: i64 },
    /// Stored as target `id` from this very item: nothing to write.
    Unchanged { id: i64 },
}

/// The ledger rows of one source, by (kind, source id).
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    source: String,
    rows: HashMap<(String, String), (String, i64, String)>,
}

impl Ledger {
    /// Loads every row of `source` (`wordpress:<site url>`...).
    pub async fn load(store: &Store, source: &str) -> Result<Ledger, StorageError> {
        let mut ledger = Ledger::empty(source);
        for row in store.ledger(source).await? {
            ledger.insert(row);
        }
        Ok(ledger)
    }

    /// A ledger with no rows (a dry run on an empty database, tests).
    pub fn empty(source: &str) -> Ledger {
        Ledger {
            source: source.to_owned(),
            rows: HashMap::new(),
        }
    }

    fn insert(&mut self, row: LedgerRow) {
        self.rows.insert(
            (row.kind, row.source_id),
            (row.target_kind, row.target_id, row.digest),
        );
    }

    /// The source this ledger is of.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The key of item `source_id` of `kind` in this source.
    pub fn key(&self, kind: &str, source_id: &str) -> LedgerKey {
        LedgerKey::new(&self.source, kind, source_id)
    }

    /// What to do with item `source_id` of `kind` whose digest is `digest`.
    pub fn decide(&self, kind: &str, source_id: &str, digest: &str) -> Decision {
        match self.rows.get(&(kind.to_owned(), source_id.to_owned())) {
            None => Decision::New,
            Some((_, id, stored)) if stored == digest => Decision::Unchanged { id: *id },
            Some((_, id, _)) => Decision::Changed { id: *id },
        }
    }

    /// What item `source_id` of `kind` became: (target kind, id).
    pub fn target(&self, kind: &str, source_id: &str) -> Option<(&str, i64)> {
        self.rows
            .get(&(kind.to_owned(), source_id.to_owned()))
            .map(|(target, id, _)| (target.as_str(), *id))
    }

    /// Notes a write that committed, so later items of the run see it.
    pub fn record(&mut self, key: &LedgerKey, target_kind: &str, id: i64, digest: &str) {
        self.rows.insert(
            (key.kind.clone(), key.source_id.clone()),
            (target_kind.to_owned(), id, digest.to_owned()),
        );
    }

    /// How many items of `kind` are recorded.
    pub fn count(&self, kind: &str) -> usize {
        self.rows.keys().filter(|(k, _)| k == kind).count()
    }
}

/// The digest of a source item: SHA-256 of its bytes (hex), prefixed by the
/// importer's mapping version, so a new mapping updates every item once.
pub fn digest(mapping_version: &str, item: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(mapping_version.as_bytes());
    hasher.update([0]);
    hasher.update(item);
    let bytes = hasher.finalize();
    let mut hex = String::with_capacity(64);
    for b in bytes.iter() {
        hex.push_str(&format!("{b:02x}"));
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_is_new_then_unchanged_then_changed_by_its_digest() {
        let mut ledger = Ledger::empty("wordpress:https://example.com");
        let first = digest("1", b"post 12");
        assert_eq!(ledger.decide("post", "12", &first), Decision::New);
        let key = ledger.key("post", "12");
        ledger.record(&key, "article", 7, &first);
        assert_eq!(
            ledger.decide("post", "12", &first),
            Decision::Unchanged { id: 7 }
        );
        let second = digest("1", b"post 12, edited");
        assert_eq!(
            ledger.decide("post", "12", &second),
            Decision::Changed { id: 7 }
        );
        assert_eq!(ledger.decide("page", "12", &first), Decision::New);
        assert_eq!(ledger.target("post", "12"), Some(("article", 7)));
    }

    #[test]
    fn a_new_mapping_version_changes_every_digest() {
        assert_ne!(digest("1", b"x"), digest("2", b"x"));
        assert_eq!(digest("1", b"x").len(), 64);
    }
}
