//! One run of the Drupal 7 importer, through the shared machinery (ledger,
//! run, report): the site's settings, users and their people, sections and
//! topics, then nodes in batches (each with every revision, its images,
//! comments and old addresses, in one transaction), then the old addresses
//! of terms, users and the Redirect module's redirects.

use std::collections::HashMap;
use std::path::PathBuf;

use super::error::Drupal7Error;
use super::mapping::{self, Context};
use super::model::{Node, Position, Term};
use super::source::{Source, open};
use crate::accounts::Token;
use crate::articles::{Article, SectionRef, Slug, revisions};
use crate::imports::cleaning;
use crate::imports::ledger::{Decision, digest};
use crate::imports::progress::Progress;
use crate::imports::report::{ItemName, Place, Report};
use crate::imports::run::Run;
use crate::media::{self, MediaFiles, MediaText};
use crate::site::{Settings, Site, SiteError};
use crate::storage::{
    ImportBatch, ImportRevision, ImportedAccount, ImportedComment, ImportedPerson, ImportedStory,
    ImportedTopic, LaterRevision, NewAuditEntry, StorageError, Store, TranslationLink,
};

/// Bumped when the mapping changes, so a re-run updates every item once.
const MAPPING_VERSION: &str = "drupal7-2";
/// Nodes read per batch.
const BATCH: i64 = 500;
/// New stories written together through the batch's bulk path at most.
const BULK: usize = 100;

/// What the command line asks for.
pub struct Options {
    /// `mysql://USER@HOST/DB`.
    pub source: String,
    /// The site's `sites/default/files`.
    pub files: Option<PathBuf>,
    /// The vocabulary whose terms are sections (name or machine name).
    pub section_vocabulary: Option<String>,
    pub dry_run: bool,
    pub show_progress: bool,
    /// A story keeps its Drupal address (its newest alias) as its canonical
    /// one; without it the old addresses answer 301 to the new one.
    pub keep_paths: bool,
}

