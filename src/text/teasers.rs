//! Teaser text: the short plain-text excerpt shown under a story's title in
//! listings ("More from World" and the like).
//!
//! This module owns the trimming rule, which reproduces Drupal 7 Views'
//! `views_trim_text()` with "trim only on a word boundary" and "add an
//! ellipsis" switched on, so that teasers of imported Drupal pages come out
//! character for character as the old site showed them. It also owns the
//! conversion of sanitized body HTML into the plain text that gets trimmed.
//!
//! For reference, the Drupal function is:
//!
//! ```php
//! if (drupal_strlen($value) > $alter['max_length']) {
//!   $value = drupal_substr($value, 0, $alter['max_length']);
//!   if (!empty($alter['word_boundary'])) {
//!     if (preg_match("/(.*)\b.+/us", $value, $matches)) {
//!       $value = $matches[1];
//!     }
//!   }
//!   $value = rtrim(preg_replace('/(?:<(?!.+>)|&(?!.+;)).*$/us', '', $value));
//!   if (!empty($alter['ellipsis'])) {
//!     $value .= '...';
//!   }
//! }
//! ```

/// Default teaser length of a masthead site (the seed page is consistent with it).
pub const DEFAULT_TEASER_LENGTH: usize = 116;

/// What is appended to a trimmed teaser. It is not counted in `max_length`.
const ELLIPSIS: &str = "...";

/// Trims plain text the way Drupal 7 Views' `views_trim_text` does with word boundary + ellipsis on.
///
/// Lengths are counted in Unicode characters, not bytes. Text of at most
/// `max_length` characters is returned whole, without an ellipsis.
/// Otherwise the first `max_length` characters are kept and cut back to the
/// last word boundary that still has a character after it (so a word that
/// ends exactly at the cut is dropped as well), trailing whitespace is stripped and
/// `"..."` is appended.
///
/// Exactly like the Drupal function, a `max_length` of 0 turns any
/// non-empty text into `"..."`, and text whose first `max_length`
/// characters are all one word (no word boundary except at its very start)
/// also becomes `"..."`.
pub fn trim(text: &str, max_length: usize) -> String {
    // drupal_strlen() > max_length, without counting the whole text.
    if text.chars().nth(max_length).is_none() {
        return text.to_owned();
    }
    // drupal_substr($value, 0, $max_length)
    let truncated: Vec<char> = text.chars().take(max_length).collect();
    // preg_match('/(.*)\b.+/us') keeps $matches[1] when it matches.
    let kept = match last_boundary_before_a_char(&truncated) {
        Some(position) => &truncated[..position],
        None => &truncated[..],
    };
    // Drupal then drops a dangling `<` or `&` and what follows, to avoid a
    // half tag or entity in HTML. Teasers here are plain text (entities
    // already decoded), where that rule would only cut real words such as
    // "Fish & chips", so it is left out.
    // rtrim()
    let kept = php_rtrim(kept);

    let mut teaser: String = kept.iter().collect();
    teaser.push_str(ELLIPSIS);
    teaser
}

