//! The reader against WordPress's own test exports (`fixtures/wordpress/`,
//! asserting what WordPress's importer tests assert of each), generated
//! exports, and broken ones.

use std::io::{BufReader, Read};

use super::*;

/// Everything an export said, sorted by kind, and the kinds in file order.
#[derive(Debug, Default)]
struct Export {
    site: Option<SiteInfo>,
    authors: Vec<Author>,
    categories: Vec<Term>,
    tags: Vec<Term>,
    terms: Vec<Term>,
    items: Vec<Item>,
    order: Vec<&'static str>,
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/fixtures/wordpress/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn read(bytes: &[u8]) -> Result<Export, WxrError> {
    let mut export = Export::default();
    for event in WxrReader::new(bytes) {
        let kind = match event? {
            WxrEvent::Site(site) => {
                assert!(export.site.is_none(), "a second site header");
                export.site = Some(site);
                "site"
            }
            WxrEvent::Author(a) => {
                export.authors.push(a);
                "author"
            }
            WxrEvent::Category(t) => {
                export.categories.push(t);
                "category"
            }
            WxrEvent::Tag(t) => {
                export.tags.push(t);
                "tag"
            }
            WxrEvent::Term(t) => {
                export.terms.push(t);
                "term"
            }
            WxrEvent::Item(i) => {
                export.items.push(*i);
                "item"
            }
        };
        export.order.push(kind);
    }
    Ok(export)
}

fn read_fixture(name: &str) -> Export {
    read(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn fixture_error(name: &str) -> WxrError {
    match read(&fixture(name)) {
        Ok(export) => panic!("{name} was read: {export:?}"),
        Err(e) => e,
    }
}

fn error_of(xml: &str) -> WxrError {
    match read(xml.as_bytes()) {
        Ok(export) => panic!("read: {export:?}"),
        Err(e) => e,
    }
}

fn s(value: &str) -> Option<String> {
    Some(value.to_owned())
}

fn at(line: u64, column: u64) -> Position {
    Position { line, column }
}

/// `(domain, nicename, name)` of the item's categories that are terms.
fn terms(item: &Item) -> Vec<(&str, &str, &str)> {
    item.terms()
        .map(|c| {
            (
                c.domain.as_deref().unwrap_or_default(),
                c.nicename.as_deref().unwrap_or_default(),
                c.name.as_str(),
            )
        })
        .collect()
}

fn meta(pairs: &[(&str, &str)]) -> Vec<Meta> {
    pairs
        .iter()
        .map(|(key, value)| Meta {
            key: (*key).to_owned(),
            value: (*value).to_owned(),
        })
        .collect()
}

fn item<'a>(export: &'a Export, title: &str) -> &'a Item {
    export
        .items
        .iter()
        .find(|i| i.title.as_deref() == Some(title))
        .unwrap_or_else(|| panic!("no item {title:?}"))
}

/// The same export with every CDATA section written as escaped text.
fn without_cdata(xml: &str) -> String {
    let mut out = String::new();
    let mut rest = xml;
    while let Some(start) = rest.find("<![CDATA[") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 9..];
        let end = after.find("]]>").expect("an unclosed CDATA section");
        let text = &after[..end];
        out.push_str(
            &text
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;"),
        );
        rest = &after[end + 3..];
    }
    out.push_str(rest);
    out
}

/// The items with their positions blanked (escaping moves columns).
fn items_without_positions(export: &Export) -> Vec<Item> {
    export
        .items
        .iter()
        .cloned()
        .map(|mut i| {
            i.position = at(0, 0);
            i
        })
        .collect()
}

