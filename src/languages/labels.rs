//! The words reader pages show (`Last update:`, `More from`, the pager,
//! search, comments), one table per language: English, the default, and
//! French and Arabic complete. Templates read them as `site.labels.<key>`;
//! a `{name}` in a label is filled with `replace` in the template, so a
//! language can put it where its grammar wants it.

use serde::Serialize;

/// The reader-facing words of one language.
#[derive(Debug, Serialize)]
pub struct Labels {
    /// The language tag of this table (`en`, `fr`, `ar`).
    pub language: &'static str,
    pub skip_to_content: &'static str,
    pub sections_nav: &'static str,
    /// The site menu's name (for screen readers).
    pub site_menu: &'static str,
    pub no_stories: &'static str,
    /// Before the breaking-news banner's text.
    pub breaking: &'static str,
    /// The heading of a front's pinned stories (for screen readers).
    pub top_stories: &'static str,
    /// `{page}`: the page number, in a page's title.
    pub page_n: &'static str,
    pub pages_nav: &'static str,
    pub newer_stories: &'static str,
    pub older_stories: &'static str,
    pub part_of: &'static str,
    /// `{name}`: the topic searched in.
    pub search_in: &'static str,
    /// `{name}`: the person whose stories are searched.
    pub search_by: &'static str,
    pub search_title: &'static str,
    pub search_button: &'static str,
    pub stories: &'static str,
    pub words: &'static str,
    pub section: &'static str,
    pub all_sections: &'static str,
    pub date_from: &'static str,
    pub date_to: &'static str,
    /// `{name}`: the byline searched for.
    pub stories_by: &'static str,
    /// `{name}`: the topic searched for.
    pub stories_about: &'static str,
    pub no_matches: &'static str,
    pub previous_results: &'static str,
    pub more_results: &'static str,
    pub by: &'static str,
    /// Between the names of a list (bylines).
    pub list_separator: &'static str,
    pub corrections: &'static str,
    pub topics: &'static str,
    pub last_update: &'static str,
    pub also_in: &'static str,
    pub comments: &'static str,
    pub reply: &'static str,
    /// `{name}`: the commenter replied to (read by screen readers only).
    pub reply_to: &'static str,
    pub add_comment: &'static str,
    pub comments_closed: &'static str,
    /// `{section}`: the story's section.
    /// The breadcrumb trail of a standalone page.
    pub breadcrumb: &'static str,
    /// The list of a standalone page's children (`{title}`).
    pub more_in: &'static str,
    pub more_from: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    pub never_shown: &'static str,
    pub website: &'static str,
    pub optional: &'static str,
    pub leave_empty: &'static str,
    pub comment: &'static str,
    pub plain_text: &'static str,
    pub post_reply: &'static str,
    pub post_comment: &'static str,
    pub moderation_note: &'static str,
    /// The title of the page a posted comment leads to.
    pub comment_thanks: &'static str,
    pub comment_held: &'static str,
    /// The title of the page a refused comment leads to.
    pub comment_not_posted: &'static str,
    /// The title of the page a rate-limited comment leads to.
    pub comment_wait: &'static str,
    /// `{count}` comments in `{minutes}` minutes.
    pub comment_too_many: &'static str,
    pub comment_no_name: &'static str,
    /// `{max}`: the longest name, in characters.
    pub comment_long_name: &'static str,
    pub comment_bad_email: &'static str,
    pub comment_bad_url: &'static str,
    pub comment_empty: &'static str,
    /// `{chars}`: the comment's length; `{max}`: the most that fit.
    pub comment_too_long: &'static str,
    pub comment_unknown_parent: &'static str,
    /// `{headline}`: the story to go back to.
    pub back_to: &'static str,
    pub request_id: &'static str,
    pub front_page: &'static str,
    /// `/corrections`: what the page lists.
    pub corrections_intro: &'static str,
    pub no_corrections: &'static str,
    pub newer_corrections: &'static str,
    pub older_corrections: &'static str,
    /// The link from a story to its public history.
    pub see_changes: &'static str,
    /// `{headline}`: the story whose history a page shows.
    pub changes_of: &'static str,
    pub first_published: &'static str,
    pub editorial_update: &'static str,
    pub correction: &'static str,
    /// What a correction changed: the headline, the text.
    pub field_headline: &'static str,
    pub field_standfirst: &'static str,
    pub field_body: &'static str,
    pub text_before: &'static str,
    pub text_after: &'static str,
    pub no_text_change: &'static str,
    /// `{headline}`: a corrected story, in a correction's feed entry.
    pub correction_to: &'static str,
    /// Live blogs: the posts' heading, the key events' list, the state of
    /// the coverage, and what the page's script announces.
    pub live_updates: &'static str,
    pub key_events: &'static str,
    pub key_event: &'static str,
    pub live_now: &'static str,
    /// `{date}`: when the coverage ended.
    pub live_ended: &'static str,
    pub no_posts: &'static str,
    pub newer_posts: &'static str,
    pub older_posts: &'static str,
    /// `{n}`: how many new posts wait above (more than one).
    pub new_posts: &'static str,
    pub new_post: &'static str,
    pub live_feed: &'static str,
}

