//! Arbitrary bytes through the whole pipeline: split → parse → lower → rules → reporters.
#![no_main]

use bellows::lint::{lint_text, FileResult, Settings};
use bellows::pg_version::PgVersion;
use bellows::report::{compact, github, gitlab, human, json, sarif};
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for pg in [PgVersion(10), PgVersion::DEFAULT] {
        let settings = Settings {
            pg_version: pg,
            ..Settings::default()
        };
        let (diagnostics, stats) = lint_text(text, &settings);
        for d in &diagnostics {
            assert!(d.finding.span.end <= text.len());
            assert!(d.finding.span.start <= d.finding.span.end);
        }
        let files = vec![FileResult {
            path: PathBuf::from("fuzz.sql"),
            text: Arc::new(text.to_string()),
            diagnostics,
            stats,
            runner: None,
        }];
        let _ = json::render(&files);
        let _ = human::render(&files, false);
        let _ = sarif::render(&files);
        let _ = github::render(&files);
        let _ = gitlab::render(&files);
        let _ = compact::render(&files);
    }
});
