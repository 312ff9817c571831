//! `masthead check`: finds what is wrong with a site's data and says, in
//! words an operator can act on, what to do about it. It checks the
//! database engine's own integrity, that migrations are applied, that every
//! media file the database refers to exists in the media store (folder or
//! bucket) with its checksum, and that
//! derived data matches its source (article HTML against its Markdown,
//! revision counters against revisions, stories' topic filing against the
//! topic names they keep and their crediting against their bylines,
//! translation sets, the full-text index against its content, the changes
//! feed for holes).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::media::MediaFiles;
use crate::storage::{StorageError, Store};
use crate::text::markdown;

/// One problem found, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub problem: String,
    pub fix: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PROBLEM: {}\n    what to do: {}", self.problem, self.fix)
    }
}

/// How far the check got, for the operator.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// What was checked, one line each.
    pub checked: Vec<String>,
}

const RESTORE: &str = "restore the last good backup (masthead restore --force FILE), or copy \
                       the data folder aside and ask for help";

/// Runs every check against `store` and the media in `<data_dir>/media`.
pub async fn run(store: &Store, data_dir: &Path) -> Result<Report, StorageError> {
    run_with_media(store, &MediaFiles::new(data_dir)).await
}

/// Runs every check against `store` and the media store `media` (a folder
/// or a bucket).
pub async fn run_with_media(store: &Store, media: &MediaFiles) -> Result<Report, StorageError> {
    let mut report = Report::default();

    let problems = store.integrity_problems().await?;
    report
        .checked
        .push(format!("database integrity ({})", store.backend()));
    for problem in problems {
        report.findings.push(Finding {
            problem: format!("the database is damaged: {problem}"),
            fix: RESTORE.into(),
        });
    }

    let (applied, known) = (
        store.applied_migration_version().await?,
        store.known_migration_version(),
    );
    report.checked.push(format!("migrations ({applied})"));
    if applied < known {
        report.findings.push(Finding {
            problem: format!(
                "the database is at migration {applied}, this masthead expects {known}"
            ),
            fix: "run `masthead migrate` (or start `masthead serve`, which migrates)".into(),
        });
    }

    check_media(store, media, &mut report).await?;
    check_bodies(store, &mut report).await?;
    check_topic_filing(store, &mut report).await?;
    check_person_filing(store, &mut report).await?;
    check_translation_sets(store, &mut report).await?;
    check_pages(store, &mut report).await?;

    report.checked.push("article revision counters".to_string());
    for row in store.revision_mismatches().await? {
        report.findings.push(Finding {
            problem: format!(
                "article {} says it is at revision {} but its newest stored revision is {}",
                row.id,
                row.revision,
                row.newest.map_or("none".into(), |n| n.to_string())
            ),
            fix: format!(
                "open article {} in the admin and save it again; if that fails, {RESTORE}",
                row.id
            ),
        });
    }

    report.checked.push("search index".to_string());
    for problem in store.search_index_problems().await? {
        report.findings.push(Finding {
            problem,
            fix: "rebuild the search index (`masthead search reindex`)".into(),
        });
    }

    // SQLite never reuses or skips ids of committed events; on PostgreSQL a
    // rolled-back write can leave an unused id, which consumers tolerate.
    if store.backend() == "sqlite" {
        report.checked.push("changes feed continuity".to_string());
        for (after, before) in store.event_gaps().await? {
            report.findings.push(Finding {
                problem: format!(
                    "the changes feed jumps from event {after} to {before}: events were deleted"
                ),
                fix: format!(
                    "caches and search may have missed changes: restart masthead to rebuild them; {RESTORE} if stories are missing"
                ),
            });
        }
    }
    Ok(report)
}

