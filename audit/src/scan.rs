//! Reading, parsing and walking the files, on a few threads. Syntax trees are
//! `!Send`, so each thread keeps the trees of its files: it parses them and sends
//! their declarations, waits for the crate-wide lookup built from every thread's
//! declarations, then walks its bodies with it. Each file is parsed once.

use crate::collect::{declarations, functions, Decls};
use proc_macro2::Span;
use pyo3_detach_model::walk::{walk_fn, CallTarget, Rewrites};
use pyo3_detach_model::{Config, EntryKind, Imports, Model, NoLookup, Ty, TypeEnv, TypeLookup};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{mpsc, Arc};

/// A file to read.
pub struct Input {
    pub path: PathBuf,
    /// As printed (`src/lib.rs`).
    pub display: String,
    /// Module path from the file's place under `src/`.
    pub module: Vec<String>,
    /// The crate's directory (nearest `Cargo.toml`).
    pub krate: PathBuf,
}

/// A wait (or a guard held across a detach) found in one function.
pub struct SiteOut {
    pub kind: &'static str,
    pub name: String,
    pub text: String,
    pub line: usize,
    pub col: usize,
    pub end_line: usize,
    pub end_col: usize,
    pub always: bool,
    /// Where the wait expression starts (above `line` for a chain split over lines).
    pub first_line: usize,
    /// For a guard across a detach: the guard's name and line.
    pub guard: Option<(String, usize)>,
}

pub struct CallOut {
    pub target: CallTarget,
    pub always: bool,
    pub awaited: bool,
}

pub struct FnOut {
    pub name: String,
    pub owner: Option<String>,
    pub module: Vec<String>,
    pub has_self: bool,
    pub inputs: usize,
    pub is_async: bool,
    pub line: usize,
    pub entry: Option<EntryKind>,
    pub drop_of: Option<String>,
    pub annotated: bool,
    pub sites: Vec<SiteOut>,
    pub calls: Vec<CallOut>,
}

pub struct FileOut {
    pub display: String,
    pub krate: PathBuf,
    pub source: String,
    pub lines: usize,
    pub fns: Vec<FnOut>,
    /// `// pyo3-detach: allow(reason)` comments: line and reason.
    pub allows: Vec<(usize, String)>,
    /// Did not parse (skipped, a warning) or could not be read (an error).
    pub error: Option<String>,
    pub unreadable: bool,
}

/// The whole-crate declarations, as the model's type lookup.
#[derive(Default)]
pub struct Lookup {
    fields: HashMap<(String, String), Ty>,
    aliases: HashMap<String, Ty>,
    fn_returns: HashMap<String, Option<Ty>>,
    method_returns: HashMap<(String, String), Option<Ty>>,
    pub types: HashSet<String>,
    pub pyclasses: HashSet<String>,
}

impl Lookup {
    fn add(&mut self, d: Decls) {
        let bounded: HashSet<(String, String)> = d.bounded_fields.into_iter().collect();
        for (owner, field, mut ty) in d.fields {
            ty.bounded |= bounded.contains(&(owner.clone(), field.clone()));
            self.fields.insert((owner, field), ty);
        }
        for (o, f) in bounded {
            if let Some(t) = self.fields.get_mut(&(o, f)) {
                t.bounded = true;
            }
        }
        self.aliases.extend(d.aliases);
        // A name declared twice with different types is ambiguous: forget it.
        for (name, ty) in d.fn_returns {
            self.fn_returns.entry(name).and_modify(|t| if t.as_ref() != Some(&ty) { *t = None }).or_insert(Some(ty));
        }
        for (o, m, ty) in d.method_returns {
            self.method_returns.entry((o, m)).and_modify(|t| if t.as_ref() != Some(&ty) { *t = None }).or_insert(Some(ty));
        }
        self.types.extend(d.types);
        self.pyclasses.extend(d.pyclasses);
    }
}

impl TypeLookup for Lookup {
    fn field(&self, owner: &str, field: &str) -> Option<Ty> {
        self.fields.get(&(owner.to_string(), field.to_string())).cloned()
    }
    fn method_return(&self, owner: &str, method: &str) -> Option<Ty> {
        self.method_returns.get(&(owner.to_string(), method.to_string())).cloned().flatten()
    }
    fn fn_return(&self, name: &str) -> Option<Ty> {
        self.fn_returns.get(name).cloned().flatten()
    }
    fn alias(&self, name: &str) -> Option<Ty> {
        self.aliases.get(name).cloned()
    }
    fn is_user_type(&self, name: &str) -> bool {
        self.types.contains(name)
    }
}

