//! Rendering: the embedded default theme (minijinja templates, overridable
//! file by file from a theme folder without recompiling), Markdown, and the
//! view models the reader pages are rendered from.

pub(crate) mod body;
pub(crate) mod corrections;
pub(crate) mod live;
pub(crate) mod structured_data;
pub(crate) mod views;

use std::path::PathBuf;

use minijinja::{Environment, UndefinedBehavior};

/// The default theme, embedded in the binary.
const EMBEDDED: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("article.html", include_str!("../../templates/article.html")),
    ("section.html", include_str!("../../templates/section.html")),
    ("topic.html", include_str!("../../templates/topic.html")),
    ("person.html", include_str!("../../templates/person.html")),
    ("comment.html", include_str!("../../templates/comment.html")),
    ("home.html", include_str!("../../templates/home.html")),
    ("error.html", include_str!("../../templates/error.html")),
    ("macros.html", include_str!("../../templates/macros.html")),
    ("search.html", include_str!("../../templates/search.html")),
    ("page.html", include_str!("../../templates/page.html")),
    (
        "corrections.html",
        include_str!("../../templates/corrections.html"),
    ),
    ("changes.html", include_str!("../../templates/changes.html")),
    (
        "live_blog.html",
        include_str!("../../templates/live_blog.html"),
    ),
    (
        "live_post.html",
        include_str!("../../templates/live_post.html"),
    ),
    (
        "live_key_events.html",
        include_str!("../../templates/live_key_events.html"),
    ),
    (
        "live_status.html",
        include_str!("../../templates/live_status.html"),
    ),
    // accounts: the admin shell
    (
        "admin/stories/live.html",
        include_str!("../../templates/admin/stories/live.html"),
    ),
    (
        "admin/base.html",
        include_str!("../../templates/admin/base.html"),
    ),
    (
        "admin/error.html",
        include_str!("../../templates/admin/error.html"),
    ),
    (
        "admin/login.html",
        include_str!("../../templates/admin/login.html"),
    ),
    (
        "admin/setup.html",
        include_str!("../../templates/admin/setup.html"),
    ),
    (
        "admin/password.html",
        include_str!("../../templates/admin/password.html"),
    ),
    (
        "admin/dashboard.html",
        include_str!("../../templates/admin/dashboard.html"),
    ),
    (
        "admin/users.html",
        include_str!("../../templates/admin/users.html"),
    ),
    (
        "admin/sections.html",
        include_str!("../../templates/admin/sections.html"),
    ),
    (
        "admin/topics.html",
        include_str!("../../templates/admin/topics.html"),
    ),
    (
        "admin/fronts.html",
        include_str!("../../templates/admin/fronts.html"),
    ),
    (
        "admin/front.html",
        include_str!("../../templates/admin/front.html"),
    ),
    (
        "admin/people.html",
        include_str!("../../templates/admin/people.html"),
    ),
    (
        "admin/comments.html",
        include_str!("../../templates/admin/comments.html"),
    ),
    (
        "admin/redirects.html",
        include_str!("../../templates/admin/redirects.html"),
    ),
    (
        "admin/pages.html",
        include_str!("../../templates/admin/pages.html"),
    ),
    (
        "admin/page_edit.html",
        include_str!("../../templates/admin/page_edit.html"),
    ),
    (
        "admin/page_revisions.html",
        include_str!("../../templates/admin/page_revisions.html"),
    ),
    (
        "admin/page_revision.html",
        include_str!("../../templates/admin/page_revision.html"),
    ),
    (
        "admin/menu.html",
        include_str!("../../templates/admin/menu.html"),
    ),
    (
        "admin/settings.html",
        include_str!("../../templates/admin/settings.html"),
    ),
    (
        "admin/audit.html",
        include_str!("../../templates/admin/audit.html"),
    ),
    // The story desk (editorial).
    (
        "admin/stories/list.html",
        include_str!("../../templates/admin/stories/list.html"),
    ),
    (
        "admin/stories/edit.html",
        include_str!("../../templates/admin/stories/edit.html"),
    ),
    (
        "admin/stories/revisions.html",
        include_str!("../../templates/admin/stories/revisions.html"),
    ),
    (
        "admin/stories/revision.html",
        include_str!("../../templates/admin/stories/revision.html"),
    ),
    (
        "admin/stories/diff.html",
        include_str!("../../templates/admin/stories/diff.html"),
    ),
    (
        "admin/stories/checks.html",
        include_str!("../../templates/admin/stories/checks.html"),
    ),
    (
        "admin/stories/autosave.html",
        include_str!("../../templates/admin/stories/autosave.html"),
    ),
    // media: the image library
    (
        "admin/media.html",
        include_str!("../../templates/admin/media.html"),
    ),
];