/// English: the words the default theme was written with.
pub static ENGLISH: Labels = Labels {
    language: "en",
    skip_to_content: "Skip to content",
    sections_nav: "Sections",
    site_menu: "Site",
    no_stories: "No stories yet.",
    breaking: "Breaking:",
    top_stories: "Top stories",
    page_n: "page {page}",
    pages_nav: "Pages",
    newer_stories: "Newer stories",
    older_stories: "Older stories",
    part_of: "Part of",
    search_in: "Search {name}",
    search_by: "Search stories by {name}",
    search_title: "Search",
    search_button: "Search",
    stories: "Stories",
    words: "Words",
    section: "Section",
    all_sections: "All sections",
    date_from: "From",
    date_to: "To",
    stories_by: "Stories by {name}",
    stories_about: "Stories about {name}",
    no_matches: "No stories match.",
    previous_results: "Previous results",
    more_results: "More results",
    by: "By",
    list_separator: ", ",
    corrections: "Corrections",
    topics: "Topics",
    last_update: "Last update:",
    also_in: "Also in:",
    comments: "Comments",
    reply: "Reply",
    reply_to: " to {name}",
    add_comment: "Add a comment",
    comments_closed: "Comments are closed.",
    breadcrumb: "Breadcrumb",
    more_in: "More in {title}",
    more_from: "More from {section}",
    name: "Name",
    email: "E-mail",
    never_shown: "(never shown)",
    website: "Web site",
    optional: "(optional)",
    leave_empty: "Leave this empty",
    comment: "Comment",
    plain_text: "(plain text)",
    post_reply: "Post reply",
    post_comment: "Post comment",
    moderation_note: "Comments appear once an editor approves them.",
    comment_thanks: "Thank you",
    comment_held: "Your comment is waiting for an editor to approve it; it appears under the story once approved.",
    comment_not_posted: "The comment was not posted",
    comment_wait: "Please wait",
    comment_too_many: "You have posted {count} comments in the last {minutes} minutes; please wait before posting again.",
    comment_no_name: "Write your name.",
    comment_long_name: "The name is longer than {max} characters.",
    comment_bad_email: "Write an e-mail address like name@example.com (it is never shown).",
    comment_bad_url: "A web address starts with https:// or http://.",
    comment_empty: "The comment is empty.",
    comment_too_long: "The comment is {chars} characters long; at most {max} fit.",
    comment_unknown_parent: "The comment you reply to is not shown on this story.",
    back_to: "Back to “{headline}”",
    request_id: "Request id:",
    front_page: "Go to the front page",
    corrections_intro: "Every correction to our published stories, newest first.",
    no_corrections: "No corrections yet.",
    newer_corrections: "Newer corrections",
    older_corrections: "Older corrections",
    see_changes: "See what changed",
    changes_of: "Changes to {headline}",
    first_published: "First published",
    editorial_update: "Update",
    correction: "Correction",
    field_headline: "Headline",
    field_standfirst: "Standfirst",
    field_body: "Text",
    text_before: "Before",
    text_after: "After",
    no_text_change: "The text did not change.",
    correction_to: "Correction to {headline}",
    live_updates: "Live updates",
    key_events: "Key events",
    key_event: "Key event",
    live_now: "Live: this page shows new posts as they come.",
    live_ended: "This live coverage ended on {date}.",
    no_posts: "No posts yet.",
    newer_posts: "Newer posts",
    older_posts: "Older posts",
    new_posts: "{n} new posts: show them",
    new_post: "1 new post: show it",
    live_feed: "Live posts",
};

