//! Media: uploads in every accepted format, derivatives, EXIF orientation
//! and GPS removal, the limits, content addressing, the publish rule, and
//! the lead image on the article page.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageEncoder, Rgb, RgbImage};
use masthead::accounts::Role;
use masthead::media::{self, DerivativeFormat, Media, MediaError, MediaFiles, MediaText};
use masthead::storage::{NewRevision, Store};

use crate::on_both;
use crate::support::{Backend, NOW, Page, Session, TestStore, spawn, store};

on_both!(
    every_accepted_format_gets_derivatives_of_the_right_sizes,
    the_editors_image_picker_pages_through_the_library_and_searches_its_text,
    an_orientation_6_jpeg_comes_out_rotated_without_exif_or_gps,
    a_decompression_bomb_is_refused_from_its_header,
    a_text_file_named_jpg_is_refused,
    an_oversized_upload_is_refused_and_nothing_is_stored,
    the_same_image_uploaded_twice_shares_one_stored_copy,
    a_lead_image_without_alt_text_cannot_be_published,
    the_article_page_shows_the_lead_image_with_srcset,
    uploads_need_a_signed_in_user_and_answer_json_or_the_form,
    bad_uploads_get_a_clear_error_and_store_nothing,
    writers_edit_the_text_of_their_own_images_only,
    masthead_check_finds_a_damaged_or_missing_media_file,
    the_workflow_refuses_to_publish_a_lead_image_without_alt_text,
);

fn text(alt: &str) -> MediaText {
    MediaText {
        caption: "Fishing boats at dawn".into(),
        credit: "Jane Doe / Masthead".into(),
        alt: alt.into(),
    }
}

/// A picture: left half red, right half blue, with a gradient so that
/// encoders have something to chew on.
pub fn picture(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        let shade = ((x + y) % 40) as u8;
        if x < width / 2 {
            Rgb([220 - shade, 20, 20])
        } else {
            Rgb([20, 20, 220 - shade])
        }
    })
}

pub fn encode(image: &RgbImage, format: &str) -> Vec<u8> {
    let mut bytes = Vec::new();
    let (w, h) = image.dimensions();
    match format {
        "jpeg" => image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90)
            .write_image(image.as_raw(), w, h, image::ExtendedColorType::Rgb8)
            .unwrap(),
        "png" => image::codecs::png::PngEncoder::new(&mut bytes)
            .write_image(image.as_raw(), w, h, image::ExtendedColorType::Rgb8)
            .unwrap(),
        "webp" => image::codecs::webp::WebPEncoder::new_lossless(&mut bytes)
            .write_image(image.as_raw(), w, h, image::ExtendedColorType::Rgb8)
            .unwrap(),
        "gif" => {
            let rgba = DynamicImage::ImageRgb8(image.clone()).into_rgba8();
            image::codecs::gif::GifEncoder::new(&mut bytes)
                .encode(rgba.as_raw(), w, h, image::ExtendedColorType::Rgba8)
                .unwrap()
        }
        other => panic!("no encoder for {other}"),
    }
    bytes
}

async fn ingest(
    db: &TestStore,
    bytes: Vec<u8>,
    name: &str,
    alt: &str,
) -> Result<Media, MediaError> {
    let files = MediaFiles::new(db.dir.path());
    media::ingest(&db.store, &files, bytes, name, text(alt), None, NOW).await
}

async fn stored_files(db: &TestStore) -> Vec<String> {
    MediaFiles::new(db.dir.path()).list().await.unwrap()
}

