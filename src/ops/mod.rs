//! Operations: what a site operator runs and watches. Backups and restore,
//! `masthead check`, the health registry behind `/readyz`, and the
//! Prometheus metrics behind `/metrics`.

pub(crate) mod backup;
pub mod checks;
pub mod disk;
pub(crate) mod health;
pub(crate) mod metrics;
