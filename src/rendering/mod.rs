//! Rendering: the embedded default theme (minijinja templates, overridable
//! file by file from a theme folder without recompiling), Markdown, and the
//! view models the reader pages are rendered from.

pub mod markdown;
pub mod views;

use std::path::PathBuf;

use minijinja::{Environment, UndefinedBehavior};

/// The default theme, embedded in the binary.
const EMBEDDED: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("article.html", include_str!("../../templates/article.html")),
    ("section.html", include_str!("../../templates/section.html")),
    ("home.html", include_str!("../../templates/home.html")),
    ("error.html", include_str!("../../templates/error.html")),
    ("macros.html", include_str!("../../templates/macros.html")),
];

/// Stylesheet of the default theme, served at `/static/site.css`.
pub const SITE_CSS: &str = include_str!("../../static/site.css");

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
            Ok(EMBEDDED.iter().find(|(n, _)| *n == name).map(|(_, t)| (*t).to_owned()))
        });
        Renderer { env }
    }

    /// Renders `template` with a serializable context.
    pub fn render<S: serde::Serialize>(&self, template: &str, context: &S) -> Result<String, RenderError> {
        let error = |source| RenderError { template: template.to_owned(), source };
        let tmpl = self.env.get_template(template).map_err(error)?;
        tmpl.render(minijinja::value::Serde(context)).map_err(error)
    }

    /// The names of the embedded templates (every one must render in tests).
    pub fn embedded_names() -> impl Iterator<Item = &'static str> {
        EMBEDDED.iter().map(|(n, _)| *n)
    }
}
