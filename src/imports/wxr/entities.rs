//! The channel's entities, each read whole from its start tag to its end
//! tag: authors, categories, tags, terms and items with their meta and
//! comments. Elements a WXR does not define are skipped; for one given twice
//! the last wins.

use std::io::BufRead;

use super::{
    Author, Comment, Entity, Guid, Item, ItemCategory, ItemRef, Meta, Ns, Tag, Term, WxrError,
    WxrEvent, WxrReader,
};

impl<R: BufRead> WxrReader<R> {
    pub(super) fn read_entity(&mut self, entity: Entity, tag: Tag) -> Result<WxrEvent, WxrError> {
        self.entity_bytes = 0;
        Ok(match entity {
            Entity::Author => WxrEvent::Author(self.read_author(&tag)?),
            Entity::Category => WxrEvent::Category(self.read_term(&tag, "category")?),
            Entity::Tag => WxrEvent::Tag(self.read_term(&tag, "post_tag")?),
            Entity::Term => WxrEvent::Term(self.read_term(&tag, "")?),
            Entity::Item => {
                self.in_item = Some(ItemRef::at(tag.position));
                let item = self.read_item(&tag)?;
                self.last_item = self.in_item.take();
                WxrEvent::Item(Box::new(item))
            }
        })
    }

    fn read_author(&mut self, parent: &Tag) -> Result<Author, WxrError> {
        let mut author = Author::default();
        while let Some(tag) = self.next_child(parent)? {
            let slot = match (tag.ns, tag.local()) {
                (Ns::Wp, "author_id") => &mut author.id,
                (Ns::Wp, "author_login") => &mut author.login,
                (Ns::Wp, "author_email") => &mut author.email,
                (Ns::Wp, "author_display_name") => &mut author.display_name,
                (Ns::Wp, "author_first_name") => &mut author.first_name,
                (Ns::Wp, "author_last_name") => &mut author.last_name,
                _ => {
                    self.skip(&tag)?;
                    continue;
                }
            };
            *slot = Some(self.read_value(&tag)?);
        }
        Ok(author)
    }

    /// A `<wp:category>`, `<wp:tag>` or `<wp:term>`: each has its own names
    /// for the same fields; `taxonomy` is the one its kind implies.
    fn read_term(&mut self, parent: &Tag, taxonomy: &str) -> Result<Term, WxrError> {
        let mut term = Term {
            taxonomy: (!taxonomy.is_empty()).then(|| taxonomy.to_owned()),
            ..Term::default()
        };
        while let Some(tag) = self.next_child(parent)? {
            let slot = match (tag.ns, tag.local()) {
                (Ns::Wp, "term_id") => &mut term.term_id,
                (Ns::Wp, "term_taxonomy") => &mut term.taxonomy,
                (Ns::Wp, "category_nicename" | "tag_slug" | "term_slug") => &mut term.slug,
                (Ns::Wp, "category_parent" | "term_parent") => &mut term.parent,
                (Ns::Wp, "cat_name" | "tag_name" | "term_name") => &mut term.name,
                (Ns::Wp, "category_description" | "tag_description" | "term_description") => {
                    &mut term.description
                }
                (Ns::Wp, "termmeta") => {
                    term.meta.push(self.read_meta(&tag)?);
                    continue;
                }
                _ => {
                    self.skip(&tag)?;
                    continue;
                }
            };
            *slot = Some(self.read_value(&tag)?);
        }
        Ok(term)
    }

    /// A `<wp:postmeta>`, `<wp:termmeta>` or `<wp:commentmeta>`.
    fn read_meta(&mut self, parent: &Tag) -> Result<Meta, WxrError> {
        let mut meta = Meta::default();
        while let Some(tag) = self.next_child(parent)? {
            let slot = match (tag.ns, tag.local()) {
                (Ns::Wp, "meta_key") => &mut meta.key,
                (Ns::Wp, "meta_value") => &mut meta.value,
                _ => {
                    self.skip(&tag)?;
                    continue;
                }
            };
            *slot = self.read_value(&tag)?;
        }
        Ok(meta)
    }