async fn check_media(
    store: &Store,
    media: &MediaFiles,
    report: &mut Report,
) -> Result<(), StorageError> {
    let references = match crate::media::stored_files(store).await {
        Ok(files) => files,
        Err(crate::media::MediaError::Storage(error)) => return Err(error),
        Err(other) => {
            report.findings.push(Finding {
                problem: format!("the media table cannot be read: {other}"),
                fix: "restore the database from a backup".to_string(),
            });
            return Ok(());
        }
    };
    report.checked.push(format!(
        "{} media files in {}",
        references.len(),
        media.describe()
    ));
    let in_folder = media.folder_root().is_some();
    for reference in references {
        let location = media.location_of(&reference.path);
        let fix = if in_folder {
            format!(
                "copy {location} back from a backup (masthead restore into a spare folder, then take it from its media/)"
            )
        } else {
            format!(
                "put {location} back from a backup (masthead restore with --media-store set to a spare folder, then copy the object from it)"
            )
        };
        // Originals are read whole and hashed (their hash names the image);
        // derivatives only need to be there.
        let found = match &reference.sha256 {
            Some(_) => media
                .read_relative(&reference.path)
                .await
                .map(|bytes| bytes.map(|b| Some(crate::ops::backup::sha256_hex(&b)))),
            None => media
                .exists_relative(&reference.path)
                .await
                .map(|there| there.then_some(None)),
        };
        match found {
            Err(error) => report.findings.push(Finding {
                problem: format!("the media file {location} cannot be read: {error}"),
                fix: format!(
                    "check that the media store {} answers and that masthead may read it, then run the check again",
                    media.describe()
                ),
            }),
            Ok(None) => report.findings.push(Finding {
                problem: format!("the media file {location} is missing"),
                fix,
            }),
            Ok(Some(Some(sum)))
                if reference
                    .sha256
                    .as_ref()
                    .is_some_and(|expected| !sum.eq_ignore_ascii_case(expected)) =>
            {
                report.findings.push(Finding {
                    problem: format!(
                        "the media file {location} is damaged (its checksum is {sum}, the database expects {})",
                        reference.sha256.as_deref().unwrap_or_default()
                    ),
                    fix,
                })
            }
            Ok(Some(_)) => {}
        }
    }
    Ok(())
}

/// Each article's stored HTML must be what its source renders to today.
async fn check_bodies(store: &Store, report: &mut Report) -> Result<(), StorageError> {
    let mut after = 0;
    let mut count = 0;
    loop {
        let rows = store.stored_bodies(after, 500).await?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        for row in rows {
            count += 1;
            // The stored names of `articles::BodyFormat`.
            let rendered = match row.body_format.as_str() {
                "markdown" => markdown::to_html(&row.body_source),
                "html" => markdown::sanitize(&row.body_source),
                _ => {
                    report.findings.push(Finding {
                        problem: format!(
                            "article {} has an unknown body format {:?}",
                            row.id, row.body_format
                        ),
                        fix: RESTORE.into(),
                    });
                    continue;
                }
            };
            if rendered != row.body_html {
                report.findings.push(Finding {
                    problem: format!(
                        "article {}'s page shows HTML that no longer matches its text",
                        row.id
                    ),
                    fix: format!("open article {} in the admin and save it again", row.id),
                });
            }
        }
    }
    report.checked.push(format!("{count} article bodies"));
    Ok(())
}

/// Standalone pages: each body shows what its text renders to, each
/// revision counter is the newest revision, and no section hides a page's
/// address (a section owns every address under `/<slug>`).
async fn check_pages(store: &Store, report: &mut Report) -> Result<(), StorageError> {
    let pages = store.pages().await?;
    let sections: std::collections::HashSet<String> = store
        .sections()
        .await?
        .into_iter()
        .map(|s| s.slug)
        .collect();
    for page in &pages {
        let format = match page.body_format.as_str() {
            "html" => crate::articles::BodyFormat::Html,
            _ => crate::articles::BodyFormat::Markdown,
        };
        if crate::pages::body_html(&page.body_source, format) != page.body_html {
            report.findings.push(Finding {
                problem: format!(
                    "page {} ({})'s HTML no longer matches its text",
                    page.id, page.path
                ),
                fix: format!("open page {} in the admin and save it again", page.id),
            });
        }
        let newest = store
            .page_revisions(page.id)
            .await?
            .first()
            .map(|r| r.number);
        if newest != Some(page.revision) {
            report.findings.push(Finding {
                problem: format!(
                    "page {} says it is at revision {} but its newest stored revision is {}",
                    page.id,
                    page.revision,
                    newest.map_or("none".into(), |n| n.to_string())
                ),
                fix: format!(
                    "open page {} in the admin and save it again; if that fails, {RESTORE}",
                    page.id
                ),
            });
        }
        let first = page
            .path
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default();
        if sections.contains(first) {
            report.findings.push(Finding {
                problem: format!(
                    "page {} lives at {}, under the section /{first}, which hides it from readers",
                    page.id, page.path
                ),
                fix: format!("give page {} another address in the admin", page.id),
            });
        }
    }
    report.checked.push(format!("{} pages", pages.len()));
    Ok(())
}