/// Scans every input on `threads` threads.
pub fn scan(inputs: Vec<Input>, config: &Config, threads: usize) -> (Vec<FileOut>, Arc<Lookup>) {
    let threads = threads.clamp(1, inputs.len().max(1));
    let total: u64 = inputs.iter().map(|i| std::fs::metadata(&i.path).map_or(0, |m| m.len())).sum();
    let keep_trees = total <= KEEP_TREES_BYTES;
    // Deal the files out by size, largest first, so the threads finish together.
    let mut sized: Vec<(u64, usize, Input)> =
        inputs.into_iter().enumerate().map(|(i, inp)| (std::fs::metadata(&inp.path).map_or(0, |m| m.len()), i, inp)).collect();
    sized.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut shares: Vec<(u64, Vec<(usize, Input)>)> = (0..threads).map(|_| (0, Vec::new())).collect();
    for (size, i, inp) in sized {
        let share = shares.iter_mut().min_by_key(|s| s.0).expect("one thread at least");
        share.0 += size;
        share.1.push((i, inp));
    }
    let mut results: Vec<(usize, FileOut)> = Vec::new();
    let mut lookup = Lookup::default();
    let lookup = std::thread::scope(|s| {
        let (decl_tx, decl_rx) = mpsc::channel::<Vec<Decls>>();
        let mut lookup_txs = Vec::new();
        let mut handles = Vec::new();
        for (_, share) in shares {
            let (lookup_tx, lookup_rx) = mpsc::channel::<Arc<Lookup>>();
            lookup_txs.push(lookup_tx);
            let decl_tx = decl_tx.clone();
            handles.push(s.spawn(move || worker(share, config, keep_trees, decl_tx, lookup_rx)));
        }
        drop(decl_tx);
        for decls in decl_rx.iter() {
            for d in decls {
                lookup.add(d);
            }
        }
        let lookup = Arc::new(lookup);
        for tx in lookup_txs {
            // A worker that died has nothing more to say; its join reports the panic.
            let _ = tx.send(Arc::clone(&lookup));
        }
        for h in handles {
            match h.join() {
                Ok(files) => results.extend(files),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        lookup
    });
    results.sort_by_key(|(i, _)| *i);
    (results.into_iter().map(|(_, f)| f).collect(), lookup)
}

/// Above this much source, syntax trees are not kept between the two passes: each
/// file is parsed again for the second (memory stays bounded, time doubles).
pub const KEEP_TREES_BYTES: u64 = 64 << 20;

enum Tree {
    Kept(syn::File),
    /// Parsed again in the second pass.
    Dropped,
    Failed,
}

fn parse(display: &str, source: &str) -> Result<syn::File, String> {
    syn::parse_file(source).map_err(|e| {
        let at = e.span().start();
        format!("{display}:{}:{}: does not parse: {e}", at.line, at.column + 1)
    })
}

fn worker(
    share: Vec<(usize, Input)>,
    config: &Config,
    keep_trees: bool,
    decl_tx: mpsc::Sender<Vec<Decls>>,
    lookup_rx: mpsc::Receiver<Arc<Lookup>>,
) -> Vec<(usize, FileOut)> {
    let mut parsed = Vec::new();
    let mut decls = Vec::new();
    for (i, input) in share {
        let mut out = FileOut { display: input.display.clone(), krate: input.krate.clone(), source: String::new(), lines: 0, fns: Vec::new(), allows: Vec::new(), error: None, unreadable: false };
        let tree = match std::fs::read_to_string(&input.path) {
            Ok(source) => {
                out.lines = source.lines().count();
                match parse(&input.display, &source) {
                    Ok(ast) => {
                        decls.push(declarations(&ast));
                        out.allows = allow_comments(&source);
                        if keep_trees {
                            out.source = source;
                            Tree::Kept(ast)
                        } else {
                            drop(ast);
                            // The span table keeps every parsed file's text otherwise.
                            proc_macro2::extra::invalidate_current_thread_spans();
                            Tree::Dropped
                        }
                    }
                    Err(e) => {
                        out.error = Some(e);
                        Tree::Failed
                    }
                }
            }
            Err(e) => {
                out.error = Some(format!("{}: cannot read: {e}", input.display));
                out.unreadable = true;
                Tree::Failed
            }
        };
        parsed.push((i, out, tree, input));
    }
    if decl_tx.send(decls).is_err() {
        return Vec::new();
    }
    drop(decl_tx);
    let Ok(lookup) = lookup_rx.recv() else { return Vec::new() };
    let model = Model::new(config.clone());
    let mut results = Vec::with_capacity(parsed.len());
    for (i, mut out, tree, input) in parsed {
        let ast = match tree {
            Tree::Kept(ast) => Some(ast),
            Tree::Dropped => match std::fs::read_to_string(&input.path).map_err(|e| e.to_string()).and_then(|src| {
                let ast = parse(&input.display, &src)?;
                out.source = src;
                Ok(ast)
            }) {
                Ok(ast) => Some(ast),
                Err(e) => {
                    out.error = Some(e);
                    None
                }
            },
            Tree::Failed => None,
        };
        if let Some(ast) = ast {
            walk_file(&ast, input.module, &model, &lookup, &mut out);
            if !keep_trees {
                drop(ast);
                proc_macro2::extra::invalidate_current_thread_spans();
            }
        }
        // Only files with a site need their text (for the snippet).
        if out.fns.iter().all(|f| f.sites.is_empty()) {
            out.source = String::new();
        }
        results.push((i, out));
    }
    results
}

fn walk_file(ast: &syn::File, module: Vec<String>, model: &Model, lookup: &Lookup, out: &mut FileOut) {
    let no_imports = Imports::default();
    let imports = Imports::from_items(&ast.items);
    for f in functions(ast, module) {
        let env = TypeEnv::for_fn(lookup, &imports, f.owner.clone(), f.sig);
        // The macro sees the item alone: no lookup, no imports.
        let rewrites = f.rewrites.clone().map(|extra| Rewrites {
            model: Model::for_macro(extra),
            env: TypeEnv::for_fn(&NoLookup, &no_imports, None, f.sig),
        });
        let facts = walk_fn(model, env, rewrites, f.sig, f.block);
        let mut sites: Vec<SiteOut> = facts
            .waits
            .iter()
            .map(|w| {
                let (mut line, mut col, end_line, end_col) = lines_of(w.span);
                let first_line = line;
                // A chain split over lines (`rt()?\n.block_on(..)`): point at the wait's name.
                let (name_line, name_col, _, _) = lines_of(w.name_span);
                if name_line != line {
                    (line, col) = (name_line, name_col);
                }
                SiteOut { kind: w.hit.kind.as_str(), name: w.hit.name.clone(), text: w.text.clone(), line, col, end_line, end_col, always: w.always, first_line, guard: None }
            })
            .collect();
        for g in &facts.guards {
            let (line, col, end_line, end_col) = lines_of(g.span);
            sites.push(SiteOut {
                kind: "guard-across-detach",
                name: "detach".into(),
                text: format!("the lock guard `{}`", g.guard),
                line,
                col,
                end_line,
                end_col,
                always: g.always,
                first_line: line,
                guard: Some((g.guard.clone(), g.guard_span.start().line)),
            });
        }
        let has_self = matches!(f.sig.inputs.first(), Some(syn::FnArg::Receiver(_)));
        out.fns.push(FnOut {
            name: f.sig.ident.to_string(),
            owner: f.owner.clone(),
            module: f.module.clone(),
            has_self,
            inputs: f.sig.inputs.len(),
            is_async: f.sig.asyncness.is_some(),
            line: f.sig.ident.span().start().line,
            entry: f.entry,
            drop_of: f.drop_of.clone(),
            annotated: f.rewrites.is_some(),
            sites,
            calls: facts.calls.into_iter().map(|c| CallOut { target: c.target, always: c.always, awaited: c.awaited }).collect(),
        });
    }
}

/// 1-based line and column of a span's start, and of its end.
fn lines_of(span: Span) -> (usize, usize, usize, usize) {
    let (s, e) = (span.start(), span.end());
    (s.line, s.column + 1, e.line, e.column + 1)
}

/// `// pyo3-detach: allow(reason)` comments, by line (1-based).
pub fn allow_comments(source: &str) -> Vec<(usize, String)> {
    const MARK: &str = "pyo3-detach: allow(";
    let mut out = Vec::new();
    for (i, line) in source.lines().enumerate() {
        let Some(comment) = line.find("//") else { continue };
        let Some(at) = line[comment..].find(MARK) else { continue };
        let rest = &line[comment + at + MARK.len()..];
        let reason = rest.rfind(')').map_or(rest, |end| &rest[..end]);
        out.push((i + 1, reason.trim().to_string()));
    }
    out
}
