//! Running the audit binary and reading its JSON lines.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the audit in `dir` with `args`.
pub fn audit(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_pyo3-detach-audit")).args(args).current_dir(dir).output().expect("the audit binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// The value of a string field in one of our JSON lines (no nesting but `chain`).
pub fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let start = line.find(&format!("\"{key}\":"))? + key.len() + 3;
    let rest = &line[start..];
    if let Some(s) = rest.strip_prefix('"') {
        let mut escaped = false;
        for (i, c) in s.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => return Some(&s[..i]),
                _ => escaped = false,
            }
        }
        None
    } else {
        let end = rest.find([',', '}']).unwrap_or(rest.len());
        Some(&rest[..end])
    }
}

/// The `chain` array of a JSON line.
pub fn chain(line: &str) -> Vec<String> {
    let Some(start) = line.find("\"chain\":[") else { return Vec::new() };
    let rest = &line[start + 9..];
    let end = rest.find(']').unwrap_or(rest.len());
    rest[..end].split(',').filter(|s| !s.is_empty()).map(|s| s.trim_matches('"').to_string()).collect()
}

/// A finding: file, line, wait name, rendered text.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Site {
    pub file: String,
    pub line: usize,
    pub wait: String,
    pub text: String,
}

pub fn sites(json: &str) -> Vec<Site> {
    json.lines()
        .map(|l| Site {
            file: field(l, "file").expect("file").to_string(),
            line: field(l, "line").expect("line").parse().expect("a number"),
            wait: field(l, "wait").expect("wait").to_string(),
            text: field(l, "text").expect("text").to_string(),
        })
        .collect()
}

/// `//~ name [name..]` markers in the `.rs` files under `dir`: (file, line, wait).
pub fn markers(dir: &Path) -> BTreeSet<(String, usize, String)> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("readable fixture").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().map_or(true, |e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(dir).expect("under dir").to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).expect("readable");
            for (i, line) in text.lines().enumerate() {
                if let Some(at) = line.find("//~ ") {
                    for name in line[at + 4..].split_whitespace() {
                        out.insert((rel.clone(), i + 1, name.to_string()));
                    }
                }
            }
        }
    }
    out
}