/// A story's topic names (`tags`) and its filing (`article_topics`) must
/// agree as a save leaves them: each name files under the topic it names
/// (by name ignoring case, by the slug made of it, or by an old slug of a
/// renamed or merged topic), and the story is filed under those topics and
/// no other. A disagreement shows a topic page without the story, or with
/// a story whose page does not name the topic.
async fn check_topic_filing(store: &Store, report: &mut Report) -> Result<(), StorageError> {
    let topics = store.topics().await?;
    let by_name: HashMap<String, i64> = topics
        .iter()
        .rev() // the oldest topic of a name wins, as when a story is saved
        .map(|t| (t.name.to_lowercase(), t.id))
        .collect();
    let by_slug: HashMap<&str, i64> = topics.iter().map(|t| (t.slug.as_str(), t.id)).collect();
    let redirects: HashMap<String, i64> = store.topic_redirect_rows().await?.into_iter().collect();
    let label: HashMap<i64, String> = topics
        .iter()
        .map(|t| (t.id, format!("{:?} (/topics/{})", t.name, t.slug)))
        .collect();
    let mut filed: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (article, topic) in store.topic_filings().await? {
        filed.entry(article).or_default().push(topic);
    }
    let resolve = |name: &str| {
        let slug = crate::topics::name_of(name).slug;
        by_name
            .get(&name.to_lowercase())
            .or_else(|| by_slug.get(slug.as_str()))
            .or_else(|| redirects.get(&slug))
            .copied()
    };
    let fix = |id: i64| {
        format!(
            "open article {id} in the admin and save it again (a save files a story under the topics it names)"
        )
    };
    let mut after = 0;
    let mut count = 0;
    loop {
        let rows = store.stored_topic_names(after, 500).await?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        for (id, tags) in rows {
            count += 1;
            let Ok(names) = serde_json::from_str::<Vec<String>>(&tags) else {
                report.findings.push(Finding {
                    problem: format!("article {id}'s topic names are not a list: {tags:?}"),
                    fix: RESTORE.into(),
                });
                continue;
            };
            let under = filed.remove(&id).unwrap_or_default();
            let mut named = Vec::new();
            for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
                match resolve(name) {
                    Some(topic) => named.push(topic),
                    None => report.findings.push(Finding {
                        problem: format!(
                            "article {id} names the topic {name:?}, which files it under no topic"
                        ),
                        fix: fix(id),
                    }),
                }
            }
            for topic in named.iter().filter(|t| !under.contains(t)) {
                report.findings.push(Finding {
                    problem: format!(
                        "article {id} names the topic {} but is not filed under it",
                        label[topic]
                    ),
                    fix: fix(id),
                });
            }
            for topic in under.iter().filter(|t| !named.contains(t)) {
                report.findings.push(Finding {
                    problem: format!(
                        "article {id} is filed under the topic {}, which none of its topic names explains",
                        label.get(topic).map_or("that no longer exists", String::as_str)
                    ),
                    fix: fix(id),
                });
            }
        }
    }
    report
        .checked
        .push(format!("topic filing of {count} articles"));
    Ok(())
}

