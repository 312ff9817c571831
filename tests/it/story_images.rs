//! The lead image in the story editor over real HTTP: an upload made from
//! the editor comes back to the editor with every typed field kept and the
//! new image chosen; the library offers recent uploads; alt text typed in
//! the editor is saved onto the image; the preview shows the `<picture>`;
//! publishing a story whose image has no alt text is refused in the editor
//! with the text kept.

use masthead::accounts::Role;

use crate::media::{encode, multipart, picture};
use crate::on_both;
use crate::stories::{signed_in, story_form, world};
use crate::support::{Backend, Page, Session, TestApp, spawn};

on_both!(
    an_image_uploaded_from_the_editor_is_chosen_and_the_text_kept,
    a_story_is_published_with_its_image_only_once_the_image_has_alt_text,
);

const HEADLINE: &str = "Harbour reopens after the storm";
const BODY: &str = "Fishing boats returned at dawn, an hour I will not retype.";

/// Uploads `bytes` from the editor (`editor` = `new` or a story id) with
/// the story form's fields.
async fn upload_from_editor(
    app: &TestApp,
    session: &Session,
    editor: &str,
    bytes: &[u8],
    extra: &[(&str, &str)],
) -> Page {
    let section = world(app).await;
    let mut fields = story_form(&section, HEADLINE, BODY);
    fields.retain(|(k, _)| *k != "lead_image");
    fields.extend_from_slice(&[
        ("lead_image", ""),
        ("alt", ""),
        ("caption", "Boats at the quay"),
        ("credit", "Jane Doe"),
        ("editor", editor),
    ]);
    fields.extend_from_slice(extra);
    let (content_type, body) = multipart("harbour.png", bytes, &fields);
    session
        .send(
            session
                .client()
                .post(session.url("/admin/media"))
                .header("content-type", content_type)
                .body(body),
        )
        .await
}

/// The `media:<id>` the editor shows as selected.
fn selected(html: &str) -> String {
    let start = html
        .find("id=\"selected-reference\">")
        .unwrap_or_else(|| panic!("no selected image:\n{html}"))
        + "id=\"selected-reference\">".len();
    html[start..].split('<').next().unwrap().to_owned()
}