/// French, with French typography (a no-break space before `:`, « »).
pub static FRENCH: Labels = Labels {
    language: "fr",
    skip_to_content: "Aller au contenu",
    sections_nav: "Rubriques",
    site_menu: "Site",
    no_stories: "Aucun article pour l’instant.",
    breaking: "Dernière minute :",
    top_stories: "À la une",
    page_n: "page {page}",
    pages_nav: "Pages",
    newer_stories: "Articles plus récents",
    older_stories: "Articles plus anciens",
    part_of: "Fait partie de",
    search_in: "Rechercher dans {name}",
    search_by: "Rechercher dans les articles de {name}",
    search_title: "Recherche",
    search_button: "Rechercher",
    stories: "Articles",
    words: "Mots",
    section: "Rubrique",
    all_sections: "Toutes les rubriques",
    date_from: "Du",
    date_to: "au",
    stories_by: "Articles de {name}",
    stories_about: "Articles sur {name}",
    no_matches: "Aucun article ne correspond.",
    previous_results: "Résultats précédents",
    more_results: "Plus de résultats",
    by: "Par",
    list_separator: ", ",
    corrections: "Rectificatifs",
    topics: "Sujets",
    last_update: "Dernière mise à jour\u{a0}:",
    also_in: "Aussi en\u{a0}:",
    comments: "Commentaires",
    reply: "Répondre",
    reply_to: " à {name}",
    add_comment: "Ajouter un commentaire",
    comments_closed: "Les commentaires sont fermés.",
    breadcrumb: "Fil d’Ariane",
    more_in: "Plus dans {title}",
    more_from: "Plus d’articles dans {section}",
    name: "Nom",
    email: "Courriel",
    never_shown: "(jamais affiché)",
    website: "Site web",
    optional: "(facultatif)",
    leave_empty: "Laissez ce champ vide",
    comment: "Commentaire",
    plain_text: "(texte brut)",
    post_reply: "Publier la réponse",
    post_comment: "Publier le commentaire",
    moderation_note: "Les commentaires s’affichent une fois approuvés par la rédaction.",
    comment_thanks: "Merci",
    comment_held: "Votre commentaire attend l’approbation de la rédaction\u{a0}; il s’affichera sous l’article une fois approuvé.",
    comment_not_posted: "Le commentaire n’a pas été publié",
    comment_wait: "Veuillez patienter",
    comment_too_many: "Vous avez publié {count}\u{a0}commentaires ces {minutes}\u{a0}dernières minutes\u{a0}; veuillez patienter avant d’en publier un autre.",
    comment_no_name: "Indiquez votre nom.",
    comment_long_name: "Le nom dépasse {max}\u{a0}caractères.",
    comment_bad_email: "Indiquez une adresse électronique comme nom@exemple.fr (elle n’est jamais affichée).",
    comment_bad_url: "Une adresse web commence par https:// ou http://.",
    comment_empty: "Le commentaire est vide.",
    comment_too_long: "Le commentaire compte {chars}\u{a0}caractères\u{a0}; {max} au plus sont acceptés.",
    comment_unknown_parent: "Le commentaire auquel vous répondez n’est pas affiché sous cet article.",
    back_to: "Retour à «\u{a0}{headline}\u{a0}»",
    request_id: "Identifiant de la requête\u{a0}:",
    front_page: "Aller à la page d’accueil",
    corrections_intro: "Toutes les corrections de nos articles publiés, les plus récentes d’abord.",
    no_corrections: "Aucune correction pour l’instant.",
    newer_corrections: "Corrections plus récentes",
    older_corrections: "Corrections plus anciennes",
    see_changes: "Voir les modifications",
    changes_of: "Modifications de « {headline} »",
    first_published: "Première publication",
    editorial_update: "Mise à jour",
    correction: "Correction",
    field_headline: "Titre",
    field_standfirst: "Chapô",
    field_body: "Texte",
    text_before: "Avant",
    text_after: "Après",
    no_text_change: "Le texte n’a pas changé.",
    correction_to: "Correction de « {headline} »",
    live_updates: "En direct",
    key_events: "Les moments clés",
    key_event: "Moment clé",
    live_now: "En direct : cette page affiche les nouveaux messages dès leur publication.",
    live_ended: "Ce direct s’est terminé le {date}.",
    no_posts: "Aucun message pour l’instant.",
    newer_posts: "Messages plus récents",
    older_posts: "Messages plus anciens",
    new_posts: "{n} nouveaux messages : les afficher",
    new_post: "1 nouveau message : l’afficher",
    live_feed: "Messages du direct",
};

