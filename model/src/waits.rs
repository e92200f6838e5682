//! What blocks: the wait tables and the classification of one expression.

use crate::types::{Ty, TypeEnv};
use syn::{Expr, Token};

/// What a wait waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WaitKind {
    /// A channel receive (`recv`, `for v in &rx`, `rx.iter().sum()`).
    Channel,
    /// `select!`, crossbeam's `Select::select()`.
    Select,
    /// A thread join (`handle.join()`, `.map(JoinHandle::join)`).
    Join,
    /// A lock (std/parking_lot `lock`/`read`/`write`, tokio `blocking_lock`).
    Lock,
    /// An async bridge (`block_on`, `block_in_place`).
    BlockOn,
    /// A condition-variable wait.
    Condvar,
    /// Another `wait()` (a `Barrier`, a child process).
    Wait,
    /// rayon: `install`, `join`, `scope`, a `par_*` chain's terminal call.
    Rayon,
    /// `std::thread::scope`: waits for every thread spawned in it.
    Scope,
    /// `Once::call_once`, `OnceLock::get_or_init`: blocks while another thread initialises.
    Once,
    /// `send` on a bounded channel (blocks while it is full; a rendezvous channel always).
    BoundedSend,
    /// Named by the user (`waits = [..]`).
    Named,
    /// A call with a `detached!()` argument: it asks for the proof of a detached thread.
    Proof,
}

impl WaitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WaitKind::Channel => "channel",
            WaitKind::Select => "select",
            WaitKind::Join => "join",
            WaitKind::Lock => "lock",
            WaitKind::BlockOn => "block_on",
            WaitKind::Condvar => "condvar",
            WaitKind::Wait => "wait",
            WaitKind::Rayon => "rayon",
            WaitKind::Scope => "scope",
            WaitKind::Once => "once",
            WaitKind::BoundedSend => "bounded-send",
            WaitKind::Named => "named",
            WaitKind::Proof => "proof",
        }
    }
}

/// The syntactic form of a wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitForm {
    /// `receiver.name(args)`.
    Method,
    /// `path::name(args)`.
    Call,
    /// `for v in &rx { .. }`.
    ForLoop,
    /// A waiting macro (`select! { .. }`).
    Macro,
}

/// One classified wait.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaitHit {
    pub kind: WaitKind,
    /// The method, function or macro name as the wait is known (`recv`, `block_on`,
    /// `select`), after renamed imports are resolved.
    pub name: String,
    pub form: WaitForm,
}

impl WaitHit {
    /// Does `#[blocking_detached]` rewrite this wait into `py.detach(..)`? Calls and
    /// method calls only, and only kinds whose receiver and result can cross into the
    /// detached closure: a lock guard (`!Send`) cannot come back out of it, and a
    /// `for` loop or a macro is not a call it can wrap.
    pub fn macro_rewrites(&self) -> bool {
        matches!(self.form, WaitForm::Method | WaitForm::Call)
            && !matches!(self.kind, WaitKind::Lock | WaitKind::Once | WaitKind::Select)
    }
}

/// Settings of the model beyond the built-in tables.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Extra names that block, with any number of arguments (`waits = [shutdown]`).
    pub extra_waits: Vec<String>,
    /// Functions or methods whose closure arguments run detached (polars' `enter_polars`).
    pub detaching_helpers: Vec<String>,
}

