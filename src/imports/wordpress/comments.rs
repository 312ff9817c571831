//! A WordPress post's comments as masthead comments: approved, pending,
//! spam and trashed ones with their status, pingbacks and trackbacks kept as
//! such, replies under their parents (parents stored first).

use super::{MAPPING_VERSION, parse_date, value};
use crate::imports::ledger::{Decision, digest};
use crate::imports::report::{ItemName, Outcome};
use crate::imports::run::Run;
use crate::imports::wxr::{Comment, Item};
use crate::storage::{ImportedComment, LedgerKey};

/// The post's comments, each with its decision, parents before replies.
pub(super) fn of_post(
    run: &mut Run,
    post: &ItemName,
    post_id: &str,
    item: &Item,
    tz: &jiff::tz::TimeZone,
) -> Vec<(ImportedComment, Decision)> {
    let mut out: Vec<(ImportedComment, Decision)> = Vec::new();
    let mut pending: Vec<&Comment> = Vec::new();
    for c in &item.comments {
        if value(&c.id).is_none() {
            run.report
                .note(post, "a comment without an id was left out");
            run.report.count("comment", Outcome::Skipped);
            continue;
        }
        pending.push(c);
    }
    let ids: Vec<&str> = pending.iter().filter_map(|c| value(&c.id)).collect();
    let parent_of = |c: &Comment| {
        value(&c.parent)
            .filter(|p| *p != "0" && ids.contains(p))
            .map(str::to_owned)
    };
    let mut placed: Vec<String> = Vec::new();
    while !pending.is_empty() {
        let before = pending.len();
        let mut waiting = Vec::new();
        for c in pending {
            let parent = parent_of(c);
            if parent.as_ref().is_some_and(|p| !placed.contains(p)) && before > 0 {
                waiting.push(c);
                continue;
            }
            let id = value(&c.id).unwrap_or_default().to_owned();
            out.push(comment(run, post_id, c, parent, tz));
            placed.push(id);
        }
        if waiting.len() == before {
            for c in waiting {
                out.push(comment(run, post_id, c, None, tz));
            }
            break;
        }
        pending = waiting;
    }
    out
}

fn comment(
    run: &Run,
    post_id: &str,
    c: &Comment,
    parent: Option<String>,
    tz: &jiff::tz::TimeZone,
) -> (ImportedComment, Decision) {
    let id = value(&c.id).unwrap_or_default();
    let comment_digest = digest(MAPPING_VERSION, format!("{post_id}|{c:?}").as_bytes());
    let decision = run.decide("comment", id, &comment_digest);
    let status = match value(&c.approved).unwrap_or("0") {
        "1" | "approve" => "approved",
        "spam" => "spam",
        "trash" | "post-trashed" => "deleted",
        _ => "pending",
    };
    let kind = match value(&c.comment_type).unwrap_or("comment") {
        "pingback" => "pingback",
        "trackback" => "trackback",
        _ => "comment",
    };
    let created_at = parse_date(value(&c.date_gmt), &jiff::tz::TimeZone::UTC)
        .or_else(|| parse_date(value(&c.date), tz))
        .unwrap_or(run.now);
    let comment = ImportedComment {
        key: run.key("comment", id),
        digest: comment_digest,
        parent: parent.map(|p| LedgerKey::new(run.ledger.source(), "comment", &p)),
        author_name: value(&c.author).unwrap_or("Anonymous").to_owned(),
        author_email: value(&c.author_email).unwrap_or_default().to_owned(),
        author_url: value(&c.author_url).map(str::to_owned),
        body: value(&c.content).unwrap_or_default().to_owned(),
        status: status.to_owned(),
        kind: kind.to_owned(),
        address: value(&c.author_ip).map(str::to_owned),
        created_at,
    };
    (comment, decision)
}