/// Why a run stopped before its end.
#[derive(Debug, thiserror::Error)]
pub enum ImportFailure {
    /// The source cannot be read (exit code 2).
    #[error(transparent)]
    Source(#[from] Drupal7Error),
    /// masthead's own database failed.
    #[error("masthead's database: {0}")]
    Storage(#[from] StorageError),
    #[error("the site's settings: {0}")]
    Site(#[from] SiteError),
    /// `--section-vocabulary` names no vocabulary.
    #[error("--section-vocabulary {0:?} names no vocabulary of the site")]
    NoSuchVocabulary(String),
}

fn row(table: &str, key: &str, id: impl std::fmt::Display) -> Place {
    Place::Row {
        table: table.to_owned(),
        key: format!("{key}={id}"),
    }
}

fn item(kind: &str, id: impl std::fmt::Display, place: Place) -> ItemName {
    ItemName {
        kind: kind.to_owned(),
        source_id: id.to_string(),
        place,
    }
}

fn node_item(nid: i64) -> ItemName {
    let p = Position::node(nid);
    item("node", nid, row(p.table, p.key, p.id))
}

fn digest_of(value: &impl std::fmt::Debug) -> String {
    digest(MAPPING_VERSION, format!("{value:?}").as_bytes())
}

/// Imports the Drupal 7 site at `options.source` into `store`.
pub async fn import(
    store: &Store,
    media_files: &MediaFiles,
    options: &Options,
    now: i64,
) -> Result<Report, ImportFailure> {
    let source = open(&options.source).await?;
    let result = run(store, media_files, options, &source, now).await;
    source.close().await;
    result
}

async fn run(
    store: &Store,
    media_files: &MediaFiles,
    options: &Options,
    source: &Source,
    now: i64,
) -> Result<Report, ImportFailure> {
    let total = u64::try_from(source.item_count().await?).unwrap_or(0);
    let progress = if options.show_progress {
        Progress::new("items", total)
    } else {
        Progress::hidden()
    };
    let name = format!("drupal7:{}", source.target());
    let mut run = Run::start(store, &name, options.dry_run, progress, now).await?;

    settings(store, source, &mut run).await?;
    let people = users(store, source, &mut run).await?;

    // Vocabularies: the section one, then topics from the rest.
    let types = source.node_types().await?;
    let story_types: Vec<String> = types
        .iter()
        .filter(|(t, _)| t != "page")
        .map(|(t, _)| t.clone())
        .collect();
    let vocabularies = source.vocabularies().await?;
    let section_vid = match &options.section_vocabulary {
        Some(wanted) => Some(
            vocabularies
                .iter()
                .find(|v| v.name.eq_ignore_ascii_case(wanted) || v.machine_name == *wanted)
                .ok_or_else(|| ImportFailure::NoSuchVocabulary(wanted.clone()))?
                .vid,
        ),
        None => {
            let (use_of, stories) = source.vocabulary_use(&story_types).await?;
            let found = vocabularies.iter().find(|v| {
                stories > 0
                    && use_of
                        .get(&v.vid)
                        .is_some_and(|(one, more)| *one == stories && *more == 0)
            });
            found.map(|v| v.vid)
        }
    };
    let whole = item("vocabulary", "-", Place::Source);
    match vocabularies.iter().find(|v| Some(v.vid) == section_vid) {
        Some(v) => run.report.note(
            &item(
                "vocabulary",
                v.vid,
                row("taxonomy_vocabulary", "vid", v.vid),
            ),
            format!("the vocabulary {:?} became the sections", v.name),
        ),
        None => run.report.note(
            &whole,
            "no vocabulary has exactly one term on every story; stories are filed in a \
             section named after their content type",
        ),
    }
    let terms = source.terms().await?;
    let (sections, topics) = taxonomy(store, &mut run, &terms, section_vid).await?;

    let mut fallback_sections = HashMap::new();
    for (machine, human) in &types {
        let slug = Slug::from_title(human);
        let key = run.key("type", machine);
        let id = if options.dry_run {
            0
        } else {
            store
                .import_section(&key, &digest_of(human), slug.as_str(), human, now)
                .await?
        };
        fallback_sections.insert(
            machine.clone(),
            SectionRef {
                id,
                slug: slug.to_string(),
                name: human.clone(),
            },
        );
    }
    let fields = source.fields();
    let context = Context {
        sections: sections.clone(),
        topics: topics.clone(),
        term_fields: fields
            .iter()
            .filter(|f| f.field_type == "taxonomy_term_reference")
            .map(|f| f.name.clone())
            .collect(),
        media_fields: fields
            .iter()
            .filter(|f| f.field_type == "image" || f.field_type == "file")
            .map(|f| f.name.clone())
            .collect(),
        people: people.clone(),
        fallback_sections,
        field_types: fields
            .iter()
            .map(|f| (f.name.clone(), f.field_type.clone()))
            .collect(),
    };

    let aliases = source.aliases().await?;
    let redirects = source.redirects().await?;
    let mut aliases_of: HashMap<String, Vec<String>> = HashMap::new();
    for alias in &aliases {
        aliases_of
            .entry(alias.source.clone())
            .or_default()
            .push(alias.alias.clone());
    }
    let mut nodes = NodeImport {
        store,
        media_files,
        files: options.files.clone(),
        context,
        aliases_of,
        redirects_to: HashMap::new(),
        media: HashMap::new(),
        missing_files_dir_noted: false,
        page_paths: Vec::new(),
        batch: store.import_batch(),
        pending: Vec::new(),
        translation_sets: source.translation_sets().await?,
        keep_paths: options.keep_paths,
        sticky: 0,
        promoted: 0,
    };
    for redirect in &redirects {
        nodes
            .redirects_to
            .entry(redirect.redirect.clone())
            .or_default()
            .push(redirect.source.clone());
    }

    let mut after = 0;
    loop {
        let batch = source.nodes_after(after, BATCH).await?;
        let Some(last) = batch.last() else { break };
        after = last.nid;
        let fids: Vec<i64> = batch.iter().flat_map(|n| nodes.fids_of(n)).collect();
        let files = source.files(&fids).await?;
        for node in &batch {
            if node.node_type == "page" {
                // A page is saved through the pages' own writes: the batch
                // so far commits first (it holds the write lock).
                nodes.flush(&mut run).await?;
                nodes.batch.commit().await?;
            }
            nodes.import_node(&mut run, node, &files).await?;
            if nodes.batch.due() || nodes.pending.len() >= BULK {
                nodes.flush(&mut run).await?;
            }
            nodes.batch.commit_if_due().await?;
        }
    }
    nodes.flush(&mut run).await?;
    nodes.batch.commit().await?;
    if nodes.sticky + nodes.promoted > 0 {
        run.report.note(
            &item("node", "-", Place::Source),
            format!(
                "{} sticky and {} promoted nodes: kept as the drupal_sticky and drupal_promote \
                 fields of their stories (masthead pins stories on curated fronts and has no \
                 front-page flag, so neither changes where a story shows)",
                nodes.sticky, nodes.promoted
            ),
        );
    }

    // Old addresses of pages, terms, people and the Redirect module's
    // other rows.
    let mut paths: Vec<(String, String)> = std::mem::take(&mut nodes.page_paths);
    let term_target = |source_path: &str| -> Option<String> {
        let tid: i64 = source_path.strip_prefix("taxonomy/term/")?.parse().ok()?;
        sections
            .get(&tid)
            .map(|s| format!("/{}", s.slug))
            .or_else(|| {
                topics
                    .get(&tid)
                    .map(|t| format!("/topics/{}", crate::articles::topic_name(t).slug))
            })
    };
    let user_target = |source_path: &str| -> Option<String> {
        let uid: i64 = source_path.strip_prefix("user/")?.parse().ok()?;
        people
            .get(&uid)
            .map(|(name, _)| format!("/people/{}", crate::articles::person_name(name).slug))
    };
    let target_of =
        |source_path: &str| term_target(source_path).or_else(|| user_target(source_path));
    for term in &terms {
        let source_path = format!("taxonomy/term/{}", term.tid);
        if let Some(target) = target_of(&source_path) {
            paths.push((format!("/{source_path}"), target));
        }
    }
    for alias in &aliases {
        if let Some(target) = target_of(&alias.source) {
            paths.push((format!("/{}", alias.alias), target));
        }
    }
    for redirect in &redirects {
        let target = target_of(&redirect.redirect).or_else(|| {
            aliases
                .iter()
                .find(|a| a.alias == redirect.redirect)
                .and_then(|a| target_of(&a.source))
        });
        match target {
            Some(target) => paths.push((format!("/{}", redirect.source), target)),
            None if redirect.redirect.starts_with("node/")
                || aliases.iter().any(|a| a.alias == redirect.redirect) => {}
            None => run.skip(
                item(
                    "redirect",
                    redirect.rid,
                    row("redirect", "rid", redirect.rid),
                ),
                format!(
                    "its target {:?} is not a node, term or user of the site",
                    redirect.redirect
                ),
            ),
        }
    }
    let key = run.key("paths", "terms-users-redirects");
    let digest = digest_of(&paths);
    let decision = run.decide("paths", "terms-users-redirects", &digest);
    if matches!(decision, Decision::Unchanged { .. }) {
        run.unchanged("paths");
    } else {
        if !options.dry_run {
            store
                .import_path_redirects(&key, &digest, &paths, now)
                .await?;
        }
        run.stored(&key, decision, "redirect", 0, &digest);
    }
    Ok(run.finish())
}

/// The site's name, time zone and date formats from `variable`.
async fn settings(store: &Store, source: &Source, run: &mut Run) -> Result<(), ImportFailure> {
    let variables = source.variables().await?;
    let key = run.key("variables", "site");
    let digest = digest_of(&variables);
    let decision = run.decide("variables", "site", &digest);
    if matches!(decision, Decision::Unchanged { .. }) {
        run.unchanged("variables");
        return Ok(());
    }
    let mut settings = match store.site().await? {
        Some(row) => Site::from_row(row)?.settings(),
        None => Settings::demo("http://localhost:8080"),
    };
    if let Some(name) = variables.site_name.filter(|n| !n.trim().is_empty()) {
        settings.name = name;
    }
    if let Some(zone) = variables
        .time_zone
        .filter(|z| jiff::tz::TimeZone::get(z).is_ok())
    {
        settings.time_zone = zone;
    }
    for (kind, format) in variables.date_formats {
        settings.date_formats.insert(kind, format);
    }
    if !run.dry_run {
        crate::site::save(store, &settings, run.now).await?;
        store.put_ledger(&key, "site", 1, &digest, run.now).await?;
    }
    run.stored(&key, decision, "site", 1, &digest);
    Ok(())
}

/// Users become people with accounts that keep their Drupal password hash.
async fn users(
    store: &Store,
    source: &Source,
    run: &mut Run,
) -> Result<HashMap<i64, (String, Option<i64>)>, ImportFailure> {
    let mut people = HashMap::new();
    for user in source.users().await? {
        let name = if user.name.trim().is_empty() {
            format!("user {}", user.uid)
        } else {
            user.name.clone()
        };
        let this = item("user", user.uid, row("users", "uid", user.uid));
        let key = run.key("user", &user.uid.to_string());
        let digest = digest_of(&user);
        let decision = run.decide("user", &user.uid.to_string(), &digest);
        let email = user.mail.trim().to_lowercase();
        let account = (!email.is_empty()).then(|| {
            let token = Token::generate();
            ImportedAccount {
                email: email.clone(),
                role: mapping::role_of(&user).into(),
                token_hash: token.hash,
                token_expires_at: run.now + crate::accounts::INVITE_LIFETIME_SECS,
                password_hash: Some(user.pass.clone()).filter(|p| !p.is_empty()),
            }
        });
        if account.is_none() {
            run.report.note(
                &this,
                "no e-mail address: imported as a person without an account",
            );
        } else if user.pass.is_empty() {
            run.report.note(
                &this,
                "no password: an administrator sends a set-password link",
            );
        }
        if run.dry_run {
            run.stored(&key, decision, "person", 0, &digest);
            people.insert(user.uid, (name, None));
            continue;
        }
        let person = ImportedPerson {
            key: key.clone(),
            digest: digest.clone(),
            slug: Slug::from_title(&name).to_string(),
            name: name.clone(),
            bio: String::new(),
            account,
        };
        match store.import_person(&person, run.now).await {
            Ok(stored) => {
                let account = stored.account.map(|(id, _)| id);
                if let Some(id) = account
                    && user.status == 0
                {
                    let audit = NewAuditEntry {
                        actor_id: None,
                        actor: "import".into(),
                        action: "user.disabled".into(),
                        subject: format!("user:{id}"),
                        details: serde_json::json!({ "reason": "blocked in Drupal" }),
                        address: None,
                    };
                    store.set_disabled(id, true, &audit, run.now).await?;
                }
                people.insert(user.uid, (name, account));
                run.stored(&key, decision, "person", stored.person_id, &digest);
            }
            Err(e) => run.fail(this, e.to_string()),
        }
    }
    Ok(people)
}

/// Sections from the section vocabulary's terms, topics (with their
/// hierarchy) from every other vocabulary's.
async fn taxonomy(
    store: &Store,
    run: &mut Run,
    terms: &[Term],
    section_vid: Option<i64>,
) -> Result<(HashMap<i64, SectionRef>, HashMap<i64, String>), ImportFailure> {
    let mut sections = HashMap::new();
    let mut topics = HashMap::new();
    let in_vocabulary: HashMap<i64, i64> = terms.iter().map(|t| (t.tid, t.vid)).collect();
    for term in mapping::parents_first(terms) {
        let id = term.tid.to_string();
        let key = run.key("term", &id);
        let digest = digest_of(term);
        let decision = run.decide("term", &id, &digest);
        let this = item("term", term.tid, row("taxonomy_term_data", "tid", term.tid));
        let slug = Slug::from_title(&term.name);
        if Some(term.vid) == section_vid {
            let stored = match decision {
                Decision::Unchanged { id } => Ok(id),
                _ if run.dry_run => Ok(0),
                _ => {
                    store
                        .import_section(&key, &digest, slug.as_str(), &term.name, run.now)
                        .await
                }
            };
            match stored {
                Ok(id) => {
                    sections.insert(
                        term.tid,
                        SectionRef {
                            id,
                            slug: slug.to_string(),
                            name: term.name.clone(),
                        },
                    );
                    if matches!(decision, Decision::Unchanged { .. }) {
                        run.unchanged("term");
                    } else {
                        run.stored(&key, decision, "section", id, &digest);
                    }
                }
                Err(e) => run.fail(this, e.to_string()),
            }
            continue;
        }
        topics.insert(term.tid, term.name.clone());
        if let Decision::Unchanged { .. } = decision {
            run.unchanged("term");
            continue;
        }
        let parent = term
            .parents
            .iter()
            .find(|p| **p != 0 && in_vocabulary.get(p) == Some(&term.vid))
            .map(|p| run.key("term", &p.to_string()));
        let topic = ImportedTopic {
            key: key.clone(),
            digest: digest.clone(),
            slug: crate::articles::topic_name(&term.name).slug,
            name: term.name.clone(),
            description: term.description.clone(),
            parent,
        };
        let stored = if run.dry_run {
            Ok(0)
        } else {
            store.import_topic(&topic, run.now).await
        };
        match stored {
            Ok(id) => run.stored(&key, decision, "topic", id, &digest),
            Err(e) => run.fail(this, e.to_string()),
        }
    }
    Ok((sections, topics))
}

/// The state shared by the node imports of one run.
struct NodeImport<'a> {
    store: &'a Store,
    media_files: &'a MediaFiles,
    files: Option<PathBuf>,
    context: Context,
    /// Drupal path (`node/1`) → its aliases, oldest first.
    aliases_of: HashMap<String, Vec<String>>,
    /// Drupal path or alias → the Redirect module's sources leading there.
    redirects_to: HashMap<String, Vec<String>>,
    /// fid → `media:N` of the images stored so far.
    media: HashMap<i64, String>,
    missing_files_dir_noted: bool,
    /// Old addresses of imported pages (old path, page path).
    page_paths: Vec<(String, String)>,
    /// The open batch of node writes (stories, their images).
    batch: ImportBatch<'a>,
    /// New stories waiting to be written together (see
    /// [`NodeImport::flush`]); every other write flushes them first, so
    /// the database sees the writes in node order.
    pending: Vec<Pending>,
    /// A translation set's node (`tnid`) to the nodes in it.
    translation_sets: HashMap<i64, Vec<i64>>,
    keep_paths: bool,
    /// Sticky and promoted nodes seen (kept as the `drupal_sticky` and
    /// `drupal_promote` fields).
    sticky: usize,
    promoted: usize,
}

/// A new story prepared for the bulk write, with what its report needs.
struct Pending {
    nid: i64,
    tnid: i64,
    slug: String,
    key: crate::storage::LedgerKey,
    digest: String,
    decision: Decision,
    story: ImportedStory,
    later: Vec<LaterRevision>,
}

impl NodeImport<'_> {
    /// Writes the pending new stories: together through the batch's bulk
    /// path, else (a write of one failed, nothing of them is written) each
    /// through the per-item path, which refuses a broken one alone.
    async fn flush(&mut self, run: &mut Run) -> Result<(), StorageError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let items: Vec<(&ImportedStory, &[LaterRevision])> = pending
            .iter()
            .map(|p| (&p.story, p.later.as_slice()))
            .collect();
        if let Some(ids) = self.batch.new_stories(&items).await? {
            for (p, id) in pending.iter().zip(ids) {
                run.stored(&p.key, p.decision, "article", id, &p.digest);
            }
            run.grouped(pending.len(), true);
            return Ok(());
        }
        drop(items);
        run.grouped(pending.len(), false);
        for p in pending {
            let this = node_item(p.nid);
            match self
                .write_story(run, (p.nid, p.tnid), &p.slug, p.story, p.later)
                .await
            {
                Ok(id) => run.stored(&p.key, p.decision, "article", id, &p.digest),
                Err(reason) => run.fail(this, reason),
            }
        }
        Ok(())
    }