    fn read_item(&mut self, parent: &Tag) -> Result<Item, WxrError> {
        let mut item = Item::at(parent.position);
        while let Some(tag) = self.next_child(parent)? {
            let slot = match (tag.ns, tag.local()) {
                (Ns::None, "title") => {
                    let title = self.read_value(&tag)?;
                    if let Some(current) = self.in_item.as_mut() {
                        current.set_title(&title);
                    }
                    item.title = Some(title);
                    continue;
                }
                (Ns::Wp, "post_id") => {
                    let id = self.read_value(&tag)?;
                    if let Some(current) = self.in_item.as_mut() {
                        current.set_post_id(&id);
                    }
                    item.post_id = Some(id);
                    continue;
                }
                (Ns::None, "guid") => {
                    let value = self.read_value(&tag)?;
                    let is_permalink = tag
                        .is_permalink
                        .as_deref()
                        .is_none_or(|v| !v.trim().eq_ignore_ascii_case("false"));
                    item.guid = Some(Guid {
                        value,
                        is_permalink,
                    });
                    continue;
                }
                (Ns::None, "category") => {
                    let name = self.read_value(&tag)?;
                    item.categories.push(ItemCategory {
                        domain: tag.domain,
                        nicename: tag.nicename,
                        name,
                    });
                    continue;
                }
                (Ns::Wp, "postmeta") => {
                    item.meta.push(self.read_meta(&tag)?);
                    continue;
                }
                (Ns::Wp, "comment") => {
                    item.comments.push(self.read_comment(&tag)?);
                    continue;
                }
                (Ns::None, "link") => &mut item.link,
                (Ns::None, "pubDate") => &mut item.pub_date,
                (Ns::None, "description") => &mut item.description,
                (Ns::Dc, "creator") => &mut item.creator,
                (Ns::Content, "encoded") => &mut item.content,
                (Ns::Excerpt, "encoded") => &mut item.excerpt,
                (Ns::Wp, local) => match local {
                    "post_date" => &mut item.post_date,
                    "post_date_gmt" => &mut item.post_date_gmt,
                    "post_modified" => &mut item.post_modified,
                    "post_modified_gmt" => &mut item.post_modified_gmt,
                    "comment_status" => &mut item.comment_status,
                    "ping_status" => &mut item.ping_status,
                    "post_name" => &mut item.post_name,
                    "status" => &mut item.status,
                    "post_parent" => &mut item.post_parent,
                    "menu_order" => &mut item.menu_order,
                    "post_type" => &mut item.post_type,
                    "post_password" => &mut item.post_password,
                    "is_sticky" => &mut item.is_sticky,
                    "attachment_url" => &mut item.attachment_url,
                    _ => {
                        self.skip(&tag)?;
                        continue;
                    }
                },
                _ => {
                    self.skip(&tag)?;
                    continue;
                }
            };
            *slot = Some(self.read_value(&tag)?);
        }
        Ok(item)
    }

    fn read_comment(&mut self, parent: &Tag) -> Result<Comment, WxrError> {
        let mut comment = Comment::default();
        while let Some(tag) = self.next_child(parent)? {
            if tag.ns != Ns::Wp {
                self.skip(&tag)?;
                continue;
            }
            let slot = match tag.local() {
                "comment_id" => &mut comment.id,
                "comment_author" => &mut comment.author,
                "comment_author_email" => &mut comment.author_email,
                "comment_author_url" => &mut comment.author_url,
                "comment_author_IP" => &mut comment.author_ip,
                "comment_date" => &mut comment.date,
                "comment_date_gmt" => &mut comment.date_gmt,
                "comment_content" => &mut comment.content,
                "comment_approved" => &mut comment.approved,
                "comment_type" => &mut comment.comment_type,
                "comment_parent" => &mut comment.parent,
                "comment_user_id" => &mut comment.user_id,
                "commentmeta" => {
                    comment.meta.push(self.read_meta(&tag)?);
                    continue;
                }
                _ => {
                    self.skip(&tag)?;
                    continue;
                }
            };
            *slot = Some(self.read_value(&tag)?);
        }
        Ok(comment)
    }
}
