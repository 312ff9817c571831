//! Issue 11, item 5: languages. A story has a language and may translate
//! another (one translation set, one story per language), set in the story
//! editor; its reader page then speaks that language (`lang`, `dir`, the
//! labels) and links every translation readers may see with `hreflang`,
//! both ways, while the site's fronts keep the site's language.

use masthead::accounts::Role;
use masthead::articles::{self, Article};
use masthead::storage::{Store, TranslationLink};

use crate::on_both;
use crate::stories::{story_form, world};
use crate::support::{Backend, NOW, Page, Session, TestApp, spawn};

on_both!(
    an_english_story_and_its_arabic_translation_link_each_other,
    a_translation_set_takes_one_story_per_language_and_unlinking_works,
    the_api_reads_and_writes_languages_and_translations,
    masthead_check_reports_broken_translation_sets,
);

/// The seed story's address.
const SEED_PATH: &str = "/world/us-to-send-560-additional-troops-to-iraq";

/// Saves `article` as `language`, joining the translation set of story
/// `of`, as a direct save does (its event carries the story's tags; the
/// store adds its translations' pages).
pub async fn translate(store: &Store, article: &Article, of: i64, language: &str) -> Article {
    let before = articles::find(store, article.id).await.unwrap().unwrap();
    let mut after = before.clone();
    after.language = language.into();
    after.translation_link = Some(TranslationLink::Join(of));
    let record = articles::revisions::SaveRecord {
        author: "test",
        message: "Translation",
        event: "article.fixed",
        extras: &Default::default(),
    };
    articles::revisions::save(store, &before, after, before.revision, record, NOW)
        .await
        .expect("link the translation")
}

