//! `bellows.toml`: found by walking up from the current folder, or named with `--config`.
//! Command-line flags override single keys, not the whole file.

use crate::layout::Runner;
use crate::pg_version::PgVersion;
use crate::source::LineIndex;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file name looked for.
pub const FILE_NAME: &str = "bellows.toml";

/// A rule's configured severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Report as an error.
    Error,
    /// Report as a warning.
    Warning,
    /// Do not run the rule.
    Off,
}

/// The severity from which findings fail the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    /// Errors fail the run (the default).
    #[default]
    Error,
    /// Warnings fail it too.
    Warning,
}

/// The configuration file's contents.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Target PostgreSQL version.
    #[serde(default, deserialize_with = "de_pg_version")]
    pub pg_version: Option<PgVersion>,
    /// Runner for every folder, overriding detection.
    #[serde(default, deserialize_with = "de_runner")]
    pub runner: Option<Runner>,
    /// Globs of files to lint (when no path is given on the command line).
    #[serde(default)]
    pub include: Vec<String>,
    /// Globs of files to leave out.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Failing severity.
    #[serde(default)]
    pub fail_on: Option<FailOn>,
    /// Require a reason after `bellows-ignore rule:` (default true).
    #[serde(default)]
    pub require_ignore_reason: Option<bool>,
    /// Severity per rule id.
    #[serde(default)]
    pub rules: BTreeMap<String, Level>,
}

fn de_pg_version<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<PgVersion>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Int(u32),
        Float(f64),
        Text(String),
    }
    let text = match Raw::deserialize(d)? {
        Raw::Int(i) => i.to_string(),
        Raw::Float(f) => f.to_string(),
        Raw::Text(s) => s,
    };
    text.parse().map(Some).map_err(serde::de::Error::custom)
}

fn de_runner<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Runner>, D::Error> {
    let s = String::deserialize(d)?;
    s.parse().map(Some).map_err(serde::de::Error::custom)
}

/// A configuration problem, with the file and line it is on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ConfigError {
    /// The file.
    pub path: PathBuf,
    /// 1-based line of the problem, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl Config {
    /// Parses `text` (the contents of `path`) and checks rule ids against `known_rules`.
    pub fn parse(path: &Path, text: &str, known_rules: &[&str]) -> Result<Config, ConfigError> {
        let index = LineIndex::new(text);
        let line_of = |offset: usize| Some(index.position(text, offset).line);
        let config: Config = toml::from_str(text).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            line: e.span().and_then(|s| line_of(s.start)),
            message: e.message().to_string(),
        })?;
        for id in config.rules.keys() {
            if !known_rules.contains(&id.as_str()) {
                let offset = text.find(id.as_str()).unwrap_or(0);
                return Err(ConfigError {
                    path: path.to_path_buf(),
                    line: line_of(offset),
                    message: format!("unknown rule `{id}` in [rules]; `bellows rules` lists them"),
                });
            }
        }
        Ok(config)
    }

    /// Reads the configuration at `path`.
    pub fn load(path: &Path, known_rules: &[&str]) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            line: None,
            message: format!("cannot read: {e}"),
        })?;
        Config::parse(path, &text, known_rules)
    }
}

/// The nearest `bellows.toml` in `start` or a folder above it.
pub fn find(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|d| d.join(FILE_NAME))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &[&str] = &["set-not-null", "drop-column"];

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("bellows.toml"), text, RULES)
    }

    #[test]
    fn full_file() {
        let c = parse(
            "pg-version = \"14.2\"\nrunner = \"golang-migrate\"\nexclude = [\"**/*.down.sql\"]\nfail-on = \"warning\"\n\n[rules]\nset-not-null = \"warning\"\ndrop-column = \"off\"\n",
        )
        .unwrap();
        assert_eq!(c.pg_version, Some(PgVersion(14)));
        assert_eq!(c.runner, Some(Runner::GolangMigrate));
        assert_eq!(c.fail_on, Some(FailOn::Warning));
        assert_eq!(c.rules["drop-column"], Level::Off);
        assert_eq!(
            parse("pg-version = 13").unwrap().pg_version,
            Some(PgVersion(13))
        );
    }

    #[test]
    fn unknown_keys_are_errors_with_their_line() {
        let e = parse("pg-version = 15\nfail_on = \"error\"\n").unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(
            e.message.contains("unknown field `fail_on`"),
            "{}",
            e.message
        );
        let e = parse("[rules]\nset-not-nul = \"off\"\n").unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("set-not-nul"));
    }

    #[test]
    fn bad_values_are_errors() {
        assert!(
            parse("pg-version = \"fifteen\"")
                .unwrap_err()
                .message
                .contains("not a PostgreSQL version")
        );
        assert!(
            parse("runner = \"liquibase\"")
                .unwrap_err()
                .message
                .contains("unknown runner")
        );
        assert!(parse("[rules]\nset-not-null = \"loud\"").is_err());
        assert_eq!(parse("fail-on = \"fatal\"").unwrap_err().line, Some(1));
    }
}
