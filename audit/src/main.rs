//! `pyo3-detach-audit [--format json] [--stats] [--detaching-helper NAME].. PATH..`
//!
//! Finds every wait reachable from a Python entry point while attached to the
//! interpreter, in a crate, a workspace or any directory of `.rs` files (buildable or
//! not). Exit status: 1 with findings, 0 without, 2 on error.

mod collect;
mod reach;
mod report;
mod scan;

use pyo3_detach_model::Config;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: pyo3-detach-audit [--format human|json] [--stats] [--detaching-helper NAME].. PATH..
  PATH                     a crate, a workspace, a directory of .rs files, or a .rs file
  --format json            one JSON object per finding and line
  --stats                  files, lines read and time, on stderr
  --detaching-helper NAME  a function or method whose closure arguments run detached (repeatable)
exit status: 0 clean, 1 findings, 2 error";

struct Options {
    json: bool,
    stats: bool,
    config: Config,
    paths: Vec<String>,
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut o = Options { json: false, stats: false, config: Config::default(), paths: Vec::new() };
    let mut args = args.peekable();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--format" => match args.next().as_deref() {
                Some("json") => o.json = true,
                Some("human") => o.json = false,
                other => return Err(format!("--format takes `human` or `json`, not {other:?}")),
            },
            "--format=json" => o.json = true,
            "--format=human" => o.json = false,
            "--stats" => o.stats = true,
            "--detaching-helper" => match args.next() {
                Some(name) => o.config.detaching_helpers.push(name),
                None => return Err("--detaching-helper takes a name".into()),
            },
            "-h" | "--help" => return Err(String::new()),
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            _ => o.paths.push(a),
        }
    }
    if o.paths.is_empty() {
        return Err("no PATH given".into());
    }
    Ok(o)
}

/// Module path of a file from its place under the nearest `src/`.
fn module_of(rel: &Path) -> Vec<String> {
    let parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    let start = parts.iter().rposition(|p| p == "src").map_or(0, |i| i + 1);
    let mut module: Vec<String> = parts[start..].to_vec();
    if let Some(last) = module.last_mut() {
        *last = last.trim_end_matches(".rs").to_string();
    }
    module.retain(|p| !matches!(p.as_str(), "lib" | "main" | "mod" | "."));
    module
}

fn display_of(path: &Path) -> String {
    let s = path.to_string_lossy().into_owned();
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// The nearest directory from `path` up to `root` with a `Cargo.toml`: the crate.
fn crate_root(root: &Path, path: &Path) -> PathBuf {
    let mut dir = path.parent();
    while let Some(d) = dir {
        if d.join("Cargo.toml").is_file() {
            return d.to_path_buf();
        }
        if d == root {
            break;
        }
        dir = d.parent();
    }
    root.to_path_buf()
}

/// Every `.rs` file under `root`, sorted, skipping `target/` and hidden directories.
fn discover(root: &Path, out: &mut Vec<scan::Input>) -> Result<(), String> {
    let meta = std::fs::metadata(root).map_err(|e| format!("{}: {e}", root.display()))?;
    if meta.is_file() {
        out.push(scan::Input { path: root.to_path_buf(), display: display_of(root), module: module_of(root), krate: root.to_path_buf() });
        return Ok(());
    }
    let mut stack = vec![root.to_path_buf()];
    let mut found = Vec::new();
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() {
                if name != "target" && !name.starts_with('.') {
                    stack.push(path);
                }
            } else if kind.is_file() && name.ends_with(".rs") {
                found.push(path);
            }
        }
    }
    found.sort();
    for path in found {
        let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        let krate = crate_root(root, &path);
        out.push(scan::Input { display: display_of(&path), module: module_of(&rel), path, krate });
    }
    Ok(())
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("pyo3-detach-audit: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    let mut inputs = Vec::new();
    for p in &options.paths {
        if let Err(e) = discover(&PathBuf::from(p), &mut inputs) {
            eprintln!("pyo3-detach-audit: error: {e}");
            return ExitCode::from(2);
        }
    }
    if inputs.is_empty() {
        eprintln!("pyo3-detach-audit: error: no .rs files in {}", options.paths.join(", "));
        return ExitCode::from(2);
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let config = options.config.clone();
    // The reachability walk recurses along call chains: give it room.
    let work = std::thread::Builder::new().stack_size(256 << 20).spawn(move || {
        let (files, lookup) = scan::scan(inputs, &config, threads);
        let mut graph = reach::Graph::new(&files, &lookup);
        let findings = graph.findings();
        let reports = report::reports(&graph, &findings);
        let mut text = String::new();
        for r in &reports {
            if options.json {
                report::json(r, &mut text);
            } else {
                report::human(r, &mut text);
            }
        }
        let errors: Vec<String> = files.iter().filter_map(|f| f.error.clone()).collect();
        let unreadable = files.iter().any(|f| f.unreadable);
        let lines: usize = files.iter().map(|f| f.lines).sum();
        (text, reports.len(), errors, unreadable, files.len(), lines)
    });
    let Ok(Ok((text, count, errors, unreadable, nfiles, lines))) = work.map(|h| h.join()) else {
        eprintln!("pyo3-detach-audit: error: the analysis failed");
        return ExitCode::from(2);
    };
    let mut stdout = std::io::stdout().lock();
    if stdout.write_all(text.as_bytes()).and_then(|_| stdout.flush()).is_err() {
        return ExitCode::from(2);
    }
    for e in &errors {
        eprintln!("pyo3-detach-audit: skipped {e}");
    }
    if !options.json {
        eprintln!("pyo3-detach-audit: {count} wait{} reachable while attached", if count == 1 { "" } else { "s" });
    }
    if options.stats {
        let secs = started.elapsed().as_secs_f64();
        eprintln!(
            "pyo3-detach-audit: {nfiles} files, {lines} lines in {secs:.3} s ({:.0} lines/s, {threads} threads), {} did not parse",
            lines as f64 / secs.max(1e-9),
            errors.len()
        );
    }
    if unreadable {
        eprintln!("pyo3-detach-audit: error: some files could not be read");
        return ExitCode::from(2);
    }
    ExitCode::from(u8::from(count > 0))
}