/// Waits matched by method name and argument count: (name, arity, kind). `None`
/// arity matches any count.
const METHOD_WAITS: &[(&str, Option<usize>, WaitKind)] = &[
    ("recv", Some(0), WaitKind::Channel),
    ("recv_timeout", Some(1), WaitKind::Channel),
    ("recv_deadline", Some(1), WaitKind::Channel),
    ("blocking_recv", Some(0), WaitKind::Channel),
    ("blocking_recv_many", Some(2), WaitKind::Channel),
    ("blocking_send", Some(1), WaitKind::BoundedSend),
    ("blocking_lock", Some(0), WaitKind::Lock),
    ("blocking_read", Some(0), WaitKind::Lock),
    ("blocking_write", Some(0), WaitKind::Lock),
    ("join", Some(0), WaitKind::Join),
    ("wait", Some(0), WaitKind::Wait),
    ("wait", None, WaitKind::Condvar),
    ("wait_for", Some(2), WaitKind::Condvar),
    ("wait_until", Some(2), WaitKind::Condvar),
    ("wait_timeout", None, WaitKind::Condvar),
    ("wait_timeout_ms", None, WaitKind::Condvar),
    ("wait_while", None, WaitKind::Condvar),
    ("wait_timeout_while", None, WaitKind::Condvar),
    ("wait_while_for", Some(3), WaitKind::Condvar),
    ("wait_while_until", Some(3), WaitKind::Condvar),
    ("block_on", None, WaitKind::BlockOn),
    ("select", Some(0), WaitKind::Select),
    ("select_timeout", Some(1), WaitKind::Select),
    ("select_deadline", Some(1), WaitKind::Select),
    ("lock", Some(0), WaitKind::Lock),
    ("read", Some(0), WaitKind::Lock),
    ("write", Some(0), WaitKind::Lock),
    ("upgradable_read", Some(0), WaitKind::Lock),
    ("read_recursive", Some(0), WaitKind::Lock),
    ("try_lock_for", Some(1), WaitKind::Lock),
    ("try_read_for", Some(1), WaitKind::Lock),
    ("try_write_for", Some(1), WaitKind::Lock),
    ("try_lock_until", Some(1), WaitKind::Lock),
    ("install", Some(1), WaitKind::Rayon),
    ("par_sort", Some(0), WaitKind::Rayon),
    ("par_sort_unstable", Some(0), WaitKind::Rayon),
    ("par_sort_by", Some(1), WaitKind::Rayon),
    ("par_sort_by_key", Some(1), WaitKind::Rayon),
    ("par_sort_unstable_by", Some(1), WaitKind::Rayon),
    ("par_sort_unstable_by_key", Some(1), WaitKind::Rayon),
    ("par_extend", Some(1), WaitKind::Rayon),
    ("call_once", Some(1), WaitKind::Once),
    ("call_once_force", Some(1), WaitKind::Once),
    ("get_or_init", Some(1), WaitKind::Once),
    ("get_or_try_init", Some(1), WaitKind::Once),
];

/// Calls that consume an iterator (and so block on a receiver's iterator, or run a
/// rayon chain).
const CONSUMERS: &[&str] = &[
    "collect", "sum", "product", "count", "for_each", "try_for_each", "fold", "try_fold", "last", "max", "min", "max_by",
    "min_by", "max_by_key", "min_by_key", "next", "nth", "any", "all", "find", "find_map", "position", "reduce", "partition",
    "unzip", "collect_into_vec", "find_any", "find_first", "find_last", "try_reduce", "for_each_with", "for_each_init",
    "try_for_each_with", "try_for_each_init", "collect_vec", "try_collect",
];

/// Lock types whose `lock`/`read`/`write` block (std, parking_lot, spin).
const LOCK_TYPES: &[&str] = &["Mutex", "RwLock", "ReentrantMutex", "FairMutex", "Stdin", "Stdout", "Stderr"];

/// Macros that wait inside their expansion.
const WAITING_MACROS: &[&str] = &["select", "select_biased"];

/// Is a macro of this name (last path segment) one that waits (`select!`)?
pub fn is_waiting_macro(name: &str) -> bool {
    WAITING_MACROS.contains(&name)
}

/// Receives whose receiver is taken by shared reference and is commonly `Send` but
/// not `Sync` (`std::sync::mpsc::Receiver`): `#[blocking_detached]` carries a local
/// receiver into the detached closure in a same-thread shell.
pub const SHARED_RECEIVER_WAITS: &[&str] = &["recv", "recv_timeout", "recv_deadline"];

/// Condition-variable waits that take a `MutexGuard` (`Sync`, not `Send`) and return
/// one: `#[blocking_detached]` moves arguments and result in a same-thread shell.
pub const GUARD_WAITS: &[&str] = &["wait", "wait_timeout", "wait_timeout_ms", "wait_while", "wait_timeout_while"];