async fn an_image_uploaded_from_the_editor_is_chosen_and_the_text_kept(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (writer, _) = signed_in(&app, "wri@example.org", Role::Writer).await;
    let editor_page = writer.get("/admin/stories/new").await;
    assert_eq!(editor_page.status(), 200);
    let html = editor_page.text();
    assert!(html.contains("Upload and use as lead image"));
    assert!(html.contains("formenctype=\"multipart/form-data\""));

    // Not an image: refused in the editor, nothing typed is lost.
    let response = upload_from_editor(&app, &writer, "new", b"just some text", &[]).await;
    assert_eq!(response.status(), 415);
    let html = response.text();
    assert!(html.contains("Upload refused"), "{html}");
    assert!(html.contains(&format!("value=\"{HEADLINE}\"")));
    assert!(html.contains(BODY));

    // A real PNG: the editor comes back with it chosen.
    let png = encode(&picture(480, 320), "png");
    let response = upload_from_editor(&app, &writer, "new", &png, &[]).await;
    assert_eq!(response.status(), 200);
    let csp = response.header("content-security-policy").unwrap();
    assert!(csp.contains("frame-src 'self'"), "{csp}");
    let html = response.text();
    assert!(html.contains("Image uploaded and chosen as the lead image"));
    assert!(html.contains(&format!("value=\"{HEADLINE}\"")));
    assert!(html.contains(BODY));
    assert!(html.contains("action=\"/admin/stories\""));
    let reference = selected(html);
    assert!(reference.starts_with("media:"), "{reference}");
    assert!(html.contains(&format!(
        "name=\"lead_image\" value=\"{reference}\" id=\"choose-{}\" checked",
        reference.trim_start_matches("media:")
    )));
    assert!(html.contains("Boats at the quay"));
    assert!(html.contains("<em class=\"missing-alt\">none yet</em>"));

    // The preview shows the image as readers will see it, with the alt text
    // typed in the editor.
    let section = world(&app).await;
    let mut form = story_form(&section, HEADLINE, BODY);
    form.retain(|(k, _)| *k != "lead_image");
    form.extend_from_slice(&[
        ("lead_image", reference.as_str()),
        ("lead_text_for", reference.as_str()),
        ("lead_alt", "Boats moored at a stone quay"),
        ("lead_caption", "Back at the quay"),
        ("lead_credit", "Jane Doe"),
    ]);
    let preview = writer.post_form("/admin/stories/preview", &form).await;
    assert_eq!(preview.status(), 200);
    let html = preview.text();
    assert!(html.contains("<picture>"), "{html}");
    assert!(html.contains("type=\"image/webp\" srcset=\"/media/"));
    assert!(html.contains("alt=\"Boats moored at a stone quay\""));
    assert!(html.contains("Back at the quay"));

    // Saving the story saves the alt text onto the image it was typed for.
    let created = writer.post_form("/admin/stories", &form).await;
    assert_eq!(created.status(), 303);
    let id: i64 = reference.trim_start_matches("media:").parse().unwrap();
    let media = masthead::media::find(app.app.store(), id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(media.alt, "Boats moored at a stone quay");
    assert_eq!(media.caption, "Back at the quay");

    // Text typed for one image never lands on another one chosen since.
    let other = encode(&picture(400, 300), "png");
    let response = upload_from_editor(&app, &writer, "new", &other, &[]).await;
    let other_ref = selected(response.text());
    assert_ne!(other_ref, reference);
    let mut form = story_form(&section, "Another story", BODY);
    form.retain(|(k, _)| *k != "lead_image");
    form.extend_from_slice(&[
        ("lead_image", other_ref.as_str()),
        ("lead_text_for", reference.as_str()),
        ("lead_alt", "Text for the first image"),
    ]);
    let created = writer.post_form("/admin/stories", &form).await;
    assert_eq!(created.status(), 303);
    let other_id: i64 = other_ref.trim_start_matches("media:").parse().unwrap();
    for id in [id, other_id] {
        let media = masthead::media::find(app.app.store(), id)
            .await
            .unwrap()
            .unwrap();
        assert_ne!(media.alt, "Text for the first image");
    }
}

async fn a_story_is_published_with_its_image_only_once_the_image_has_alt_text(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (writer, _) = signed_in(&app, "wri@example.org", Role::Writer).await;
    let (editor, _) = signed_in(&app, "edi@example.org", Role::Editor).await;
    let png = encode(&picture(480, 320), "png");
    let response = upload_from_editor(&app, &writer, "new", &png, &[]).await;
    let reference = selected(response.text());
    let section = world(&app).await;
    let mut form = story_form(&section, HEADLINE, BODY);
    form.retain(|(k, _)| *k != "lead_image");
    form.extend_from_slice(&[
        ("lead_image", reference.as_str()),
        ("lead_text_for", reference.as_str()),
        ("lead_alt", ""),
    ]);
    let created = writer.post_form("/admin/stories", &form).await;
    assert_eq!(created.status(), 303);
    let path = created
        .location()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let submitted = writer.post(&format!("{path}/submit")).await;
    assert_eq!(submitted.status(), 303);

    // No alt text: the editor refuses to publish and says why, text kept.
    let refused = editor.post(&format!("{path}/publish")).await;
    assert_eq!(refused.status(), 422);
    let html = refused.text();
    assert!(html.contains("a lead image needs alt text"), "{html}");
    assert!(html.contains(&format!("value=\"{HEADLINE}\"")));
    assert!(html.contains(BODY));
    assert!(html.contains("id=\"lead_alt\""));

    // The editor types the alt text in the editor and saves, then publishes.
    let mut form = story_form(&section, HEADLINE, BODY);
    form.retain(|(k, _)| *k != "lead_image");
    form.extend_from_slice(&[
        ("lead_image", reference.as_str()),
        ("lead_text_for", reference.as_str()),
        ("lead_alt", "Boats moored at a stone quay"),
        ("revision", "2"),
    ]);
    let saved = editor.post_form(&path, &form).await;
    assert_eq!(saved.status(), 303, "{}", saved.text());
    let published = editor.post(&format!("{path}/publish")).await;
    assert_eq!(published.status(), 303);
    let article = app
        .session()
        .get("/world/harbour-reopens-after-the-storm")
        .await;
    assert_eq!(article.status(), 200);
    let html = article.text();
    assert!(html.contains("<picture>"), "{html}");
    assert!(html.contains(" srcset=\"/media/"));
    assert!(html.contains("alt=\"Boats moored at a stone quay\""));
}