fn read_file(db: &TestStore, url: &str) -> Vec<u8> {
    let name = url.strip_prefix("/media/").unwrap();
    let path = db.dir.path().join("media").join(&name[..2]).join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn media_rows(store: &Store) -> usize {
    media::list(store, None, 1000).await.unwrap().len()
}

async fn every_accepted_format_gets_derivatives_of_the_right_sizes(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    for format in ["png", "jpeg", "webp", "gif"] {
        let bytes = encode(&picture(700, 400), format);
        let media = ingest(&db, bytes, &format!("photo.{format}"), "Boats")
            .await
            .unwrap_or_else(|e| panic!("{format}: {e}"));
        assert_eq!((media.width, media.height), (700, 400), "{format}");
        let mut sizes: Vec<_> = media
            .derivatives
            .iter()
            .map(|d| (d.format, d.width, d.height))
            .collect();
        sizes.sort_by_key(|(f, w, _)| (*w, *f == DerivativeFormat::Webp));
        assert_eq!(
            sizes,
            vec![
                (DerivativeFormat::Jpeg, 320, 183),
                (DerivativeFormat::Webp, 320, 183),
                (DerivativeFormat::Jpeg, 640, 366),
                (DerivativeFormat::Webp, 640, 366),
                (DerivativeFormat::Jpeg, 700, 400),
                (DerivativeFormat::Webp, 700, 400),
            ],
            "{format}"
        );
        for derivative in &media.derivatives {
            let bytes = read_file(&db, &media.url(derivative));
            let expected = match derivative.format {
                DerivativeFormat::Jpeg => image::ImageFormat::Jpeg,
                DerivativeFormat::Webp => image::ImageFormat::WebP,
            };
            assert_eq!(image::guess_format(&bytes).unwrap(), expected);
            let decoded = image::load_from_memory(&bytes).unwrap();
            assert_eq!(
                (decoded.width(), decoded.height()),
                (derivative.width, derivative.height)
            );
            assert_eq!(derivative.bytes, bytes.len() as u64);
        }
        let original = read_file(&db, &media.original_url());
        let expected_mime = if format == "png" || format == "gif" {
            "image/png"
        } else {
            "image/jpeg"
        };
        assert_eq!(media.mime, expected_mime, "{format}");
        assert_eq!(image::load_from_memory(&original).unwrap().width(), 700);
        let found = media::find(&db.store, media.id).await.unwrap().unwrap();
        assert_eq!(found, media);
    }
    let events = db.store.events_after(0, 100).await.unwrap();
    assert_eq!(
        events.iter().filter(|e| e.kind == "media.uploaded").count(),
        4
    );
}

/// A TIFF-in-APP1 Exif segment: orientation 6 (rotate 90° clockwise) and a
/// GPS block with latitude 51° 30' N.
fn exif_segment() -> Vec<u8> {
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"II\x2a\x00\x08\x00\x00\x00");
    // IFD0 at 8: 2 entries, ends at 8 + 2 + 24 + 4 = 38.
    tiff.extend_from_slice(&2u16.to_le_bytes());
    tiff.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]);
    tiff.extend_from_slice(&[0x25, 0x88, 4, 0, 1, 0, 0, 0]);
    tiff.extend_from_slice(&38u32.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    // GPS IFD at 38: 2 entries, data at 38 + 2 + 24 + 4 = 68.
    tiff.extend_from_slice(&2u16.to_le_bytes());
    tiff.extend_from_slice(&[0x01, 0x00, 2, 0, 2, 0, 0, 0, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&[0x02, 0x00, 5, 0, 3, 0, 0, 0]);
    tiff.extend_from_slice(&68u32.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    for (num, den) in [(51u32, 1u32), (30, 1), (0, 1)] {
        tiff.extend_from_slice(&num.to_le_bytes());
        tiff.extend_from_slice(&den.to_le_bytes());
    }
    let mut segment = vec![0xFF, 0xE1];
    let length = (2 + 6 + tiff.len()) as u16;
    segment.extend_from_slice(&length.to_be_bytes());
    segment.extend_from_slice(b"Exif\0\0");
    segment.extend_from_slice(&tiff);
    segment
}

fn jpeg_exif(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut decoder = image::codecs::jpeg::JpegDecoder::new(Cursor::new(bytes)).unwrap();
    decoder.exif_metadata().unwrap()
}

async fn an_orientation_6_jpeg_comes_out_rotated_without_exif_or_gps(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    let plain = encode(&picture(200, 100), "jpeg");
    let mut tagged = plain[..2].to_vec();
    tagged.extend(exif_segment());
    tagged.extend_from_slice(&plain[2..]);
    // The test image really carries the orientation and the GPS block.
    let mut decoder = image::codecs::jpeg::JpegDecoder::new(Cursor::new(&tagged)).unwrap();
    assert_eq!(
        decoder.orientation().unwrap(),
        image::metadata::Orientation::Rotate90
    );
    assert!(jpeg_exif(&tagged).is_some_and(|exif| exif.windows(2).any(|w| w == [0x25, 0x88])));

    let media = ingest(&db, tagged, "IMG_0001.JPG", "Boats").await.unwrap();
    assert_eq!(
        (media.width, media.height),
        (100, 200),
        "portrait after rotation"
    );
    let jpeg = media.derivatives_of(DerivativeFormat::Jpeg)[0].clone();
    let bytes = read_file(&db, &media.url(&jpeg));
    let rotated = image::load_from_memory(&bytes).unwrap().into_rgb8();
    assert_eq!(rotated.dimensions(), (100, 200));
    // The left (red) half of the landscape original is now on top.
    let top = rotated.get_pixel(50, 30);
    let bottom = rotated.get_pixel(50, 170);
    assert!(top[0] > 150 && top[2] < 90, "top is red: {top:?}");
    assert!(
        bottom[2] > 150 && bottom[0] < 90,
        "bottom is blue: {bottom:?}"
    );

    let files = stored_files(&db).await;
    assert_eq!(files.len(), 3, "original, JPEG and WebP: {files:?}");
    for name in files {
        let bytes = read_file(&db, &format!("/media/{name}"));
        for marker in [&b"Exif"[..], b"EXIF", b"eXIf"] {
            assert!(
                !bytes.windows(marker.len()).any(|w| w == marker),
                "{name} still carries {marker:?} metadata"
            );
        }
        if name.ends_with(".jpg") {
            assert_eq!(jpeg_exif(&bytes), None, "{name}");
        }
    }
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
}

/// A tiny, well-formed PNG whose header claims 100000 x 100000 pixels (30 GB
/// once decoded).
pub fn png_bomb() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png_chunk(&mut png, b"IHDR", &ihdr);
    png_chunk(
        &mut png,
        b"IDAT",
        &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    png_chunk(&mut png, b"IEND", &[]);
    png
}

async fn a_decompression_bomb_is_refused_from_its_header(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    let bomb = png_bomb();
    assert!(bomb.len() < 100);
    let error = ingest(&db, bomb, "bomb.png", "x").await.unwrap_err();
    assert!(
        matches!(
            error,
            MediaError::TooManyPixels {
                width: 100_000,
                height: 100_000
            }
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("100000x100000") && message.contains("40 megapixels"),
        "{message}"
    );
    assert!(stored_files(&db).await.is_empty());
    assert_eq!(media_rows(&db.store).await, 0);
}

async fn a_text_file_named_jpg_is_refused(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    let fake = b"This is not a photo, whatever the name says.\n".to_vec();
    let error = ingest(&db, fake, "holiday.jpg", "x").await.unwrap_err();
    assert!(matches!(error, MediaError::NotAnImage), "{error:?}");
    assert!(error.to_string().contains("not a JPEG, PNG, WebP or GIF"));
    // Right magic bytes, garbage after them: refused as unreadable.
    let mut truncated = encode(&picture(64, 64), "jpeg");
    truncated.truncate(40);
    let error = ingest(&db, truncated, "cut.jpg", "x").await.unwrap_err();
    assert!(matches!(error, MediaError::Unreadable(_)), "{error:?}");
    assert!(stored_files(&db).await.is_empty());
    assert_eq!(media_rows(&db.store).await, 0);
}

async fn an_oversized_upload_is_refused_and_nothing_is_stored(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    // A real JPEG padded past the limit.
    let mut big = encode(&picture(64, 64), "jpeg");
    big.resize(media::MAX_UPLOAD_BYTES + 1, 0);
    let error = ingest(&db, big, "huge.jpg", "x").await.unwrap_err();
    assert!(matches!(error, MediaError::TooLarge { .. }), "{error:?}");
    assert!(error.to_string().contains("limited to 20 MiB"), "{error}");
    assert!(stored_files(&db).await.is_empty());
    assert_eq!(media_rows(&db.store).await, 0);
}

async fn the_same_image_uploaded_twice_shares_one_stored_copy(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    let bytes = encode(&picture(400, 300), "png");
    let first = ingest(&db, bytes.clone(), "a.png", "First").await.unwrap();
    let files = stored_files(&db).await;
    let second = ingest(&db, bytes, "b.png", "Second").await.unwrap();
    assert_eq!(first.hash, second.hash);
    assert_ne!(
        first.id, second.id,
        "each upload keeps its own caption and alt"
    );
    assert_eq!(second.alt, "Second");
    assert_eq!(stored_files(&db).await, files, "no new file");
    assert_eq!(
        files.len(),
        1 + 2 * 2,
        "original + (320, 400) x (jpg, webp)"
    );
}

async fn with_lead_image(store: &Store, path: (&str, &str), reference: &str) {
    let mut article = masthead::articles::visible_by_path(store, path.0, path.1, NOW)
        .await
        .unwrap()
        .unwrap();
    let revision = article.revision;
    article.lead_image = Some(reference.to_owned());
    article.modified_at = NOW;
    let saved = store
        .update_article(
            &article.to_row(),
            revision,
            NewRevision {
                author: "test",
                message: "lead image",
                snapshot: article.snapshot(),
            },
            &[],
            None,
        )
        .await
        .unwrap();
    assert!(saved);
}

async fn a_lead_image_without_alt_text_cannot_be_published(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    let site = crate::support::demo_site(&db.store).await;
    masthead::imports::import_text(&db.store, &site, "seed-page.txt", crate::support::SEED, NOW)
        .await
        .unwrap();
    let path = ("world", "us-to-send-560-additional-troops-to-iraq");
    let no_alt = ingest(&db, encode(&picture(100, 80), "png"), "a.png", "  ")
        .await
        .unwrap();
    assert_eq!(no_alt.alt, "", "blank alt text is no alt text");
    with_lead_image(&db.store, path, &no_alt.reference()).await;
    let article = masthead::articles::visible_by_path(&db.store, path.0, path.1, NOW)
        .await
        .unwrap()
        .unwrap();
    let error = media::check_publishable(&db.store, &article)
        .await
        .unwrap_err();
    assert!(matches!(error, MediaError::MissingAlt));
    assert!(error.to_string().contains("alt text"), "{error}");

    let fixed = media::update_text(&db.store, no_alt.id, text("Soldiers boarding a plane"), NOW)
        .await
        .unwrap();
    assert_eq!(fixed.alt, "Soldiers boarding a plane");
    media::check_publishable(&db.store, &article).await.unwrap();

    let mut dangling = article.clone();
    dangling.lead_image = Some("media:999".into());
    assert!(matches!(
        media::check_publishable(&db.store, &dangling).await,
        Err(MediaError::UnknownLeadImage(_))
    ));
    dangling.lead_image = None;
    media::check_publishable(&db.store, &dangling)
        .await
        .unwrap();
}

async fn the_article_page_shows_the_lead_image_with_srcset(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let files = MediaFiles::new(app.db.dir.path());
    let image = media::ingest(
        &app.db.store,
        &files,
        encode(&picture(1200, 800), "jpeg"),
        "troops.jpg",
        MediaText {
            caption: "Troops <arrive> at the base".into(),
            credit: "AP".into(),
            alt: "Soldiers walk across a runway".into(),
        },
        None,
        NOW,
    )
    .await
    .unwrap();
    let path = ("world", "us-to-send-560-additional-troops-to-iraq");
    with_lead_image(&app.db.store, path, &image.reference()).await;

    let (status, html) = app.get_text(&format!("/{}/{}", path.0, path.1)).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Troops &lt;arrive&gt; at the base"),
        "caption is escaped"
    );
    let document = scraper::Html::parse_document(&html);
    let select = |css: &str| scraper::Selector::parse(css).unwrap();
    let img = document
        .select(&select("figure picture img"))
        .next()
        .expect("an img");
    let h = &image.hash;
    assert_eq!(
        img.attr("srcset"),
        Some(format!("/media/{h}-320.jpg 320w, /media/{h}-640.jpg 640w, /media/{h}-1024.jpg 1024w, /media/{h}-1200.jpg 1200w").as_str())
    );
    assert_eq!(
        img.attr("src"),
        Some(format!("/media/{h}-1024.jpg").as_str())
    );
    assert_eq!(
        (img.attr("width"), img.attr("height")),
        (Some("1024"), Some("683"))
    );
    assert_eq!(img.attr("alt"), Some("Soldiers walk across a runway"));
    assert!(img.attr("sizes").is_some());
    let source = document
        .select(&select("figure picture source"))
        .next()
        .unwrap();
    assert_eq!(source.attr("type"), Some("image/webp"));
    assert!(
        source
            .attr("srcset")
            .unwrap()
            .contains(&format!("/media/{h}-640.webp 640w"))
    );
    let caption: String = document
        .select(&select("figure figcaption"))
        .next()
        .unwrap()
        .text()
        .collect();
    assert_eq!(caption, "Troops <arrive> at the base AP");

    // Every file of the srcsets is served, typed, and cached forever.
    for url in [
        format!("/media/{h}-640.webp"),
        format!("/media/{h}-1200.jpg"),
    ] {
        let response = app.get(&url).await;
        assert_eq!(response.status(), 200, "{url}");
        let content_type = response.header("content-type").unwrap().to_owned();
        assert!(content_type.starts_with("image/"), "{content_type}");
        assert_eq!(
            response.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        let bytes = response.bytes();
        assert_eq!(bytes, read_file(&app.db, &url).as_slice());
    }
    for missing in [
        format!("/media/{h}-999.jpg"),
        "/media/..%2F..%2Fmasthead.db".to_owned(),
        format!("/media/{}-640.jpg", &h[1..]),
    ] {
        assert_eq!(app.get(&missing).await.status(), 404, "{missing}");
    }
}

/// A multipart body (built by hand: the test client has no multipart
/// feature) with a file field and text fields.
pub fn multipart(file_name: &str, bytes: &[u8], fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "masthead-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
             Content-Type: image/jpeg\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub async fn post_upload(
    session: &Session,
    json: bool,
    file_name: &str,
    bytes: &[u8],
    alt: &str,
) -> Page {
    let (content_type, body) = multipart(
        file_name,
        bytes,
        &[("alt", alt), ("caption", "A caption"), ("credit", "Staff")],
    );
    let mut request = session
        .client()
        .post(session.url("/admin/media"))
        .header("content-type", content_type)
        .body(body);
    if json {
        request = request.header("accept", "application/json");
    }
    session.send(request).await
}

async fn uploads_need_a_signed_in_user_and_answer_json_or_the_form(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let png = encode(&picture(500, 300), "png");

    let anonymous = app.session();
    let response = post_upload(&anonymous, true, "a.png", &png, "Alt").await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.location(), Some("/admin/login"));
    assert_eq!(app.session().get("/admin/media").await.status(), 303);
    assert!(
        MediaFiles::new(app.db.dir.path())
            .list()
            .await
            .unwrap()
            .is_empty()
    );

    let (writer, session) = app.session_as(Role::Writer).await;
    let response = post_upload(&session, true, "a.png", &png, "Boats in a harbour").await;
    assert_eq!(response.status(), 201);
    let json = response.json();
    let id = json["id"].as_i64().unwrap();
    assert_eq!(json["reference"], format!("media:{id}"));
    assert_eq!(
        (json["width"].as_u64(), json["height"].as_u64()),
        (Some(500), Some(300))
    );
    assert_eq!(json["alt"], "Boats in a harbour");
    let derivatives = json["derivatives"].as_array().unwrap();
    assert_eq!(
        derivatives.len(),
        4,
        "320 and 500 wide, JPEG and WebP: {json}"
    );
    let stored = media::find(&app.db.store, id).await.unwrap().unwrap();
    assert_eq!(stored.uploaded_by, Some(writer.id));
    for derivative in derivatives {
        let url = derivative["url"].as_str().unwrap();
        assert_eq!(app.get(url).await.status(), 200, "{url}");
    }

    // The HTML form: redirected to the list, which shows the reference.
    let response = post_upload(
        &session,
        false,
        "b.png",
        &encode(&picture(90, 60), "gif"),
        "",
    )
    .await;
    assert_eq!(response.status(), 303);
    let location = response.location().unwrap().to_owned();
    assert!(location.starts_with("/admin/media?uploaded="), "{location}");
    let response = session.get(&location).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.header("cache-control"), Some("private, no-store"));
    let html = response.text();
    let second = location.rsplit('=').next().unwrap();
    assert!(
        html.contains(&format!("Use media:{second} as a story")),
        "{html}"
    );
    assert!(html.contains(&format!("<code>media:{id}</code>")));
    assert!(
        html.contains("No alt text")
            || html.contains(&format!("id=\"alt-{second}\" name=\"alt\" value=\"\""))
    );
}

async fn bad_uploads_get_a_clear_error_and_store_nothing(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (_, session) = app.session_as(Role::Editor).await;

    let response = post_upload(&session, true, "cat.jpg", b"just some text, honestly", "x").await;
    assert_eq!(response.status(), 415);
    let json = response.json();
    assert_eq!(json["error"]["code"], "not_an_image");
    assert!(
        json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not a JPEG, PNG, WebP or GIF")
    );

    let response = post_upload(&session, true, "bomb.png", &png_bomb(), "x").await;
    assert_eq!(response.status(), 422);
    let json = response.json();
    assert_eq!(json["error"]["code"], "too_many_pixels");
    assert!(
        json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("40 megapixels")
    );

    // Over 20 MiB (but within the request limit): refused with the limit named.
    let mut big = encode(&picture(64, 64), "jpeg");
    big.resize(media::MAX_UPLOAD_BYTES + 1024 * 1024, 0);
    let response = post_upload(&session, true, "huge.jpg", &big, "x").await;
    assert_eq!(response.status(), 413);
    let json = response.json();
    assert_eq!(json["error"]["code"], "too_large");
    assert!(
        json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("limited to 20 MiB")
    );

    // The HTML form shows the message on the page.
    let response = post_upload(&session, false, "huge.jpg", &big, "x").await;
    assert_eq!(response.status(), 413);
    let html = response.text();
    assert!(html.contains("Upload refused: the file is"), "{html}");
    assert!(html.contains("limited to 20 MiB"));

    assert!(
        MediaFiles::new(app.db.dir.path())
            .list()
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(media_rows(&app.db.store).await, 0);
    // Other routes keep the site-wide 2 MiB limit.
    let response = session
        .send(
            session
                .client()
                .post(session.url("/admin/sections"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(vec![b'a'; 3 * 1024 * 1024]),
        )
        .await;
    assert_eq!(response.status(), 413);
}

async fn writers_edit_the_text_of_their_own_images_only(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (_, writer) = app.session_as(Role::Writer).await;
    let (_, editor) = app.session_as(Role::Editor).await;
    let png = encode(&picture(100, 100), "png");
    let upload = |session| {
        let png = png.clone();
        async move {
            let response = post_upload(session, true, "a.png", &png, "").await;
            assert_eq!(response.status(), 201);
            response.json()["id"].as_i64().unwrap()
        }
    };
    let own = upload(&writer).await;
    let editors = upload(&editor).await;
    let edit = async |session: &Session, id: i64| {
        session
            .post_form(
                &format!("/admin/media/{id}"),
                &[
                    ("alt", "A lighthouse at night"),
                    ("caption", "Cap"),
                    ("credit", "Cred"),
                ],
            )
            .await
            .status()
    };
    assert_eq!(edit(&writer, own).await, 303);
    assert_eq!(edit(&writer, editors).await, 403);
    assert_eq!(edit(&editor, own).await, 303);
    assert_eq!(edit(&editor, 9999).await, 404);
    let stored = media::find(&app.db.store, own).await.unwrap().unwrap();
    assert_eq!(stored.alt, "A lighthouse at night");
    assert_eq!(
        media::find(&app.db.store, editors)
            .await
            .unwrap()
            .unwrap()
            .alt,
        ""
    );
}

async fn masthead_check_finds_a_damaged_or_missing_media_file(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    let image = ingest(&db, encode(&picture(400, 300), "png"), "a.png", "Alt")
        .await
        .unwrap();
    let report = masthead::ops::checks::run(&db.store, db.dir.path())
        .await
        .unwrap();
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    assert!(
        report
            .checked
            .iter()
            .any(|c| c.starts_with("5 media files in ")),
        "{:?}",
        report.checked
    );

    let media_dir = db.dir.path().join("media").join(&image.hash[..2]);
    let original = media_dir.join(image.original_url().trim_start_matches("/media/"));
    std::fs::write(&original, b"not the picture any more").unwrap();
    let derivative = image.url(&image.derivatives[0]);
    std::fs::remove_file(media_dir.join(derivative.trim_start_matches("/media/"))).unwrap();

    let report = masthead::ops::checks::run(&db.store, db.dir.path())
        .await
        .unwrap();
    let problems: Vec<_> = report.findings.iter().map(|f| f.problem.as_str()).collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems
            .iter()
            .any(|p| p.contains("is damaged") && p.contains(&image.hash)),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("is missing")),
        "{problems:?}"
    );
}

async fn the_workflow_refuses_to_publish_a_lead_image_without_alt_text(backend: Backend) {
    use masthead::publishing::{self, Actor, Role};
    let Some(db) = store(backend).await else {
        return;
    };
    let world = masthead::sections::create(&db.store, &Actor::command_line(), "World", None, NOW)
        .await
        .unwrap();
    let no_alt = ingest(&db, encode(&picture(100, 80), "png"), "a.png", "")
        .await
        .unwrap();
    let mut draft = masthead::articles::NewArticle {
        section: masthead::articles::SectionRef {
            id: world.id,
            slug: world.slug,
            name: world.name,
        },
        slug: None,
        headline: "Troops arrive".into(),
        standfirst: String::new(),
        teaser: None,
        body_source: "Body.".into(),
        body_format: masthead::articles::BodyFormat::Markdown,
        dateline: String::new(),
        bylines: vec![],
        tags: vec![],
    }
    .into_draft(NOW)
    .unwrap();
    draft.lead_image = Some(no_alt.reference());
    let draft = masthead::articles::create(&db.store, draft, "writer", "draft")
        .await
        .unwrap();
    let editor = Actor {
        id: Some(1),
        name: "editor".into(),
        audit_name: "editor".into(),
        role: Some(Role::Editor),
        address: None,
    };

    let error = publishing::publish(&db.store, &editor, draft.id, NOW)
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("alt text"), "{error}");
    let error = publishing::schedule(&db.store, &editor, draft.id, NOW + 3600, NOW)
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("alt text"), "{error}");
    assert!(
        masthead::articles::visible_list(&db.store, None, i64::MAX, None, None, 10)
            .await
            .unwrap()
            .is_empty()
    );

    media::update_text(&db.store, no_alt.id, text("Soldiers at the airbase"), NOW)
        .await
        .unwrap();
    let published = publishing::publish(&db.store, &editor, draft.id, NOW)
        .await
        .unwrap();
    assert!(published.is_visible(NOW));
}

/// The picker's JSON list of `/admin/media` with this query.
async fn picker(session: &Session, query: &str) -> serde_json::Value {
    let request = session
        .client()
        .get(session.url(&format!("/admin/media?{query}")))
        .header("accept", "application/json");
    let page = session.send(request).await;
    assert_eq!(page.status(), 200, "{query}: {}", page.text());
    page.json()
}

fn ids(list: &serde_json::Value) -> Vec<i64> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect()
}

