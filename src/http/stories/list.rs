//! The story list: every story in any status, most recently changed first,
//! filtered by status, section and author, with search by headline.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::{Newsroom, render, when};
use crate::app::App;
use crate::articles::{Article, Status};
use crate::http::problem::{Problem, Surface};
use crate::publishing;
use crate::site::Site;
use crate::storage::StoryFilter;

/// Stories per page of the list.
const PAGE_SIZE: i64 = 50;

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub(super) struct ListQuery {
    status: String,
    section: String,
    /// `me`, or an account id.
    author: String,
    q: String,
    page: String,
}

#[derive(Debug, Serialize)]
struct Row {
    id: i64,
    headline: String,
    status: Status,
    status_name: &'static str,
    section: String,
    bylines: String,
    modified: String,
    public_path: Option<String>,
}

#[derive(Debug, Serialize)]
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Debug, Serialize)]
struct ListPage<'a> {
    title: &'static str,
    query: &'a ListQuery,
    statuses: Vec<Choice>,
    sections: Vec<Choice>,
    authors: Vec<Choice>,
    stories: Vec<Row>,
    newer: Option<String>,
    older: Option<String>,
}

/// The list's address for page `page` with the same filters.
fn page_link(query: &ListQuery, page: i64) -> String {
    let pairs = [
        ("status", query.status.as_str()),
        ("section", query.section.as_str()),
        ("author", query.author.as_str()),
        ("q", query.q.as_str()),
    ];
    let mut link = String::from("/admin/stories?");
    for (name, value) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        link.push_str(name);
        link.push('=');
        link.push_str(&percent_encode(value));
        link.push('&');
    }
    link.push_str(&format!("page={page}"));
    link
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub(super) async fn page(
    State(app): State<App>,
    Newsroom(actor, current): Newsroom,
    Query(query): Query<ListQuery>,
) -> Result<Response, Problem> {
    let page_number: i64 = query.page.parse().unwrap_or(1).max(1);
    let filter = StoryFilter {
        status: Status::parse(&query.status).map(|s| s.as_str().to_owned()),
        section_id: query.section.parse().ok(),
        owner_id: match query.author.as_str() {
            "me" => actor.id,
            other => other.parse().ok(),
        },
        headline: Some(query.q.clone()).filter(|q| !q.trim().is_empty()),
    };
    let loaded = async {
        let site = Site::load(app.store()).await?;
        let sections = crate::sections::list(app.store()).await?;
        let rows = app
            .store()
            .admin_articles(&filter, PAGE_SIZE + 1, (page_number - 1) * PAGE_SIZE)
            .await?;
        let users = crate::accounts::list(app.store()).await?;
        let stories = rows
            .into_iter()
            .map(Article::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok::<_, Problem>((site, sections, users, stories))
    }
    .await;
    // A failure to load is shown on the reader's page, as it always was.
    let (site, sections, users, mut stories) = loaded.map_err(|p| p.on(Surface::Reader))?;
    let has_older = stories.len() as i64 > PAGE_SIZE;
    stories.truncate(PAGE_SIZE as usize);
    let now = app.now();
    let statuses = [
        Status::Draft,
        Status::Review,
        Status::Scheduled,
        Status::Published,
        Status::Unpublished,
    ]
    .into_iter()
    .map(|s| Choice {
        value: s.as_str().into(),
        label: publishing::status_name(s).into(),
        selected: query.status == s.as_str(),
    })
    .collect();
    let page = ListPage {
        title: "Stories",
        statuses,
        sections: sections
            .iter()
            .map(|s| Choice {
                value: s.id.to_string(),
                label: s.name.clone(),
                selected: query.section == s.id.to_string(),
            })
            .collect(),
        authors: std::iter::once(Choice {
            value: "me".into(),
            label: "Me".into(),
            selected: query.author == "me",
        })
        .chain(users.iter().map(|u| Choice {
            value: u.id.to_string(),
            label: u.name.clone(),
            selected: query.author == u.id.to_string(),
        }))
        .collect(),
        stories: stories
            .iter()
            .map(|a| Row {
                id: a.id,
                headline: a.headline.clone(),
                status: a.status,
                status_name: publishing::status_name(a.status),
                section: a.section.name.clone(),
                bylines: a.bylines.join(", "),
                modified: when(&site, Some(a.modified_at)),
                public_path: a.is_visible(now).then(|| a.path()),
            })
            .collect(),
        newer: (page_number > 1).then(|| page_link(&query, page_number - 1)),
        older: has_older.then(|| page_link(&query, page_number + 1)),
        query: &query,
    };
    render(
        &app,
        &current,
        StatusCode::OK,
        (None, None),
        "admin/stories/list.html",
        &page,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_links_keep_the_filters_and_encode_the_search() {
        let query = ListQuery {
            status: "draft".into(),
            q: "Iraq & Syria".into(),
            ..ListQuery::default()
        };
        assert_eq!(
            page_link(&query, 2),
            "/admin/stories?status=draft&q=Iraq%20%26%20Syria&page=2"
        );
    }
}
