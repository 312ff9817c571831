//! The app served over real HTTP on a free port, on a fresh database with
//! a fixed clock; sessions ([`Session`]) are made from it.

use std::net::SocketAddr;

use masthead::accounts::{Role, User};
use masthead::app::{App, Clock};
use masthead::config::Config;
use masthead::media::MediaFiles;
use masthead::storage::{AuditRow, Store};

use super::db::{Backend, TestStore, demo_site, store};
use super::session::{self, Session};
use super::{NOW, SEED};

/// The app served over HTTP on a free loopback port.
#[allow(
    dead_code,
    reason = "not every test reaches into the app or its database"
)]
pub struct TestApp {
    pub address: SocketAddr,
    pub app: App,
    pub client: reqwest::Client,
    pub db: TestStore,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.address, path)
    }

    /// `GET path` as an anonymous reader without cookies (a
    /// [`TestApp::cookieless`] session).
    pub async fn get(&self, path: &str) -> session::Page {
        self.cookieless().get(path).await
    }

    /// `GET path` as [`TestApp::get`]: the status and the text.
    pub async fn get_text(&self, path: &str) -> (u16, String) {
        self.cookieless().get_text(path).await
    }

    /// The app's store.
    pub fn store(&self) -> &Store {
        self.app.store()
    }

    /// An anonymous visitor with a cookie jar.
    pub fn session(&self) -> Session {
        Session::new(self, session::cookie_client())
    }

    /// A visitor without a cookie jar (each request on its own, as an API
    /// client or a script sends it), through [`TestApp::client`].
    pub fn cookieless(&self) -> Session {
        Session::new(self, self.client.clone())
    }

    /// A visitor without a cookie jar that sends the session cookie
    /// `masthead_session=<id>` with every request (a stolen or old id).
    pub fn with_session_cookie(&self, id: &str) -> Session {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::COOKIE,
            format!("masthead_session={id}")
                .parse()
                .expect("a cookie header"),
        );
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .expect("client");
        Session::new(self, client)
    }

    /// A visitor signed in as the existing account `email` (with
    /// [`session::PASSWORD`]); panics if the sign-in is refused.
    pub async fn signed_in(&self, email: &str) -> Session {
        let session = self.session();
        let page = session.sign_in(email, session::PASSWORD).await;
        assert_eq!(
            page.status(),
            303,
            "sign-in as {email} failed: {}",
            page.text()
        );
        session
    }

    /// A new account `email` with `role`, and a session signed in as it.
    pub async fn new_account(&self, email: &str, role: Role) -> (User, Session) {
        let user = session::create_user(self, email, role).await;
        (user, self.signed_in(email).await)
    }

    /// A new account `<role>@news.example` with `role`, signed in.
    pub async fn session_as(&self, role: Role) -> (User, Session) {
        self.new_account(&format!("{}@news.example", role.as_str()), role)
            .await
    }

    /// The audit log as administrators read it, newest first (the newest
    /// 1000 entries).
    pub async fn audit_log(&self) -> Vec<AuditRow> {
        masthead::audit::list(self.store(), None, 1000)
            .await
            .expect("read the audit log")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Serves a site on a fresh database with a fixed clock at [`NOW`]; with
/// `seed`, the seed page is imported first.
pub async fn spawn(backend: Backend, seed: bool) -> Option<TestApp> {
    spawn_with(backend, seed, |_| {}).await
}

/// [`spawn`] with settings changed by `configure` (e.g. trusted proxies).
pub async fn spawn_with(
    backend: Backend,
    seed: bool,
    configure: impl FnOnce(&mut Config),
) -> Option<TestApp> {
    let db = store(backend).await?;
    Some(serve(db, seed, configure, Clock::fixed(NOW)).await)
}

/// Serves a site on `db` with `clock` (the system clock for the clock tests,
/// a store on a small disk for the disk tests).
pub async fn serve(
    db: TestStore,
    seed: bool,
    configure: impl FnOnce(&mut Config),
    clock: Clock,
) -> TestApp {
    serve_with_media(db, seed, None, configure, clock).await
}

/// [`serve`] with its media in `media` (an S3 store, say) instead of the
/// data folder's `media/`.
pub async fn serve_with_media(
    db: TestStore,
    seed: bool,
    media: Option<MediaFiles>,
    configure: impl FnOnce(&mut Config),
    clock: Clock,
) -> TestApp {
    let site = demo_site(&db.store).await;
    if seed {
        masthead::imports::import_text(&db.store, &site, "seed-page.txt", SEED, NOW)
            .await
            .expect("import seed");
    }
    let mut config = Config::for_data_dir(db.dir.path());
    config.database_url = db.database_url.clone();
    configure(&mut config);
    let app = match media {
        Some(media) => App::with_media(db.store.clone(), media, config, clock),
        None => App::new(db.store.clone(), config, clock),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(masthead::http::serve(app.clone(), listener, async {
        let _ = rx.await;
    }));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        address,
        app,
        client,
        db,
        shutdown: Some(tx),
    }
}