/// Plain text of a teaser from sanitized body HTML: tags dropped, entities
/// decoded (`&amp;` `&lt;` `&gt;` `&quot;` `&#39;` `&#NNN;` `&#xHH;`
/// `&nbsp;`), block boundaries (`</p>`, `<br>`, `</h1-6>`, `</li>`,
/// `</blockquote>`) become a single space, whitespace runs collapsed,
/// trimmed. Only the first paragraph (`<p>...</p>`) is used when the HTML
/// has one — Drupal's teaser is made from the summary/first paragraph. Then
/// [`trim`] to `max_length`.
///
/// "The first paragraph" is the first `<p>` element whose text is not empty
/// (an editor's stray `<p>&nbsp;</p>` is skipped). When the HTML has no
/// `<p>` element, or only empty ones, the text of the whole HTML is used.
///
/// Listings show the same stories' teasers request after request, and
/// working one out walks the body's HTML (about a tenth of an uncached
/// article page, five teasers in its "More from" block), so teasers are
/// remembered by a 64-bit hash of the body, its length and `max_length`:
/// a changed body is a new key, never a stale teaser.
pub fn from_html(html: &str, max_length: usize) -> String {
    let key = (
        xxhash_rust::xxh3::xxh3_64(html.as_bytes()),
        html.len(),
        max_length,
    );
    let memo = || {
        MEMO.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    if let Some(teaser) = memo().get(&key) {
        return teaser.clone();
    }
    let teaser = trim(&plain_text(html), max_length);
    let mut memo = memo();
    if memo.len() >= MEMO_ENTRIES {
        memo.clear();
    }
    memo.insert(key, teaser.clone());
    teaser
}

/// Teasers worked out so far, by (hash of the body, its length, the
/// maximum length); emptied when it holds [`MEMO_ENTRIES`] (a few hundred
/// kilobytes).
static MEMO: std::sync::LazyLock<std::sync::Mutex<Memo>> =
    std::sync::LazyLock::new(Default::default);

/// Teasers by (hash of the body, its length, the maximum length).
type Memo = std::collections::HashMap<(u64, usize, usize), String>;

/// How many teasers [`MEMO`] holds at most.
const MEMO_ENTRIES: usize = 4096;

/// PCRE's `\w` with the `/u` flag: a Unicode letter or digit, or `_`.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The position `p` that `(.*)\b.+` (greedy, `.` matching newlines) leaves
/// as the length of `$matches[1]`: the last word boundary with at least one
/// character after it. `None` when the regex does not match at all.
fn last_boundary_before_a_char(chars: &[char]) -> Option<usize> {
    (0..chars.len()).rev().find(|&p| {
        let before = p > 0 && is_word_char(chars[p - 1]);
        let after = is_word_char(chars[p]);
        before != after
    })
}

/// PHP's `rtrim()` with its default character list: " \t\n\r\0\x0B".
/// (Not Unicode whitespace: a trailing no-break space survives, as in PHP.)
fn php_rtrim(chars: &[char]) -> &[char] {
    let end = chars
        .iter()
        .rposition(|c| !matches!(c, ' ' | '\t' | '\n' | '\r' | '\0' | '\x0B'))
        .map_or(0, |last| last + 1);
    &chars[..end]
}

/// Elements whose start and end tags separate words.
const BLOCK_ELEMENTS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "caption",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];

/// Elements whose content is not text at all.
const RAW_TEXT_ELEMENTS: &[&str] = &["script", "style", "template"];

/// The whitespace-collapsed plain text a teaser is made of. Reading stops
/// at the end of the first paragraph with text: a listing of twenty
/// stories must not tokenize twenty whole bodies.
fn plain_text(html: &str) -> String {
    let mut whole = String::new();
    let mut paragraph: Option<String> = None;

    // The paragraph just ended, when it has text.
    let finish = |paragraph: &mut Option<String>| -> Option<String> {
        let text = collapse_whitespace(&paragraph.take()?);
        (!text.is_empty()).then_some(text)
    };

    for token in Tokens::new(html) {
        match token {
            Token::Text(raw) => {
                let text = decode_entities(raw);
                whole.push_str(&text);
                if let Some(paragraph) = paragraph.as_mut() {
                    paragraph.push_str(&text);
                }
            }
            Token::Tag { name, closing } => {
                let is_block = BLOCK_ELEMENTS.contains(&name.as_str());
                if is_block {
                    whole.push(' ');
                    if let Some(paragraph) = paragraph.as_mut() {
                        paragraph.push(' ');
                    }
                }
                if name == "p" {
                    // A new <p> implicitly closes an open one, as in HTML.
                    if let Some(first) = finish(&mut paragraph) {
                        return first;
                    }
                    if !closing {
                        paragraph = Some(String::new());
                    }
                }
            }
        }
    }
    finish(&mut paragraph).unwrap_or_else(|| collapse_whitespace(&whole))
}

/// Collapses every run of whitespace (a no-break space included) into one
/// ASCII space and trims both ends.
fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// A piece of HTML as far as teasers care.
#[derive(Debug, PartialEq, Eq)]
enum Token<'a> {
    /// Character data, entities still encoded.
    Text(&'a str),
    /// A start or end tag, name lowercased; attributes are dropped.
    Tag { name: String, closing: bool },
}

/// A forgiving HTML tokenizer: comments, doctypes and processing
/// instructions are skipped, the content of raw-text elements (`<script>`,
/// `<style>`) is skipped, and a `<` that does not start a tag is text.
struct Tokens<'a> {
    html: &'a str,
    position: usize,
}

impl<'a> Tokens<'a> {
    fn new(html: &'a str) -> Self {
        Tokens { html, position: 0 }
    }

    /// Skips past the first `needle` at or after the current position
    /// (ASCII case-insensitively), or to the end.
    fn skip_past(&mut self, needle: &str) {
        let rest = &self.html.as_bytes()[self.position..];
        let needle = needle.as_bytes();
        self.position = rest
            .windows(needle.len())
            .position(|window| window.eq_ignore_ascii_case(needle))
            .map_or(self.html.len(), |found| {
                self.position + found + needle.len()
            });
    }

