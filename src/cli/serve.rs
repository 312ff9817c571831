//! `masthead serve` and the first start: an empty database becomes the demo
//! newsroom (or an empty site with `--no-demo`).

use anyhow::Context;

use crate::app::{App, Clock};
use crate::config::Config;
use crate::site::{self, Settings, Site};
use crate::storage::Store;

/// The seed page the demo newsroom starts with.
pub const DEMO_PAGE: &str = include_str!("../../fixtures/seed-page.txt");

pub async fn run(config: Config, no_demo: bool) -> anyhow::Result<()> {
    let store = super::open(&config).await?;
    ensure_site(&store, &config, !no_demo).await?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    tracing::info!(
        address = %listener.local_addr()?,
        database = store.backend(),
        "masthead is serving on http://{}",
        listener.local_addr()?
    );
    let base = config
        .base_url
        .clone()
        .unwrap_or_else(|| local_url(listener.local_addr()));
    super::users::announce_setup(&store, &base, jiff::Timestamp::now().as_second()).await?;
    let app = App::new(store.clone(), config, Clock::system());
    crate::http::serve(app, listener, crate::http::shutdown_signal())
        .await
        .context("server failed")?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// `http://<address>` of the listener, with `localhost` for "every address".
fn local_url(address: std::io::Result<std::net::SocketAddr>) -> String {
    match address {
        Ok(a) if a.ip().is_unspecified() => format!("http://localhost:{}", a.port()),
        Ok(a) => format!("http://{a}"),
        Err(_) => "http://localhost".into(),
    }
}

/// Creates the site's settings on first start, and the demo content with
/// them when `demo` is set. A site that exists is left as it is.
pub async fn ensure_site(store: &Store, config: &Config, demo: bool) -> anyhow::Result<()> {
    if store.site().await?.is_some() {
        return Ok(());
    }
    let now = jiff::Timestamp::now().as_second();
    let site = site::save(store, &Settings::demo(&config.public_base_url()), now).await?;
    if demo {
        import_demo(store, &site, now).await?;
        tracing::info!("created the demo newsroom");
    } else {
        tracing::info!("created an empty site");
    }
    Ok(())
}

/// Imports the seed page as the demo newsroom.
pub async fn import_demo(store: &Store, site: &Site, now: i64) -> anyhow::Result<()> {
    crate::imports::import_text(store, site, "seed-page.txt", DEMO_PAGE, now)
        .await
        .context("cannot import the demo newsroom")?;
    Ok(())
}
