use super::*;
use crate::accounts::Role;

fn person(id: i64, name: &str, role: Role) -> Actor {
    Actor {
        id: Some(id),
        name: name.into(),
        audit_name: name.into(),
        role: Some(role),
        address: None,
    }
}

fn input(body: &str) -> PostInput {
    PostInput {
        body: body.into(),
        ..PostInput::default()
    }
}

#[test]
fn a_post_is_sanitized_like_the_body_and_signed_by_the_person_posting() {
    let writer = person(2, "Wren Writer", Role::Writer);
    let fields = check_input(
        &writer,
        &input("<p>Crowds <strong>gather</strong><script>alert(1)</script></p>"),
        None,
        100,
    )
    .unwrap();
    assert!(fields.body_html.contains("<strong>gather</strong>"));
    assert!(!fields.body_html.contains("script"));
    assert_eq!(fields.author_name, "Wren Writer");
    assert_eq!(fields.posted_at, 100);
}

#[test]
fn an_empty_post_and_a_script_embed_are_refused_with_the_reason() {
    let editor = person(1, "Ed Itor", Role::Editor);
    let empty = check_input(&editor, &input("<p>  </p>"), None, 0).unwrap_err();
    assert!(
        empty.to_string().contains("write the post's text"),
        "{empty}"
    );
    let embed = PostInput {
        embed_url: "javascript:alert(1)".into(),
        ..input("Text")
    };
    let refused = check_input(&editor, &embed, None, 0).unwrap_err();
    assert!(
        refused.to_string().contains("not an http(s) address"),
        "{refused}"
    );
    let image_only = PostInput {
        image: "media:3".into(),
        ..input("")
    };
    assert!(check_input(&editor, &image_only, None, 0).is_ok());
}

#[test]
fn only_editors_name_another_author() {
    let named = PostInput {
        author: "Agency Reporter".into(),
        ..input("Text")
    };
    let editor = person(1, "Ed Itor", Role::Editor);
    assert_eq!(
        check_input(&editor, &named, None, 0).unwrap().author_name,
        "Agency Reporter"
    );
    let writer = person(2, "Wren Writer", Role::Writer);
    assert!(matches!(
        check_input(&writer, &named, None, 0),
        Err(LiveError::Forbidden(_))
    ));
}

#[test]
fn writers_run_only_the_live_blogs_of_their_own_stories() {
    let mut article = articles::NewArticle {
        section: articles::SectionRef {
            id: 1,
            slug: "world".into(),
            name: "World".into(),
        },
        slug: None,
        headline: "Live".into(),
        standfirst: String::new(),
        teaser: None,
        body_source: "Text".into(),
        body_format: articles::BodyFormat::Markdown,
        dateline: String::new(),
        bylines: Vec::new(),
        tags: Vec::new(),
    }
    .into_draft(0)
    .unwrap();
    article.owner_id = Some(2);
    assert!(may_run(&person(2, "Wren", Role::Writer), &article));
    assert!(!may_run(&person(3, "Other", Role::Writer), &article));
    assert!(may_run(&person(1, "Ed", Role::Editor), &article));
    assert!(!may_run(&Actor::anonymous("visitor", None), &article));
}
