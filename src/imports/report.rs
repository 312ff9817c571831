//! The report of an import run: counts per kind of item (imported, updated,
//! unchanged, skipped, failed), each skipped or failed item with its source
//! id, its place in the source (XML line and column, or table and primary
//! key) and the reason, what the sanitizer removed from each item, notes an
//! editor should read (unknown shortcodes kept as text, a password-protected
//! post imported unpublished), and the set-password links of new accounts.
//! Printed at the end of a run and written to a file.

use std::collections::BTreeMap;
use std::fmt;

use super::cleaning::Removed;

/// What happened to one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    Imported,
    Updated,
    Unchanged,
    Skipped,
    Failed,
}

/// Where an item is in its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A file's line and column (1-based).
    Xml { line: u64, column: u64 },
    /// A database row: its table and primary key.
    Row { table: String, key: String },
    /// Nowhere in particular (the whole source).
    Source,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Xml { line, column } => write!(f, "line {line}, column {column}"),
            Place::Row { table, key } => write!(f, "{table} {key}"),
            Place::Source => f.write_str("the source"),
        }
    }
}

/// One item of the source, as the report names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemName {
    /// `post`, `page`, `attachment`, `comment`, `node`...
    pub kind: String,
    pub source_id: String,
    pub place: Place,
}

impl fmt::Display for ItemName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ({})", self.kind, self.source_id, self.place)
    }
}

/// Counts of one kind of item.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub imported: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub skipped: u64,
    pub failed: u64,
}

impl Counts {
    pub fn get(&self, outcome: Outcome) -> u64 {
        match outcome {
            Outcome::Imported => self.imported,
            Outcome::Updated => self.updated,
            Outcome::Unchanged => self.unchanged,
            Outcome::Skipped => self.skipped,
            Outcome::Failed => self.failed,
        }
    }

    fn add(&mut self, outcome: Outcome) {
        let slot = match outcome {
            Outcome::Imported => &mut self.imported,
            Outcome::Updated => &mut self.updated,
            Outcome::Unchanged => &mut self.unchanged,
            Outcome::Skipped => &mut self.skipped,
            Outcome::Failed => &mut self.failed,
        };
        *slot += 1;
    }

    /// Every item counted.
    pub fn total(&self) -> u64 {
        self.imported + self.updated + self.unchanged + self.skipped + self.failed
    }
}

/// A skipped or failed item and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub item: ItemName,
    pub outcome: Outcome,
    pub reason: String,
}

/// A new account's one-time set-password link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordLink {
    pub name: String,
    pub email: String,
    pub link: String,
}

/// Everything one run did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// `wordpress:<site url>`, `drupal7:<database>`.
    pub source: String,
    pub dry_run: bool,
    pub counts: BTreeMap<String, Counts>,
    pub problems: Vec<Problem>,
    pub cleaned: Vec<(ItemName, Removed)>,
    pub notes: Vec<(ItemName, String)>,
    pub links: Vec<PasswordLink>,
    /// New stories written together, in groups (the fast path).
    pub grouped: usize,
    /// New stories written one at a time because their group's write was
    /// refused (an item of it is broken): slower, same result.
    pub ungrouped: usize,
}

impl Report {
    pub fn new(source: &str, dry_run: bool) -> Report {
        Report {
            source: source.to_owned(),
            dry_run,
            ..Report::default()
        }
    }

    /// Counts one item of `kind`.
    pub fn count(&mut self, kind: &str, outcome: Outcome) {
        self.counts.entry(kind.to_owned()).or_default().add(outcome);
    }

    /// Counts a skipped item, with why.
    pub fn skip(&mut self, item: ItemName, reason: impl Into<String>) {
        self.problem(item, Outcome::Skipped, reason.into());
    }

    /// Counts a failed item, with why.
    pub fn fail(&mut self, item: ItemName, reason: impl Into<String>) {
        self.problem(item, Outcome::Failed, reason.into());
    }

    fn problem(&mut self, item: ItemName, outcome: Outcome, reason: String) {
        self.count(&item.kind, outcome);
        self.problems.push(Problem {
            item,
            outcome,
            reason,
        });
    }