    fn fids_of(&self, node: &Node) -> Vec<i64> {
        let mut fids = Vec::new();
        for revision in &node.revisions {
            for name in &self.context.media_fields {
                for item in revision.fields.get(name).into_iter().flatten() {
                    if let Some(fid) = item.get("fid").and_then(|f| f.parse().ok()) {
                        fids.push(fid);
                    }
                }
            }
        }
        fids.sort_unstable();
        fids.dedup();
        fids
    }

    async fn import_node(
        &mut self,
        run: &mut Run,
        node: &Node,
        files: &HashMap<i64, super::model::File>,
    ) -> Result<(), StorageError> {
        let this = node_item(node.nid);
        if node.revisions.is_empty() {
            run.fail(this, "the node has no revision in node_revision");
            return Ok(());
        }
        if node.sticky != 0 {
            self.sticky += 1;
        }
        if node.promote != 0 {
            self.promoted += 1;
        }
        if node.node_type == "page" {
            self.import_page(run, node).await;
            return Ok(());
        }
        let id = node.nid.to_string();
        let key = run.key("node", &id);
        let file_state: Vec<_> = self
            .fids_of(node)
            .into_iter()
            .map(|fid| {
                (
                    fid,
                    files
                        .get(&fid)
                        .map(|f| (&f.uri, self.file_path(&f.uri).map(|p| p.exists()))),
                )
            })
            .collect();
        let digest = digest_of(&(node, &file_state));
        let decision = run.decide("node", &id, &digest);
        if let Decision::Unchanged { .. } = decision {
            run.unchanged("node");
            return Ok(());
        }
        // Images first: each in its own write, recorded in the ledger, so a
        // re-run finds them.
        for fid in self.fids_of(node) {
            if !self.media.contains_key(&fid) {
                self.flush(run).await?;
            }
            self.store_image(run, node, fid, files).await;
        }
        if node.tnid != 0 || !matches!(decision, Decision::New) {
            // Its translation link reads what is stored; a saved story is
            // an update: both go item by item, after the pending ones.
            self.flush(run).await?;
        }
        let prepared = match self.store_story(run, node, &key, &digest, decision).await {
            Ok(prepared) => prepared,
            Err(reason) => {
                run.fail(this, reason);
                return Ok(());
            }
        };
        let Some((story, later)) = prepared else {
            // A dry run.
            run.stored(&key, decision, "article", 0, &digest);
            return Ok(());
        };
        let slug = mapping::slug_of(
            node,
            &self
                .aliases_of
                .get(&format!("node/{}", node.nid))
                .cloned()
                .unwrap_or_default(),
        );
        let pending = Pending {
            nid: node.nid,
            tnid: node.tnid,
            slug: slug.to_string(),
            key,
            digest,
            decision,
            story,
            later,
        };
        let newest = pending.later.last().map_or(&pending.story.row, |l| &l.row);
        if matches!(decision, Decision::New)
            && newest.canonical_path.is_none()
            && newest.translation_link.is_none()
        {
            self.pending.push(pending);
            return Ok(());
        }
        self.flush(run).await?;
        let this = node_item(pending.nid);
        match self
            .write_story(
                run,
                (pending.nid, pending.tnid),
                &pending.slug,
                pending.story,
                pending.later,
            )
            .await
        {
            Ok(id) => run.stored(&pending.key, decision, "article", id, &pending.digest),
            Err(reason) => run.fail(this, reason),
        }
        Ok(())
    }