async fn the_editors_image_picker_pages_through_the_library_and_searches_its_text(
    backend: Backend,
) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    // 53 images: one upload, and 52 more rows sharing its files with text
    // of their own.
    let files = MediaFiles::new(app.db.dir.path());
    let row = media::prepare(
        &files,
        encode(&picture(400, 300), "png"),
        text("first"),
        None,
        NOW,
    )
    .await
    .unwrap();
    let mut made = Vec::new();
    for n in 0..53 {
        let (alt, caption, credit) = match n {
            7 => ("Boats in the Harbour", "", ""),
            20 => ("", "harbour at dawn", ""),
            31 => ("A quay", "", "HARBOUR AUTHORITY"),
            40 => ("Rates up 50% at the port", "", ""),
            41 => ("Rates up 50 times", "", ""),
            _ => ("A street", "", ""),
        };
        let row = masthead::storage::MediaRow {
            alt: alt.into(),
            caption: caption.into(),
            credit: credit.into(),
            ..row.clone()
        };
        made.push(app.app.store().insert_media(&row, &[]).await.unwrap());
    }
    made.reverse(); // newest first, as the picker lists them
    let (_, editor) = app.session_as(Role::Editor).await;

    // A page of 50, newest first, and where the next one starts.
    let first = picker(&editor, "").await;
    assert_eq!(ids(&first), made[..50]);
    assert_eq!(first["next"].as_i64(), Some(made[49]));
    let rest = picker(&editor, &format!("before={}", made[49])).await;
    assert_eq!(ids(&rest), made[50..]);
    assert!(rest["next"].is_null(), "{rest}");

    // Words in the alt text, caption or credit, in any case.
    let harbour = picker(&editor, "q=harbour").await;
    assert_eq!(
        ids(&harbour),
        [made[53 - 1 - 31], made[53 - 1 - 20], made[53 - 1 - 7]]
    );
    assert!(harbour["next"].is_null());
    // `%` is a character to find, not a wildcard.
    assert_eq!(ids(&picker(&editor, "q=50%25").await), [made[53 - 1 - 40]]);
    let none = picker(&editor, "q=volcano").await;
    assert!(ids(&none).is_empty());
    // Only for the newsroom.
    let request = app
        .session()
        .client()
        .get(app.url("/admin/media?q=harbour"))
        .header("accept", "application/json");
    assert_eq!(app.session().send(request).await.status(), 303);
}