#[test]
fn a_wxr_1_1_export_reads_as_wordpress_reads_it() {
    let export = read_fixture("small-export.xml");
    let site = export.site.as_ref().unwrap();
    assert_eq!(site.wxr_version, "1.1");
    assert_eq!(site.title, s("trunk"));
    assert_eq!(site.link, s("http://localhost/"));
    assert_eq!(site.description, s("Just another WordPress site"));
    assert_eq!(site.language, s("en"));
    assert_eq!(site.base_site_url, s("http://localhost/"));
    assert_eq!(site.base_blog_url, s("http://localhost/"));

    // The header first, then the channel's lists, then the items.
    let mut order = export.order.clone();
    order.dedup();
    assert_eq!(order, ["site", "author", "category", "tag", "item"]);

    let logins: Vec<_> = export.authors.iter().map(|a| a.login.as_deref()).collect();
    assert_eq!(logins, [Some("admin"), Some("editor"), Some("author")]);
    assert_eq!(
        export.authors[1],
        Author {
            id: s("2"),
            login: s("editor"),
            email: s("editor@example.org"),
            display_name: s("editor"),
            first_name: s("FirstName"),
            last_name: s("LastName"),
        }
    );

    assert_eq!(export.categories.len(), 30);
    let foo_bar = export
        .categories
        .iter()
        .find(|c| c.slug.as_deref() == Some("foo-bar"))
        .unwrap();
    assert_eq!(
        *foo_bar,
        Term {
            term_id: s("5"),
            taxonomy: s("category"),
            slug: s("foo-bar"),
            parent: s("bar"),
            name: s("Foo"),
            description: s("The child foo category"),
            meta: Vec::new(),
        }
    );
    let eternity = export.categories.last().unwrap();
    assert_eq!(eternity.name, s("远征手记"));
    assert_eq!(export.tags.len(), 3);
    assert_eq!(export.tags[0].slug, s("tag1"));
    assert_eq!(export.tags[0].taxonomy, s("post_tag"));
    assert!(export.terms.is_empty());

    assert_eq!(export.items.len(), 11);
    let count = |post_type: &str, status: &str| {
        export
            .items
            .iter()
            .filter(|i| i.post_type.as_deref() == Some(post_type))
            .filter(|i| i.status.as_deref() == Some(status))
            .count()
    };
    assert_eq!(count("post", "publish"), 5);
    assert_eq!(count("post", "private"), 1);
    assert_eq!(count("page", "publish"), 4);
    assert_eq!(count("page", "draft"), 1);

    let private = item(&export, "Private Post");
    assert_eq!(private.status, s("private"));
    assert_eq!(
        terms(private),
        [
            ("post_tag", "tag1", "Tag1"),
            ("post_tag", "tag2", "Tag2"),
            ("post_tag", "tag3", "Tag3"),
            ("category", "uncategorized", "Uncategorized"),
        ]
    );

    let draft = item(&export, "Draft Page");
    assert_eq!(draft.post_type, s("page"));
    assert_eq!(draft.status, s("draft"));
    assert_eq!(draft.post_name, s(""), "a draft without a slug");
    assert_eq!(draft.post_date_gmt, s("0000-00-00 00:00:00"));
    assert_eq!(draft.pub_date, s("Wed, 30 Nov -0001 00:00:00 +0000"));

    let many = item(&export, "Many Categories");
    assert_eq!(many.post_name, s("many-categories"));
    assert_eq!(many.terms().count(), 27);
    assert!(
        many.terms()
            .all(|c| c.domain.as_deref() == Some("category"))
    );
    assert_eq!(many.categories.last().unwrap().name, "远征手记");

    let child = item(&export, "Foo-child");
    assert_eq!(terms(child), [("category", "foo-bar", "Foo")]);
    assert_eq!(child.creator, s("editor"));
    assert_eq!(item(&export, "Child Page").post_parent, s("6"));

    let aside = item(&export, "Non-standard post format");
    assert_eq!(
        terms(aside),
        [
            ("post_format", "post-format-aside", "Aside"),
            ("category", "uncategorized", "Uncategorized")
        ]
    );

    let comments: Vec<_> = export.items.iter().flat_map(|i| &i.comments).collect();
    assert_eq!(comments.len(), 1);
    let hello = item(&export, "Hello world!");
    assert_eq!(hello.position, at(78, 2));
    assert_eq!(hello.post_id, s("1"));
    assert_eq!(hello.link, s("http://localhost/?p=1"));
    assert_eq!(
        hello.guid,
        Some(Guid {
            value: "http://localhost/?p=1".to_owned(),
            is_permalink: false
        })
    );
    assert_eq!(
        hello.comments[0],
        Comment {
            id: s("1"),
            author: s("Mr WordPress"),
            author_email: s(""),
            author_url: s("http://wordpress.org/"),
            author_ip: s(""),
            date: s("2011-01-18 07:40:14"),
            date_gmt: s("2011-01-18 07:40:14"),
            // CDATA: the reference stays as written.
            content: s(
                "Hi, this is a comment.<br />To delete a comment, just log in and view the \
                 post&#039;s comments. There you will have the option to edit or delete them."
            ),
            approved: s("1"),
            comment_type: s(""),
            parent: s("0"),
            user_id: s("0"),
            meta: Vec::new(),
        }
    );
    assert_eq!(
        hello.meta,
        meta(&[("Post by", "author"), ("_edit_last", "1")])
    );
    assert_eq!(hello.excerpt, s(""));
    assert_eq!(hello.post_modified, None);
    let sample = item(&export, "Sample Page");
    let content = sample.content.as_deref().unwrap();
    assert!(content.contains("pi&#241;a coladas"), "CDATA kept verbatim");
    assert_eq!(content.matches('\n').count(), 8);
    let last = export.items.last().unwrap();
    assert_eq!(last.position, at(393, 2));
}

#[test]
fn a_wxr_1_1_export_gives_what_wordpress_s_parser_test_expects() {
    let export = read_fixture("valid-wxr-1.1.xml");
    let site = export.site.unwrap();
    assert_eq!(site.base_site_url, s("http://localhost/"));
    assert_eq!(
        export.authors,
        [Author {
            id: s("2"),
            login: s("john"),
            email: s("johndoe@example.org"),
            display_name: s("John Doe"),
            first_name: s("John"),
            last_name: s("Doe"),
        }]
    );
    assert_eq!(
        export.categories,
        [Term {
            term_id: s("3"),
            taxonomy: s("category"),
            slug: s("alpha"),
            parent: s(""),
            name: s("alpha"),
            description: s("The alpha category"),
            meta: Vec::new(),
        }]
    );
    assert_eq!(
        export.tags,
        [Term {
            term_id: s("22"),
            taxonomy: s("post_tag"),
            slug: s("clippable"),
            parent: None,
            name: s("Clippable"),
            description: s("The Clippable post_tag"),
            meta: Vec::new(),
        }]
    );
    assert_eq!(
        export.terms,
        [Term {
            term_id: s("40"),
            taxonomy: s("post_tax"),
            slug: s("bieup"),
            parent: s(""),
            name: s("bieup"),
            description: s("The bieup post_tax"),
            meta: Vec::new(),
        }]
    );
    assert_eq!(export.items.len(), 2);
    assert_eq!(
        terms(&export.items[0]),
        [
            ("category", "alpha", "alpha"),
            ("post_tag", "clippable", "Clippable"),
            ("post_tax", "bieup", "bieup"),
        ]
    );
    assert_eq!(export.items[0].comments.len(), 1);
    assert_eq!(
        export.items[1].meta,
        meta(&[("_wp_page_template", "default")])
    );
    assert_eq!(export.items[1].post_type, s("page"));
}

