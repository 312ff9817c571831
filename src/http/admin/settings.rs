//! `/admin/settings` (administrators only): the site settings form. A
//! rejected form comes back with the reason and every entered value kept.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::{Deserialize, Serialize};

use super::Page;
use super::auth::AdminUser;
use crate::app::App;
use crate::audit;
use crate::http::problem::Problem;
use crate::publishing::checks::{Check, Severities, Severity};
use crate::site::{self, Settings, Site, SiteError};

pub(super) fn routes() -> Router<App> {
    Router::new().route("/admin/settings", get(show).post(save))
}

/// The form as entered: every field text, so nothing typed is lost.
#[derive(Debug, Default, Deserialize, Serialize)]
struct SettingsForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    base_url: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    date_short: String,
    #[serde(default)]
    date_medium: String,
    #[serde(default)]
    date_long: String,
    /// Custom named formats, one `name = format` per line.
    #[serde(default)]
    custom_formats: String,
    #[serde(default)]
    teaser_length: String,
    /// distribution: a checkbox, present when feeds carry full text.
    #[serde(default)]
    feed_full_text: Option<String>,
    #[serde(default)]
    websub_hub: String,
    /// comments: checkboxes.
    #[serde(default)]
    comments_shown: Option<String>,
    #[serde(default)]
    comments_posting: Option<String>,
    /// The pre-publish checks' severities: `check_<name>` = `warning` or
    /// `blocking` (and whatever else was posted, ignored).
    #[serde(flatten)]
    checks: BTreeMap<String, String>,
}

const BUILT_IN: [&str; 3] = ["short", "medium", "long"];

impl SettingsForm {
    fn from_settings(s: &Settings) -> SettingsForm {
        let get = |k: &str| s.date_formats.get(k).cloned().unwrap_or_default();
        SettingsForm {
            name: s.name.clone(),
            base_url: s.base_url.clone(),
            language: s.language.clone(),
            time_zone: s.time_zone.clone(),
            date_short: get("short"),
            date_medium: get("medium"),
            date_long: get("long"),
            custom_formats: s
                .date_formats
                .iter()
                .filter(|(k, _)| !BUILT_IN.contains(&k.as_str()))
                .map(|(k, v)| format!("{k} = {v}\n"))
                .collect(),
            teaser_length: s.teaser_length.to_string(),
            feed_full_text: s.feed_full_text.then(|| "on".to_owned()),
            websub_hub: s.websub_hub.clone().unwrap_or_default(),
            comments_shown: s.comments_shown.then(|| "on".to_owned()),
            comments_posting: s.comments_posting.then(|| "on".to_owned()),
            checks: Check::ALL
                .into_iter()
                .map(|c| {
                    let severity = s.check_severities.of(c).as_str().to_owned();
                    (format!("check_{}", c.key()), severity)
                })
                .collect(),
        }
    }

    /// Each check with the severity the form shows, for the template.
    fn check_rows(&self) -> Vec<serde_json::Value> {
        Check::ALL
            .into_iter()
            .map(|c| {
                let chosen = self
                    .checks
                    .get(&format!("check_{}", c.key()))
                    .and_then(|v| Severity::parse(v))
                    .unwrap_or(c.default_severity());
                serde_json::json!({
                    "key": c.key(),
                    "label": c.label(),
                    "severity": chosen.as_str(),
                    "default": c.default_severity().as_str(),
                })
            })
            .collect()
    }

    fn check_severities(&self) -> Result<Severities, String> {
        let mut out = Severities::default();
        for check in Check::ALL {
            let Some(value) = self.checks.get(&format!("check_{}", check.key())) else {
                continue;
            };
            let severity = Severity::parse(value).ok_or_else(|| {
                format!(
                    "The check \"{}\" must be a warning or blocking, not {value:?}.",
                    check.label()
                )
            })?;
            out.set(check, severity);
        }
        Ok(out)
    }

    /// Parses the form into settings, naming the first field that is wrong.
    fn parse(&self) -> Result<Settings, String> {
        let mut formats = BTreeMap::new();
        for (key, value) in
            BUILT_IN
                .iter()
                .zip([&self.date_short, &self.date_medium, &self.date_long])
        {
            if value.trim().is_empty() {
                return Err(format!("The {key} date format is empty."));
            }
            formats.insert((*key).to_owned(), value.trim().to_owned());
        }
        for (n, line) in self.custom_formats.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                return Err(format!(
                    "Custom date formats, line {}: write it as name = format.",
                    n + 1
                ));
            };
            let key = key.trim();
            let valid_key = !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !valid_key {
                return Err(format!(
                    "Custom date formats, line {}: the name {key:?} may use only a-z, 0-9 and _.",
                    n + 1
                ));
            }
            if BUILT_IN.contains(&key) {
                return Err(format!(
                    "Custom date formats, line {}: {key} is set in its own field above.",
                    n + 1
                ));
            }
            if value.trim().is_empty() {
                return Err(format!(
                    "Custom date formats, line {}: the format is empty.",
                    n + 1
                ));
            }
            formats.insert(key.to_owned(), value.trim().to_owned());
        }
        let teaser_length = self.teaser_length.trim().parse().map_err(|_| {
            format!(
                "The teaser length {:?} is not a whole number.",
                self.teaser_length.trim()
            )
        })?;
        let language = self.language.trim();
        if language.is_empty()
            || !language
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(format!(
                "The language {language:?} is not a language code such as en or de-CH."
            ));
        }
        Ok(Settings {
            name: self.name.trim().to_owned(),
            base_url: self.base_url.trim().to_owned(),
            language: language.to_owned(),
            time_zone: self.time_zone.trim().to_owned(),
            date_formats: formats,
            teaser_length,
            feed_full_text: self.feed_full_text.is_some(),
            websub_hub: Some(self.websub_hub.trim().to_owned()).filter(|h| !h.is_empty()),
            comments_shown: self.comments_shown.is_some(),
            comments_posting: self.comments_posting.is_some(),
            check_severities: self.check_severities()?,
        })
    }
}

