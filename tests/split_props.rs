//! Property tests of the splitter: statements are built from known pieces (words, every
//! quoting form, with `;` and comment markers hidden inside quotes) and joined with known
//! separators (white space, comments, `;`, Drizzle breakpoints), so the expected split is
//! known by construction.

use bellows::split::split;
use proptest::prelude::*;

/// One piece of a statement: never starts or ends with white space or a comment.
fn atom() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z_][A-Za-z0-9_]{0,8}".prop_map(|s| s),
        "[0-9]{1,4}".prop_map(|s| s),
        "[a-z ;\\-/*]{0,10}".prop_map(|s| format!("'{}'", s.replace('\'', "''"))),
        "[a-z ;']{0,10}".prop_map(|s| format!("'{}'", s.replace('\'', "''"))),
        "[a-z ;\\\\]{0,10}"
            .prop_map(|s| format!("E'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))),
        "[A-Za-z ;\\-]{1,10}".prop_map(|s| format!("\"{}\"", s.replace('"', "\"\""))),
        "[a-z ;'\\-\n]{0,12}".prop_map(|s| format!("$${s}$$")),
        "[a-z ;'\n]{0,12}".prop_map(|s| format!("$body${s}$body$")),
        Just("(".to_string()),
        Just(")".to_string()),
        Just(",".to_string()),
        Just("$1".to_string()),
        Just("é名".to_string()),
    ]
}

/// Space inside a statement: white space or a comment that does not end the statement.
fn inner_space() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(" ".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        "[a-z ;']{0,10}".prop_map(|s| format!(" /* {s} */ ")),
        "[a-z ;']{0,10}".prop_map(|s| format!(" -- {s}\n")),
    ]
}

fn statement() -> impl Strategy<Value = String> {
    (atom(), prop::collection::vec((inner_space(), atom()), 0..6)).prop_map(|(first, rest)| {
        let mut s = first;
        for (space, a) in rest {
            s.push_str(&space);
            s.push_str(&a);
        }
        s
    })
}

/// What may stand between statements (after the first `;`).
fn separator() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(";".to_string()),
        Just(";\n".to_string()),
        Just(";\r\n\r\n".to_string()),
        Just(";--> statement-breakpoint\n".to_string()),
        Just("\n--> statement-breakpoint\n".to_string()),
        "[a-z ;']{0,10}".prop_map(|s| format!("; -- {s}\n")),
        "[a-z ;']{0,10}".prop_map(|s| format!(";\n/* {s} /* nested; */ */\n")),
        Just(";;\n".to_string()),
    ]
}

proptest! {
    #[test]
    fn splits_generated_files_exactly(
        stmts in prop::collection::vec(statement(), 1..8),
        seps in prop::collection::vec(separator(), 8),
        lead in "[ \n]{0,3}",
        last_semicolon in any::<bool>(),
    ) {
        let mut text = lead.clone();
        for (i, s) in stmts.iter().enumerate() {
            text.push_str(s);
            if i + 1 < stmts.len() {
                text.push_str(&seps[i]);
            } else if last_semicolon {
                text.push(';');
            }
        }
        let got = split(&text);
        prop_assert!(got.unterminated.is_none(), "{:?}", got.unterminated);
        let texts: Vec<&str> = got.statements.iter().map(|s| s.span.slice(&text)).collect();
        let want: Vec<&str> = stmts.iter().map(String::as_str).collect();
        prop_assert_eq!(texts, want);
    }

    #[test]
    fn ranges_are_ordered_disjoint_and_round_trip(text in "[a-zA-Z0-9 ;'\"$()\\-*/\n\r]{0,200}") {
        let got = split(&text);
        let mut previous_end = 0;
        for s in &got.statements {
            prop_assert!(s.span.start >= previous_end);
            prop_assert!(s.span.start < s.span.end);
            prop_assert!(s.span.end <= text.len());
            previous_end = s.span.end;
        }
        // Joining the statements again and re-splitting gives the same statements.
        if got.unterminated.is_none() {
            let texts: Vec<&str> = got.statements.iter().map(|s| s.span.slice(&text)).collect();
            let joined = texts.join(";\n");
            let again = split(&joined);
            let again_texts: Vec<&str> = again.statements.iter().map(|s| s.span.slice(&joined)).collect();
            prop_assert_eq!(again_texts, texts);
        }
    }

    #[test]
    fn bytes_outside_statements_are_separators(text in "[a-z ;'\"$\\-*/\n]{0,200}") {
        let got = split(&text);
        let end = got.unterminated.map_or(text.len(), |o| o.statement_start);
        let mut covered = vec![false; text.len()];
        for s in &got.statements {
            covered[s.span.start..s.span.end].iter_mut().for_each(|c| *c = true);
        }
        // Every uncovered byte before the statement an unterminated opening cuts off (that
        // statement is reported with the error) is white space, `;`, or
        // part of a comment (`--` to end of line, `/* */`).
        let gaps: String = (0..end).map(|i| if covered[i] { ' ' } else { text.as_bytes()[i] as char }).collect();
        let mut rest = gaps.as_str();
        while let Some(c) = rest.chars().next() {
            if c == ' ' || c == '\n' || c == ';' {
                rest = &rest[1..];
            } else if rest.starts_with("--") {
                rest = rest.split_once('\n').map_or("", |(_, r)| r);
            } else if rest.starts_with("/*") {
                let mut depth = 0;
                let mut i = 0;
                let b = rest.as_bytes();
                while i < b.len() {
                    if b[i..].starts_with(b"/*") { depth += 1; i += 2; }
                    else if b[i..].starts_with(b"*/") { depth -= 1; i += 2; if depth == 0 { break; } }
                    else { i += 1; }
                }
                rest = &rest[i.min(rest.len())..];
            } else {
                prop_assert!(false, "byte {:?} outside every statement in {:?}", c, text);
            }
        }
    }
}