#[test]
fn a_wxr_1_0_export_names_its_authors_only_in_the_items() {
    let export = read_fixture("valid-wxr-1.0.xml");
    let site = export.site.unwrap();
    assert_eq!(site.wxr_version, "1.0");
    assert_eq!(site.base_site_url, s("http://localhost/"));
    assert!(export.authors.is_empty());
    assert_eq!(export.items.len(), 6);
    assert!(
        export
            .items
            .iter()
            .all(|i| i.creator.as_deref() == Some("admin"))
    );

    let alpha = &export.categories[0];
    assert_eq!(alpha.slug, s("alpha"));
    assert_eq!(alpha.name, s("alpha"));
    assert_eq!(alpha.parent, s(""));
    assert_eq!(alpha.description, s("The alpha category"));
    assert_eq!(alpha.term_id, None);
    assert_eq!(export.categories.len(), 5);
    assert_eq!(export.categories[4].parent, s("parent"));
    assert_eq!(export.tags[0].slug, s("chicken"));
    assert_eq!(export.tags[0].name, s("chicken"));
    assert_eq!(export.tags.len(), 4);

    // Each term twice: as a plain RSS category, and with domain and slug.
    let hello = &export.items[0];
    assert_eq!(hello.categories.len(), 2);
    assert_eq!(hello.categories[0].domain, None);
    assert_eq!(
        terms(hello),
        [("category", "uncategorized", "Uncategorized")]
    );
    assert_eq!(
        terms(&export.items[2]),
        [
            ("category", "alpha", "alpha"),
            ("tag", "news", "news"),
            ("tag", "roar", "roar"),
        ]
    );
    assert_eq!(
        terms(&export.items[3]),
        [
            ("tag", "chicken", "chicken"),
            ("category", "child", "child"),
            ("tag", "face", "face"),
        ]
    );
    assert_eq!(
        export.items[1].meta,
        meta(&[("_wp_page_template", "default")])
    );
    assert_eq!(export.items[2].excerpt, s(""), "the 1.0 excerpt namespace");
    assert_eq!(export.items[0].position, at(49, 3));
}

#[test]
fn an_export_without_a_version_is_refused_before_its_first_entity() {
    let xml = fixture("missing-version-tag.xml");
    let mut reader = WxrReader::new(&xml[..]);
    let error = reader.next_event().unwrap_err();
    assert!(
        matches!(error.kind, WxrErrorKind::MissingVersion),
        "{error}"
    );
    // At the first <wp:author>, where the header ended.
    assert_eq!(error.position, at(35, 2));
    assert!(
        error
            .to_string()
            .starts_with("line 35, column 2: not a WordPress export: no <wp:wxr_version>")
    );
    assert!(reader.next_event().unwrap().is_none(), "nothing after");
}

#[test]
fn malformed_xml_is_refused_at_its_line_and_column() {
    let error = fixture_error("malformed.xml");
    // `<notachanneltag>` (line 27) is closed by `</channel>`, line 90.
    assert!(matches!(error.kind, WxrErrorKind::Xml(_)), "{error}");
    assert_eq!(error.position, at(90, 1));
    assert!(error.in_item.is_none() && error.after_item.is_none());
    let message = error.to_string();
    assert!(
        message.starts_with("line 90, column 1: not well-formed XML ("),
        "{message}"
    );
    assert!(message.contains("notachanneltag"), "{message}");
}

#[test]
fn a_cdata_section_inside_another_is_refused_where_the_outer_one_breaks() {
    let error = fixture_error("crazy-cdata.xml");
    // Line 18: `<![CDATA[Content with nested <![CDATA[ tags ]]> :)]]>`: the
    // first `]]>` (column 64) ends the section, the second (column 70) is
    // text, which XML forbids.
    assert!(matches!(error.kind, WxrErrorKind::Xml(_)), "{error}");
    assert_eq!(error.position, at(18, 70));
    let in_item = error.in_item.as_ref().unwrap();
    assert_eq!(in_item.title, s("Hello world!"));
    assert_eq!(in_item.post_id, None, "the content comes before the id");
    assert_eq!(in_item.position, at(12, 2));
    assert!(
        error
            .to_string()
            .ends_with(") in the item \"Hello world!\" from line 12"),
        "{error}"
    );
}

#[test]
fn escaped_cdata_ends_read_as_wordpress_reads_them() {
    let export = read_fixture("crazy-cdata-escaped.xml");
    assert!(export.authors.is_empty());
    let [post] = &export.items[..] else {
        panic!("{:?}", export.items)
    };
    assert_eq!(post.content, s("Content with nested <![CDATA[ tags ]]> :)"));
    assert_eq!(
        post.meta,
        meta(&[
            ("Plain string", "Foo"),
            ("Closing CDATA", "]]>"),
            (
                "Alot of CDATA",
                "This has <![CDATA[ opening and ]]> closing <![CDATA[ tags like this: ]]>"
            ),
        ])
    );
}

