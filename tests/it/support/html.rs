//! Reading pages in tests: the text of what a CSS selector matches, and the
//! blocks of text of a whole page.

/// Whitespace collapsed to single spaces, trimmed.
pub fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of every element matching `css`, in document order (as is, not
/// collapsed).
pub fn select(html: &str, css: &str) -> Vec<String> {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(css).expect("a valid CSS selector");
    document
        .select(&selector)
        .map(|e| e.text().collect::<String>())
        .collect()
}

/// The value of attribute `name` on every element matching `css`.
pub fn attrs(html: &str, css: &str, name: &str) -> Vec<String> {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(css).expect("a valid CSS selector");
    document
        .select(&selector)
        .filter_map(|e| e.attr(name).map(str::to_owned))
        .collect()
}

/// The text of the first element matching `css`, spaces collapsed; empty
/// when nothing matches.
pub fn text_of(html: &str, css: &str) -> String {
    select(html, css)
        .first()
        .map(|t| collapse(t))
        .unwrap_or_default()
}

/// The text of every block of a page (headings, paragraphs, list items
/// without nested blocks), in document order, whitespace collapsed.
pub fn text_blocks(html: &str) -> Vec<String> {
    let document = scraper::Html::parse_document(html);
    let selector =
        scraper::Selector::parse("h1, h2, h3, h4, h5, h6, p, li, dt, dd, blockquote, figcaption")
            .unwrap();
    document
        .select(&selector)
        .filter(|element| {
            // A list item holding headings or paragraphs is not itself a block of text.
            element.select(&selector).next().is_none()
        })
        .map(|element| {
            element
                .text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|text| !text.is_empty())
        .collect()
}
