//! `masthead serve` and the first start: an empty database becomes the demo
//! newsroom (or an empty site with `--no-demo`).

use anyhow::Context;

use crate::app::{App, Clock};
use crate::config::Config;
use crate::site::{self, Settings, Site};
use crate::storage::Store;

/// The seed page the demo newsroom starts with.
pub(super) const DEMO_PAGE: &str = include_str!("../../fixtures/seed-page.txt");

pub(super) async fn run(config: Config, no_demo: bool) -> anyhow::Result<()> {
    // One server per SQLite data folder; PostgreSQL nodes share a database.
    let _lock = if config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir).with_context(|| {
            format!(
                "cannot create the data folder {}",
                config.data_dir.display()
            )
        })?;
        Some(super::lock::lock(&config.data_dir, "serving")?)
    } else {
        None
    };
    // Every connection is a file: take all the files the system allows.
    crate::http::connections::raise_open_files_limit();
    let store = super::open(&config).await?;
    let media = super::media_store(&config).await?;
    ensure_site(&store, &config, !no_demo).await?;
    let listener = crate::http::connections::listen(config.listen)
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let metrics_listener = match config.metrics_listen {
        Some(address) => Some(
            tokio::net::TcpListener::bind(address)
                .await
                .with_context(|| format!("cannot listen for metrics on {address}"))?,
        ),
        None => None,
    };
    tracing::info!(
        address = %listener.local_addr()?,
        database = store.backend(),
        media = %media.describe(),
        "masthead is serving on http://{}",
        listener.local_addr()?
    );
    let base = config
        .base_url
        .clone()
        .unwrap_or_else(|| local_url(listener.local_addr()));
    super::users::announce_setup(&store, &base, jiff::Timestamp::now().as_second()).await?;
    let drain = config.shutdown_timeout;
    let app = App::with_media(store.clone(), media, config, Clock::system());
    // WebSub pings follow the changes feed with their own cursor.
    let websub = app.health().register(
        crate::feeds::websub::CONSUMER,
        std::time::Duration::from_secs(600),
    );
    tokio::spawn(crate::feeds::websub::run(
        store.clone(),
        app.outbound().clone(),
        websub,
    ));
    // The purge webhook follows the feed with its own cursor too.
    if let Some(url) = app.config().purge_webhook.clone() {
        let job = app.health().register(
            crate::cache::webhook::CONSUMER,
            std::time::Duration::from_secs(600),
        );
        let app = app.clone();
        tokio::spawn(async move {
            let (store, client) = (app.store().clone(), app.outbound().clone());
            crate::cache::webhook::run(store, client, url, app.follower().purged(), job).await;
        });
    }
    // Publishes due stories every second; its first pass catches up on
    // everything that fell due while the site was down.
    tokio::spawn({
        let app = app.clone();
        async move {
            crate::publishing::scheduler::run(app.store().clone(), app.clock(), app.health()).await;
        }
    });

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        crate::http::shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    if let Some(listener) = metrics_listener {
        tracing::info!(address = %listener.local_addr()?, "metrics on http://{}/metrics", listener.local_addr()?);
        let router = crate::http::ops::metrics_router(app.clone());
        tokio::spawn(crate::http::serve_bounded(
            listener,
            router,
            app.config().connection_limits(),
            stopped(stop_rx.clone()),
            drain,
        ));
    }
    crate::http::serve(app, listener, stopped(stop_rx))
        .await
        .context("server failed")?;
    // Requests abandoned after the drain may still hold connections: do not
    // wait for them longer than the drain allowed.
    let _ = tokio::time::timeout(drain, store.close()).await;
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
/// them when `demo` is set. A site that exists is left as it is. Nodes
/// started together on an empty database take turns (`Store::lock_setup`),
/// so one sets the site up and the others find it there.
pub(super) async fn ensure_site(store: &Store, config: &Config, demo: bool) -> anyhow::Result<()> {
    if store.site().await?.is_some() {
        return Ok(());
    }
    let _setup = store.lock_setup().await?;
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
pub(super) async fn import_demo(store: &Store, site: &Site, now: i64) -> anyhow::Result<()> {
    crate::imports::import_text(store, site, "seed-page.txt", DEMO_PAGE, now)
        .await
        .context("cannot import the demo newsroom")?;
    Ok(())
}