#[test]
fn cdata_and_escaped_text_give_identical_items() {
    for name in [
        "small-export.xml",
        "crazy-cdata-escaped.xml",
        "wxr-utf-8-challenges.xml",
        "slashes.xml",
        "valid-wxr-1.0.xml",
    ] {
        let xml = String::from_utf8(fixture(name)).unwrap();
        let escaped = without_cdata(&xml);
        assert!(!escaped.contains("<![CDATA["));
        let cdata = read(xml.as_bytes()).unwrap();
        let plain = read(escaped.as_bytes()).unwrap();
        assert_eq!(cdata.authors, plain.authors, "{name}");
        assert_eq!(cdata.categories, plain.categories, "{name}");
        assert_eq!(cdata.tags, plain.tags, "{name}");
        assert_eq!(
            items_without_positions(&cdata),
            items_without_positions(&plain),
            "{name}"
        );
    }
}

#[test]
fn backslashes_survive() {
    let export = read_fixture("slashes.xml");
    assert_eq!(export.categories[0].name, s(r#"a \"great\" category"#));
    assert_eq!(export.tags[0].name, s(r"foo\'bar"));
    let post = &export.items[0];
    assert_eq!(post.content, s(r#"Slashes aren\'t \"cool\""#));
    assert_eq!(
        post.categories[0].name,
        r#"a \"great\" category"#.to_owned()
    );
    assert_eq!(post.comments[0].content, s(r"\o/ ¯\_(ツ)_/¯"));
    assert_eq!(post.meta, meta(&[("_edit_last", "1")]));
}

/// The text of the first CDATA section on a line of a fixture, cut out of
/// the raw file.
fn cdata_on_line(xml: &str, line: usize) -> String {
    let text = xml.lines().nth(line - 1).unwrap();
    let start = text.find("<![CDATA[").unwrap() + 9;
    let end = text.rfind("]]>").unwrap();
    text[start..end].to_owned()
}

#[test]
fn multi_byte_text_is_kept_intact() {
    let raw = String::from_utf8(fixture("wxr-utf-8-challenges.xml")).unwrap();
    let export = read(raw.as_bytes()).unwrap();
    let site = export.site.unwrap();
    assert_eq!(site.wxr_version, "1.2");
    assert_eq!(
        site.title,
        s("My WordPress Website 🚀 \u{202E}\u{202D}مرحبا")
    );
    assert_eq!(
        site.description,
        s("Site with \u{A0}\u{200B}\u{2060}\u{FEFF} invisible chars and \u{FFFD} replacement")
    );
    assert_eq!(site.base_blog_url, s("https://playground.internal/path"));

    let [author] = &export.authors[..] else {
        panic!("{:?}", export.authors)
    };
    assert_eq!(author.login, s("admin\u{200C}\u{200B}\u{200D}\u{200E}"));
    assert_eq!(author.email, s("ădmĩn@ℓocalhost.com"));
    assert_eq!(author.display_name, Some(cdata_on_line(&raw, 40)));
    assert_eq!(author.first_name, s("\u{1F170}\u{FE0F}"));
    // Inside CDATA a character reference is text.
    assert_eq!(author.last_name, s("&#x1F1FA;&#x1F1F8;𝕌𝕟𝕚𝕔𝕠𝕕𝕖"));

    let [post] = &export.items[..] else {
        panic!("{:?}", export.items)
    };
    assert_eq!(
        post.title,
        s(
            "\"The Road \u{202E}Not\u{202C} Taken\" by Rob\u{202D}ert \u{202E}Frost \u{202A}🌲\u{202C}"
        )
    );
    assert_eq!(post.post_id, s("10"));
    assert_eq!(
        post.post_name,
        s("hello-w\u{202E}orld\u{202C}-utf8-💫-test")
    );
    assert_eq!(
        post.guid.as_ref().unwrap().value,
        "https://playground.internal/path/🚀/\u{202E}tsop\u{202C}/?p=1&test=💫\u{200C}\u{200B}\u{200D}\u{200E}"
    );
    let content = post.content.as_deref().unwrap();
    let expected = raw
        .split("<content:encoded><![CDATA[")
        .nth(1)
        .and_then(|rest| rest.split("]]></content:encoded>").next())
        .unwrap();
    assert_eq!(content, expected);
    assert!(content.contains("𝓣𝓮𝓼𝓽 𝓜𝓾𝓵𝓽𝓲-𝓑𝔂𝓽𝓮: 🚀🌟💫⭐️🔥💯🎉🎊🌈🦄"));
    assert!(content.contains("السلام عليكم وﷲ"));
    assert!(content.contains("&#xD800;&#xDC00;"), "CDATA is not decoded");
    assert_eq!(post.excerpt, Some(cdata_on_line(&raw, 76)));
    assert_eq!(post.post_modified, s("2024-06-10 12:28:55"));
    assert_eq!(post.post_modified_gmt, s("2024-06-10 12:28:55"));
    assert_eq!(post.post_date, s("2024-06-05 16:04:48"));
    assert_eq!(post.link, None);
    assert_eq!(post.meta.len(), 5);
    assert_eq!(post.meta[0].key, "_pingme\u{200C}\u{200B}\u{200D}\u{200E}");
    assert_eq!(post.meta[0].value, "1\u{200B}\u{200D}\u{200C}\u{200E}");
    assert_eq!(post.meta[2].value, cdata_on_line(&raw, 102));
    assert_eq!(
        post.meta[4].value,
        "&#x202E;&#x202D;&#x200B;&#x200C;&#x200D;&#x2060;&#xFEFF;&#xFFFD;"
    );
    let [category] = &post.categories[..] else {
        panic!("{:?}", post.categories)
    };
    assert_eq!(category.domain, s("category"));
    assert_eq!(category.nicename, s("uncat\u{202E}egorized\u{202C}"));
    assert_eq!(category.name, cdata_on_line(&raw, 91));
    assert!(category.name.ends_with(" 🎭"));
    assert_eq!(post.position, at(48, 9));
}

#[test]
fn namespaces_are_matched_by_uri_not_by_prefix() {
    let export = read_fixture("namespace-edge-cases.xml");
    let site = export.site.unwrap();
    assert_eq!(site.wxr_version, "1.2");
    assert_eq!(site.title, s("Namespace Edge Cases"));

    let ids: Vec<_> = export.items.iter().map(|i| i.post_id.as_deref()).collect();
    // `wp:post_id` 1 then `alt:post_id` 999, both WordPress's: the last wins.
    // The fifth item binds `wp:` to another namespace: no id, no type.
    assert_eq!(
        ids,
        [
            Some("999"),
            Some("2"),
            Some("3"),
            Some("4"),
            None,
            Some("6")
        ]
    );
    let titles: Vec<_> = export.items.iter().map(|i| i.title.as_deref()).collect();
    assert_eq!(
        titles,
        [
            Some("Mixed Namespaces"),
            Some("No Prefix"),
            Some("Empty Namespace"),
            Some("Unicode Namespace"),
            Some("Hijacked Namespace"),
            Some("Namespace Bomb"),
        ]
    );
    let hijacked = &export.items[4];
    assert_eq!(hijacked.post_type, None);
    assert_eq!(hijacked.status, None);
    assert!(hijacked.meta.is_empty(), "{:?}", hijacked.meta);
    assert_eq!(
        hijacked.content,
        s("This attempts to hijack the wp namespace")
    );
    for (i, item) in export.items.iter().enumerate() {
        if i != 4 {
            assert_eq!(item.post_type, s("post"));
            assert_eq!(item.status, s("publish"));
        }
    }
    assert_eq!(
        export.items[0].meta,
        meta(&[("normal_key", "normal_value")])
    );
    assert_eq!(
        export.items[5].content,
        s("&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;")
    );
    assert_eq!(export.items[0].position, at(45, 1));

    // The author under a fake namespace is not one; 1.1's namespace is.
    let authors: Vec<_> = export
        .authors
        .iter()
        .map(|a| (a.id.as_deref(), a.login.as_deref(), a.email.as_deref()))
        .collect();
    assert_eq!(
        authors,
        [
            (Some("2"), Some("real_user"), Some("real@example.com")),
            (
                Some("3"),
                Some("version_conflict"),
                Some("conflict@example.com")
            ),
        ]
    );
    let terms: Vec<_> = export
        .terms
        .iter()
        .map(|t| {
            (
                t.term_id.as_deref(),
                t.name.as_deref(),
                t.taxonomy.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        terms,
        [
            (Some("100"), Some("Old Version"), Some("category")),
            (Some("102"), Some("New Version"), Some("category")),
        ]
    );
}

const HEADER: &str = r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
<wp:wxr_version>1.2</wp:wxr_version>
"#;

fn synthetic_item(n: usize) -> String {
    format!(
        "<item>\n<title>Story {n} &amp; more</title>\n<wp:post_id>{n}</wp:post_id>\n\
         <content:encoded><![CDATA[<p>Body of story {n}, ünïcödé.</p>]]></content:encoded>\n\
         <wp:postmeta><wp:meta_key>k</wp:meta_key><wp:meta_value>{n}</wp:meta_value></wp:postmeta>\n\
         </item>\n"
    )
}

/// A large export made on the fly, never held whole.
struct Generated {
    items: usize,
    next: usize,
    pending: Vec<u8>,
    offset: usize,
    /// Bytes handed out.
    produced: usize,
}

impl Generated {
    fn new(items: usize) -> Self {
        Self {
            items,
            next: 0,
            pending: HEADER.as_bytes().to_vec(),
            offset: 0,
            produced: 0,
        }
    }
}

impl Read for Generated {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.offset == self.pending.len() {
            self.offset = 0;
            self.pending = if self.next < self.items {
                self.next += 1;
                synthetic_item(self.next).into_bytes()
            } else if self.next == self.items {
                self.next += 1;
                b"</channel>\n</rss>\n".to_vec()
            } else {
                return Ok(0);
            };
        }
        let n = out.len().min(self.pending.len() - self.offset);
        out[..n].copy_from_slice(&self.pending[self.offset..self.offset + n]);
        self.offset += n;
        self.produced += n;
        Ok(n)
    }
}

#[test]
fn a_large_export_is_read_one_item_at_a_time() {
    let items = 20_000;
    let mut reader = WxrReader::new(BufReader::new(Generated::new(items)));
    let mut count = 0;
    let header_lines = HEADER.lines().count() as u64;
    let item_lines = synthetic_item(1).lines().count() as u64;
    while let Some(event) = reader.next_event().unwrap() {
        match event {
            WxrEvent::Site(site) => assert_eq!(site.wxr_version, "1.2"),
            WxrEvent::Item(item) => {
                count += 1;
                assert_eq!(item.post_id, Some(count.to_string()));
                assert_eq!(item.title, Some(format!("Story {count} & more")));
                assert_eq!(item.meta[0].value, count.to_string());
                let line = header_lines + 1 + (count as u64 - 1) * item_lines;
                assert_eq!(item.position, at(line, 1));
                // What the reader holds is one event's worth, not the file.
                assert!(reader.buf.capacity() < 4096, "{}", reader.buf.capacity());
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(count, items);
}

#[test]
fn a_truncated_export_names_the_item_it_stopped_in_and_the_last_one_read() {
    let xml = String::from_utf8(fixture("small-export.xml")).unwrap();
    // Cut inside the CDATA content of "Many Categories" (line 400): the
    // section that does not end is named where it starts.
    let cut = xml.find("This post has a lot").unwrap();
    let error = error_of(&xml[..cut]);
    assert!(matches!(error.kind, WxrErrorKind::Xml(_)), "{error}");
    assert_eq!(error.position, at(400, 20));
    assert_eq!(error.in_item.as_ref().unwrap().title, s("Many Categories"));
    let after = error.after_item.as_ref().unwrap();
    assert_eq!(after.post_id, s("19"));
    assert_eq!(after.title, s("Non-standard post format"));

    // Cut after it: the file ends inside the element.
    let cut = cut + xml[cut..].find("</content:encoded>").unwrap();
    let error = error_of(&xml[..cut]);
    assert_eq!(
        error.to_string(),
        "line 400, column 66: not well-formed XML (the file ends inside <encoded> \
         (is it cut short?)) in the item \"Many Categories\" from line 393, after item 19 \
         \"Non-standard post format\""
    );

    // Cut between two items.
    let cut = xml.find("\t<item>\n\t\t<title>Many").unwrap();
    let error = error_of(&xml[..cut]);
    assert_eq!(error.position, at(393, 1));
    assert!(error.in_item.is_none());
    assert!(
        error.to_string().ends_with(
            "inside <channel> (is it cut short?)) after item 19 \"Non-standard post format\""
        ),
        "{error}"
    );
}

#[test]
fn a_broken_tag_is_reported_after_the_last_item() {
    let xml = format!(
        "{HEADER}{}{}<item><title>x</title><wp:post_id>3</wp:post_id></item>\n\n    <wp:foo a=1/>",
        synthetic_item(1),
        synthetic_item(12).replace("Story 12 &amp; more", "Hello world"),
    );
    let error = error_of(&xml);
    let line = HEADER.lines().count() as u64 + 2 * 6 + 3;
    assert_eq!(error.position, at(line, 5));
    assert!(
        error
            .to_string()
            .starts_with(&format!("line {line}, column 5: not well-formed XML (")),
        "{error}"
    );
    assert!(
        error.to_string().ends_with(") after item 3 \"x\""),
        "{error}"
    );
}

#[test]
fn a_wrong_version_is_refused() {
    let doc = |version: &str| {
        format!(
            "<rss xmlns:wp=\"http://wordpress.org/export/1.2/\"><channel>\
             <wp:wxr_version>{version}</wp:wxr_version><item><title>t</title></item>\
             </channel></rss>"
        )
    };
    let error = error_of(&doc("2.0"));
    assert!(
        matches!(&error.kind, WxrErrorKind::UnsupportedVersion(v) if v == "2.0"),
        "{error}"
    );
    assert_eq!(error.position, at(1, 59));
    let error = error_of(&doc("abc"));
    assert!(
        matches!(error.kind, WxrErrorKind::InvalidVersion(_)),
        "{error}"
    );
    let error = error_of(&doc(""));
    assert!(
        matches!(error.kind, WxrErrorKind::InvalidVersion(_)),
        "{error}"
    );
    // Later 1.x versions and surrounding blanks are fine.
    let export = read(doc(" 1.3 ").as_bytes()).unwrap();
    assert_eq!(export.site.unwrap().wxr_version, "1.3");
    assert_eq!(export.items.len(), 1);

    // A version after the first item comes too late for a stream.
    let late = "<rss xmlns:wp=\"http://wordpress.org/export/1.2/\"><channel><item/>\
                <wp:wxr_version>1.2</wp:wxr_version></channel></rss>";
    assert!(matches!(error_of(late).kind, WxrErrorKind::MissingVersion));
    // An empty channel still needs one.
    let empty = "<rss><channel><title>t</title></channel></rss>";
    let error = error_of(empty);
    assert!(
        matches!(error.kind, WxrErrorKind::MissingVersion),
        "{error}"
    );
    assert_eq!(error.position, at(1, 31));
}

#[test]
fn what_is_not_a_wordpress_export_is_refused_clearly() {
    let error = error_of("<?xml version=\"1.0\"?>\n<html><body/></html>");
    assert!(matches!(error.kind, WxrErrorKind::NotWxr(_)), "{error}");
    assert_eq!(
        error.to_string(),
        "line 2, column 1: not a WordPress export: the root element is <html>, not <rss>"
    );
    let error = error_of("<rss version=\"2.0\">\n  <foo/>\n</rss>");
    assert_eq!(
        error.to_string(),
        "line 3, column 1: not a WordPress export: the <rss> element has no <channel>"
    );
    let error = error_of("");
    assert!(matches!(error.kind, WxrErrorKind::NotWxr(_)), "{error}");
    assert_eq!(error.position, at(1, 1));
    let error = error_of("This is not valid XML content");
    assert!(matches!(error.kind, WxrErrorKind::Xml(_)), "{error}");
    assert_eq!(error.position, at(1, 1));
    // A namespaced rss is someone else's.
    let error = error_of("<rss xmlns=\"http://example.com/\"><channel/></rss>");
    assert!(matches!(error.kind, WxrErrorKind::NotWxr(_)), "{error}");
    let error = error_of(
        "<rss><channel><wp:wxr_version xmlns:wp=\"http://wordpress.org/export/1.2/\">1.2</wp:wxr_version></channel></rss><rss/>",
    );
    assert!(matches!(error.kind, WxrErrorKind::Xml(_)), "{error}");
}

#[test]
fn entity_references_are_decoded_and_unknown_ones_refused() {
    let doc = |title: &str| {
        format!(
            "<rss xmlns:wp=\"http://wordpress.org/export/1.2/\"><channel>\
             <wp:wxr_version>1.2</wp:wxr_version>\n<item><title>{title}</title></item>\
             </channel></rss>"
        )
    };
    let export =
        read(doc("a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; &#233;&#x1F600;").as_bytes())
            .unwrap();
    assert_eq!(export.items[0].title, s("a <b> & \"c\" 'd' é😀"));
    let error = error_of(&doc("caf\u{e9} &nbsp;"));
    assert!(matches!(error.kind, WxrErrorKind::Xml(_)), "{error}");
    // Columns count characters: `é` is one.
    assert_eq!(error.position, at(2, 19));
    assert!(error.to_string().contains("&nbsp;"), "{error}");
    for bad in ["&#0;", "&#xD800;", "&#1;", "&#xFFFE;", "& x"] {
        let error = error_of(&doc(bad));
        assert!(matches!(error.kind, WxrErrorKind::Xml(_)), "{bad}: {error}");
        assert_eq!(error.position.line, 2, "{bad}: {error}");
    }
}

#[test]
fn line_ends_and_a_byte_order_mark_are_handled() {
    let xml = "\u{FEFF}<rss xmlns:wp=\"http://wordpress.org/export/1.2/\">\r\n<channel>\r\n\
               <wp:wxr_version>1.2</wp:wxr_version>\r\n<item>\r\n\
               <content:encoded xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">\
               <![CDATA[one\r\ntwo\rthree]]>\r\nfour</content:encoded>\r\n</item>\r\n</channel></rss>";
    let export = read(xml.as_bytes()).unwrap();
    let item = &export.items[0];
    assert_eq!(item.content, s("one\ntwo\nthree\nfour"));
    assert_eq!(item.position, at(4, 1));
    // The mark takes no column, also for a place inside the first event.
    let error = error_of("\u{FEFF}<!-- a -- b --><rss/>");
    assert_eq!(error.position, at(1, 8));
    // A second one is text before the root.
    let error = error_of("\u{FEFF}\u{FEFF}<rss/>");
    assert!(matches!(error.kind, WxrErrorKind::Xml(_)), "{error}");
    // A lone \r is a line end too.
    let error = error_of("<rss>\r<channel>\r\r<x></y>");
    assert_eq!(error.position, at(4, 4));
}

#[test]
fn an_empty_element_reads_as_an_empty_value() {
    let xml = "<rss xmlns:wp=\"http://wordpress.org/export/1.2/\"><channel>\
               <wp:wxr_version>1.2</wp:wxr_version><item><wp:post_name/><wp:post_id>7\
               </wp:post_id><unknown><deep><deeper>x</deeper></deep></unknown>\
               <wp:comment><wp:comment_id>1</wp:comment_id><wp:commentmeta>\
               <wp:meta_key>k</wp:meta_key><wp:meta_value>v</wp:meta_value></wp:commentmeta>\
               </wp:comment><guid>g</guid><category domain=\"category\" nicename=\"a&amp;b&#233;\"/>\
               <category domain=\"post_tag\">no slug</category></item></channel></rss>";
    let export = read(xml.as_bytes()).unwrap();
    let item = &export.items[0];
    assert_eq!(item.post_name, s(""));
    assert_eq!(item.post_id, s("7"), "values are verbatim, never trimmed");
    assert_eq!(item.comments[0].meta, meta(&[("k", "v")]));
    assert_eq!(
        item.categories,
        [
            ItemCategory {
                domain: s("category"),
                nicename: s("a&bé"),
                name: String::new(),
            },
            ItemCategory {
                domain: s("post_tag"),
                nicename: None,
                name: "no slug".to_owned(),
            },
        ]
    );
    assert_eq!(item.terms().count(), 1);
    assert_eq!(
        item.guid,
        Some(Guid {
            value: "g".to_owned(),
            is_permalink: true
        })
    );
}

#[test]
fn values_over_the_limit_are_refused_with_their_place() {
    let limits = Limits {
        value_bytes: 1000,
        item_bytes: 5000,
        depth: 16,
    };
    let read_limited = |xml: &str| -> Result<usize, WxrError> {
        let mut reader = WxrReader::with_limits(xml.as_bytes(), limits);
        let mut n = 0;
        while reader.next_event()?.is_some() {
            n += 1;
        }
        Ok(n)
    };
    let doc = |body: &str| {
        format!(
            "{HEADER}<item>\n<title>t</title>\n<wp:post_id>5</wp:post_id>\n{body}</item></channel></rss>"
        )
    };
    // Just under: fine.
    let fits = format!("<content:encoded>{}</content:encoded>", "a".repeat(1000));
    assert_eq!(read_limited(&doc(&fits)).unwrap(), 2);
    // Over, in one run of text.
    let long = format!("<content:encoded>{}</content:encoded>", "a".repeat(1001));
    let error = read_limited(&doc(&long)).unwrap_err();
    assert!(
        matches!(
            error.kind,
            WxrErrorKind::TooLong {
                what: "a value",
                limit: 1000
            }
        ),
        "{error}"
    );
    assert_eq!(error.position, at(8, 1));
    assert_eq!(error.in_item.as_ref().unwrap().post_id, s("5"));
    // Over, in many small pieces.
    let pieces = format!(
        "<content:encoded>{}</content:encoded>",
        "<![CDATA[abc]]>".repeat(400)
    );
    let error = read_limited(&doc(&pieces)).unwrap_err();
    assert!(
        matches!(
            error.kind,
            WxrErrorKind::TooLong {
                what: "a value",
                ..
            }
        ),
        "{error}"
    );
    // Over, for the item as a whole.
    let many = format!(
        "<wp:postmeta><wp:meta_key>k</wp:meta_key><wp:meta_value>{}</wp:meta_value></wp:postmeta>",
        "v".repeat(900)
    )
    .repeat(6);
    let error = read_limited(&doc(&many)).unwrap_err();
    assert!(
        matches!(
            error.kind,
            WxrErrorKind::TooLong {
                what: "an item",
                ..
            }
        ),
        "{error}"
    );
    // Too deep.
    let deep = format!("{}{}", "<x>".repeat(20), "</x>".repeat(20));
    let error = read_limited(&doc(&deep)).unwrap_err();
    assert!(matches!(error.kind, WxrErrorKind::TooDeep(16)), "{error}");
}

/// An endless run of text inside a value.
struct Endless {
    produced: usize,
}

impl Read for Endless {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let head = HEADER.as_bytes();
        let head = head
            .iter()
            .chain(b"<item><content:encoded>")
            .copied()
            .collect::<Vec<_>>();
        let n = out.len().min(4096);
        for (i, b) in out[..n].iter_mut().enumerate() {
            *b = head.get(self.produced + i).copied().unwrap_or(b'a');
        }
        self.produced += n;
        Ok(n)
    }
}

#[test]
fn an_endless_value_stops_the_reader_at_the_limit() {
    let limits = Limits {
        value_bytes: 1 << 20,
        ..Limits::default()
    };
    let mut reader = WxrReader::with_limits(BufReader::new(Endless { produced: 0 }), limits);
    assert!(matches!(reader.next_event(), Ok(Some(WxrEvent::Site(_)))));
    let error = reader.next_event().unwrap_err();
    assert!(
        matches!(error.kind, WxrErrorKind::TooLong { .. }),
        "{error}"
    );
    assert_eq!(error.position.line, 5);
    assert!(
        reader.xml.get_ref().consumed < 2 << 20,
        "read on past the limit"
    );
    assert!(reader.next_event().unwrap().is_none());
}

#[test]
fn invalid_utf8_is_refused_where_it_is() {
    let mut xml = format!("{HEADER}<item><title>ab").into_bytes();
    xml.extend_from_slice(b"\xFF</title></item></channel></rss>");
    let error = read(&xml).unwrap_err();
    assert!(matches!(error.kind, WxrErrorKind::Xml(_)), "{error}");
    assert_eq!(error.position, at(5, 16));
}

#[test]
fn the_room_of_a_huge_value_is_given_back() {
    let xml = format!(
        "{HEADER}<item><content:encoded>{}</content:encoded></item>{}</channel></rss>",
        "a".repeat(1 << 20),
        synthetic_item(2)
    );
    let mut reader = WxrReader::new(xml.as_bytes());
    let mut lengths = Vec::new();
    let mut rooms = Vec::new();
    while let Some(event) = reader.next_event().unwrap() {
        if let WxrEvent::Item(item) = event {
            lengths.push(item.content.map_or(0, |c| c.len()));
            rooms.push(reader.buf.capacity());
        }
    }
    assert_eq!(lengths, [1 << 20, 36]);
    // Once the value is read, the next event gives its room back.
    assert!(rooms.iter().all(|&room| room <= 64 << 10), "{rooms:?}");
}

#[test]
fn header_elements_after_the_header_went_out_are_skipped() {
    let xml = format!(
        "{HEADER}<title>Site</title>{}<title>Late</title><wp:wxr_version>9.9</wp:wxr_version>\
         </channel></rss>",
        synthetic_item(1)
    );
    let mut reader = WxrReader::new(xml.as_bytes());
    let mut titles = Vec::new();
    while let Some(event) = reader.next_event().unwrap() {
        match event {
            WxrEvent::Site(site) => titles.push(site.title),
            WxrEvent::Item(item) => titles.push(item.title),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(titles, [s("Site"), s("Story 1 & more")]);
    assert_eq!(reader.site, SiteInfo::default(), "nothing kept");
    assert_eq!(reader.version, None);
}
