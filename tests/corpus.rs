//! Lints every file of `../shared/corpus`: no panic, no `parse-error` on the real-world
//! migrations there, and the per-class statement counts printed: how many the fallback
//! read, by command, and which commands remain unanalyzed, in files and in `DO` blocks.

use bellows::discover::{Input, discover, globs};
use bellows::ir::{Origin, Statement};
use bellows::lint::{Stats, read_statements};
use std::collections::BTreeMap;
use std::path::Path;

fn corpus_dir() -> Option<&'static Path> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    dir.is_dir().then_some(dir)
}

/// The statement's command words as written, upper case, on one line.
fn command(s: &Statement, text: &str) -> String {
    s.keyword_span
        .slice(text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase()
}

fn print_counts(title: &str, counts: &BTreeMap<String, usize>) {
    for (command, n) in counts {
        eprintln!("  {title} {command}: {n}");
    }
}

#[test]
fn corpus_reads_without_parse_errors() {
    let Some(dir) = corpus_dir() else {
        eprintln!("SKIPPED: ../shared/corpus is absent, so the corpus test did not run");
        return;
    };
    let mut stats = Stats::default();
    let mut fallback: BTreeMap<String, usize> = BTreeMap::new();
    let mut unanalyzed: BTreeMap<String, usize> = BTreeMap::new();
    let mut do_fallback: BTreeMap<String, usize> = BTreeMap::new();
    let mut do_unanalyzed: BTreeMap<String, usize> = BTreeMap::new();
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
            let (fallback, unanalyzed) = if s.in_do_block {
                (&mut do_fallback, &mut do_unanalyzed)
            } else {
                (&mut fallback, &mut unanalyzed)
            };
            match &s.origin {
                Origin::Fallback => *fallback.entry(command(s, &text)).or_default() += 1,
                Origin::Unanalyzed { command } => {
                    *unanalyzed.entry(command.clone()).or_default() += 1
                }
                Origin::ParseError { message, .. } => errors.push(format!(
                    "{}: {message}: {}",
                    path.display(),
                    s.span.slice(&text).lines().next().unwrap_or("")
                )),
                Origin::Parsed | Origin::Skimmed => {}
            }
        }
    }
    eprintln!(
        "corpus: {files} files, {} statements: {} parsed by sqlparser, {} by the fallback, {} skimmed by their leading keywords, {} unanalyzed, {} parse errors",
        stats.statements,
        stats.parsed,
        stats.fallback,
        stats.skimmed,
        stats.unanalyzed,
        stats.parse_errors
    );
    print_counts("fallback", &fallback);
    print_counts("unanalyzed", &unanalyzed);
    eprintln!(
        "DO blocks: {} statements read from their bodies ({} by the fallback, {} unanalyzed), {} dynamic EXECUTE not read, {} parts unreadable",
        stats.do_statements,
        do_fallback.values().sum::<usize>(),
        do_unanalyzed.values().sum::<usize>(),
        stats.dynamic_sql,
        stats.do_unreadable
    );
    print_counts("in DO, fallback", &do_fallback);
    print_counts("in DO, unanalyzed", &do_unanalyzed);
    assert!(
        files > 3000,
        "expected the whole corpus, found {files} files"
    );
    assert!(
        errors.is_empty(),
        "parse errors on valid SQL:\n{}",
        errors.join("\n")
    );
    assert_eq!(
        stats.do_unreadable, 0,
        "every DO block of the corpus is PL/pgSQL bellows reads"
    );
}
