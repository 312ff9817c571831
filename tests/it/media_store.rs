//! Media in an S3-compatible object store (`--media-store s3://...`), on a
//! real server (Garage, started by `support::s3`): uploads land whole in
//! the bucket, image and every derivative, and are served from it with the
//! same headers as from a folder, by this node and by another node on the
//! same database and bucket; a refused upload leaves no object; backups
//! carry the objects and restores put them back; `masthead check` names a
//! missing or damaged object; a store that refuses masthead stops `serve`
//! with the reason.

use masthead::accounts::Role;
use masthead::app::Clock;
use masthead::media::{self, Media, MediaFiles, MediaText};
use masthead::storage::Store;

use crate::media::{encode, picture, post_upload};
use crate::on_both;
use crate::support::s3::{self, S3};
use crate::support::{self, Backend, NOW, Session, TestApp, TestStore, procs};

on_both!(
    an_upload_puts_the_image_and_every_derivative_in_the_bucket_and_serves_them,
    a_refused_upload_leaves_no_object_in_the_bucket,
    a_backup_carries_the_objects_and_a_restore_puts_them_in_another_bucket_prefix,
    masthead_check_names_a_missing_or_damaged_object,
);

/// Every stored path (`<aa>/<name>`) an image has: its original and each
/// derivative.
fn paths_of(image: &Media) -> Vec<String> {
    let shard = &image.hash[..2];
    let mut paths: Vec<String> = std::iter::once(image.original_url())
        .chain(image.derivatives.iter().map(|d| image.url(d)))
        .map(|url| format!("{shard}/{}", url.trim_start_matches("/media/")))
        .collect();
    paths.sort();
    paths
}

/// `url` as the `/media/...` address readers fetch.
fn address(path: &str) -> String {
    format!("/media/{}", path.split_once('/').unwrap().1)
}

/// A site on `backend` whose media live at a fresh prefix of the test
/// bucket; `None` when PostgreSQL or the S3 server is missing off CI.
async fn app_on_s3(backend: Backend) -> Option<(TestApp, &'static S3, String, MediaFiles)> {
    let s3 = s3::server()?;
    let db = support::store(backend).await?;
    let url = s3.fresh_store_url();
    let files = s3.media(&url);
    let store_url = url.clone();
    let app = support::serve_with_media(
        db,
        true,
        Some(files.clone()),
        move |config| config.media_store = Some(store_url),
        Clock::fixed(NOW),
    )
    .await;
    Some((app, s3, url, files))
}

/// Each path is served at its address with the bytes the bucket holds, the
/// type of its extension and the immutable cache header (twice: the second
/// answer of a small file comes from the in-memory cache).
async fn assert_served(reader: &Session, files: &MediaFiles, paths: &[String]) {
    for path in paths {
        let stored = files
            .read_relative(path)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{path} is not in the bucket"));
        for _ in 0..2 {
            let page = reader.get(&address(path)).await;
            assert_eq!(page.status(), 200, "{path}");
            let ext = path.rsplit_once('.').unwrap().1;
            assert_eq!(
                page.header("content-type"),
                Some(media::content_type(ext)),
                "{path}"
            );
            assert_eq!(
                page.header("cache-control"),
                Some("public, max-age=31536000, immutable"),
                "{path}"
            );
            assert!(page.bytes() == stored.as_ref(), "{path}: other bytes");
        }
    }
}

async fn an_upload_puts_the_image_and_every_derivative_in_the_bucket_and_serves_them(
    backend: Backend,
) {
    let Some((app, _s3, _url, files)) = app_on_s3(backend).await else {
        return;
    };
    let (_, writer) = app.session_as(Role::Writer).await;
    let png = encode(&picture(1200, 800), "png");
    let answer = post_upload(&writer, true, "harbour.png", &png, "Boats in the harbour").await;
    assert_eq!(answer.status(), 201, "{}", answer.text());
    let id = answer.json()["id"].as_i64().unwrap();
    let image = media::find(app.store(), id).await.unwrap().unwrap();
    assert!(image.derivatives.len() >= 6, "{:?}", image.derivatives);

    // Exactly the image's files, in the bucket, and nothing on local disk.
    let paths = paths_of(&image);
    assert_eq!(files.list_relative().await.unwrap(), paths);
    assert!(!app.db.dir.path().join("media").exists());

    assert_served(&app.cookieless(), &files, &paths).await;
    // A well-formed name the bucket does not have is the reader's 404.
    let missing = format!("/media/{}-999.jpg", image.hash);
    assert_eq!(app.get(&missing).await.status(), 404);
}