/// Arabic (Modern Standard), shown right to left.
pub static ARABIC: Labels = Labels {
    language: "ar",
    skip_to_content: "انتقل إلى المحتوى",
    sections_nav: "الأقسام",
    site_menu: "الموقع",
    no_stories: "لا توجد مقالات بعد.",
    breaking: "عاجل:",
    top_stories: "أهم الأخبار",
    page_n: "الصفحة {page}",
    pages_nav: "الصفحات",
    newer_stories: "مقالات أحدث",
    older_stories: "مقالات أقدم",
    part_of: "جزء من",
    search_in: "ابحث في {name}",
    search_by: "ابحث في مقالات {name}",
    search_title: "البحث",
    search_button: "ابحث",
    stories: "المقالات",
    words: "الكلمات",
    section: "القسم",
    all_sections: "كل الأقسام",
    date_from: "من",
    date_to: "إلى",
    stories_by: "مقالات بقلم {name}",
    stories_about: "مقالات عن {name}",
    no_matches: "لا توجد مقالات مطابقة.",
    previous_results: "النتائج السابقة",
    more_results: "مزيد من النتائج",
    by: "بقلم",
    list_separator: "، ",
    corrections: "تصحيحات",
    topics: "المواضيع",
    last_update: "آخر تحديث:",
    also_in: "متوفر أيضًا بـ:",
    comments: "التعليقات",
    reply: "رد",
    reply_to: " على {name}",
    add_comment: "أضف تعليقًا",
    comments_closed: "التعليقات مغلقة.",
    breadcrumb: "مسار التنقل",
    more_in: "المزيد في {title}",
    more_from: "المزيد من {section}",
    name: "الاسم",
    email: "البريد الإلكتروني",
    never_shown: "(لا يُعرض أبدًا)",
    website: "الموقع الإلكتروني",
    optional: "(اختياري)",
    leave_empty: "اترك هذا الحقل فارغًا",
    comment: "التعليق",
    plain_text: "(نص عادي)",
    post_reply: "انشر الرد",
    post_comment: "انشر التعليق",
    moderation_note: "تظهر التعليقات بعد أن يوافق عليها أحد المحررين.",
    comment_thanks: "شكرًا لك",
    comment_held: "تعليقك في انتظار موافقة أحد المحررين، وسيظهر تحت المقال بعد الموافقة عليه.",
    comment_not_posted: "لم يُنشر التعليق",
    comment_wait: "يُرجى الانتظار",
    comment_too_many: "لقد نشرت {count} تعليقات خلال آخر {minutes} دقائق؛ يُرجى الانتظار قبل النشر مجددًا.",
    comment_no_name: "اكتب اسمك.",
    comment_long_name: "الاسم أطول من {max} حرف.",
    comment_bad_email: "اكتب عنوان بريد إلكتروني مثل name@example.com (لا يُعرض أبدًا).",
    comment_bad_url: "يبدأ عنوان الويب بـ https:// أو http://.",
    comment_empty: "التعليق فارغ.",
    comment_too_long: "يتكون التعليق من {chars} حرفًا؛ والحد الأقصى {max}.",
    comment_unknown_parent: "التعليق الذي ترد عليه غير معروض في هذا المقال.",
    back_to: "العودة إلى «{headline}»",
    request_id: "معرّف الطلب:",
    front_page: "الذهاب إلى الصفحة الرئيسية",
    corrections_intro: "كل التصحيحات على موادنا المنشورة، الأحدث أولًا.",
    no_corrections: "لا توجد تصحيحات بعد.",
    newer_corrections: "تصحيحات أحدث",
    older_corrections: "تصحيحات أقدم",
    see_changes: "اطّلع على التغييرات",
    changes_of: "التغييرات على «{headline}»",
    first_published: "نُشر أول مرة",
    editorial_update: "تحديث",
    correction: "تصحيح",
    field_headline: "العنوان",
    field_standfirst: "المقدمة",
    field_body: "النص",
    text_before: "قبل",
    text_after: "بعد",
    no_text_change: "لم يتغير النص.",
    correction_to: "تصحيح على «{headline}»",
    live_updates: "تغطية مباشرة",
    key_events: "أبرز الأحداث",
    key_event: "حدث بارز",
    live_now: "مباشر: تعرض هذه الصفحة المنشورات الجديدة فور نشرها.",
    live_ended: "انتهت هذه التغطية المباشرة في {date}.",
    no_posts: "لا توجد منشورات بعد.",
    newer_posts: "منشورات أحدث",
    older_posts: "منشورات أقدم",
    new_posts: "{n} منشورات جديدة: اعرضها",
    new_post: "منشور جديد واحد: اعرضه",
    live_feed: "منشورات التغطية المباشرة",
};

