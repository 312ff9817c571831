//! `/admin/fronts` (editors and administrators): arrange the home page and
//! each section front, and set the breaking-news banner.
//!
//! The arrangement is edited without JavaScript: the whole pending list
//! travels in the form (`story_<n>`, `until_<n>`), and each button (make
//! lead, move up, move down, remove, add, preview, publish) posts it back;
//! only "Publish" stores it. "Preview" renders the reader's front with the
//! pending arrangement, never cached (in a new tab: `formtarget`). With
//! `static/admin-fronts.js` (served here, from `'self'` as the admin CSP
//! allows) the moves happen in the page instead: drag and drop, the same
//! buttons, or Alt+Arrow keys, announced to screen readers; the form then
//! posts the order shown.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::{Deserialize, Serialize};

use super::Page;
use super::auth::SectionManager;
use crate::app::App;
use crate::fronts::{self, BannerInput, Front, FrontError};
use crate::http::problem::Problem;
use crate::publishing::format_local_time;
use crate::storage::NewPin;

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/admin/fronts", get(list))
        .route("/admin/fronts/banner", post(banner))
        .route("/admin/fronts/{front}", get(edit).post(change))
}

/// The arrangement editor's script (drag and drop, keyboard moves).
const FRONTS_JS: &str = include_str!("../../../static/admin-fronts.js");

/// `/static/admin-fronts.js`, outside the admin's `no-store` layer (like
/// the story desk's scripts) so browsers keep it for an hour.
pub(super) async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        FRONTS_JS,
    )
        .into_response()
}

/// A front in the list.
#[derive(Debug, Serialize)]
struct FrontLink {
    name: String,
    title: String,
    path: String,
}

#[derive(Debug, Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

fn notice(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "banner-set" => Some("The banner is up on every reader page."),
        "banner-cleared" => Some("The banner is down."),
        "published" => Some("The arrangement is live."),
        _ => None,
    }
}