/// The classifier: tables plus configuration.
#[derive(Clone, Debug, Default)]
pub struct Model {
    pub config: Config,
}

impl Model {
    pub fn new(config: Config) -> Self {
        Model { config }
    }

    /// The model `#[blocking_detached]` rewrites with: its `waits = [..]` names on
    /// top of the tables. The audit uses it to know what an annotated body leaves
    /// attached.
    pub fn for_macro(extra_waits: Vec<String>) -> Model {
        Model::new(Config { extra_waits, detaching_helpers: Vec::new() })
    }

    fn is_extra(&self, name: &str) -> bool {
        self.config.extra_waits.iter().any(|w| w == name)
    }

    /// Is `expr` a blocking wait (when run on the current thread)?
    pub fn classify(&self, expr: &Expr, env: &TypeEnv) -> Option<WaitHit> {
        match expr {
            Expr::MethodCall(call) => self.classify_method(call, env),
            Expr::Call(call) => self.classify_call(call, env),
            _ => None,
        }
    }

    pub fn classify_method(&self, call: &syn::ExprMethodCall, env: &TypeEnv) -> Option<WaitHit> {
        let name = call.method.to_string();
        let hit = |kind| Some(WaitHit { kind, name: name.clone(), form: WaitForm::Method });
        if call.args.iter().any(is_proof_placeholder) {
            return hit(WaitKind::Proof);
        }
        if self.is_extra(&name) {
            return hit(WaitKind::Named);
        }
        let n = call.args.len();
        let recv_ty = env.type_of(&call.receiver);
        if let Some(kind) = self.method_kind(&name, n, recv_ty.as_ref(), env, Some(call)) {
            return hit(kind);
        }
        if CONSUMERS.contains(&name.as_str()) {
            if chain_has_par(&call.receiver) {
                return hit(WaitKind::Rayon);
            }
            if chain_over_receiver(&call.receiver, env) {
                return hit(WaitKind::Channel);
            }
            if chain_maps_join(&call.receiver) {
                return hit(WaitKind::Join);
            }
        }
        None
    }

    /// The kind of `recv.name(n args)` given what is known of the receiver's type.
    fn method_kind(&self, name: &str, n: usize, recv_ty: Option<&Ty>, env: &TypeEnv, call: Option<&syn::ExprMethodCall>) -> Option<WaitKind> {
        let peeled = recv_ty.map(Ty::peeled);
        // A type of the code under audit: its methods are calls to follow, not waits.
        if let Some(t) = peeled {
            if env.lookup.is_user_type(t.name()) && !LOCK_TYPES.contains(&t.name()) {
                return None;
            }
        }
        let async_ty = peeled.is_some_and(|t| t.mentions("tokio") || t.mentions("futures") || t.mentions("async_std"));
        match (name, n) {
            ("send", 1) | ("send_timeout", 2) => return recv_ty.filter(|t| t.is_bounded_sender()).map(|_| WaitKind::BoundedSend),
            ("ready", 0) | ("ready_timeout", 1) | ("ready_deadline", 1) => {
                let is_select = peeled.is_some_and(|t| t.name() == "Select")
                    || call.is_some_and(|c| chain_root_call(&c.receiver).is_some_and(|p| p.ends_with(&["Select".into(), "new".into()])));
                return is_select.then_some(WaitKind::Select);
            }
            ("join", 2) | ("scope", 1) | ("in_place_scope", 1) => {
                let closure_args = call.is_some_and(|c| c.args.iter().all(|a| matches!(a, Expr::Closure(_))));
                return closure_args.then_some(WaitKind::Rayon);
            }
            _ => {}
        }
        let (_, _, kind) = METHOD_WAITS.iter().find(|(w, arity, _)| *w == name && arity.map_or(true, |a| a == n))?;
        match kind {
            WaitKind::Lock if matches!(name, "lock" | "read" | "write" | "upgradable_read" | "read_recursive") => {
                // A known type that is not a lock (a `File`, a user struct) or an async
                // lock (awaited, not blocking) does not block here.
                match peeled {
                    Some(t) if async_ty || !LOCK_TYPES.contains(&t.name()) => None,
                    _ => Some(*kind),
                }
            }
            WaitKind::Once => match peeled {
                // `std::cell::OnceCell` and `once_cell::unsync` are single-threaded.
                Some(t) if t.mentions("unsync") || (t.mentions("cell") && !t.mentions("sync")) => None,
                _ => Some(*kind),
            },
            WaitKind::Channel if async_ty => None,
            _ => Some(*kind),
        }
    }