    /// Records what the sanitizer removed from an item, if anything.
    pub fn cleaned(&mut self, item: &ItemName, removed: Removed) {
        if !removed.is_empty() {
            self.cleaned.push((item.clone(), removed));
        }
    }

    /// Adds a note an editor should read about an item.
    pub fn note(&mut self, item: &ItemName, note: impl Into<String>) {
        self.notes.push((item.clone(), note.into()));
    }

    /// The counts of `kind` (zero when none was seen).
    pub fn counts_of(&self, kind: &str) -> Counts {
        self.counts.get(kind).copied().unwrap_or_default()
    }

    /// Whether any item failed.
    pub fn has_failures(&self) -> bool {
        self.counts.values().any(|c| c.failed > 0)
    }

    /// Writes the report to `path`.
    pub fn write_to(&self, path: &std::path::Path) -> std::io::Result<()> {
        std::fs::write(path, self.to_string())
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let run = if self.dry_run {
            " (dry run: nothing was written)"
        } else {
            ""
        };
        writeln!(f, "Import of {}{run}", self.source)?;
        writeln!(
            f,
            "{:<12} {:>9} {:>9} {:>9} {:>9} {:>9}",
            "kind", "imported", "updated", "unchanged", "skipped", "failed"
        )?;
        for (kind, c) in &self.counts {
            writeln!(
                f,
                "{kind:<12} {:>9} {:>9} {:>9} {:>9} {:>9}",
                c.imported, c.updated, c.unchanged, c.skipped, c.failed
            )?;
        }
        if self.grouped + self.ungrouped > 0 {
            writeln!(
                f,
                "New stories written in groups: {}; one at a time, their group refused: {}",
                self.grouped, self.ungrouped
            )?;
        }
        if !self.problems.is_empty() {
            writeln!(f, "\nSkipped and failed items:")?;
            for p in &self.problems {
                let what = if p.outcome == Outcome::Failed {
                    "failed"
                } else {
                    "skipped"
                };
                writeln!(f, "  {}: {what}: {}", p.item, p.reason)?;
            }
        }
        if !self.cleaned.is_empty() {
            writeln!(f, "\nRemoved by the sanitizer:")?;
            for (item, removed) in &self.cleaned {
                writeln!(f, "  {item}: {removed}")?;
            }
        }
        if !self.notes.is_empty() {
            writeln!(f, "\nNotes:")?;
            for (item, note) in &self.notes {
                writeln!(f, "  {item}: {note}")?;
            }
        }
        if !self.links.is_empty() {
            writeln!(
                f,
                "\nSet-password links of the new accounts (valid 7 days):"
            )?;
            for l in &self.links {
                writeln!(f, "  {} <{}>: {}", l.name, l.email, l.link)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(kind: &str, id: &str) -> ItemName {
        ItemName {
            kind: kind.into(),
            source_id: id.into(),
            place: Place::Xml {
                line: 40,
                column: 3,
            },
        }
    }

    #[test]
    fn the_report_counts_each_kind_and_names_each_skipped_item_with_its_place() {
        let mut report = Report::new("wordpress:https://example.com", false);
        report.count("post", Outcome::Imported);
        report.count("post", Outcome::Unchanged);
        report.skip(item("page", "4"), "pages not yet supported");
        report.cleaned(
            &item("post", "9"),
            Removed {
                scripts: 1,
                event_handlers: 2,
                javascript_links: 0,
            },
        );
        let text = report.to_string();
        assert!(
            text.contains("post                 1         0         1"),
            "{text}"
        );
        assert!(
            text.contains("page 4 (line 40, column 3): skipped: pages not yet supported"),
            "{text}"
        );
        assert!(
            text.contains("post 9 (line 40, column 3): 1 script, 2 event handlers"),
            "{text}"
        );
        assert_eq!(report.counts_of("page").skipped, 1);
        assert!(!report.has_failures());
        assert!(!text.contains("New stories written"), "{text}");
        report.grouped = 100;
        report.ungrouped = 3;
        assert!(
            report.to_string().contains(
                "New stories written in groups: 100; one at a time, their group refused: 3"
            )
        );
    }
}
