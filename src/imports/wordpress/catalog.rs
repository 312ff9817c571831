//! A WordPress export's authors and terms: authors become people with an
//! account (no password; a set-password link goes in the report), or a
//! person alone when the export has no e-mail for them (WXR 1.0); categories
//! and tags become topics, parents before children.

use std::collections::{HashMap, HashSet};

use super::{Catalog, MAPPING_VERSION, WordPressError, source_item, value};
use crate::accounts::Token;
use crate::articles::Slug;
use crate::imports::ledger::{Decision, digest};
use crate::imports::report::PasswordLink;
use crate::imports::run::Run;
use crate::site::Site;
use crate::storage::{ImportedAccount, ImportedPerson, ImportedTopic, Store};

/// How long an imported account's set-password link works.
const LINK_LIFETIME_SECS: i64 = 7 * 24 * 3600;

/// An author's login to the name bylines give.
pub(super) type People = HashMap<String, String>;

/// Stores the export's authors (and the logins items name that no author
/// declares) as people; returns login to byline name.
pub(super) async fn import_people(
    store: &Store,
    site: &Site,
    run: &mut Run,
    catalog: &Catalog,
) -> Result<People, WordPressError> {
    let mut people = People::new();
    let declared: HashSet<&str> = catalog
        .authors
        .iter()
        .filter_map(|a| value(&a.login))
        .collect();
    let undeclared = catalog
        .creators
        .iter()
        .filter(|login| !declared.contains(login.as_str()))
        .map(|login| crate::imports::wxr::Author {
            login: Some(login.clone()),
            ..Default::default()
        });
    let authors: Vec<_> = catalog.authors.iter().cloned().chain(undeclared).collect();
    for author in authors {
        let Some(login) = value(&author.login).map(str::to_owned) else {
            let item = source_item("author", value(&author.id).unwrap_or_default());
            run.skip(item, "an author without a login");
            continue;
        };
        let first_last = [value(&author.first_name), value(&author.last_name)]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let name = value(&author.display_name)
            .map(str::to_owned)
            .or_else(|| (!first_last.is_empty()).then_some(first_last))
            .unwrap_or_else(|| login.clone());
        people.insert(login.clone(), name.clone());
        let item_digest = digest(MAPPING_VERSION, format!("{author:?}").as_bytes());
        let key = run.key("author", &login);
        let decision = run.decide("author", &login, &item_digest);
        if let Decision::Unchanged { .. } = decision {
            run.unchanged("author");
            continue;
        }
        let email = value(&author.email).filter(|e| e.contains('@'));
        let token = Token::generate();
        let person = ImportedPerson {
            key: key.clone(),
            digest: item_digest.clone(),
            slug: Slug::from_title(&name).as_str().to_owned(),
            name: name.clone(),
            bio: String::new(),
            account: email.map(|email| ImportedAccount {
                email: email.to_owned(),
                role: "writer".into(),
                token_hash: token.hash.clone(),
                token_expires_at: run.now + LINK_LIFETIME_SECS,
                password_hash: None,
            }),
        };
        if run.dry_run {
            run.stored(&key, decision, "person", 0, &item_digest);
            continue;
        }
        let stored = store.import_person(&person, run.now).await?;
        if let (Some((_, true)), Some(email)) = (stored.account, email) {
            run.report.links.push(PasswordLink {
                name: name.clone(),
                email: email.to_owned(),
                link: format!(
                    "{}/admin/password/{}",
                    site.base_url.trim_end_matches('/'),
                    token.plain
                ),
            });
        }
        if email.is_none() {
            let item = source_item("author", &login);
            run.report.note(
                &item,
                "no e-mail in the export: a person without an account",
            );
        }
        run.stored(&key, decision, "person", stored.person_id, &item_digest);
    }
    Ok(people)
}