    /// Reads a tag starting at `self.position` (which is at `<`), or returns
    /// `None` when the `<` does not start a tag.
    fn tag(&mut self) -> Option<Token<'a>> {
        let bytes = self.html.as_bytes();
        let start = self.position;
        let mut i = start + 1;
        let closing = bytes.get(i) == Some(&b'/');
        if closing {
            i += 1;
        }
        if !bytes.get(i).is_some_and(u8::is_ascii_alphabetic) {
            return None;
        }
        let name_start = i;
        while bytes.get(i).is_some_and(u8::is_ascii_alphanumeric) {
            i += 1;
        }
        let name = self.html[name_start..i].to_ascii_lowercase();
        // Attributes: a `>` inside a quoted value does not end the tag.
        let mut quote = None;
        while let Some(&b) = bytes.get(i) {
            i += 1;
            match quote {
                Some(q) if b == q => quote = None,
                Some(_) => {}
                None if b == b'"' || b == b'\'' => quote = Some(b),
                None if b == b'>' => break,
                None => {}
            }
        }
        self.position = i;
        if !closing && RAW_TEXT_ELEMENTS.contains(&name.as_str()) {
            self.skip_past(&format!("</{name}"));
            self.skip_past(">");
        }
        Some(Token::Tag { name, closing })
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        loop {
            let rest = &self.html[self.position..];
            if rest.is_empty() {
                return None;
            }
            if rest.starts_with("<!--") {
                self.position += 4;
                self.skip_past("-->");
                continue;
            }
            if rest.starts_with("<!") || rest.starts_with("<?") {
                self.skip_past(">");
                continue;
            }
            if let Some(after) = rest.strip_prefix('<') {
                if let Some(tag) = self.tag() {
                    return Some(tag);
                }
                // A lone `<` is text; take it and whatever follows up to
                // the next `<`.
                let end = after.find('<').map_or(rest.len(), |i| i + 1);
                self.position += end;
                return Some(Token::Text(&rest[..end]));
            }
            let end = rest.find('<').unwrap_or(rest.len());
            self.position += end;
            return Some(Token::Text(&rest[..end]));
        }
    }
}

/// Decodes character references. Unknown names and references without
/// their closing `;` are left as written.
fn decode_entities(text: &str) -> String {
    let mut decoded = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        decoded.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let reference = rest[1..]
            .find(';')
            .map(|semicolon| &rest[1..=semicolon])
            .filter(|name| name.len() <= 10);
        match reference.and_then(decode_reference) {
            Some(c) => {
                decoded.push(c);
                rest = &rest[reference.map_or(0, str::len) + 2..];
            }
            None => {
                decoded.push('&');
                rest = &rest[1..];
            }
        }
    }
    decoded.push_str(rest);
    decoded
}

/// The character of a reference's name (what is between `&` and `;`).
fn decode_reference(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                u32::from_str_radix(hex, 16).ok()?
            }
            Some(_) => return None,
            None if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) => {
                number.parse().ok()?
            }
            None => return None,
        };
        return Some(numeric_reference(code));
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{A0}',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "laquo" => '«',
        "raquo" => '»',
        _ => return None,
    })
}