/// A story's bylines and its crediting (`article_people`) must agree as a
/// save leaves them: each byline that names a person (by name ignoring
/// case, or by an old slug of a renamed person) credits that person, in
/// byline order, and no one else is credited. A byline naming no person is
/// plain text (a guest's person deleted) and credits no one. A disagreement
/// shows a person page without the story, or a byline linking the wrong
/// profile.
async fn check_person_filing(store: &Store, report: &mut Report) -> Result<(), StorageError> {
    let people = store.people().await?;
    let mut by_name: HashMap<String, i64> = HashMap::new();
    for person in &people {
        // The oldest person of a name wins, as when a story is saved.
        let id = by_name
            .entry(person.name.to_lowercase())
            .or_insert(person.id);
        *id = (*id).min(person.id);
    }
    let redirects: HashMap<String, i64> = store.person_redirect_rows().await?.into_iter().collect();
    let label: HashMap<i64, String> = people
        .iter()
        .map(|p| (p.id, format!("{:?} (/people/{})", p.name, p.slug)))
        .collect();
    let mut filed: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (article, person) in store.person_filings().await? {
        filed.entry(article).or_default().push(person);
    }
    let resolve = |name: &str| {
        by_name
            .get(&name.to_lowercase())
            .or_else(|| redirects.get(&crate::articles::person_name(name).slug))
            .copied()
    };
    let fix = |id: i64| {
        format!(
            "open article {id} in the admin and save it again (a save credits the people its bylines name)"
        )
    };
    let (mut after, mut count) = (0, 0);
    loop {
        let rows = store.stored_bylines(after, 500).await?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        for (id, bylines) in rows {
            count += 1;
            let Ok(names) = serde_json::from_str::<Vec<String>>(&bylines) else {
                report.findings.push(Finding {
                    problem: format!("article {id}'s bylines are not a list: {bylines:?}"),
                    fix: RESTORE.into(),
                });
                continue;
            };
            let credited = filed.remove(&id).unwrap_or_default();
            let mut named: Vec<i64> = Vec::new();
            for person in names.iter().filter_map(|n| resolve(n.trim())) {
                if !named.contains(&person) {
                    named.push(person);
                }
            }
            if named == credited {
                continue;
            }
            let names = |ids: &[i64]| {
                ids.iter()
                    .map(|p| {
                        label
                            .get(p)
                            .map_or("a person who no longer exists", String::as_str)
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            report.findings.push(Finding {
                problem: format!(
                    "article {id}'s bylines name [{}] but it credits [{}]",
                    names(&named),
                    names(&credited)
                ),
                fix: fix(id),
            });
        }
    }
    for (id, credited) in filed {
        report.findings.push(Finding {
            problem: format!(
                "{} credit(s) of article {id}, which does not exist",
                credited.len()
            ),
            fix: RESTORE.into(),
        });
    }
    report
        .checked
        .push(format!("bylines and people of {count} articles"));
    Ok(())
}

/// A translation set is named by the id of one of its stories and holds at
/// least two (a story translated by none has no set). A set named after a
/// story outside it would take that story's own translations in when it
/// gets some; a set of one shows a story as translated by nothing.
async fn check_translation_sets(store: &Store, report: &mut Report) -> Result<(), StorageError> {
    let mut sets: BTreeMap<i64, Vec<(i64, String)>> = BTreeMap::new();
    for (set, id, language) in store.translation_members().await? {
        sets.entry(set).or_default().push((id, language));
    }
    let relink = |members: &[(i64, String)]| {
        let ids: Vec<String> = members.iter().map(|(id, _)| id.to_string()).collect();
        format!(
            "open the stories {} in the admin, save each with an empty \"Translation of\", then link them again",
            ids.join(", ")
        )
    };
    for (set, members) in &sets {
        if members.len() < 2 {
            report.findings.push(Finding {
                problem: format!("article {} is alone in translation set {set}", members[0].0),
                fix: relink(members),
            });
        } else if !members.iter().any(|(id, _)| id == set) {
            let list: Vec<String> = members
                .iter()
                .map(|(id, language)| format!("{id} ({language})"))
                .collect();
            report.findings.push(Finding {
                problem: format!(
                    "translation set {set} (articles {}) is named after article {set}, which is not in it",
                    list.join(", ")
                ),
                fix: relink(members),
            });
        }
    }
    report
        .checked
        .push(format!("{} translation sets", sets.len()));
    Ok(())
}