async fn list_page(
    app: &App,
    user: &SectionManager,
    status: StatusCode,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Response, Problem> {
    let site = app.site().await?;
    let mut list = vec![FrontLink {
        name: "home".into(),
        title: Front::Home.title(),
        path: "/".into(),
    }];
    for s in crate::sections::list(app.store()).await? {
        list.push(FrontLink {
            title: format!("{} front", s.name),
            path: format!("/{}", s.slug),
            name: s.slug,
        });
    }
    let banner = fronts::banner(app.store()).await?;
    let showing = fronts::showing(banner.as_ref(), app.now()).is_some();
    let context = serde_json::json!({
        "fronts": list,
        "banner": banner.as_ref().map(|b| serde_json::json!({
            "text": b.text,
            "link": b.link,
            "until": b.until.map(|t| format_local_time(t, &site.time_zone)).unwrap_or_default(),
            "showing": showing,
        })),
    });
    Page::new(app, Some(&user.user), "fronts")
        .status(status)
        .notice(notice)
        .error(error)
        .render("admin/fronts.html", context)
        .await
}

async fn list(
    State(app): State<App>,
    user: SectionManager,
    axum::extract::Query(query): axum::extract::Query<NoticeQuery>,
) -> Result<Response, Problem> {
    list_page(
        &app,
        &user,
        StatusCode::OK,
        notice(query.notice.as_deref()),
        None,
    )
    .await
}

#[derive(Debug, Deserialize)]
struct BannerForm {
    action: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    link: String,
    #[serde(default)]
    until: String,
}

fn refusal(error: FrontError) -> Result<(StatusCode, String), Problem> {
    match error {
        FrontError::Invalid(_) => Ok((StatusCode::UNPROCESSABLE_ENTITY, error.to_string())),
        FrontError::NoStory(_) => Ok((StatusCode::UNPROCESSABLE_ENTITY, error.to_string())),
        other => Err(other.into()),
    }
}

async fn banner(
    State(app): State<App>,
    user: SectionManager,
    Form(form): Form<BannerForm>,
) -> Result<Response, Problem> {
    let site = app.site().await?;
    let now = app.now();
    let result = match form.action.as_str() {
        "clear" => fronts::set_banner(app.store(), &user.actor(), None, now)
            .await
            .map(|()| "banner-cleared"),
        _ => match fronts::parse_until(&form.until, &site.time_zone, now) {
            Ok(until) => {
                let input = BannerInput {
                    text: form.text,
                    link: form.link,
                    until,
                };
                fronts::set_banner(app.store(), &user.actor(), Some(&input), now)
                    .await
                    .map(|()| "banner-set")
            }
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(code) => Ok(Redirect::to(&format!("/admin/fronts?notice={code}")).into_response()),
        Err(e) => {
            let (status, message) = refusal(e)?;
            list_page(&app, &user, status, None, Some(message)).await
        }
    }
}

/// One pending pin as the form shows it.
#[derive(Debug, Clone, Serialize)]
struct Row {
    story: i64,
    /// As typed (a local time), so a refused form keeps it.
    until: String,
    headline: String,
    path: String,
    status: String,
    /// Whether readers would see it (published and not embargoed).
    visible: bool,
}

async fn row(app: &App, story: i64, until: String) -> Result<Option<Row>, Problem> {
    let Some(article) = crate::articles::find(app.store(), story).await? else {
        return Ok(None);
    };
    Ok(Some(Row {
        story,
        until,
        headline: article.headline.clone(),
        path: article.path(),
        visible: article.is_visible(app.now()),
        status: article.status.as_str().to_owned(),
    }))
}

async fn edit_page(
    app: &App,
    user: &SectionManager,
    front: &Front,
    rows: &[Row],
    status: StatusCode,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Response, Problem> {
    let context = serde_json::json!({
        "front": { "name": front.name(), "title": front.title(), "path": front.path() },
        "rows": rows,
        "max": fronts::MAX_PINS,
    });
    Page::new(app, Some(&user.user), "fronts")
        .status(status)
        .notice(notice)
        .error(error)
        .render("admin/front.html", context)
        .await
}

async fn edit(
    State(app): State<App>,
    user: SectionManager,
    Path(name): Path<String>,
    axum::extract::Query(query): axum::extract::Query<NoticeQuery>,
) -> Result<Response, Problem> {
    let front = Front::find(app.store(), &name).await?;
    let site = app.site().await?;
    let mut rows = Vec::new();
    for pin in fronts::pins(app.store(), &front).await? {
        let until = pin
            .until
            .map(|t| format_local_time(t, &site.time_zone))
            .unwrap_or_default();
        rows.extend(row(&app, pin.article_id, until).await?);
    }
    let notice = notice(query.notice.as_deref());
    edit_page(&app, &user, &front, &rows, StatusCode::OK, notice, None).await
}

/// The pending list as posted, in order, and the rest of the form.
struct Posted {
    pins: Vec<(i64, String)>,
    action: String,
    add: String,
}

fn parse_posted(pairs: Vec<(String, String)>) -> Posted {
    let mut stories: Vec<(usize, i64)> = Vec::new();
    let mut untils: Vec<(usize, String)> = Vec::new();
    let mut action = String::new();
    let mut add = String::new();
    for (key, value) in pairs {
        if let Some(n) = key.strip_prefix("story_").and_then(|n| n.parse().ok()) {
            if let Ok(id) = value.trim().parse() {
                stories.push((n, id));
            }
        } else if let Some(n) = key.strip_prefix("until_").and_then(|n| n.parse().ok()) {
            untils.push((n, value));
        } else if key == "action" {
            action = value;
        } else if key == "add" {
            add = value;
        }
    }
    stories.sort_by_key(|(n, _)| *n);
    let pins = stories
        .into_iter()
        .map(|(n, id)| {
            let until = untils
                .iter()
                .find(|(m, _)| *m == n)
                .map(|(_, u)| u.clone())
                .unwrap_or_default();
            (id, until)
        })
        .collect();
    Posted { pins, action, add }
}

/// The pending list with `action` (`lead:<n>`, `up:<n>`, `down:<n>`,
/// `remove:<n>`) applied.
fn apply(pins: &mut Vec<(i64, String)>, action: &str) {
    let Some((verb, n)) = action.split_once(':') else {
        return;
    };
    let Ok(n) = n.parse::<usize>() else { return };
    match verb {
        "lead" if n < pins.len() => {
            let pin = pins.remove(n);
            pins.insert(0, pin);
        }
        "up" if n > 0 && n < pins.len() => pins.swap(n, n - 1),
        "down" if n + 1 < pins.len() => pins.swap(n, n + 1),
        "remove" if n < pins.len() => {
            pins.remove(n);
        }
        _ => {}
    }
}

async fn change(
    State(app): State<App>,
    user: SectionManager,
    Path(name): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Problem> {
    let front = Front::find(app.store(), &name).await?;
    let site = app.site().await?;
    let now = app.now();
    let Posted {
        mut pins,
        action,
        add,
    } = parse_posted(pairs);
    let mut error = None;
    match action.as_str() {
        "add" => match fronts::story_named(app.store(), &add).await {
            Ok(article) if pins.iter().any(|(id, _)| *id == article.id) => {
                error = Some(format!("“{}” is pinned already.", article.headline));
            }
            Ok(article) => pins.push((article.id, String::new())),
            Err(e) => error = Some(refusal(e)?.1),
        },
        "preview" | "publish" => {
            let mut parsed = Vec::new();
            for (id, until) in &pins {
                match fronts::parse_until(until, &site.time_zone, now) {
                    Ok(until) => parsed.push(NewPin {
                        article_id: *id,
                        until,
                    }),
                    Err(e) => {
                        error = Some(refusal(e)?.1);
                        break;
                    }
                }
            }
            if error.is_none() {
                let result = if action == "publish" {
                    fronts::arrange(app.store(), &user.actor(), &front, &parsed, now).await
                } else {
                    fronts::check(app.store(), &parsed, now).await
                };
                match result {
                    Ok(()) if action == "publish" => {
                        return Ok(Redirect::to(&format!(
                            "/admin/fronts/{}?notice=published",
                            front.name()
                        ))
                        .into_response());
                    }
                    Ok(()) => return preview(&app, &front, &parsed).await,
                    Err(e) => error = Some(refusal(e)?.1),
                }
            }
        }
        other => apply(&mut pins, other),
    }
    let mut rows = Vec::new();
    for (id, until) in pins {
        rows.extend(row(&app, id, until).await?);
    }
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    edit_page(&app, &user, &front, &rows, status, None, error).await
}

/// The reader's front with the pending `pins` (only those readers would
/// see, as the live front shows them).
async fn preview(app: &App, front: &Front, pins: &[NewPin]) -> Result<Response, Problem> {
    let now = app.now();
    let mut pinned = Vec::new();
    for pin in pins {
        if pin.until.is_some_and(|until| until <= now) {
            continue;
        }
        if let Some(article) = crate::articles::find(app.store(), pin.article_id).await?
            && article.is_visible(now)
        {
            pinned.push(article);
        }
    }
    let page = match front {
        Front::Home => crate::http::site::render_home(app, &pinned).await?,
        Front::Section { slug, .. } => {
            crate::http::site::render_section_preview(app, slug, &pinned).await?
        }
    };
    Ok(Html(page.body).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moving_a_pin_swaps_it_with_its_neighbour_and_stays_inside_the_list() {
        let mut pins = vec![(1, String::new()), (2, String::new()), (3, String::new())];
        apply(&mut pins, "up:2");
        assert_eq!(pins.iter().map(|p| p.0).collect::<Vec<_>>(), [1, 3, 2]);
        apply(&mut pins, "down:0");
        assert_eq!(pins.iter().map(|p| p.0).collect::<Vec<_>>(), [3, 1, 2]);
        apply(&mut pins, "up:0");
        apply(&mut pins, "down:2");
        assert_eq!(pins.iter().map(|p| p.0).collect::<Vec<_>>(), [3, 1, 2]);
        apply(&mut pins, "remove:1");
        assert_eq!(pins.iter().map(|p| p.0).collect::<Vec<_>>(), [3, 2]);
    }

    #[test]
    fn making_a_pin_the_lead_keeps_the_order_of_the_others() {
        let mut pins: Vec<(i64, String)> = (1..=4).map(|n| (n, String::new())).collect();
        apply(&mut pins, "lead:2");
        assert_eq!(pins.iter().map(|p| p.0).collect::<Vec<_>>(), [3, 1, 2, 4]);
        apply(&mut pins, "lead:9");
        assert_eq!(pins.iter().map(|p| p.0).collect::<Vec<_>>(), [3, 1, 2, 4]);
    }

    #[test]
    fn the_posted_list_keeps_its_numbered_order() {
        let posted = parse_posted(vec![
            ("story_1".into(), "20".into()),
            ("until_1".into(), "18:00".into()),
            ("story_0".into(), "10".into()),
            ("action".into(), "up:1".into()),
        ]);
        assert_eq!(posted.pins, [(10, String::new()), (20, "18:00".into())]);
        assert_eq!(posted.action, "up:1");
    }
}