    pub fn classify_call(&self, call: &syn::ExprCall, env: &TypeEnv) -> Option<WaitHit> {
        let Expr::Path(func) = &*call.func else { return None };
        let written = func.path.segments.last()?.ident.to_string();
        let segs = env.imports.resolve(&func.path);
        let name = segs.last().cloned().unwrap_or_default();
        let hit = |kind| Some(WaitHit { kind, name: name.clone(), form: WaitForm::Call });
        if call.args.iter().any(is_proof_placeholder) {
            return hit(WaitKind::Proof);
        }
        if self.is_extra(&name) || self.is_extra(&written) {
            return hit(WaitKind::Named);
        }
        let n = call.args.len();
        let rayon = segs.iter().any(|s| s == "rayon");
        let all_closures = call.args.iter().all(|a| matches!(a, Expr::Closure(_)));
        match (name.as_str(), n) {
            ("block_on", _) | ("block_in_place", 1) => return hit(WaitKind::BlockOn),
            ("scope", 1) | ("in_place_scope", 1) if rayon => return hit(WaitKind::Rayon),
            ("scope", 1) if all_closures || segs.iter().any(|s| s == "thread") => return hit(WaitKind::Scope),
            ("join", 2) if rayon || (segs.len() == 1 && all_closures) => return hit(WaitKind::Rayon),
            _ => {}
        }
        // `Receiver::recv(&rx)`, `JoinHandle::join(h)`, `Mutex::lock(&m)`: the method
        // table with the receiver as first argument.
        if segs.len() >= 2 && n >= 1 {
            let owner = &segs[segs.len() - 2];
            if owner.chars().next().is_some_and(char::is_uppercase) {
                let recv_ty = env.type_of(&call.args[0]).unwrap_or_else(|| Ty::named(&[owner]));
                if let Some(kind) = self.method_kind(&name, n - 1, Some(&recv_ty), env, None) {
                    return hit(kind);
                }
                if name == "send" {
                    return None;
                }
            }
        }
        None
    }

    /// `for v in &rx`, `for v in rx.iter()`, `for h in handles.into_iter().map(JoinHandle::join)`.
    pub fn classify_for(&self, for_loop: &syn::ExprForLoop, env: &TypeEnv) -> Option<WaitHit> {
        let iter = &*for_loop.expr;
        let hit = |kind, name: &str| Some(WaitHit { kind, name: name.to_string(), form: WaitForm::ForLoop });
        if env.type_of(iter).is_some_and(|t| t.is_sync_receiver() || t.name() == "ReceiverIter") {
            return hit(WaitKind::Channel, "recv");
        }
        if chain_over_receiver(iter, env) {
            return hit(WaitKind::Channel, "recv");
        }
        if chain_has_par(iter) {
            return None; // a parallel iterator is not an `Iterator`: it does not compile
        }
        if chain_maps_join(iter) {
            return hit(WaitKind::Join, "join");
        }
        None
    }

    /// A macro that waits inside its expansion (`select!`, renamed or not).
    pub fn classify_macro(&self, mac: &syn::Macro, env: &TypeEnv) -> Option<WaitHit> {
        let segs = env.imports.resolve(&mac.path);
        let name = segs.last()?;
        WAITING_MACROS
            .contains(&name.as_str())
            .then(|| WaitHit { kind: WaitKind::Select, name: name.clone(), form: WaitForm::Macro })
    }
}