async fn a_refused_upload_leaves_no_object_in_the_bucket(backend: Backend) {
    let Some((app, _s3, _url, files)) = app_on_s3(backend).await else {
        return;
    };
    let (_, writer) = app.session_as(Role::Writer).await;
    let png = encode(&picture(900, 600), "png");
    let truncated = &png[..png.len() / 2];
    for (name, bytes) in [
        (
            "notes.jpg",
            b"these are not the pixels you are looking for".as_slice(),
        ),
        ("half.png", truncated),
    ] {
        let answer = post_upload(&writer, true, name, bytes, "Alt").await;
        assert!(
            (400..500).contains(&answer.status()),
            "{name}: {} {}",
            answer.status(),
            answer.text()
        );
    }
    assert_eq!(files.list_relative().await.unwrap(), Vec::<String>::new());
    assert!(
        media::list(app.store(), None, 10).await.unwrap().is_empty(),
        "no media row"
    );
}

/// `masthead ARGS` on `data_dir` / `database_url`, media at `media_store`,
/// with the S3 server's `AWS_*` settings in its environment.
fn masthead_on(
    s3: &S3,
    data_dir: &std::path::Path,
    database_url: Option<&str>,
    media_store: &str,
    args: &[&str],
) -> std::process::Output {
    let mut command = procs::masthead();
    command.arg("--data-dir").arg(data_dir);
    if let Some(url) = database_url {
        command.arg("--database-url").arg(url);
    }
    command
        .args(["--media-store", media_store])
        .args(args)
        .envs(s3.aws_env())
        .output()
        .expect("run masthead")
}

async fn ingest(db: &TestStore, files: &MediaFiles, width: u32) -> Media {
    let text = MediaText {
        caption: "Nets drying on the quay".into(),
        credit: "Staff".into(),
        alt: "Fishing nets".into(),
    };
    let png = encode(&picture(width, width * 2 / 3), "png");
    media::ingest(&db.store, files, png, "nets.png", text, None, NOW)
        .await
        .unwrap()
}

async fn a_backup_carries_the_objects_and_a_restore_puts_them_in_another_bucket_prefix(
    backend: Backend,
) {
    let Some(s3) = s3::server() else { return };
    let Some(source) = support::store(backend).await else {
        return;
    };
    support::demo_site(&source.store).await;
    let source_url = s3.fresh_store_url();
    let source_files = s3.media(&source_url);
    let image = ingest(&source, &source_files, 800).await;
    let paths = paths_of(&image);

    let archive = tempfile::tempdir().unwrap();
    let file = archive.path().join("site.tar");
    let file_arg = file.to_str().unwrap();
    let backup = masthead_on(
        s3,
        source.dir.path(),
        source.database_url.as_deref(),
        &source_url,
        &["backup", file_arg],
    );
    assert!(backup.status.success(), "{}", procs::describe(&backup));

    // Into an empty database and an empty prefix of the bucket.
    let (target_dir, target_db) = match backend {
        Backend::Sqlite => (tempfile::tempdir().unwrap(), None),
        Backend::Postgres => {
            let db = support::store(backend).await.expect("postgres");
            db.store.close().await;
            (db.dir, db.database_url)
        }
    };
    let target_url = s3.fresh_store_url();
    let target_files = s3.media(&target_url);
    let restore = masthead_on(
        s3,
        target_dir.path(),
        target_db.as_deref(),
        &target_url,
        &["restore", file_arg],
    );
    assert!(restore.status.success(), "{}", procs::describe(&restore));
    assert_eq!(target_files.list_relative().await.unwrap(), paths);
    for path in &paths {
        assert_eq!(
            target_files.read_relative(path).await.unwrap(),
            source_files.read_relative(path).await.unwrap(),
            "{path}"
        );
    }
    assert!(!target_dir.path().join("media").exists(), "nothing on disk");
    let check = masthead_on(
        s3,
        target_dir.path(),
        target_db.as_deref(),
        &target_url,
        &["check"],
    );
    assert!(check.status.success(), "{}", procs::describe(&check));

    // A second restore without --force finds the site there.
    let again = masthead_on(
        s3,
        target_dir.path(),
        target_db.as_deref(),
        &target_url,
        &["restore", file_arg],
    );
    assert!(!again.status.success(), "{}", procs::describe(&again));
    assert!(
        procs::describe(&again).contains("not empty"),
        "{}",
        procs::describe(&again)
    );

    // The restored site serves the image from its prefix.
    let restored = Store::open(target_db.as_deref(), target_dir.path())
        .await
        .unwrap();
    let app = support::serve_with_media(
        TestStore {
            store: restored,
            dir: target_dir,
            database_url: target_db,
        },
        false,
        Some(target_files.clone()),
        |_| {},
        Clock::fixed(NOW),
    )
    .await;
    assert_served(&app.cookieless(), &target_files, &paths).await;
}

