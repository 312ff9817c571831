//! The Drupal 7 importer: `masthead import drupal7 --source mysql://...`
//! reads a live Drupal 7 database (no PHP, no Drupal module) through
//! `source`, which owns the connection, the check that the database is
//! Drupal 7 and every query; `model` is what it hands out and `error` why a
//! database cannot be read. `mapping` turns Drupal things into masthead
//! things, and `import` runs it all through the shared import machinery.

mod error;
mod import;
mod mapping;
mod model;
mod source;

pub use import::{ImportFailure, Options, import};

pub use error::Drupal7Error;
pub use model::{
    Alias, Comment, Field, FieldItem, File, Node, Position, Redirect, Revision, SiteVariables,
    Term, User, Vocabulary,
};
pub use source::{Source, open};
