//! The preview of the story editor: the reader page of the unsaved fields,
//! lead image included, served sandboxed with the reader CSP.

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::Newsroom;
use super::form::StoryForm;
use super::images;
use crate::app::App;
use crate::articles::{self, SectionRef};
use crate::http::problem::{Problem, Surface};
use crate::publishing::{self, StoryFields};
use crate::rendering::views;
use crate::site::Site;

/// The reader page of the unsaved fields: the article template with the
/// site's real navigation and "More from" block, so it looks as published.
/// Served with the reader CSP plus `sandbox`: nothing in it can run.
pub(super) async fn preview(
    State(app): State<App>,
    _desk: Newsroom,
    Form(form): Form<StoryForm>,
) -> Result<Response, Problem> {
    // Refused before Markdown parses it (see articles::limits): the
    // message names only the field and the numbers, never the text.
    let refusal = articles::limits::check_chars(
        "headline",
        form.headline.trim(),
        articles::limits::HEADLINE_CHARS,
    )
    .and_then(|()| articles::limits::check_body(&form.body));
    if let Err(error) = refusal {
        let mut response = (
            StatusCode::UNPROCESSABLE_ENTITY,
            Html(format!(
                "<!doctype html><title>No preview</title><p>No preview: {error}.</p>"
            )),
        )
            .into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(PREVIEW_CSP),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return Ok(response);
    }
    let result = async {
        let site = Site::load(app.store()).await?;
        let sections = crate::sections::list(app.store()).await?;
        let now = app.now();
        let section = sections
            .iter()
            .find(|s| form.section.trim() == s.id.to_string())
            .or(sections.first())
            .map(|s| SectionRef {
                id: s.id,
                slug: s.slug.clone(),
                name: s.name.clone(),
            })
            .unwrap_or(SectionRef {
                id: 0,
                slug: "preview".into(),
                name: "Preview".into(),
            });
        let mut fields = form.fields(&site).unwrap_or_else(|_| StoryFields {
            headline: form.headline.clone(),
            body: form.body.clone(),
            body_format: form.body_format(),
            ..StoryFields::default()
        });
        if fields.headline.trim().is_empty() {
            fields.headline = "(no headline yet)".into();
        }
        // An invalid address does not matter for a preview.
        fields.slug.clear();
        let mut article = fields
            .new_draft(section, now)
            .map_err(|e| Problem::internal(e.to_string()))?;
        publishing::publish_now(&mut article, now);
        let more = articles::more_from(app.store(), &article, now).await?;
        // A preview is no page of the site: no structured data or link previews.
        let view = views::article_view(&site, &article);
        let mut page = views::ArticlePage {
            site: views::SiteView::in_language(&site, &article.language),
            nav: views::nav(&sections, Some(&article.section.slug)),
            article: view,
            more: more.iter().map(|a| views::story_item(&site, a)).collect(),
            feeds: Vec::new(),
            // The preview shows the story, not its readers' comments.
            comments: None,
            live: None,
        };
        page.article.lead_image = images::preview_image(&app, &form).await?;
        // Library images as readers will see them; embeds as their
        // placeholder (no script runs in the preview, so no player loads:
        // the provider's link shows).
        let ids = crate::rendering::body::media_ids(&article.body_html);
        let found = crate::media::find_many(app.store(), &ids).await?;
        let body = crate::rendering::body::render(
            &article.body_html,
            &found,
            crate::text::embeds::EmbedDisplay::ClickToLoad,
        );
        page.article.body_html = body.html;
        Ok::<_, Problem>(app.renderer().render("article.html", &page)?)
    }
    .await;
    // The preview is a reader page: so is its error page.
    let html = result.map_err(|p| p.on(Surface::Reader))?;
    let mut response = Html(html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PREVIEW_CSP),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    Ok(response)
}

/// The reader CSP (no script) with a sandbox on top, framed only by the
/// admin itself.
const PREVIEW_CSP: &str = "sandbox; default-src 'none'; style-src 'self'; \
     img-src 'self' data: https:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";