async fn masthead_check_names_a_missing_or_damaged_object(backend: Backend) {
    let Some(s3) = s3::server() else { return };
    let Some(db) = support::store(backend).await else {
        return;
    };
    support::demo_site(&db.store).await;
    let url = s3.fresh_store_url();
    let files = s3.media(&url);
    let image = ingest(&db, &files, 640).await;
    let check = || {
        masthead_on(
            s3,
            db.dir.path(),
            db.database_url.as_deref(),
            &url,
            &["check"],
        )
    };
    let clean = check();
    assert!(clean.status.success(), "{}", procs::describe(&clean));
    let stdout = String::from_utf8_lossy(&clean.stdout).into_owned();
    assert!(
        stdout.contains(&format!(
            "checked {} media files in {url}",
            paths_of(&image).len()
        )),
        "{stdout}"
    );

    // One derivative gone, the original replaced by other bytes.
    let derivative = format!(
        "{}/{}",
        &image.hash[..2],
        image
            .url(&image.derivatives[0])
            .trim_start_matches("/media/")
    );
    files.delete_relative(&derivative).await.unwrap();
    let original = format!(
        "{}/{}",
        &image.hash[..2],
        image.original_url().trim_start_matches("/media/")
    );
    files.delete_relative(&original).await.unwrap();
    files
        .put_relative(&original, bytes::Bytes::from_static(b"not the picture"))
        .await
        .unwrap();

    let found = check();
    assert_eq!(found.status.code(), Some(1), "{}", procs::describe(&found));
    let stdout = String::from_utf8_lossy(&found.stdout).into_owned();
    assert!(
        stdout.contains(&format!("the media file {url}/{derivative} is missing")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("the media file {url}/{original} is damaged")),
        "{stdout}"
    );
    assert!(
        stdout.contains("2 problems found") || procs::describe(&found).contains("2 problems found")
    );
}

/// Two `masthead serve` processes on one PostgreSQL database and one
/// bucket: what one node took in, the other serves.
#[tokio::test]
async fn an_image_uploaded_through_one_node_is_served_by_another() {
    let Some(s3) = s3::server() else { return };
    let Some(db) = support::store(Backend::Postgres).await else {
        return;
    };
    let url = s3.fresh_store_url();
    let files = s3.media(&url);
    let env: Vec<(String, String)> = s3.aws_env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let logs = tempfile::tempdir().unwrap();
    let start = |name: &str| {
        let dir = logs.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        procs::Server::start(
            &dir,
            db.database_url.as_deref(),
            &["--media-store", &url],
            &env,
            &logs.path().join(format!("{name}.log")),
        )
    };
    let mut a = start("a");
    assert!(
        a.wait_ready(std::time::Duration::from_secs(30)).await,
        "{}",
        a.logs()
    );
    let mut b = start("b");
    assert!(
        b.wait_ready(std::time::Duration::from_secs(30)).await,
        "{}",
        b.logs()
    );
    masthead::accounts::create_user(
        &db.store,
        &masthead::actor::Actor::command_line(),
        "photo@news.example",
        "Photo Desk",
        Role::Writer,
        Some(support::PASSWORD),
        NOW,
    )
    .await
    .unwrap();

    let writer = Session::at(&a.url(""));
    let signed_in = writer
        .sign_in("photo@news.example", support::PASSWORD)
        .await;
    assert_eq!(signed_in.status(), 303, "{}", signed_in.text());
    let png = encode(&picture(1000, 700), "png");
    let answer = post_upload(&writer, true, "quay.png", &png, "The quay at dawn").await;
    assert_eq!(answer.status(), 201, "{}\n{}", answer.text(), a.logs());
    let image = media::find(&db.store, answer.json()["id"].as_i64().unwrap())
        .await
        .unwrap()
        .unwrap();

    let paths = paths_of(&image);
    assert_eq!(files.list_relative().await.unwrap(), paths);
    for node in ["a", "b"] {
        assert!(
            !logs.path().join(node).join("media").exists(),
            "{node}'s disk"
        );
    }
    assert_served(&Session::at(&b.url("")), &files, &paths).await;
    // And B's library lists it, its thumbnail one of those addresses.
    let editor = Session::at(&b.url(""));
    assert_eq!(
        editor
            .sign_in("photo@news.example", support::PASSWORD)
            .await
            .status(),
        303
    );
    let library = editor.get("/admin/media").await;
    let thumbnails = library.attrs("img", "src");
    assert!(
        thumbnails
            .iter()
            .any(|src| paths.iter().any(|p| address(p) == *src)),
        "{thumbnails:?}"
    );
    drop((a, b));
}

/// A bucket that refuses masthead's credentials stops `serve` at start,
/// naming the store; nothing is served that could not show its images.
#[tokio::test]
async fn serve_stops_at_start_when_the_media_store_refuses_it() {
    let Some(s3) = s3::server() else { return };
    let dir = tempfile::tempdir().unwrap();
    let url = s3.fresh_store_url();
    let mut env = s3.aws_env();
    for (key, value) in &mut env {
        if key == "AWS_SECRET_ACCESS_KEY" {
            *value = "0".repeat(64);
        }
    }
    let port = procs::free_port().to_string();
    let output = procs::masthead()
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--media-store", &url])
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .envs(env)
        .output()
        .unwrap();
    let text = procs::describe(&output);
    assert!(!output.status.success(), "{text}");
    assert!(
        text.contains(&format!("cannot reach the media store {url}")),
        "{text}"
    );
    assert!(!text.contains(&"0".repeat(64)), "the secret was printed");
}
