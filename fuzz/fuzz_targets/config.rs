//! Arbitrary text through the `bellows.toml` parser.
#![no_main]

use bellows::config::Config;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Config::parse(Path::new("bellows.toml"), text, &["set-not-null", "drop-column"]);
    }
});
