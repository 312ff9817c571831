//! A WordPress attachment as an image of masthead's media library: the file
//! from the site's `wp-content/uploads` folder (`--uploads`), checked and
//! converted like an upload, with its caption (the excerpt) and alt text
//! (`_wp_attachment_image_alt`). A file that is missing or not an image is
//! reported with the attachment and the path, and the rest goes on.

use std::path::{Component, Path, PathBuf};

use super::{MAPPING_VERSION, Options, WordPressError, item_name, value};
use crate::imports::ledger::{Decision, digest};
use crate::imports::run::Run;
use crate::imports::wxr::Item;
use crate::media::{MediaError, MediaText};
use crate::storage::ImportBatch;

/// Stores one attachment item as media; returns its file under `uploads`
/// when it names one.
pub(super) async fn import_attachment(
    batch: &mut ImportBatch<'_>,
    run: &mut Run,
    options: &Options,
    item: &Item,
) -> Result<Option<String>, WordPressError> {
    let relative = relative_path(item);
    store_attachment(batch, run, options, item, relative.clone()).await?;
    Ok(relative)
}

async fn store_attachment(
    batch: &mut ImportBatch<'_>,
    run: &mut Run,
    options: &Options,
    item: &Item,
    relative: Option<String>,
) -> Result<(), WordPressError> {
    let id = value(&item.post_id).unwrap_or_default().to_owned();
    let name = item_name("attachment", &id, item.position);
    if id.is_empty() {
        run.fail(name, "an attachment without a post id");
        return Ok(());
    }
    let Some(relative) = relative else {
        run.skip(
            name,
            "no file named (no _wp_attached_file and no attachment_url)",
        );
        return Ok(());
    };
    let path = match &options.uploads {
        Some(uploads) => match inside(uploads, &relative) {
            Some(path) => Some(path),
            None => {
                let reason = format!("{relative}: not a path inside the uploads folder");
                run.fail(name, reason);
                return Ok(());
            }
        },
        None => None,
    };
    let mut positionless = item.clone();
    positionless.position = crate::imports::wxr::Position { line: 0, column: 0 };
    let item_digest = digest(MAPPING_VERSION, format!("{positionless:?}").as_bytes());
    let key = run.key("attachment", &id);
    let decision = run.decide("attachment", &id, &item_digest);
    if let Decision::Unchanged { .. } = decision {
        run.unchanged("attachment");
        return Ok(());
    }
    let local = match &path {
        Some(path) => std::fs::read(path).map_err(|e| format!("{}: {e}", path.display())),
        None => Err(format!(
            "{relative}: no --uploads folder given to read it from"
        )),
    };
    let url = value(&item.attachment_url);
    let bytes = match (local, &options.fetch, url) {
        (Ok(bytes), _, _) => bytes,
        (Err(_), Some(_), Some(url)) if run.dry_run => {
            tracing::debug!(url, "a dry run fetches nothing");
            run.stored(&key, decision, "media", 0, &item_digest);
            return Ok(());
        }
        (Err(missing), Some(outbound), Some(url)) => match fetch(outbound, url).await {
            Ok(bytes) => bytes,
            Err(reason) => {
                run.skip(name, format!("{missing}; fetching it: {reason}"));
                return Ok(());
            }
        },
        (Err(missing), _, _) => {
            run.skip(name, missing);
            return Ok(());
        }
    };
    let text = MediaText {
        caption: value(&item.excerpt).unwrap_or_default().to_owned(),
        credit: String::new(),
        alt: meta(item, "_wp_attachment_image_alt")
            .or(value(&item.title))
            .unwrap_or_default()
            .to_owned(),
    };
    if run.dry_run {
        if crate::media::sniff(&bytes).is_none() {
            run.skip(name, format!("{relative}: {}", MediaError::NotAnImage));
        } else {
            run.stored(&key, decision, "media", 0, &item_digest);
        }
        return Ok(());
    }
    let row = match crate::media::prepare(&options.media, bytes, text, None, run.now).await {
        Ok(row) => row,
        Err(e) if e.is_user_error() => {
            run.skip(name, format!("{relative}: {e}"));
            return Ok(());
        }
        Err(e) => {
            run.fail(name, format!("{relative}: {e}"));
            return Ok(());
        }
    };
    let media_id = batch.media(&key, &item_digest, &row, run.now).await?;
    run.stored(&key, decision, "media", media_id, &item_digest);
    Ok(())
}

/// Downloads an attachment's file, at most an upload's size.
async fn fetch(outbound: &crate::outbound::Outbound, url: &str) -> Result<Vec<u8>, String> {
    let reply = outbound
        .send(outbound.get(url), crate::media::MAX_UPLOAD_BYTES)
        .await
        .map_err(|e| e.to_string())?;
    if !reply.status.is_success() {
        return Err(format!("{url} answered {}", reply.status));
    }
    Ok(reply.body.to_vec())
}

/// The first value of postmeta `key`.
pub(super) fn meta<'a>(item: &'a Item, key: &str) -> Option<&'a str> {
    item.meta
        .iter()
        .find(|m| m.key == key)
        .map(|m| m.value.trim())
        .filter(|v| !v.is_empty())
}

/// The attachment's file under `uploads`: `_wp_attached_file`, or the part
/// of its URL after `wp-content/uploads/`.
fn relative_path(item: &Item) -> Option<String> {
    if let Some(file) = meta(item, "_wp_attached_file") {
        return Some(file.to_owned());
    }
    let url = value(&item.attachment_url)?;
    let at = url.find("/wp-content/uploads/")?;
    let rest = &url[at + "/wp-content/uploads/".len()..];
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let decoded = percent_encoding::percent_decode_str(rest).decode_utf8_lossy();
    (!decoded.is_empty()).then(|| decoded.into_owned())
}

/// `relative` under `root`, refused when it climbs out (`..`, an absolute
/// path).
fn inside(root: &Path, relative: &str) -> Option<PathBuf> {
    let relative = Path::new(relative);
    let mut path = root.to_path_buf();
    for part in relative.components() {
        match part {
            Component::Normal(p) => path.push(p),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_that_climbs_out_of_the_uploads_folder_is_refused() {
        let root = Path::new("/srv/uploads");
        assert_eq!(
            inside(root, "2016/07/boat.jpg"),
            Some(PathBuf::from("/srv/uploads/2016/07/boat.jpg"))
        );
        assert_eq!(inside(root, "../etc/passwd"), None);
        assert_eq!(inside(root, "/etc/passwd"), None);
    }
}