/// Stylesheet of the default theme, served at `/static/site.css`.
pub(crate) const SITE_CSS: &str = include_str!("../../static/site.css");

/// Writes `text` with `&`, `<`, `>`, `"` and `'` escaped for HTML text and
/// attribute values.
fn write_html_escaped(out: &mut minijinja::Output<'_>, text: &str) -> std::fmt::Result {
    let mut last = 0;
    for (i, b) in text.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.write_str(&text[last..i])?;
        out.write_str(entity)?;
        last = i + 1;
    }
    out.write_str(&text[last..])
}

/// Why a page could not be rendered.
#[derive(Debug, thiserror::Error)]
#[error("template {template}: {source:#}")]
pub struct RenderError {
    pub template: String,
    #[source]
    pub source: minijinja::Error,
}

/// Renders named templates with HTML auto-escaping.
#[derive(Debug)]
pub struct Renderer {
    env: Environment<'static>,
}

impl Renderer {
    /// The embedded theme, with files in `theme_dir` (if given) taking
    /// precedence over the embedded ones of the same name.
    pub fn new(theme_dir: Option<PathBuf>) -> Renderer {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") || name.ends_with(".xml") {
                minijinja::AutoEscape::Html
            } else {
                minijinja::AutoEscape::None
            }
        });
        env.set_formatter(|out, state, value| {
            // minijinja's HTML escaping also escapes `/`, which is valid but
            // turns every URL and date in the page source into `&#x2f;`.
            // Escape the five characters that matter and nothing else.
            match (state.auto_escape(), value.as_str()) {
                (minijinja::AutoEscape::Html, Some(text)) if !value.is_safe() => {
                    write_html_escaped(out, text).map_err(|e| {
                        minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string())
                    })
                }
                _ => minijinja::escape_formatter(out, state, value),
            }
        });
        env.set_loader(move |name| {
            if let Some(dir) = &theme_dir {
                // Template names come from our own code, never from a request,
                // but refuse anything that could leave the theme folder anyway.
                if !name.contains("..") {
                    match std::fs::read_to_string(dir.join(name)) {
                        Ok(text) => return Ok(Some(text)),
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => {
                            return Err(minijinja::Error::new(
                                minijinja::ErrorKind::InvalidOperation,
                                format!("cannot read theme file {name}: {e}"),
                            ));
                        }
                    }
                }
            }
            Ok(EMBEDDED
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, t)| (*t).to_owned()))
        });
        // The rich-text editor's content-hashed addresses (admin pages).
        env.add_global("editor_script", crate::editor_bundle::script_path());
        env.add_global("editor_stylesheet", crate::editor_bundle::stylesheet_path());
        Renderer { env }
    }

    /// Renders `template` with a serializable context.
    pub fn render<S: serde::Serialize>(
        &self,
        template: &str,
        context: &S,
    ) -> Result<String, RenderError> {
        let error = |source| RenderError {
            template: template.to_owned(),
            source,
        };
        let tmpl = self.env.get_template(template).map_err(error)?;
        tmpl.render(minijinja::value::Serde(context)).map_err(error)
    }

    /// The names of the embedded templates (every one must render in tests).
    pub fn embedded_names() -> impl Iterator<Item = &'static str> {
        EMBEDDED.iter().map(|(n, _)| *n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_but_slashes_stay_readable() {
        let renderer = Renderer::new(None);
        let mut env = renderer.env.clone();
        env.add_template(
            "t.html",
            "<a href=\"{{ url }}\">{{ text }}</a>{{ html | safe }}",
        )
        .unwrap();
        let out = env
            .get_template("t.html")
            .unwrap()
            .render(minijinja::context! { url => "/world/a?b=1&c=\"2\"", text => "<script>'x'</script> 11/07/2016", html => "<em>ok</em>" })
            .unwrap();
        assert_eq!(
            out,
            "<a href=\"/world/a?b=1&amp;c=&quot;2&quot;\">&lt;script&gt;&#39;x&#39;&lt;/script&gt; 11/07/2016</a><em>ok</em>"
        );
    }

    #[test]
    fn a_theme_folder_overrides_one_template_and_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("error.html"), "custom {{ title }}").unwrap();
        let renderer = Renderer::new(Some(dir.path().to_owned()));
        let out = renderer
            .render("error.html", &serde_json::json!({ "title": "Oops" }))
            .unwrap();
        assert_eq!(out, "custom Oops");
        assert!(renderer.env.get_template("article.html").is_ok());
    }
}