    /// A `page` node becomes a standalone page at its alias (else at its
    /// title's slug), with each revision saved in turn; its old addresses
    /// are stored with the rest at the end of the run.
    async fn import_page(&mut self, run: &mut Run, node: &Node) {
        let this = node_item(node.nid);
        let id = node.nid.to_string();
        let key = run.key("node", &id);
        let digest = digest_of(node);
        let decision = run.decide("node", &id, &digest);
        let source = format!("node/{}", node.nid);
        let aliases = self.aliases_of.get(&source).cloned().unwrap_or_default();
        let path = match aliases.last() {
            Some(alias) => format!("/{}", alias.trim_matches('/')),
            None => format!("/{}", Slug::from_title(&node.title)),
        };
        self.page_paths.push((format!("/{source}"), path.clone()));
        for target in std::iter::once(&source).chain(aliases.iter()) {
            for old in self.redirects_to.get(target).into_iter().flatten() {
                self.page_paths.push((format!("/{old}"), path.clone()));
            }
        }
        if let Decision::Unchanged { .. } = decision {
            run.unchanged("node");
            return;
        }
        if run.dry_run {
            run.stored(&key, decision, "page", 0, &digest);
            return;
        }
        match self.store_page(run, node, &path, decision).await {
            Ok(page) => match self
                .store
                .put_ledger(&key, "page", page, &digest, run.now)
                .await
            {
                Ok(()) => run.stored(&key, decision, "page", page, &digest),
                Err(e) => run.fail(this, e.to_string()),
            },
            Err(reason) => run.fail(this, reason),
        }
    }

