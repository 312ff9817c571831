//! Bodies as the rich editor writes them (issue 13, item 7): a Markdown
//! story opens in the editor converted once to the HTML readers see, is
//! saved as HTML from then on, and reads exactly the same; the story form
//! works without JavaScript, the body as HTML source; the editor's bundle
//! is served under its content hash, cached for good, under the strict
//! admin CSP.

use masthead::accounts::Role;
use masthead::articles::{self, BodyFormat};

use crate::on_both;
use crate::stories::{signed_in, story_form, world};
use crate::support::{Backend, Session, spawn};

on_both!(
    a_markdown_story_reads_the_same_after_it_opens_as_html_and_is_saved,
    without_javascript_the_body_is_html_source_in_the_textarea,
);

/// Every construct the Markdown editor accepted.
const MARKDOWN: &str = "\
Opening paragraph with *emphasis*, **strong**, ***both***, `code` and ~~struck~~ text,
a [link](https://example.com/a?b=1&c=2 \"Title\"), a line  
break, and an ![image](/media/harbour.jpg \"The harbour\").

## A heading

### A smaller heading

#### Smaller still

# A top heading

- a bullet
- another, with *emphasis*
  - nested

1. first
2. second

3. loose third

> A quote
>
> > nested quote

---

```rust
fn main() { println!(\"<code>\"); }
```

    indented code

| Column | Right |
|--------|------:|
| a      | 1     |
| *b*    | 2     |

A footnote reference[^1].

[^1]: The footnote text.

<p class=\"x\" style=\"color:red\">Raw <b>HTML</b> paragraph <span>with a span</span> <script>alert(1)</script></p>

<blockquote class=\"pullquote\"><p>Raw pull quote</p></blockquote>

Ending with &amp; entities &lt;kept&gt; and “quotes”.
";

/// The story body as readers get it.
fn reader_body(html: &str) -> String {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse("article .body").unwrap();
    document
        .select(&selector)
        .next()
        .unwrap_or_else(|| panic!("no story body in {html}"))
        .inner_html()
}

/// The value of the form field `css` on an admin page.
fn field(html: &str, css: &str) -> String {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(css).unwrap();
    let element = document
        .select(&selector)
        .next()
        .unwrap_or_else(|| panic!("no {css}"));
    match element.value().name() {
        "textarea" => element.text().collect(),
        _ => element.value().attr("value").unwrap_or_default().to_owned(),
    }
}

async fn created(session: &Session, form: &[(&str, &str)]) -> i64 {
    let response = session.post_form("/admin/stories", form).await;
    assert_eq!(response.status(), 303, "{}", response.text());
    response
        .location()
        .unwrap()
        .trim_start_matches("/admin/stories/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

async fn a_markdown_story_reads_the_same_after_it_opens_as_html_and_is_saved(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (eve, _) = signed_in(&app, "eve@example.org", Role::Editor).await;
    let section = world(&app).await;
    // A story written in Markdown (the old form had no format field).
    let id = created(&eve, &story_form(&section, "Every construct", MARKDOWN)).await;
    let story = articles::find(app.store(), id).await.unwrap().unwrap();
    assert_eq!(story.body_format, BodyFormat::Markdown);
    assert_eq!(
        eve.post(&format!("/admin/stories/{id}/publish"))
            .await
            .status(),
        303
    );
    let path = format!("/world/{}", story.slug);
    let before = reader_body(eve.get(&path).await.text());
    for construct in [
        "<em>emphasis</em>",
        "<strong>strong</strong>",
        "<code>code</code>",
        "<del>struck</del>",
        "<h2>A heading</h2>",
        "<h1>A top heading</h1>",
        "<ul>",
        "<ol>",
        "<blockquote>",
        "<hr>",
        "<pre><code>fn main()",
        "<table>",
        "<sup>",
        "src=\"/media/harbour.jpg\"",
        "<br>",
        "Raw <strong>HTML</strong> paragraph with a span",
        "<blockquote class=\"pullquote\">",
    ] {
        assert!(before.contains(construct), "{construct} in {before}");
    }
    assert!(!before.contains("script"), "{before}");

    // The editor opens it as the HTML readers see, marked as HTML.
    let page = eve.get(&format!("/admin/stories/{id}")).await;
    assert_eq!(page.status(), 200);
    let body = field(page.text(), "textarea#body");
    assert_eq!(field(page.text(), "input[name=format]"), "html");
    assert_eq!(body, story.body_html, "the converted body");
    let revision = field(page.text(), "input[name=revision]");

    // Saved unchanged, it is HTML from then on, and reads the same.
    let mut form = story_form(&section, "Every construct", &body);
    form.extend([
        ("format", "html"),
        ("revision", revision.as_str()),
        ("update_kind", "silent_fix"),
    ]);
    let saved = eve.post_form(&format!("/admin/stories/{id}"), &form).await;
    assert_eq!(saved.status(), 303, "{}", saved.text());
    let story = articles::find(app.store(), id).await.unwrap().unwrap();
    assert_eq!(story.body_format, BodyFormat::Html);
    assert_eq!(reader_body(eve.get(&path).await.text()), before);
    // Opened again, nothing is converted twice.
    let page = eve.get(&format!("/admin/stories/{id}")).await;
    assert_eq!(field(page.text(), "textarea#body"), body);
}

async fn without_javascript_the_body_is_html_source_in_the_textarea(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (eve, _) = signed_in(&app, "eve@example.org", Role::Editor).await;
    let section = world(&app).await;
    // The new-story form says HTML; what is typed there is HTML source.
    let page = eve.get("/admin/stories/new").await;
    assert_eq!(field(page.text(), "input[name=format]"), "html");
    let mut form = story_form(
        &section,
        "Typed as HTML",
        "<h2>Sub</h2><p>Hand-written <em>HTML</em> <span style=\"color:red\">here</span>.</p>",
    );
    form.push(("format", "html"));
    let id = created(&eve, &form).await;
    let story = articles::find(app.store(), id).await.unwrap().unwrap();
    assert_eq!(story.body_format, BodyFormat::Html);
    assert_eq!(
        story.body_html,
        "<h2>Sub</h2><p>Hand-written <em>HTML</em> here.</p>"
    );

    // The page names the editor's bundle by its content hash; the bundle
    // is cached for good, and the page allows scripts from itself only.
    let script = masthead::editor_bundle::script_path();
    assert!(
        page.text()
            .contains(&format!("<script src=\"{script}\" defer>"))
    );
    let csp = page.header("content-security-policy").unwrap().to_owned();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe"), "{csp}");
    let bundle = eve.get(script).await;
    assert_eq!(bundle.status(), 200);
    assert_eq!(
        bundle.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert!(
        bundle
            .header("content-type")
            .unwrap()
            .starts_with("text/javascript")
    );
    assert_eq!(bundle.bytes(), masthead::editor_bundle::SCRIPT);
    let style = eve.get(masthead::editor_bundle::stylesheet_path()).await;
    assert_eq!(style.status(), 200);
    assert_eq!(
        style.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    // The page editor loads it too.
    let page = eve.get("/admin/pages/new").await;
    assert!(page.text().contains(script), "{}", page.text());
}
