//! Waking changes-feed consumers on other nodes: on PostgreSQL every write
//! transaction sends `NOTIFY masthead_changes` (delivered at commit), and a
//! consumer listens on that channel. The `events` table stays the truth; a
//! missed notification only delays a consumer until its next poll.

use sqlx::postgres::PgListener;

use super::{Db, Result, Store};

/// The channel writers notify.
pub(super) const CHANNEL: &str = "masthead_changes";

/// A connection listening for commits on `CHANNEL`.
pub struct ChangeListener {
    listener: PgListener,
}

impl std::fmt::Debug for ChangeListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChangeListener")
    }
}

impl ChangeListener {
    /// Waits for the next commit notified by any node.
    pub async fn recv(&mut self) -> Result<()> {
        self.listener.recv().await?;
        Ok(())
    }
}

impl Store {
    /// A listener for other nodes' commits; `None` on SQLite, where only
    /// processes on this machine write and polling is enough.
    pub async fn listen_changes(&self) -> Result<Option<ChangeListener>> {
        match &self.db {
            Db::Sqlite(_) => Ok(None),
            Db::Postgres(pool) => {
                let mut listener = PgListener::connect_with(pool).await?;
                listener.listen(CHANNEL).await?;
                Ok(Some(ChangeListener { listener }))
            }
        }
    }
}
