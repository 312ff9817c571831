//! A reader's search text, parsed once and written for each engine: FTS5
//! query syntax (never passed raw, so no input is a syntax error) and the
//! text PostgreSQL's `websearch_to_tsquery` reads. Both mean the same:
//! every word must appear, `"quoted words"` as a phrase, `-word` must not
//! appear, and `or` between two terms accepts either.

/// One term of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    Word(String),
    Phrase(Vec<String>),
    Not(String),
    Or,
}

/// A parsed query; empty when the text holds no searchable word.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    pub terms: Vec<Term>,
}

/// Splits text into words: letters and digits, everything else separates.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

impl Query {
    /// Parses a reader's text. Unbalanced quotes close at the end.
    pub fn parse(text: &str) -> Query {
        let mut terms = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find(|c: char| !c.is_whitespace()) {
            rest = &rest[start..];
            if let Some(after) = rest.strip_prefix('"') {
                let end = after.find('"').unwrap_or(after.len());
                let phrase = words(&after[..end]);
                match phrase.len() {
                    0 => {}
                    1 => terms.push(Term::Word(phrase[0].clone())),
                    _ => terms.push(Term::Phrase(phrase)),
                }
                rest = after.get(end + 1..).unwrap_or("");
                continue;
            }
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let token = &rest[..end];
            rest = &rest[end..];
            if token.eq_ignore_ascii_case("or") {
                terms.push(Term::Or);
            } else if let Some(negated) = token.strip_prefix('-') {
                terms.extend(words(negated).into_iter().map(Term::Not));
            } else {
                terms.extend(words(token).into_iter().map(Term::Word));
            }
        }
        Query { terms }.tidy()
    }

    /// Drops `or` without a positive term on both sides, and queries made
    /// only of exclusions (neither engine can answer "everything but").
    fn tidy(self) -> Query {
        let positive = |t: Option<&Term>| matches!(t, Some(Term::Word(_) | Term::Phrase(_)));
        let mut terms: Vec<Term> = Vec::new();
        for (i, term) in self.terms.iter().enumerate() {
            if *term == Term::Or && !(positive(terms.last()) && positive(self.terms.get(i + 1))) {
                continue;
            }
            terms.push(term.clone());
        }
        if !terms.iter().any(|t| positive(Some(t))) {
            terms.clear();
        }
        Query { terms }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The query in FTS5 syntax: every word quoted, so none is an operator.
    pub fn to_fts5(&self) -> String {
        let quote = |w: &str| format!("\"{}\"", w.replace('"', ""));
        let mut positive = Vec::new();
        let mut negative = Vec::new();
        for term in &self.terms {
            match term {
                Term::Word(w) => positive.push(quote(w)),
                Term::Phrase(ws) => positive.push(quote(&ws.join(" "))),
                Term::Or => positive.push("OR".into()),
                Term::Not(w) => negative.push(quote(w)),
            }
        }
        // Both engines bind AND tighter than OR: `a b OR c` is `(a b) OR c`.
        // FTS5's NOT is a binary operator binding tighter than AND, and
        // every NOT adds a level to its expression tree (at most 256 deep),
        // while a run of ORs is one level. So the positive part is bracketed
        // once and every exclusion goes into one OR group after a single
        // NOT: `(a b) NOT ("c" OR "d")`, which means `NOT "c" NOT "d"`.
        // (Chaining a NOT per exclusion failed past 255 `-words`, and a NOT
        // per bracket overflowed FTS5's parser stack at a hundred.)
        let mut out = positive.join(" ");
        negative.sort();
        negative.dedup();
        if !negative.is_empty() {
            out = format!("({out}) NOT ({})", negative.join(" OR "));
        }
        out
    }

    /// The query as `websearch_to_tsquery` text.
    pub fn to_websearch(&self) -> String {
        self.terms
            .iter()
            .map(|term| match term {
                Term::Word(w) => w.clone(),
                Term::Phrase(ws) => format!("\"{}\"", ws.join(" ")),
                Term::Or => "or".into(),
                Term::Not(w) => format!("-{w}"),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_become_quoted_fts5_terms_and_lowercase_websearch_words() {
        let q = Query::parse("Troops  Iraq");
        assert_eq!(q.to_fts5(), "\"troops\" \"iraq\"");
        assert_eq!(q.to_websearch(), "troops iraq");
    }

    #[test]
    fn operators_and_punctuation_in_the_text_never_reach_fts5_as_syntax() {
        let q = Query::parse("NEAR(a* b) AND ^c:d");
        assert_eq!(q.to_fts5(), "\"near\" \"a\" \"b\" \"and\" \"c\" \"d\"");
    }

    #[test]
    fn phrases_exclusions_and_or_keep_their_meaning_on_both_engines() {
        let q = Query::parse("\"white house\" -trump budget or tax");
        assert_eq!(
            q.to_fts5(),
            "(\"white house\" \"budget\" OR \"tax\") NOT (\"trump\")"
        );
        assert_eq!(q.to_websearch(), "\"white house\" -trump budget or tax");
    }

    #[test]
    fn many_exclusions_make_one_not_of_one_or_group() {
        let text: String = std::iter::once("budget".to_owned())
            .chain((0..500).map(|i| format!(" -w{i}")))
            .collect();
        let fts = Query::parse(&text).to_fts5();
        assert!(
            fts.starts_with("(\"budget\") NOT (\"w0\" OR \"w1\" OR \"w10\" OR "),
            "{fts}"
        );
        // One NOT whatever the count: FTS5's tree is at most 256 deep, and
        // a NOT per exclusion failed from 256 on (found by fuzzing).
        assert_eq!(fts.matches(" NOT ").count(), 1, "{fts}");
        assert_eq!(fts.matches('(').count(), 2, "{fts}");
        // The same word excluded twice is one exclusion.
        let twice = Query::parse("budget -tax -tax").to_fts5();
        assert_eq!(twice, "(\"budget\") NOT (\"tax\")");
    }

    #[test]
    fn a_query_of_only_exclusions_or_punctuation_is_empty() {
        assert!(Query::parse("-trump").is_empty());
        assert!(Query::parse("\"\" ... or").is_empty());
        assert!(Query::parse("\"unclosed phrase").terms.len() == 1);
    }
}
