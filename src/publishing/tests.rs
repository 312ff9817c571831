use super::*;
use crate::articles::{BodyFormat, NewArticle, SectionRef};

fn story(owner: i64, status: Status) -> Article {
    let mut article = NewArticle {
        section: SectionRef {
            id: 1,
            slug: "world".into(),
            name: "World".into(),
        },
        slug: None,
        headline: "Troops".into(),
        standfirst: String::new(),
        teaser: None,
        body_source: "Text".into(),
        body_format: BodyFormat::Markdown,
        dateline: String::new(),
        bylines: Vec::new(),
        tags: Vec::new(),
    }
    .into_draft(0)
    .unwrap();
    article.owner_id = Some(owner);
    article.status = status;
    article
}

fn actor(id: i64, role: Role) -> Actor {
    Actor {
        id: Some(id),
        name: format!("user{id}"),
        audit_name: format!("user{id}"),
        role: Some(role),
        address: None,
    }
}

#[test]
fn a_writer_edits_and_submits_their_own_draft_but_cannot_publish_it() {
    let writer = actor(7, Role::Writer);
    let draft = story(7, Status::Draft);
    assert!(check(&writer, &draft, Action::Edit).is_ok());
    assert!(check(&writer, &draft, Action::Submit).is_ok());
    for action in [
        Action::Publish,
        Action::Schedule,
        Action::Unpublish,
        Action::Correct,
    ] {
        assert!(matches!(
            check(&writer, &draft, action),
            Err(WorkflowError::Forbidden(_))
        ));
    }
    assert_eq!(available(&writer, &draft), vec![Action::Submit]);
}

#[test]
fn a_writer_cannot_touch_another_writers_story() {
    let writer = actor(7, Role::Writer);
    let theirs = story(8, Status::Draft);
    for action in [Action::Edit, Action::Submit, Action::Restore] {
        assert!(matches!(
            check(&writer, &theirs, action),
            Err(WorkflowError::Forbidden(_))
        ));
    }
}

#[test]
fn a_writer_cannot_edit_their_story_once_it_is_published() {
    let writer = actor(7, Role::Writer);
    assert!(check(&writer, &story(7, Status::Review), Action::Edit).is_ok());
    assert!(check(&writer, &story(7, Status::Published), Action::Edit).is_err());
}

#[test]
fn editors_may_do_every_step_the_status_allows() {
    let editor = actor(1, Role::Editor);
    let published = story(7, Status::Published);
    assert_eq!(
        available(&editor, &published),
        vec![Action::Unpublish, Action::Correct]
    );
    assert!(matches!(
        check(&editor, &published, Action::Publish),
        Err(WorkflowError::InvalidTransition { .. })
    ));
    assert_eq!(
        available(&editor, &story(7, Status::Review)),
        vec![Action::Withdraw, Action::Schedule, Action::Publish]
    );
}
