//! Each fixture under `tests/fixtures/` marks every wait the audit must report with
//! `//~ NAME` on its line; the audit must report exactly those.

mod common;

use common::{audit, chain, field, fixture, markers, sites};
use std::collections::BTreeSet;

fn check(name: &str, extra: &[&str]) {
    let dir = fixture(name);
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    args.push(".");
    let run = audit(&dir, &args);
    let reported: BTreeSet<(String, usize, String)> = sites(&run.stdout).into_iter().map(|s| (s.file, s.line, s.wait)).collect();
    let expected = markers(&dir);
    assert_eq!(reported, expected, "fixture {name}: reported (left) vs marked (right)\n{}{}", run.stdout, run.stderr);
    assert_eq!(run.code, if expected.is_empty() { 0 } else { 1 }, "exit status of fixture {name}");
}

#[test]
fn chain_through_fields_modules_and_helpers() {
    check("chain", &[]);
}

#[test]
fn ordinary_spellings_of_waits() {
    check("spellings", &[]);
}

#[test]
fn locks_and_guards_across_detach() {
    check("locks", &[]);
}

#[test]
fn bounded_sends_by_declared_type() {
    check("bounded", &[]);
}

#[test]
fn detached_closures_and_attach_closures() {
    check("detached", &["--detaching-helper", "enter_polars"]);
}

#[test]
fn without_the_helper_name_polars_like_is_attached() {
    let run = audit(&fixture("detached"), &["--format", "json", "."]);
    assert!(sites(&run.stdout).iter().any(|s| s.line == 29 && s.wait == "recv"), "{}", run.stdout);
}

#[test]
fn every_kind_of_entry_point() {
    check("entries", &[]);
}

#[test]
fn blocking_detached_rewrites_only_what_the_macro_rewrites() {
    check("annotated", &[]);
}

#[test]
fn rayon_and_once_cells() {
    check("rayon_once", &[]);
}

#[test]
fn allow_comments_need_a_reason() {
    check("allow", &[]);
    let human = audit(&fixture("allow"), &["."]);
    assert!(human.stdout.contains("the allow comment on line 8 gives no reason"), "{}", human.stdout);
}

#[test]
fn clean_code_exits_zero_and_prints_nothing() {
    let run = audit(&fixture("clean"), &["."]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

#[test]
fn errors_exit_two() {
    let missing = audit(&fixture("clean"), &["no/such/dir"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("no/such/dir"), "{}", missing.stderr);
    let empty = audit(&fixture("empty_dir"), &["."]);
    assert_eq!(empty.code, 2);
    assert!(empty.stderr.contains("no .rs files"), "{}", empty.stderr);
    let bad = audit(&fixture("clean"), &["--format", "yaml", "."]);
    assert_eq!(bad.code, 2);
    // A `.rs` path that is not readable as text (here: not UTF-8).
    let dir = std::env::temp_dir().join(format!("pyo3-detach-audit-unreadable-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("binary.rs"), [0xff, 0xfe, 0x00]).expect("write");
    let unreadable = audit(&dir, &["binary.rs"]);
    assert_eq!(unreadable.code, 2, "{}", unreadable.stderr);
    assert!(unreadable.stderr.contains("cannot read"), "{}", unreadable.stderr);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn json_lines_carry_every_field_and_the_chain() {
    let run = audit(&fixture("chain"), &["--format", "json", "."]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    for line in &lines {
        for key in ["file", "line", "column", "wait", "entry", "chain", "kind"] {
            assert!(line.contains(&format!("\"{key}\":")), "{key} missing in {line}");
        }
        assert!(line.starts_with('{') && line.ends_with('}'));
    }
    let recv = lines.iter().find(|l| field(l, "wait") == Some("recv")).expect("the recv finding");
    assert_eq!(field(recv, "file"), Some("src/worker/mod.rs"));
    assert_eq!(field(recv, "line"), Some("9"));
    assert_eq!(field(recv, "column"), Some("9"));
    assert_eq!(field(recv, "kind"), Some("channel"));
    assert_eq!(field(recv, "entry"), Some("Pool::next"));
    assert_eq!(chain(recv), ["Pool::next", "Pool::wait_done", "Inner::wait_done"]);
    let join = lines.iter().find(|l| field(l, "wait") == Some("join")).expect("the join finding");
    assert_eq!(field(join, "kind"), Some("join"));
    assert_eq!(chain(join), ["no_token", "join_all"]);
}

#[test]
fn human_output_is_rustc_style() {
    let run = audit(&fixture("chain"), &["."]);
    let expected = "warning: `rx.recv()` blocks while attached to the Python interpreter
 --> src/worker/mod.rs:9:9
  |
9 |         self.rx.recv().unwrap_or(0) //~ recv
  |         ^^^^^^^^^^^^^^
  = note: reached from `Pool::next` (#[pymethods], src/lib.rs:13) -> `Pool::wait_done` (src/lib.rs:19) -> `Inner::wait_done` (src/worker/mod.rs:8)
  = help: ";
    assert!(run.stdout.contains(expected), "{}", run.stdout);
    assert!(run.stderr.contains("2 waits reachable while attached"), "{}", run.stderr);
}

#[test]
fn stats_print_files_lines_and_time() {
    let run = audit(&fixture("chain"), &["--stats", "."]);
    assert!(run.stderr.contains("3 files, "), "{}", run.stderr);
    assert!(run.stderr.contains(" lines in "), "{}", run.stderr);
    assert!(run.stderr.contains("lines/s"), "{}", run.stderr);
}

#[test]
fn a_file_that_does_not_parse_is_skipped_with_a_warning() {
    let dir = std::env::temp_dir().join(format!("pyo3-detach-audit-parse-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("bad.rs"), "fn broken( {").expect("write");
    std::fs::write(dir.join("good.rs"), "#[pyfunction] fn f(rx: crossbeam_channel::Receiver<u8>) { rx.recv(); }").expect("write");
    let run = audit(&dir, &["--format", "json", "."]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("bad.rs") && run.stderr.contains("does not parse"), "{}", run.stderr);
    assert_eq!(sites(&run.stdout).len(), 1);
    std::fs::remove_dir_all(&dir).ok();
}