/// Every table, English first.
pub static ALL: [&Labels; 3] = [&ENGLISH, &FRENCH, &ARABIC];

/// The labels of language `tag` (`fr-CA` takes French), English when
/// masthead has no table for it.
pub fn for_language(tag: &str) -> &'static Labels {
    let primary = super::primary(tag);
    ALL.iter()
        .find(|l| l.language == primary)
        .copied()
        .unwrap_or(&ENGLISH)
}

/// The name of language `tag` in that language (`Français`, `العربية`), for
/// a link to a translation; the tag itself when masthead does not know it.
pub fn endonym(tag: &str) -> String {
    let name = match super::primary(tag).as_str() {
        "ar" => "العربية",
        "de" => "Deutsch",
        "en" => "English",
        "es" => "Español",
        "fa" => "فارسی",
        "fr" => "Français",
        "he" => "עברית",
        "it" => "Italiano",
        "ja" => "日本語",
        "nl" => "Nederlands",
        "pl" => "Polski",
        "pt" => "Português",
        "ru" => "Русский",
        "tr" => "Türkçe",
        "uk" => "Українська",
        "ur" => "اردو",
        "zh" => "中文",
        _ => return tag.to_owned(),
    };
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(labels: &Labels) -> serde_json::Map<String, serde_json::Value> {
        match serde_json::to_value(labels).unwrap() {
            serde_json::Value::Object(map) => map,
            _ => unreachable!("a struct serializes to an object"),
        }
    }

    fn placeholders(text: &str) -> Vec<&str> {
        text.match_indices('{')
            .filter_map(|(i, _)| text[i..].find('}').map(|end| &text[i..=i + end]))
            .collect()
    }

    #[test]
    fn every_language_has_every_english_key_with_the_same_placeholders() {
        let english = entries(&ENGLISH);
        for labels in ALL {
            let table = entries(labels);
            for (key, value) in &english {
                let Some(translated) = table.get(key).and_then(|v| v.as_str()) else {
                    panic!("{} has no label {key}", labels.language);
                };
                assert!(
                    !translated.trim().is_empty(),
                    "{}: {key} is empty",
                    labels.language
                );
                assert_eq!(
                    placeholders(translated),
                    placeholders(value.as_str().unwrap()),
                    "{}: {key} must keep the placeholders English has",
                    labels.language
                );
            }
            assert_eq!(
                table.len(),
                english.len(),
                "{} has keys English lacks",
                labels.language
            );
        }
    }

    #[test]
    fn arabic_is_translated_throughout() {
        for (key, value) in entries(&ARABIC) {
            let text = value.as_str().unwrap();
            if key == "language" || key == "list_separator" {
                continue;
            }
            assert!(
                text.chars().any(|c| ('\u{0600}'..='\u{06ff}').contains(&c)),
                "the Arabic {key} is not in Arabic: {text}"
            );
        }
        assert_eq!(ARABIC.list_separator, "، ");
    }

    #[test]
    fn french_is_translated_except_words_french_shares() {
        let english = entries(&ENGLISH);
        let same: Vec<String> = entries(&FRENCH)
            .into_iter()
            .filter(|(key, value)| english[key] == *value)
            .map(|(key, _)| key)
            .collect();
        assert_eq!(
            same,
            [
                "correction",
                "list_separator",
                "page_n",
                "pages_nav",
                "site_menu"
            ]
        );
    }

    #[test]
    fn regional_tags_take_their_language_and_unknown_ones_english() {
        assert_eq!(for_language("fr-CA").language, "fr");
        assert_eq!(for_language("AR").language, "ar");
        assert_eq!(for_language("en-GB").language, "en");
        assert_eq!(for_language("sw").language, "en");
        assert_eq!(for_language("").language, "en");
    }
}