    async fn store_page(
        &self,
        run: &mut Run,
        node: &Node,
        path: &str,
        decision: Decision,
    ) -> Result<i64, String> {
        let actor = crate::actor::Actor::command_line();
        // The page this node became: the ledger's, or (a run stopped between
        // the page's save and its ledger row) the one at its address with
        // its title.
        let existing = match decision {
            Decision::Changed { id } => self.store.page(id).await.map_err(|e| e.to_string())?,
            _ => self
                .store
                .page_at(path)
                .await
                .map_err(|e| e.to_string())?
                .filter(|p| p.title == node.title),
        };
        let revisions: Vec<&super::model::Revision> = match existing {
            Some(_) => node.current().into_iter().collect(),
            None => node.revisions.iter().collect(),
        };
        let mut id = existing.as_ref().map(|p| p.id);
        let mut base = existing.as_ref().map(|p| p.revision);
        let mut published_before = false;
        for revision in revisions {
            let is_current = node.current().is_some_and(|r| r.vid == revision.vid);
            let published = if is_current {
                node.status == 1
            } else {
                revision.status == 1
            };
            let status = if published {
                "published"
            } else if published_before {
                "unpublished"
            } else {
                "draft"
            };
            published_before |= published;
            let (clean, removed) = cleaning::sanitize(mapping::raw_body(revision));
            if is_current && removed.scripts + removed.event_handlers + removed.javascript_links > 0
            {
                run.report.cleaned(&node_item(node.nid), removed);
            }
            let summary = revision
                .fields
                .get(mapping::BODY_FIELD)
                .and_then(|items| items.first())
                .and_then(|b| b.get("summary"))
                .unwrap_or("");
            let input = crate::pages::PageInput {
                title: revision.title.clone(),
                path: path.to_owned(),
                parent_id: None,
                // The Metatag description where there is one (current
                // state only: the module keeps no history), else the summary.
                description: node
                    .description
                    .as_deref()
                    .filter(|_| is_current)
                    .unwrap_or(summary)
                    .chars()
                    .take(300)
                    .collect(),
                body_source: clean,
                body_format: Some(crate::articles::BodyFormat::Html),
                language: if node.language.is_empty() || node.language == "und" {
                    String::new()
                } else {
                    node.language.clone()
                },
                fields: crate::articles::fields::to_text(&mapping::kept_fields(
                    &self.context,
                    node,
                    revision,
                )),
                status: status.to_owned(),
                message: if revision.log.trim().is_empty() {
                    format!(
                        "Imported from Drupal (node {}, revision {})",
                        node.nid, revision.vid
                    )
                } else {
                    revision.log.chars().take(200).collect()
                },
                base_revision: base,
            };
            let page = crate::pages::save(self.store, &actor, id, &input, run.now)
                .await
                .map_err(|e| e.to_string())?;
            id = Some(page.id);
            base = Some(page.revision);
        }
        id.ok_or_else(|| "the page has no revision".to_owned())
    }

