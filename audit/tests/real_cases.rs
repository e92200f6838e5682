//! Real crates' shipped deadlocks, under the workspace's `tests/audit/<case>/`:
//! `before/` (as shipped), `after/` (the fix), `annotated/` (before plus
//! `#[blocking_detached]`), and `expect.txt` with `PATH:LINE:WAIT` lines for
//! `before/` (`#` starts a comment). The audit must report every expected site on
//! `before/`, and none of them on `after/` or `annotated/`. With no cases present,
//! this checks nothing (the fixtures still run).

mod common;

use common::{audit, sites, Site};
use std::path::{Path, PathBuf};

struct Expected {
    file: String,
    line: usize,
    wait: String,
}

fn expectations(case: &Path) -> Vec<Expected> {
    let text = std::fs::read_to_string(case.join("expect.txt")).unwrap_or_else(|e| panic!("{}: expect.txt: {e}", case.display()));
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut parts = l.rsplitn(3, ':');
            let wait = parts.next().expect("WAIT").to_string();
            let line = parts.next().and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{}: bad line {l:?}", case.display()));
            let file = parts.next().unwrap_or_else(|| panic!("{}: bad line {l:?}", case.display())).to_string();
            Expected { file, line, wait }
        })
        .collect()
}

/// The wait name matches the finding's name, or appears in its rendering
/// (`reduce` in `lines().maybe_par_bridge().reduce(..)`).
fn matches_wait(site: &Site, wait: &str) -> bool {
    site.wait == wait || site.text.contains(wait)
}

fn run(dir: &Path) -> Vec<Site> {
    let run = audit(dir, &["--format", "json", "."]);
    assert!(run.code == 0 || run.code == 1, "{}: exit {}: {}", dir.display(), run.code, run.stderr);
    sites(&run.stdout)
}

/// The lines of `variant`'s copy of `file` that stand for line `line` of the
/// `before` copy: those with the same text, or, if the fix changed that line, the
/// lines around the same place.
fn same_site(before: &Path, variant: &Path, file: &str, line: usize) -> Vec<usize> {
    let original = std::fs::read_to_string(before.join(file)).unwrap_or_default();
    let text = original.lines().nth(line - 1).unwrap_or("").trim().to_string();
    let copy = std::fs::read_to_string(variant.join(file)).unwrap_or_default();
    let same: Vec<usize> = copy.lines().enumerate().filter(|(_, l)| !text.is_empty() && l.trim() == text).map(|(i, _)| i + 1).collect();
    if !same.is_empty() {
        return same;
    }
    (line.saturating_sub(5)..=line + 5).collect()
}

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/audit");
    let Ok(entries) = std::fs::read_dir(&root) else { return Vec::new() };
    let mut cases: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.join("expect.txt").is_file()).collect();
    cases.sort();
    cases
}

#[test]
fn real_cases_before_after_annotated() {
    let mut failures = Vec::new();
    let mut counts = Vec::new();
    for case in cases() {
        let name = case.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let expected = expectations(&case);
        assert!(!expected.is_empty(), "{name}: expect.txt lists no site");
        let before = case.join("before");
        let found = run(&before);
        for e in &expected {
            if !found.iter().any(|s| s.file == e.file && s.line == e.line && matches_wait(s, &e.wait)) {
                failures.push(format!("{name}/before: {}:{}:{} not reported (found: {:?})", e.file, e.line, e.wait, found));
            }
        }
        let mut after_counts = Vec::new();
        for variant in ["after", "annotated"] {
            let dir = case.join(variant);
            if !dir.is_dir() {
                continue;
            }
            let found_variant = run(&dir);
            for e in &expected {
                let lines = same_site(&before, &dir, &e.file, e.line);
                if let Some(s) = found_variant.iter().find(|s| s.file == e.file && lines.contains(&s.line) && matches_wait(s, &e.wait)) {
                    failures.push(format!("{name}/{variant}: still reported at {}:{}: {}", s.file, s.line, s.text));
                }
            }
            after_counts.push(format!("{variant} {}", found_variant.len()));
        }
        counts.push(format!("{name}: before {} ({} expected), {}", found.len(), expected.len(), after_counts.join(", ")));
    }
    // The per-case counts, for the record (shown with --nocapture).
    for c in &counts {
        println!("{c}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
