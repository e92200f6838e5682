//! The findings, rustc-style or as JSON lines.

use crate::reach::{Finding, Graph};
use crate::scan::SiteOut;
use pyo3_detach_model::EntryKind;
use std::fmt::Write;

/// One finding, ready to print.
pub struct Report {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub wait: String,
    pub text: String,
    pub kind: &'static str,
    pub entry: String,
    pub entry_kind: EntryKind,
    pub chain: Vec<String>,
    /// `(name, file, line)` per function of the chain.
    pub chain_at: Vec<(String, String, usize)>,
    pub snippet: String,
    pub underline: (usize, usize),
    pub help: String,
    /// An allow comment without a reason next to the site.
    pub empty_allow: Option<usize>,
    pub guard: Option<(String, usize)>,
}

/// Builds the reports, dropping allowed sites.
pub fn reports(graph: &Graph, findings: &[Finding]) -> Vec<Report> {
    let mut out = Vec::new();
    for f in findings {
        let (file, func, _) = graph.fns[f.site.0];
        let site: &SiteOut = &func.sites[f.site.1];
        // On the line of the wait or the line above; for a chain split over lines, also
        // above the line where the expression starts.
        let allow = file.allows.iter().find(|(l, _)| *l == site.line || *l + 1 == site.line || *l + 1 == site.first_line);
        let empty_allow = match allow {
            Some((_, reason)) if !reason.is_empty() => continue,
            Some((l, _)) => Some(*l),
            None => None,
        };
        let source_line = file.source.lines().nth(site.line.saturating_sub(1)).unwrap_or("").to_string();
        let len = source_line.chars().count();
        let end = if site.end_line == site.line { site.end_col } else { len + 1 };
        let chain_at: Vec<(String, String, usize)> = f
            .chain
            .iter()
            .map(|id| {
                let (fl, fun, _) = graph.fns[*id];
                (graph.display(*id), fl.display.clone(), fun.line)
            })
            .collect();
        let chain: Vec<String> = chain_at.iter().map(|(n, _, _)| n.clone()).collect();
        let entry = graph.display(f.entry);
        let entry_fn = graph.fns[f.entry].1;
        out.push(Report {
            file: file.display.clone(),
            line: site.line,
            column: site.col,
            wait: site.name.clone(),
            text: site.text.clone(),
            kind: site.kind,
            help: help(graph, f, site, entry_fn.annotated),
            entry,
            entry_kind: f.entry_kind,
            chain,
            chain_at,
            snippet: source_line,
            underline: (site.col, end.max(site.col + 1)),
            empty_allow,
            guard: site.guard.clone(),
        });
    }
    out.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    out
}

fn help(graph: &Graph, f: &Finding, site: &SiteOut, entry_annotated: bool) -> String {
    let entry_fn = graph.fns[f.entry].1;
    let entry_name = graph.display(f.entry);
    if let Some((guard, _)) = &site.guard {
        return format!("drop `{guard}` before detaching (`drop({guard});`), or take the lock inside the detached closure");
    }
    let rewritable = matches!(site.kind, "channel" | "join" | "block_on" | "condvar" | "wait" | "rayon" | "scope" | "bounded-send" | "named")
        && !site.text.starts_with("for ");
    let how = match site.kind {
        "lock" => "take the lock detached (`py.detach(|| m.lock())` cannot return the guard: do the locked work inside the closure), or use `pyo3::sync::MutexExt::lock_py_attached(py)`".to_string(),
        "once" => "use `pyo3::sync::PyOnceLock` (its `get_or_init(py, ..)` detaches while it waits), or initialise inside `py.detach(|| ..)`".to_string(),
        _ if site.text.starts_with("for ") => "run the loop inside `py.detach(|| ..)` (or receive with `recv()` in a #[blocking_detached] body)".to_string(),
        "select" => "run the `select!` inside `py.detach(|| ..)`, or in a helper that takes `&Detached` called with `detached!()`".to_string(),
        _ => "wrap the wait in `py.detach(|| ..)`".to_string(),
    };
    if f.entry_kind == EntryKind::Attach {
        return format!("this runs inside a `Python::attach` closure in `{entry_name}`: move the wait out of the closure, or {how}");
    }
    if f.entry_kind == EntryKind::PyClassDrop {
        return format!("`Drop` of a #[pyclass] runs attached when Python frees the object: wait in an explicit `close()` method instead, or {how} (a token: `Python::attach(|py| ..)`)");
    }
    if f.chain.len() > 1 {
        let first = graph.display(f.chain[1]);
        let last = graph.display(*f.chain.last().expect("non-empty"));
        return format!(
            "`{entry_name}` calls `{first}` attached: wrap that call in `py.detach(|| ..)`, or give `{last}` a `&Detached` parameter and call it with `detached!()` from a #[blocking_detached] body"
        );
    }
    if rewritable && !entry_annotated {
        let target = match (f.entry_kind, &entry_fn.owner) {
            (EntryKind::PyMethods, Some(owner)) => format!("above `#[pymethods] impl {owner}`"),
            _ => format!("above `fn {}`", entry_fn.name),
        };
        return format!("add `#[pyo3_detach::blocking_detached]` {target} or {how}");
    }
    how
}

pub fn human(r: &Report, out: &mut String) {
    let gutter = r.line.to_string().len();
    let pad = " ".repeat(gutter);
    let what = match &r.guard {
        Some((g, line)) => format!("the lock guard `{g}` (line {line}) is held across a detach: an attached thread waiting for the lock blocks everyone"),
        None => format!("`{}` blocks while attached to the Python interpreter", r.text),
    };
    let _ = writeln!(out, "warning: {what}");
    let _ = writeln!(out, "{pad}--> {}:{}:{}", r.file, r.line, r.column);
    let _ = writeln!(out, "{pad} |");
    let _ = writeln!(out, "{} | {}", r.line, r.snippet);
    let (start, end) = r.underline;
    let _ = writeln!(out, "{pad} | {}{}", " ".repeat(start.saturating_sub(1)), "^".repeat(end.saturating_sub(start).max(1)));
    let mut chain = String::new();
    for (i, (name, file, line)) in r.chain_at.iter().enumerate() {
        if i == 0 {
            let _ = write!(chain, "`{name}` ({}, {file}:{line})", r.entry_kind.label());
        } else {
            let _ = write!(chain, " -> `{name}` ({file}:{line})");
        }
    }
    let _ = writeln!(out, "{pad} = note: reached from {chain}");
    if let Some(line) = r.empty_allow {
        let _ = writeln!(out, "{pad} = note: the allow comment on line {line} gives no reason, so it does not count: `// pyo3-detach: allow(why this cannot deadlock)`");
    }
    let _ = writeln!(out, "{pad} = help: {}", r.help);
    out.push('\n');
}

fn json_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

pub fn json(r: &Report, out: &mut String) {
    out.push_str("{\"file\":");
    json_str(&r.file, out);
    let _ = write!(out, ",\"line\":{},\"column\":{},\"wait\":", r.line, r.column);
    json_str(&r.wait, out);
    out.push_str(",\"text\":");
    json_str(&r.text, out);
    out.push_str(",\"kind\":");
    json_str(r.kind, out);
    out.push_str(",\"entry\":");
    json_str(&r.entry, out);
    out.push_str(",\"entry_kind\":");
    json_str(r.entry_kind.label(), out);
    out.push_str(",\"chain\":[");
    for (i, c) in r.chain.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_str(c, out);
    }
    out.push_str("],\"help\":");
    json_str(&r.help, out);
    out.push_str("}\n");
}