/// The story id a desk create or save redirected to.
fn story_id(page: &Page) -> i64 {
    page.location()
        .unwrap_or_else(|| panic!("a redirect to the story: {}", page.text()))
        .trim_start_matches("/admin/stories/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// Creates a story through the desk in `language`, translating `of` (an
/// address or number; empty for none), and answers the desk's response.
async fn create(app: &TestApp, desk: &Session, headline: &str, language: &str, of: &str) -> Page {
    let section = world(app).await;
    create_in(desk, &section, headline, language, of).await
}

/// [`create`] in section `section` (an id).
async fn create_in(
    desk: &Session,
    section: &str,
    headline: &str,
    language: &str,
    of: &str,
) -> Page {
    let mut form = story_form(section, headline, "The body of the story.");
    form.extend([("language", language), ("translation_of", of)]);
    desk.post_form("/admin/stories", &form).await
}

/// Publishes story `id` from the desk.
async fn publish(app: &TestApp, desk: &Session, id: i64) {
    let done = desk
        .post_form(&format!("/admin/stories/{id}/publish"), &[("x", "")])
        .await;
    assert_eq!(done.status(), 303, "publish {id}: {}", done.text());
    app.app.sync_changes().await;
}

/// The `hreflang` alternates of a page, as (language, href).
fn alternates(page: &Page) -> Vec<(String, String)> {
    page.attrs("link[rel=alternate][hreflang]", "hreflang")
        .into_iter()
        .zip(page.attrs("link[rel=alternate][hreflang]", "href"))
        .collect()
}

async fn an_english_story_and_its_arabic_translation_link_each_other(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (_, desk) = app.session_as(Role::Editor).await;
    // Read (and cache) the English page before it has a translation.
    let before = app.get(SEED_PATH).await;
    assert!(alternates(&before).is_empty(), "no translation yet");

    // In a section of its own: only the link's tags can purge the English
    // page (nothing of its section changes).
    let arabic_section = crate::newsroom::section(app.store(), "Arabic").await;
    let created = create_in(
        &desk,
        &arabic_section.id.to_string(),
        "الولايات المتحدة ترسل 560 جنديًا إضافيًا إلى العراق",
        "ar",
        SEED_PATH,
    )
    .await;
    assert_eq!(created.status(), 303, "{}", created.text());
    let arabic_id = story_id(&created);
    let arabic = articles::find(app.store(), arabic_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(arabic.language, "ar");

    // A draft translation is linked from nowhere.
    app.app.sync_changes().await;
    assert!(alternates(&app.get(SEED_PATH).await).is_empty());

    publish(&app, &desk, arabic_id).await;
    let base = "http://news.example";
    let english_url = format!("{base}{SEED_PATH}");
    let arabic_url = format!("{base}{}", arabic.path());
    let expected = vec![
        ("ar".to_owned(), arabic_url.clone()),
        ("en".to_owned(), english_url.clone()),
    ];
    // The English page (cached before) now links the Arabic one, and back.
    let english = app.get(SEED_PATH).await;
    assert_eq!(alternates(&english), expected);
    assert!(
        english
            .text()
            .starts_with("<!DOCTYPE html>\n<html lang=\"en\">\n")
    );
    assert_eq!(english.attrs("nav.translations a", "hreflang"), ["ar"]);
    assert_eq!(english.select("nav.translations a"), ["العربية"]);

    let page = app.get(&arabic.path()).await;
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .starts_with("<!DOCTYPE html>\n<html lang=\"ar\" dir=\"rtl\">\n"),
        "{}",
        &page.text()[..120]
    );
    assert_eq!(alternates(&page), expected);
    assert_eq!(page.select("nav.translations a"), ["English"]);
    // Arabic labels, the site's date format.
    let updated = page.select("p.updated");
    assert_eq!(updated.len(), 1);
    assert!(updated[0].starts_with("آخر تحديث: "), "{updated:?}");
    let site = masthead::site::Site::load(app.store()).await.unwrap();
    let published = articles::find(app.store(), arabic_id)
        .await
        .unwrap()
        .unwrap();
    let at = published
        .last_update_at
        .or(published.first_published_at)
        .unwrap();
    assert_eq!(
        page.select("p.updated time"),
        [site.format_date(at, "medium")]
    );
    assert_eq!(page.select("p.byline"), ["بقلم Jane Doe"]);
    assert_eq!(page.select("nav.topics h2"), ["المواضيع"]);
    assert_eq!(page.select("a.skip"), ["انتقل إلى المحتوى"]);
    assert!(page.text().contains("\"inLanguage\":\"ar\""));
    // The site's fronts keep the site's language.
    let home = app.get("/").await;
    assert!(
        home.text()
            .starts_with("<!DOCTYPE html>\n<html lang=\"en\">\n")
    );
    assert_eq!(home.select("a.skip"), ["Skip to content"]);

    // Unlinking from the Arabic story's editor: both pages lose the links.
    let editor = desk.get(&format!("/admin/stories/{arabic_id}")).await;
    assert_eq!(
        editor.attrs("#translation-of", "value"),
        [SEED_PATH],
        "the editor names the story it translates"
    );
    let section = arabic_section.id.to_string();
    let mut form = story_form(&section, &arabic.headline, "The body of the story.");
    let revision = (arabic.revision + 1).to_string();
    form.extend([
        ("language", "ar"),
        ("translation_of", ""),
        ("translation_was", SEED_PATH),
        ("revision", &revision),
        ("update_kind", "silent_fix"),
    ]);
    let saved = desk
        .post_form(&format!("/admin/stories/{arabic_id}"), &form)
        .await;
    assert_eq!(saved.status(), 303, "{}", saved.text());
    app.app.sync_changes().await;
    assert!(alternates(&app.get(SEED_PATH).await).is_empty());
    assert!(alternates(&app.get(&arabic.path()).await).is_empty());
}

async fn a_translation_set_takes_one_story_per_language_and_unlinking_works(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (_, desk) = app.session_as(Role::Editor).await;
    let french = create(
        &app,
        &desk,
        "Les États-Unis envoient des troupes",
        "fr",
        SEED_PATH,
    )
    .await;
    assert_eq!(french.status(), 303, "{}", french.text());
    let french_id = story_id(&french);

    // A second French story in the set: refused, naming the first, and not
    // stored at all (the form comes back as typed).
    let refused = create(&app, &desk, "Un autre article en français", "fr", SEED_PATH).await;
    assert_eq!(refused.status(), 422, "{}", refused.text());
    assert!(
        refused
            .text()
            .contains("its translations already have a story in fr"),
        "{}",
        refused.text()
    );
    assert!(
        refused
            .text()
            .contains("Les États-Unis envoient des troupes")
    );
    assert_eq!(
        refused.attrs("#headline", "value"),
        ["Un autre article en français"]
    );
    assert!(
        articles::translations::find_named(app.store(), "/world/un-autre-article-en-francais")
            .await
            .unwrap()
            .is_none(),
        "nothing half-stored"
    );

    // The same language by a story of the set changing its own: refused.
    let arabic = create(&app, &desk, "قصة بالعربية", "ar", &french_id.to_string()).await;
    assert_eq!(arabic.status(), 303, "{}", arabic.text());
    let arabic_id = story_id(&arabic);
    let section = world(&app).await;
    let mut form = story_form(&section, "قصة بالعربية", "The body of the story.");
    form.extend([("language", "fr"), ("revision", "1")]);
    let clash = desk
        .post_form(&format!("/admin/stories/{arabic_id}"), &form)
        .await;
    assert_eq!(clash.status(), 422, "{}", clash.text());
    assert!(
        clash.text().contains("already have a story in fr"),
        "{}",
        clash.text()
    );
    let stored = articles::find(app.store(), arabic_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((stored.language.as_str(), stored.revision), ("ar", 1));

    // Naming itself, a missing story or a bad tag: refused with the reason.
    for (language, of, reason) in [
        (
            "de",
            "/world/no-such-story",
            "there is no story &quot;/world/no-such-story&quot;",
        ),
        ("de", "999999", "there is no story &quot;999999&quot;"),
        ("english please", "", "is not a language tag"),
    ] {
        let page = create(&app, &desk, "Ein Artikel", language, of).await;
        assert_eq!(page.status(), 422, "{of}: {}", page.text());
        assert!(page.text().contains(reason), "{reason}: {}", page.text());
    }
    let mut form = story_form(&section, "قصة بالعربية", "The body of the story.");
    let own = arabic_id.to_string();
    form.extend([
        ("language", "ar"),
        ("revision", "1"),
        ("translation_of", &own),
    ]);
    let itself = desk
        .post_form(&format!("/admin/stories/{arabic_id}"), &form)
        .await;
    assert_eq!(itself.status(), 422, "{}", itself.text());
    assert!(itself.text().contains("cannot be a translation of itself"));

    // One set of three; the editor lists the others.
    let seed = seed(&app).await;
    let editor = desk.get(&format!("/admin/stories/{}", seed.id)).await;
    assert_eq!(editor.attrs(".translations li", "lang"), ["ar", "fr"]);
    let set = seed.translation_set.expect("in a set");
    let langs: Vec<String> = app
        .store()
        .translations(set)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.language)
        .collect();
    assert_eq!(langs, ["ar", "en", "fr"]);

    // The story the set was named after leaves it: the other two stay one
    // set, and a new French story can join the English one alone.
    let mut form = story_form(&section, &seed.headline, &seed.body_source);
    let revision = seed.revision.to_string();
    let was = format!(
        "/world/{}",
        articles::find(app.store(), arabic_id)
            .await
            .unwrap()
            .unwrap()
            .slug
    );
    form.extend([
        ("language", "en"),
        ("revision", &revision),
        ("translation_of", ""),
        ("translation_was", &was),
        ("update_kind", "silent_fix"),
    ]);
    let left = desk
        .post_form(&format!("/admin/stories/{}", seed.id), &form)
        .await;
    assert_eq!(left.status(), 303, "{}", left.text());
    let seed = articles::find(app.store(), seed.id).await.unwrap().unwrap();
    assert_eq!(seed.translation_set, None);
    let french = articles::find(app.store(), french_id)
        .await
        .unwrap()
        .unwrap();
    let arabic = articles::find(app.store(), arabic_id)
        .await
        .unwrap()
        .unwrap();
    assert!(french.translation_set.is_some());
    assert_eq!(french.translation_set, arabic.translation_set);
    assert_ne!(french.translation_set, Some(seed.id));
    let again = create(&app, &desk, "Encore en français", "fr", SEED_PATH).await;
    assert_eq!(again.status(), 303, "{}", again.text());
    // The revisions record the language and the set: the Arabic story's
    // first, as created in the set; the seed's, when it left.
    let first: serde_json::Value =
        serde_json::from_str(&app.store().revisions(arabic_id).await.unwrap()[0].snapshot).unwrap();
    assert_eq!(first["language"], "ar");
    assert_eq!(first["translation_set"], serde_json::json!(seed.id));
    let revisions = app.store().revisions(seed.id).await.unwrap();
    let last: serde_json::Value =
        serde_json::from_str(&revisions.last().unwrap().snapshot).unwrap();
    assert_eq!(last["language"], "en");
    assert_eq!(last["translation_set"], serde_json::Value::Null);
}

async fn the_api_reads_and_writes_languages_and_translations(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let seed = seed(&app).await;
    let (user, desk) = app.session_as(Role::Editor).await;
    let token = masthead::accounts::api_tokens::create(app.store(), &user, "test", NOW)
        .await
        .unwrap()
        .secret;
    let api = app.cookieless();
    let call = |method: reqwest::Method, path: String, body: serde_json::Value| {
        let api = &api;
        let token = &token;
        async move {
            api.api(method, &path, Some(token), Some(&body.to_string()))
                .await
                .status_json()
        }
    };
    let post = reqwest::Method::POST;
    let (status, created) = call(
        post.clone(),
        "/api/v1/stories".into(),
        serde_json::json!({
            "section": "world",
            "headline": "Les États-Unis envoient 560 soldats",
            "language": "FR",
            "translation_of": seed.id,
        }),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    let (status, refused) = call(
        post,
        "/api/v1/stories".into(),
        serde_json::json!({
            "section": "world",
            "headline": "Deuxième",
            "language": "fr",
            "translation_of": seed.id,
        }),
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already have a story in fr"),
        "{refused}"
    );
    let french = articles::find(app.store(), id).await.unwrap().unwrap();
    assert_eq!(french.language, "fr");
    // Unpublished, the French story is no translation readers see.
    let (_, english) = api.get_json(&format!("/api/v1/stories/{}", seed.id)).await;
    assert_eq!(english["language"], "en");
    assert_eq!(english["translations"], serde_json::json!([]));
    publish(&app, &desk, id).await;
    let (_, english) = api.get_json(&format!("/api/v1/stories/{}", seed.id)).await;
    assert_eq!(english["translations"].as_array().unwrap().len(), 1);
    assert_eq!(english["translations"][0]["language"], "fr");
    assert_eq!(english["translations"][0]["path"], french.path());
    let (_, french_json) = api.get_json(&format!("/api/v1/stories/{id}")).await;
    assert_eq!(french_json["language"], "fr");
    assert_eq!(french_json["translations"][0]["id"], seed.id);
    let (_, ninjs) = api.get_json(&format!("/api/v1/stories/{id}/ninjs")).await;
    assert_eq!(ninjs["language"], "fr");
    // null unlinks.
    let (status, body) = call(
        reqwest::Method::PATCH,
        format!("/api/v1/stories/{id}"),
        serde_json::json!({ "revision": french.revision + 1, "translation_of": null }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, english) = api.get_json(&format!("/api/v1/stories/{}", seed.id)).await;
    assert_eq!(english["translations"], serde_json::json!([]));
}

/// The seed story.
async fn seed(app: &TestApp) -> Article {
    articles::translations::find_named(app.store(), SEED_PATH)
        .await
        .unwrap()
        .expect("the seed story")
}

/// The problems `masthead check` reports about translation sets.
async fn translation_findings(app: &TestApp) -> Vec<String> {
    let report = masthead::ops::checks::run(app.store(), app.db.dir.path())
        .await
        .unwrap();
    assert!(
        report
            .checked
            .iter()
            .any(|c| c.ends_with("translation sets")),
        "{:?}",
        report.checked
    );
    report
        .findings
        .iter()
        .filter(|f| f.problem.contains("translation set"))
        .map(|f| {
            assert!(f.fix.contains("Translation of"), "{f}");
            f.problem.clone()
        })
        .collect()
}

async fn masthead_check_reports_broken_translation_sets(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (_, desk) = app.session_as(Role::Editor).await;
    let english = story_id(&create(&app, &desk, "Floods in the north", "en", "").await);
    let french = story_id(
        &create(
            &app,
            &desk,
            "Inondations dans le nord",
            "fr",
            &english.to_string(),
        )
        .await,
    );
    let arabic =
        story_id(&create(&app, &desk, "فيضانات في الشمال", "ar", &english.to_string()).await);
    assert_eq!(translation_findings(&app).await, Vec::<String>::new());
    // A hand edit moves the set's name off its stories.
    crate::one_way::behind_the_apps_back(
        &app,
        &[&format!(
            "UPDATE articles SET translation_set = 987654 WHERE id IN ({english}, {french}, {arabic})"
        )],
    )
    .await;
    assert_eq!(
        translation_findings(&app).await,
        [format!(
            "translation set 987654 (articles {english} (en), {french} (fr), {arabic} (ar)) is named after article 987654, which is not in it"
        )]
    );
    // Another leaves one story alone in a set.
    crate::one_way::behind_the_apps_back(
        &app,
        &[
            &format!(
                "UPDATE articles SET translation_set = {english} WHERE id IN ({english}, {french})"
            ),
            &format!("UPDATE articles SET translation_set = {arabic} WHERE id = {arabic}"),
        ],
    )
    .await;
    assert_eq!(
        translation_findings(&app).await,
        [format!(
            "article {arabic} is alone in translation set {arabic}"
        )]
    );
}