    fn file_path(&self, uri: &str) -> Option<PathBuf> {
        let relative = uri.strip_prefix("public://")?;
        if relative.split('/').any(|part| part == "..") {
            return None;
        }
        Some(self.files.as_ref()?.join(relative))
    }

    async fn store_image(
        &mut self,
        run: &mut Run,
        node: &Node,
        fid: i64,
        files: &HashMap<i64, super::model::File>,
    ) {
        if self.media.contains_key(&fid) {
            return;
        }
        let this = node_item(node.nid);
        let Some(file) = files.get(&fid) else {
            run.report.note(
                &this,
                format!("file fid={fid} is not in file_managed; imported without it"),
            );
            return;
        };
        if self.files.is_none() {
            if !self.missing_files_dir_noted {
                run.report
                    .note(&this, "no --files folder given: images are not imported");
                self.missing_files_dir_noted = true;
            }
            return;
        }
        let Some(path) = self.file_path(&file.uri) else {
            run.report.note(
                &this,
                format!(
                    "file {} is not in the public files; imported without it",
                    file.uri
                ),
            );
            return;
        };
        let fkey = run.key("file", &fid.to_string());
        let digest = digest_of(&(file, path.exists()));
        let decision = run.decide("file", &fid.to_string(), &digest);
        if let Decision::Unchanged { id } = decision {
            self.media.insert(fid, format!("media:{id}"));
            run.unchanged("file");
            return;
        }
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) => {
                run.report.note(
                    &this,
                    format!(
                        "file {} ({}) is missing: {e}; imported without it",
                        file.uri,
                        path.display()
                    ),
                );
                return;
            }
        };
        let text = self.image_text(node, fid);
        let stored = if run.dry_run {
            Ok(0)
        } else {
            match media::prepare(self.media_files, bytes, text, None, run.now).await {
                Ok(row) => self
                    .batch
                    .media(&fkey, &digest, &row, run.now)
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            }
        };
        match stored {
            Ok(id) => {
                self.media.insert(fid, format!("media:{id}"));
                run.stored(&fkey, decision, "media", id, &digest);
            }
            Err(reason) => run.fail(
                item("file", fid, row("file_managed", "fid", fid)),
                format!("{} of node {}: {reason}", file.uri, node.nid),
            ),
        }
    }

    /// The alt and title of a file on the node's current revision.
    fn image_text(&self, node: &Node, fid: i64) -> MediaText {
        let fid = fid.to_string();
        let found = node.current().and_then(|r| {
            self.context
                .media_fields
                .iter()
                .flat_map(|name| r.fields.get(name).into_iter().flatten())
                .find(|i| i.get("fid") == Some(fid.as_str()))
        });
        MediaText {
            caption: found
                .and_then(|i| i.get("title").or(i.get("description")))
                .unwrap_or("")
                .to_owned(),
            credit: String::new(),
            alt: found.and_then(|i| i.get("alt")).unwrap_or("").to_owned(),
        }
    }

    async fn store_story(
        &mut self,
        run: &mut Run,
        node: &Node,
        key: &crate::storage::LedgerKey,
        digest: &str,
        decision: Decision,
    ) -> Result<Option<(ImportedStory, Vec<LaterRevision>)>, String> {
        let this = node_item(node.nid);
        let path = format!("node/{}", node.nid);
        let aliases = self.aliases_of.get(&path).cloned().unwrap_or_default();
        let mut old_paths = vec![format!("/{path}")];
        old_paths.extend(aliases.iter().map(|a| format!("/{a}")));
        for target in std::iter::once(&path).chain(aliases.iter()) {
            for source in self.redirects_to.get(target).into_iter().flatten() {
                old_paths.push(format!("/{source}"));
            }
        }
        let slug = mapping::slug_of(node, &aliases);
        // Every revision's state, oldest first, through the sanitizer.
        let mut states: Vec<(Article, &super::model::Revision)> = Vec::new();
        let mut published_before = false;
        let mut removed_total = cleaning::Removed::default();
        // Revisions often keep the body of the one before: cleaned once.
        let mut cleaned: Option<(&str, String, cleaning::Removed)> = None;
        for revision in &node.revisions {
            let is_current = revision.vid == node.current().map_or(0, |r| r.vid);
            let raw = mapping::raw_body(revision);
            let (clean, removed) = match &cleaned {
                Some((before, clean, removed)) if *before == raw => (clean.clone(), *removed),
                _ => {
                    let (clean, removed) = cleaning::sanitize(raw);
                    cleaned = Some((raw, clean.clone(), removed));
                    (clean, removed)
                }
            };
            if is_current {
                removed_total = removed;
            }
            let at = mapping::RevisionAt {
                revision,
                is_current,
                published_before,
                clean_body: &clean,
            };
            let article = mapping::story_state(&self.context, node, &at, &slug, &self.media)?;
            published_before |= revision.status == 1;
            states.push((article, revision));
        }
        if removed_total.scripts + removed_total.event_handlers + removed_total.javascript_links > 0
        {
            run.report.cleaned(&this, removed_total);
        }
        // A translation joins the set of a story of its set stored before
        // it (whichever of them comes first starts the set); with
        // --keep-paths the newest alias stays the story's address.
        let link = self.translation_of(run, node);
        let canonical = if self.keep_paths {
            aliases
                .last()
                .map(|a| format!("/{}", a.trim_matches('/')))
                .filter(|p| p.len() > 1)
        } else {
            None
        };
        for (article, _) in &mut states {
            article.translation_link = link;
            article.canonical_path = canonical.clone();
        }
        let comments: Vec<ImportedComment> = node
            .comments
            .iter()
            .map(|c| {
                let author = self.context.people.get(&c.uid);
                ImportedComment {
                    key: run.key("comment", &c.cid.to_string()),
                    digest: digest_of(c),
                    parent: (c.pid != 0).then(|| run.key("comment", &c.pid.to_string())),
                    author_name: if c.name.trim().is_empty() {
                        author.map_or("Anonymous".into(), |(n, _)| n.clone())
                    } else {
                        c.name.clone()
                    },
                    author_email: c.mail.clone(),
                    author_url: Some(c.homepage.clone()).filter(|h| h.starts_with("http")),
                    body: mapping::comment_text(c),
                    status: mapping::comment_status(c).into(),
                    kind: "comment".into(),
                    address: Some(c.hostname.clone()).filter(|h| !h.is_empty()),
                    created_at: c.created,
                }
            })
            .collect();
        if run.dry_run {
            return Ok(None);
        }
        let author_of = |uid: i64| {
            self.context
                .people
                .get(&uid)
                .map_or_else(|| format!("drupal user {uid}"), |(n, _)| n.clone())
        };
        let message_of = |r: &super::model::Revision| {
            if r.log.trim().is_empty() {
                format!(
                    "Imported from Drupal (node {}, revision {})",
                    node.nid, r.vid
                )
            } else {
                r.log.clone()
            }
        };
        let existing = match decision {
            Decision::Changed { id } => self
                .store
                .article(id)
                .await
                .map_err(|e| e.to_string())?
                .map(Article::from_row)
                .transpose()
                .map_err(|e| e.to_string())?,
            _ => None,
        };
        let (story, later) = match existing {
            // A story imported before: its current state becomes one new
            // revision (the earlier ones are already in its history).
            Some(before) => {
                let (mut after, revision) = states.pop().expect("a node has a revision");
                after.id = before.id;
                after.revision = before.revision;
                let event = revisions::change_event(&before, &after, "article.updated");
                let story = ImportedStory {
                    key: key.clone(),
                    digest: digest.to_owned(),
                    row: after.to_row(),
                    expected_revision: Some(before.revision),
                    revision: ImportRevision {
                        author: author_of(revision.uid),
                        message: format!("Updated from Drupal: {}", message_of(revision)),
                        snapshot: after.snapshot(),
                    },
                    events: vec![event],
                    old_paths,
                    comments,
                };
                (story, Vec::new())
            }
            None => {
                let (_, events) = states
                    .last()
                    .expect("a node has a revision")
                    .0
                    .creation_records("", "");
                let mut states = states.into_iter();
                let (first, revision) = states.next().expect("a node has a revision");
                let later: Vec<LaterRevision> = states
                    .enumerate()
                    .map(|(i, (mut article, revision))| {
                        article.revision = i as i64 + 2;
                        LaterRevision {
                            row: article.to_row(),
                            revision: ImportRevision {
                                author: author_of(revision.uid),
                                message: message_of(revision),
                                snapshot: article.snapshot(),
                            },
                        }
                    })
                    .collect();
                let story = ImportedStory {
                    key: key.clone(),
                    digest: digest.to_owned(),
                    row: first.to_row(),
                    expected_revision: None,
                    revision: ImportRevision {
                        author: author_of(revision.uid),
                        message: message_of(revision),
                        snapshot: first.snapshot(),
                    },
                    events,
                    old_paths,
                    comments,
                };
                (story, later)
            }
        };
        Ok(Some((story, later)))
    }

    /// Writes a prepared story item by item; each retry gives up one wish
    /// (the address, the kept path, the translation link).
    async fn write_story(
        &mut self,
        run: &mut Run,
        (nid, tnid): (i64, i64),
        slug: &str,
        mut story: ImportedStory,
        mut later: Vec<LaterRevision>,
    ) -> Result<i64, String> {
        let this = node_item(nid);
        let mut notes = Vec::new();
        // Each retry gives up one wish: the address, the kept path, the
        // translation link.
        for _ in 0..4 {
            match self.batch.story_history(&story, &later).await {
                Ok(Some(id)) => {
                    for note in notes {
                        run.report.note(&this, note);
                    }
                    return Ok(id);
                }
                Ok(None) => {
                    return Err(
                        "the story was edited in masthead since the last import; left as it is"
                            .into(),
                    );
                }
                Err(StorageError::Conflict(what))
                    if !story.row.slug.ends_with(&format!("-{nid}")) =>
                {
                    // Another story has this address: take the node id along.
                    let slug = format!("{slug}-{nid}");
                    story.row.slug = slug.clone();
                    for l in &mut later {
                        l.row.slug = slug.clone();
                    }
                    notes.push(format!(
                        "{what} exists: the story's address ends in -{}",
                        nid
                    ));
                }
                Err(StorageError::Refused(why))
                    if story.row.canonical_path.is_some() && why.starts_with('/') =>
                {
                    story.row.canonical_path = None;
                    for l in &mut later {
                        l.row.canonical_path = None;
                    }
                    notes.push(format!("its Drupal address is not kept: {why}"));
                }
                Err(StorageError::Refused(why)) if story.row.translation_link.is_some() => {
                    story.row.translation_link = None;
                    for l in &mut later {
                        l.row.translation_link = None;
                    }
                    notes.push(format!(
                        "not linked with its translations (node {}): {why}",
                        tnid
                    ));
                }
                Err(e) => return Err(e.to_string()),
            }
        }
        Err("the story could not be stored".into())
    }

    /// The translation link of `node`: joining the story of another node
    /// of its translation set that is stored already.
    fn translation_of(&self, run: &Run, node: &Node) -> Option<TranslationLink> {
        if node.tnid == 0 {
            return None;
        }
        self.translation_sets
            .get(&node.tnid)?
            .iter()
            .filter(|nid| **nid != node.nid)
            .find_map(|nid| match run.ledger.target("node", &nid.to_string()) {
                Some(("article", id)) => Some(TranslationLink::Join(id)),
                _ => None,
            })
    }
}