/// Stores the export's categories and tags as topics, each parent before
/// its children (a parent missing from the export makes a top-level
/// topic).
pub(super) async fn import_terms(
    store: &Store,
    run: &mut Run,
    catalog: &Catalog,
) -> Result<(), WordPressError> {
    let mut pending: Vec<&(&str, crate::imports::wxr::Term)> = Vec::new();
    for entry in &catalog.terms {
        let (kind, term) = entry;
        let taxonomy = value(&term.taxonomy).unwrap_or(kind);
        let taxonomy_ok = matches!(taxonomy, "category" | "post_tag" | "tag");
        if !taxonomy_ok || value(&term.slug).is_none() {
            let id = value(&term.slug)
                .or(value(&term.term_id))
                .unwrap_or_default();
            let reason = if taxonomy_ok {
                "a term without a slug".to_owned()
            } else {
                format!("terms of the taxonomy {taxonomy:?} are not imported")
            };
            run.skip(source_item(kind, id), reason);
            continue;
        }
        pending.push(entry);
    }
    // Parents first: a term waits while its parent (of the same kind) is
    // still pending.
    let mut done: HashSet<(String, String)> = HashSet::new();
    while !pending.is_empty() {
        let before = pending.len();
        let mut waiting = Vec::new();
        for entry in pending {
            let (kind, term) = entry;
            let parent = value(&term.parent).filter(|p| *p != "0");
            let parent_waits = parent.is_some_and(|p| {
                !done.contains(&(kind.to_string(), p.to_owned()))
                    && catalog
                        .terms
                        .iter()
                        .any(|(k, t)| k == kind && value(&t.slug) == Some(p))
            });
            if parent_waits {
                waiting.push(entry);
                continue;
            }
            let slug = value(&term.slug).unwrap_or_default().to_owned();
            import_term(store, run, kind, term, &slug, parent).await?;
            done.insert((kind.to_string(), slug));
        }
        if waiting.len() == before {
            // A loop of parents: store the rest as they come.
            for (kind, term) in waiting {
                let slug = value(&term.slug).unwrap_or_default().to_owned();
                import_term(store, run, kind, term, &slug, None).await?;
            }
            break;
        }
        pending = waiting;
    }
    Ok(())
}

async fn import_term(
    store: &Store,
    run: &mut Run,
    kind: &str,
    term: &crate::imports::wxr::Term,
    slug: &str,
    parent: Option<&str>,
) -> Result<(), WordPressError> {
    let item_digest = digest(MAPPING_VERSION, format!("{term:?}").as_bytes());
    let key = run.key(kind, slug);
    let decision = run.decide(kind, slug, &item_digest);
    if let Decision::Unchanged { .. } = decision {
        run.unchanged(kind);
        return Ok(());
    }
    let name = value(&term.name).unwrap_or(slug).to_owned();
    let topic_slug = topic_slug(slug, &name);
    let topic = ImportedTopic {
        key: key.clone(),
        digest: item_digest.clone(),
        slug: topic_slug,
        name,
        description: value(&term.description).unwrap_or_default().to_owned(),
        parent: parent.map(|p| run.key(kind, p)),
    };
    if run.dry_run {
        run.stored(&key, decision, "topic", 0, &item_digest);
        return Ok(());
    }
    match store.import_topic(&topic, run.now).await {
        Ok(id) => run.stored(&key, decision, "topic", id, &item_digest),
        Err(crate::storage::StorageError::Refused(reason)) => {
            run.fail(source_item(kind, slug), reason);
        }
        Err(other) => return Err(other.into()),
    }
    Ok(())
}

/// A topic's slug from a WordPress slug (percent-encoded UTF-8 allowed),
/// else from its name.
pub(super) fn topic_slug(slug: &str, name: &str) -> String {
    let decoded = percent_encoding::percent_decode_str(slug).decode_utf8_lossy();
    match Slug::parse(&decoded) {
        Ok(s) => s.as_str().to_owned(),
        Err(_) => {
            let from = Slug::from_title(&decoded);
            if from.as_str().is_empty() {
                Slug::from_title(name).as_str().to_owned()
            } else {
                from.as_str().to_owned()
            }
        }
    }
}