/// A numeric character reference, with the HTML rules for bad numbers:
/// 0x80..=0x9F are read as Windows-1252 (old CMS content is full of
/// `&#146;`), and NUL, surrogates and values past U+10FFFF become U+FFFD.
fn numeric_reference(code: u32) -> char {
    const WINDOWS_1252: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž',
        '\u{8F}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}',
        'ž', 'Ÿ',
    ];
    match code {
        0x80..=0x9F => WINDOWS_1252[(code - 0x80) as usize],
        0 => char::REPLACEMENT_CHARACTER,
        _ => char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER),
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_remembered_teaser_follows_its_body_and_length() {
        let before = "<p>The minister defends the election date as costs soar.</p>";
        let after = "<p>The minister resigns over the election date.</p>";
        assert_eq!(from_html(before, 200), from_html(before, 200));
        assert_eq!(
            from_html(after, 200),
            "The minister resigns over the election date."
        );
        assert_eq!(from_html(before, 20), "The minister...");
        assert_eq!(
            from_html(before, 200),
            "The minister defends the election date as costs soar."
        );
    }
    use super::*;

    /// Asserts that `prefix` has `length` characters: these tests are about
    /// where the cut lands, so the arithmetic is checked, not assumed.
    fn assert_char_count(prefix: &str, length: usize) {
        assert_eq!(prefix.chars().count(), length, "{prefix:?}");
    }

    #[test]
    fn text_shorter_than_the_limit_is_returned_whole_without_an_ellipsis() {
        assert_eq!(trim("Short and sweet.", 116), "Short and sweet.");
    }

    #[test]
    fn text_exactly_at_the_limit_is_returned_whole() {
        let text = "Exactly twenty chars";
        assert_char_count(text, 20);
        assert_eq!(trim(text, 20), text);
    }

    #[test]
    fn text_one_character_longer_than_the_limit_loses_its_last_word() {
        let text = "Exactly twenty chars!";
        assert_char_count(text, 21);
        // The first 20 characters end with the word "chars", which has no
        // character after it inside the cut, so it goes too.
        assert_eq!(trim(text, 20), "Exactly twenty...");
    }

    #[test]
    fn short_text_is_returned_unchanged_even_with_surrounding_whitespace() {
        assert_eq!(trim("  spaced out  ", 116), "  spaced out  ");
    }

    #[test]
    fn a_word_ending_exactly_at_the_cut_is_dropped() {
        let text = "The quick brown fox jumps";
        assert_char_count("The quick brown fox", 19);
        assert_eq!(trim(text, 19), "The quick brown...");
    }

    #[test]
    fn a_word_cut_in_the_middle_is_dropped() {
        assert_char_count("The quick brown fox ju", 22);
        assert_eq!(
            trim("The quick brown fox jumps", 22),
            "The quick brown fox..."
        );
    }

    #[test]
    fn a_full_stop_right_before_the_cut_is_dropped_with_the_boundary_before_it() {
        let text = "This is the end of sentence. Next one starts here.";
        assert_char_count("This is the end of sentence.", 28);
        // The last boundary with a character after it is between "sentence"
        // and ".", so Drupal loses the full stop.
        assert_eq!(trim(text, 28), "This is the end of sentence...");
        // Same when the cut falls on the space after the full stop.
        assert_eq!(trim(text, 29), "This is the end of sentence...");
    }

    #[test]
    fn a_full_stop_survives_when_the_next_word_has_started_before_the_cut() {
        let text = "This is the end of sentence. Next one starts here.";
        assert_char_count("This is the end of sentence. N", 30);
        assert_eq!(trim(text, 30), "This is the end of sentence....");
    }

    #[test]
    fn trailing_whitespace_is_stripped_before_the_ellipsis() {
        assert_char_count("one two   thr", 13);
        assert_eq!(trim("one two   three", 13), "one two...");
        assert_eq!(trim("one two \t\n\r three", 15), "one two...");
    }

    #[test]
    fn a_trailing_no_break_space_is_kept_like_php_rtrim_does() {
        assert_eq!(trim("one two\u{A0}three", 9), "one two\u{A0}...");
    }

    #[test]
    fn seed_teaser_about_the_inaugural_speech_matches_drupal() {
        let teaser = "US President Donald Trump on Friday vowed to take power away from \
                      Washington bureaucrats and politicians and give...";
        let source = "US President Donald Trump on Friday vowed to take power away from \
                      Washington bureaucrats and politicians and give it back to the \
                      American people.";
        // "it" ends exactly at character 116, so it is dropped.
        assert_char_count(
            "US President Donald Trump on Friday vowed to take power away from \
             Washington bureaucrats and politicians and give it",
            116,
        );
        assert_eq!(trim(source, DEFAULT_TEASER_LENGTH), teaser);
    }

    #[test]
    fn seed_teaser_about_the_russian_bases_matches_drupal() {
        let teaser = "Russia and Syria have signed agreements to indefinitely prolong \
                      Russia's use of a naval base and an airbase on...";
        let source = "Russia and Syria have signed agreements to indefinitely prolong \
                      Russia's use of a naval base and an airbase on Syria's \
                      Mediterranean coast.";
        // The cut lands after "Syria", before its apostrophe: "Syria" ends
        // exactly at the cut and is dropped.
        assert_char_count(
            "Russia and Syria have signed agreements to indefinitely prolong \
             Russia's use of a naval base and an airbase on Syria",
            116,
        );
        assert_eq!(trim(source, DEFAULT_TEASER_LENGTH), teaser);
    }

    #[test]
    fn seed_teaser_about_aleppo_matches_drupal() {
        let teaser = "Thirty per cent of the Old City of Aleppo has been destroyed and 60 \
                      per cent significantly damaged amid the ongoing...";
        let source = "Thirty per cent of the Old City of Aleppo has been destroyed and 60 \
                      per cent significantly damaged amid the ongoing conflict, UNESCO said.";
        // The cut lands on the space after "ongoing".
        assert_char_count(
            "Thirty per cent of the Old City of Aleppo has been destroyed and 60 \
             per cent significantly damaged amid the ongoing ",
            116,
        );
        assert_eq!(trim(source, DEFAULT_TEASER_LENGTH), teaser);
    }

    #[test]
    fn seed_teaser_about_the_white_house_arrival_matches_drupal() {
        let teaser = "Donald Trump arrived at the White House Friday as he prepares to take \
                      the oath of office and become the 45th...";
        let source = "Donald Trump arrived at the White House Friday as he prepares to take \
                      the oath of office and become the 45th president of the United States.";
        // The cut lands inside "president".
        assert_char_count(
            "Donald Trump arrived at the White House Friday as he prepares to take \
             the oath of office and become the 45th preside",
            116,
        );
        assert_eq!(trim(source, DEFAULT_TEASER_LENGTH), teaser);
    }

    #[test]
    fn seed_teaser_about_the_swearing_in_is_short_enough_to_be_whole() {
        // As in the seed file, with its two no-break spaces.
        let teaser = "Donald Trump takes the oath of office and is sworn in as the 45th \
                      US\u{a0}president in a ceremony at the US\u{a0}Capitol.";
        assert_char_count(teaser, 111);
        assert_eq!(trim(teaser, DEFAULT_TEASER_LENGTH), teaser);
    }

    #[test]
    fn lengths_are_counted_in_characters_not_bytes() {
        let text = "Über die Brücke gehen Mädchen und Jungen";
        assert_char_count("Über die Brücke gehen Mädchen", 29);
        assert!("Über die Brücke gehen Mädchen".len() > 29);
        assert_eq!(trim(text, 29), "Über die Brücke gehen...");
        assert_eq!(trim(text, 30), "Über die Brücke gehen Mädchen...");
        assert_eq!(trim("Größe", 5), "Größe");
    }

    #[test]
    fn arabic_words_are_word_characters() {
        let text = "قال وزير الدفاع الأمريكي إن الولايات المتحدة سترسل قوات إضافية";
        assert_char_count("قال وزير الدفاع الأمري", 22);
        assert_eq!(trim(text, 22), "قال وزير الدفاع...");
        assert_eq!(trim(text, 200), text);
    }

    #[test]
    fn a_typographic_apostrophe_is_a_word_boundary() {
        let text = "Mosul, Iraq’s second largest city";
        assert_char_count("Mosul, Iraq’s", 13);
        // "s" ends exactly at the cut: the boundary kept is the one between
        // ’ and s.
        assert_eq!(trim(text, 13), "Mosul, Iraq’...");
        assert_eq!(trim(text, 12), "Mosul, Iraq...");
        assert_eq!(trim(text, 14), "Mosul, Iraq’s...");
    }

    #[test]
    fn a_single_long_word_leaves_only_the_ellipsis() {
        // The only boundary is at the very start, so $matches[1] is empty.
        assert_eq!(trim("Donaudampfschifffahrtsgesellschaft", 10), "...");
        assert_eq!(trim("   Donaudampfschifffahrtsgesellschaft", 10), "...");
    }

    #[test]
    fn text_without_any_word_boundary_is_cut_at_the_limit() {
        assert_eq!(trim("!!!!!!!!!!", 3), "!!!...");
        assert_eq!(trim("—— …… ——", 4), "—— …...");
    }

    #[test]
    fn max_length_zero_leaves_only_the_ellipsis_like_drupal() {
        assert_eq!(trim("Anything at all", 0), "...");
        assert_eq!(trim("", 0), "");
    }

    #[test]
    fn an_ampersand_in_plain_text_is_an_ordinary_character() {
        assert_char_count("Fish & chips a", 14);
        assert_eq!(trim("Fish & chips are great", 14), "Fish & chips...");
    }

    #[test]
    fn an_ampersand_with_a_semicolon_later_is_kept() {
        let text = "Fish & chips; mushy peas and more";
        assert_char_count("Fish & chips; mushy pe", 22);
        assert_eq!(trim(text, 22), "Fish & chips; mushy...");
    }

    #[test]
    fn an_angle_bracket_in_plain_text_is_an_ordinary_character() {
        assert_eq!(trim("less a < b and more words", 16), "less a < b and...");
        assert_eq!(trim("tagged <b> text and more", 18), "tagged <b> text...");
    }

    #[test]
    fn underscores_are_word_characters() {
        assert_eq!(trim("call snake_case_name now", 12), "call...");
    }

    #[test]
    fn from_html_uses_the_first_paragraph_and_decodes_entities() {
        let html = "<p>Tom &amp; Jerry&#39;s &quot;café&quot; &lt;3 &#x263A;&nbsp;ok</p>\
                    <p>Second paragraph.</p>";
        assert_eq!(
            from_html(html, 116),
            "Tom & Jerry's \"café\" <3 \u{263A} ok"
        );
    }

    #[test]
    fn from_html_makes_the_seed_teaser_from_the_related_story_body() {
        let html = "<p>Russia and Syria have signed agreements to indefinitely prolong \
                    Russia&#39;s use of a naval base and an airbase on Syria&#39;s \
                    Mediterranean coast.</p>\n<p>The agreements were signed in Moscow.</p>";
        assert_eq!(
            from_html(html, DEFAULT_TEASER_LENGTH),
            "Russia and Syria have signed agreements to indefinitely prolong \
             Russia's use of a naval base and an airbase on..."
        );
    }

    #[test]
    fn from_html_turns_line_breaks_into_single_spaces() {
        let html = "<p>First line<br>second line<br/>\n  third\tline</p>";
        assert_eq!(from_html(html, 116), "First line second line third line");
    }

    #[test]
    fn from_html_does_not_split_words_at_inline_tags() {
        let html = "<p>An <strong>im</strong>portant <a href=\"/x?a=1&amp;b=2\" title=\"a > b\">link</a>.</p>";
        assert_eq!(from_html(html, 116), "An important link.");
    }

    #[test]
    fn from_html_skips_empty_paragraphs() {
        let html = "<p>&nbsp;</p><p class=\"lead\">  The real\nlead. </p><p>More.</p>";
        assert_eq!(from_html(html, 116), "The real lead.");
    }

    #[test]
    fn from_html_without_paragraphs_uses_all_text_with_block_boundaries() {
        let html =
            "<h2>Heading</h2><ul><li>one</li><li>two</li></ul><blockquote>Quote</blockquote>";
        assert_eq!(from_html(html, 116), "Heading one two Quote");
    }

    #[test]
    fn from_html_ignores_text_outside_the_first_paragraph() {
        let html = "<h2>Heading</h2><p>Body text.</p>";
        assert_eq!(from_html(html, 116), "Body text.");
    }

    #[test]
    fn from_html_drops_comments_scripts_and_styles() {
        let html =
            "<!-- note --><p>Visible<script>alert('<p>x</p>')</script><style>p{}</style> text</p>";
        assert_eq!(from_html(html, 116), "Visible text");
    }

    #[test]
    fn from_html_counts_a_decoded_reference_as_one_character() {
        let html = "<p>Caf&#233; &#8212; open late tonight</p>";
        assert_char_count("Café — open late", 16);
        assert_eq!(from_html(html, 16), "Café — open...");
    }

    #[test]
    fn from_html_keeps_a_decoded_ampersand() {
        assert_eq!(
            from_html("<p>Fish &amp; chips are great</p>", 14),
            "Fish & chips..."
        );
        assert_eq!(from_html("<p>Fish &amp; chips</p>", 14), "Fish & chips");
    }

    #[test]
    fn from_html_reads_windows_1252_numeric_references() {
        assert_eq!(from_html("<p>Iraq&#146;s army</p>", 116), "Iraq’s army");
        assert_eq!(
            from_html("<p>a&#0;b &#xD800; c</p>", 116),
            "a\u{FFFD}b \u{FFFD} c"
        );
    }

    #[test]
    fn from_html_leaves_unknown_or_unterminated_references_alone() {
        assert_eq!(
            from_html("<p>AT&T &bogus; &#xZZ; &amp</p>", 116),
            "AT&T &bogus; &#xZZ; &amp"
        );
    }

    #[test]
    fn from_html_keeps_a_lone_less_than_sign_as_text() {
        assert_eq!(
            from_html("<p>1 < 2 and 3 <= 4</p>", 116),
            "1 < 2 and 3 <= 4"
        );
    }

    #[test]
    fn from_html_of_nothing_is_empty() {
        assert_eq!(from_html("", 116), "");
        assert_eq!(from_html("<p></p>", 116), "");
    }
}
