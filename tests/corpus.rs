//! Lints every file of `../shared/corpus`: no panic, no `parse-error` on the real-world
//! migrations there, and the per-class statement counts printed.

use bellows::discover::{Input, discover, globs};
use bellows::ir::Origin;
use bellows::lint::{Stats, read_statements};
use std::collections::BTreeMap;
use std::path::Path;

fn corpus_dir() -> Option<&'static Path> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    dir.is_dir().then_some(dir)
}

#[test]
fn corpus_reads_without_parse_errors() {
    let Some(dir) = corpus_dir() else {
        eprintln!("SKIPPED: ../shared/corpus is absent, so the corpus test did not run");
        return;
    };
    let mut stats = Stats::default();
    let mut unanalyzed: BTreeMap<String, usize> = BTreeMap::new();
    let mut errors = Vec::new();
    let mut files = 0;
    let found = discover(&[dir.to_path_buf()], &globs(&[]).expect("no globs"));
    for input in &found.inputs {
        let Input::File(path) = input else {
            panic!("unreadable corpus entry: {input:?}");
        };
        files += 1;
        let text = std::fs::read_to_string(path).expect("corpus files are UTF-8");
        let (split, statements) = read_statements(&text);
        assert!(
            split.unterminated.is_none(),
            "{}: unterminated {:?}",
            path.display(),
            split.unterminated
        );
        let (_, file_stats) = bellows::lint::lint_text(&text, &Default::default());
        stats.add(&file_stats);
        for s in &statements {
            match &s.origin {
                Origin::Unanalyzed { command } => {
                    *unanalyzed.entry(command.clone()).or_default() += 1
                }
                Origin::ParseError { message, .. } => errors.push(format!(
                    "{}: {message}: {}",
                    path.display(),
                    s.span.slice(&text).lines().next().unwrap_or("")
                )),
                _ => {}
            }
        }
    }
    eprintln!(
        "corpus: {files} files, {} statements: {} parsed by sqlparser, {} by the fallback, {} unanalyzed, {} parse errors",
        stats.statements, stats.parsed, stats.fallback, stats.unanalyzed, stats.parse_errors
    );
    for (command, n) in &unanalyzed {
        eprintln!("  unanalyzed {command}: {n}");
    }
    assert!(
        files > 3000,
        "expected the whole corpus, found {files} files"
    );
    assert!(
        errors.is_empty(),
        "parse errors on valid SQL:\n{}",
        errors.join("\n")
    );
}