async fn page(
    app: &App,
    admin: &AdminUser,
    status: StatusCode,
    form: &SettingsForm,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Response, Problem> {
    let context = serde_json::json!({ "form": form, "checks": form.check_rows() });
    Page::new(app, Some(&admin.user), "settings")
        .status(status)
        .notice(notice)
        .error(error)
        .render("admin/settings.html", context)
        .await
}

#[derive(Debug, Deserialize)]
struct ShowQuery {
    notice: Option<String>,
}

async fn show(
    State(app): State<App>,
    admin: AdminUser,
    Query(query): Query<ShowQuery>,
) -> Result<Response, Problem> {
    let settings = match Site::load(app.store()).await {
        Ok(site) => site.settings(),
        Err(SiteError::NotSetUp) => Settings::demo(&app.config().public_base_url()),
        Err(other) => return Err(other.into()),
    };
    let notice = (query.notice.as_deref() == Some("saved")).then_some("The settings are saved.");
    page(
        &app,
        &admin,
        StatusCode::OK,
        &SettingsForm::from_settings(&settings),
        notice,
        None,
    )
    .await
}

async fn save(
    State(app): State<App>,
    admin: AdminUser,
    Form(form): Form<SettingsForm>,
) -> Result<Response, Problem> {
    let settings = match form.parse() {
        Ok(settings) => settings,
        Err(message) => {
            return page(
                &app,
                &admin,
                StatusCode::BAD_REQUEST,
                &form,
                None,
                Some(message),
            )
            .await;
        }
    };
    match site::save(app.store(), &settings, app.now()).await {
        Ok(saved) => {
            let details = serde_json::json!({ "name": saved.name, "base_url": saved.base_url, "time_zone": saved.time_zone_name, "teaser_length": saved.teaser_length });
            audit::record(
                app.store(),
                &admin.actor(),
                "settings.updated",
                "site",
                details,
                app.now(),
            )
            .await?;
            Ok(Redirect::to("/admin/settings?notice=saved").into_response())
        }
        Err(SiteError::Invalid(message)) => {
            let mut message = message;
            if let Some(first) = message.get(..1) {
                message = first.to_uppercase() + &message[1..];
            }
            page(
                &app,
                &admin,
                StatusCode::BAD_REQUEST,
                &form,
                None,
                Some(format!("{message}.")),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> SettingsForm {
        SettingsForm::from_settings(&Settings::demo("http://news.example"))
    }

    #[test]
    fn the_demo_settings_round_trip_through_the_form() {
        let settings = form().parse().unwrap();
        assert_eq!(
            settings.date_formats,
            Settings::demo("http://news.example").date_formats
        );
    }

    #[test]
    fn custom_formats_are_read_one_per_line() {
        let mut f = form();
        f.custom_formats = "iso = Y-m-d\n\n time_only = H:i \n".into();
        let settings = f.parse().unwrap();
        assert_eq!(settings.date_formats["iso"], "Y-m-d");
        assert_eq!(settings.date_formats["time_only"], "H:i");
    }

    #[test]
    fn a_bad_line_or_length_names_what_is_wrong() {
        let mut f = form();
        f.custom_formats = "iso Y-m-d".into();
        assert!(f.parse().unwrap_err().contains("line 1"));
        let mut f = form();
        f.teaser_length = "long".into();
        assert!(f.parse().unwrap_err().contains("teaser length"));
    }

    #[test]
    fn check_severities_are_chosen_per_check_and_a_bad_one_is_named() {
        let mut f = form();
        assert_eq!(f.checks["check_byline"], "warning");
        f.checks.insert("check_byline".into(), "blocking".into());
        f.checks
            .insert("check_headline_length".into(), "warning".into());
        let settings = f.parse().unwrap();
        assert_eq!(
            settings.check_severities.of(Check::Byline),
            Severity::Blocking
        );
        assert_eq!(
            settings.check_severities.of(Check::HeadlineLength),
            Severity::Warning
        );
        f.checks.insert("check_embargo".into(), "loud".into());
        assert!(
            f.parse()
                .unwrap_err()
                .contains("An embargo is later than now")
        );
    }
}
