//! bellows: a static linter for PostgreSQL schema migrations.
//!
//! Data flows one way: [`discover`] finds files, [`split`] cuts them into statements,
//! [`parse`] reads each into the [`ir`] ([`direct`] for the common DDL, else sqlparser, else
//! [`fallback`]), [`context`] tracks what earlier statements did, [`rules`] report
//! [`diagnostic`]s, and [`report`] prints them.

pub mod catalog;
pub mod cli;
pub mod config;
pub mod context;
pub mod diagnostic;
pub mod dialect;
pub mod direct;
pub mod discover;
pub mod engine;
pub mod fallback;
pub mod history;
pub mod ident;
pub mod ir;
pub mod layout;
pub mod lex;
pub mod lint;
pub mod locks;
pub mod locks_report;
mod lower;
pub mod parse;
pub mod pg_version;
pub mod report;
pub mod rules;
pub mod schema;
pub mod since;
pub mod source;
pub mod split;
pub mod suppress;
pub mod tokens;
pub mod volatility;