/// `detached!()` (or `pyo3_detach::detached!()`) as an argument.
pub fn is_proof_placeholder(arg: &Expr) -> bool {
    matches!(arg, Expr::Macro(m) if m.mac.path.segments.last().is_some_and(|s| s.ident == "detached"))
}

/// The method calls of a chain, outermost first (`a.b().c()` -> `c`, `b`), and its root.
fn chain(expr: &Expr) -> (Vec<&syn::ExprMethodCall>, &Expr) {
    let mut calls = Vec::new();
    let mut e = expr;
    loop {
        match e {
            Expr::MethodCall(m) => {
                calls.push(m);
                e = &m.receiver;
            }
            Expr::Paren(p) => e = &p.expr,
            Expr::Try(t) => e = &t.expr,
            Expr::Reference(r) => e = &r.expr,
            _ => return (calls, e),
        }
    }
}

/// The path of the call at the root of a chain (`Select::new().recv(&r).ready()`).
fn chain_root_call(expr: &Expr) -> Option<Vec<String>> {
    let (_, root) = chain(expr);
    let Expr::Call(c) = root else { return None };
    let Expr::Path(p) = &*c.func else { return None };
    Some(p.path.segments.iter().map(|s| s.ident.to_string()).collect())
}

/// A rayon chain: some call in it starts with `par_` or is `into_par_iter`.
fn chain_has_par(expr: &Expr) -> bool {
    chain(expr).0.iter().any(|m| {
        let n = m.method.to_string();
        // `par_iter`, `into_par_iter`, and wrappers such as tokenizers'
        // `into_maybe_par_iter`/`maybe_par_bridge` (parallel unless switched off).
        n.starts_with("par_") || n.contains("par_iter") || n.contains("par_bridge") || n.contains("par_chunks")
    })
}

/// An iterator over a blocking receiver: `rx.iter()`, `rx.into_iter()`, `(&rx).into_iter()`,
/// then any adapters.
fn chain_over_receiver(expr: &Expr, env: &TypeEnv) -> bool {
    let (calls, _) = chain(expr);
    calls.iter().any(|m| {
        matches!(m.method.to_string().as_str(), "iter" | "into_iter")
            && m.args.is_empty()
            && env.type_of(&m.receiver).is_some_and(|t| t.is_sync_receiver())
    })
}

/// `.map(JoinHandle::join)` (or `ScopedJoinHandle::join`) somewhere in a chain.
fn chain_maps_join(expr: &Expr) -> bool {
    chain(expr).0.iter().any(|m| {
        m.args.iter().any(|a| match a {
            Expr::Path(p) => {
                let segs: Vec<String> = p.path.segments.iter().map(|s| s.ident.to_string()).collect();
                segs.len() >= 2 && segs[segs.len() - 1] == "join" && segs[segs.len() - 2].ends_with("JoinHandle")
            }
            _ => false,
        })
    })
}

/// The comma-separated expressions of a macro invocation, as far as they parse
/// (`format!("{}", rx.recv()?)`, `assert_eq!(a, b)`, a user's `macro_rules!` call).
/// A macro whose tokens are not expressions (`vec![x; n]` past `x`, a pattern) gives
/// the expressions before the first that fails.
pub fn macro_exprs(mac: &syn::Macro) -> Vec<Expr> {
    use syn::parse::Parser;
    let parser = |input: syn::parse::ParseStream| -> syn::Result<Vec<Expr>> {
        let mut out = Vec::new();
        while !input.is_empty() {
            let fork = input.fork();
            match fork.parse::<Expr>() {
                Ok(e) => {
                    use syn::parse::discouraged::Speculative;
                    input.advance_to(&fork);
                    out.push(e);
                }
                Err(_) => break,
            }
            if input.is_empty() || input.parse::<Token![,]>().is_err() && input.parse::<Token![;]>().is_err() {
                break;
            }
        }
        // The rest is not expressions: leave it.
        let _ = input.parse::<proc_macro2::TokenStream>();
        Ok(out)
    };
    parser.parse2(mac.tokens.clone()).unwrap_or_default()
}
