//! A small type environment built from what the source declares: struct fields,
//! parameters, return types, `let` annotations, constructors and type aliases. It
//! is enough to tell a `SyncSender` from an unbounded `Sender`, a std `Mutex` from a
//! tokio one, or a channel receiver from a `Vec`, which names alone cannot.

use crate::imports::Imports;
use syn::{Expr, Pat, Type};

/// A type as written, reduced to its path and type arguments.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Ty {
    /// Path segments (`["std", "sync", "mpsc", "Receiver"]`); a tuple is `["(..)"]`.
    pub path: Vec<String>,
    /// Type arguments, in order (lifetimes and consts left out).
    pub args: Vec<Ty>,
    /// A channel end made by a bounded constructor (`bounded(1)`, `sync_channel(0)`).
    pub bounded: bool,
}

/// Wrappers that a method call sees through by auto-deref.
const DEREF_WRAPPERS: &[&str] = &[
    "Arc", "Rc", "Box", "Cow", "PyRef", "PyRefMut", "Bound", "Borrowed", "Py", "Ref", "RefMut", "MutexGuard",
    "RwLockReadGuard", "RwLockWriteGuard", "ManuallyDrop", "Pin",
];

impl Ty {
    pub fn named(path: &[&str]) -> Ty {
        Ty { path: path.iter().map(|s| s.to_string()).collect(), args: Vec::new(), bounded: false }
    }

    /// The last path segment (`Receiver`).
    pub fn name(&self) -> &str {
        self.path.last().map_or("", String::as_str)
    }

    /// Does any path segment equal `seg`? (`tokio` in `tokio::sync::Mutex`.)
    pub fn mentions(&self, seg: &str) -> bool {
        self.path.iter().any(|s| s == seg)
    }

    /// The type with smart pointers and PyO3 handles removed (`Arc<Mutex<T>>` -> `Mutex<T>`).
    pub fn peeled(&self) -> &Ty {
        let mut ty = self;
        for _ in 0..8 {
            match ty.args.first() {
                Some(inner) if DEREF_WRAPPERS.contains(&ty.name()) => ty = inner,
                _ => break,
            }
        }
        ty
    }

    pub fn from_syn(ty: &Type) -> Option<Ty> {
        match ty {
            Type::Reference(r) => Ty::from_syn(&r.elem),
            Type::Paren(p) => Ty::from_syn(&p.elem),
            Type::Group(g) => Ty::from_syn(&g.elem),
            Type::Tuple(t) => Some(Ty {
                path: vec!["(..)".into()],
                args: t.elems.iter().map(|e| Ty::from_syn(e).unwrap_or_default()).collect(),
                bounded: false,
            }),
            Type::Path(p) => {
                let mut out = Ty::default();
                for seg in &p.path.segments {
                    out.path.push(seg.ident.to_string());
                }
                if let Some(last) = p.path.segments.last() {
                    if let syn::PathArguments::AngleBracketed(a) = &last.arguments {
                        for arg in &a.args {
                            if let syn::GenericArgument::Type(t) = arg {
                                out.args.push(Ty::from_syn(t).unwrap_or_default());
                            }
                        }
                    }
                }
                Some(out)
            }
            _ => None,
        }
    }

    /// Is this a sender whose `send` blocks when the channel is full?
    pub fn is_bounded_sender(&self) -> bool {
        let t = self.peeled();
        t.name() == "SyncSender" || (t.name() == "Sender" && t.bounded)
    }

    /// A blocking channel receiver (std, crossbeam, flume; not tokio's, whose
    /// `recv` is async).
    pub fn is_sync_receiver(&self) -> bool {
        let t = self.peeled();
        t.name() == "Receiver" && !t.mentions("tokio") && !t.mentions("async_channel")
    }
}

/// What the code around a body declares: the audit fills it from the whole crate,
/// the macro knows nothing beyond the function ([`NoLookup`]).
pub trait TypeLookup {
    /// The declared type of `owner.field`.
    fn field(&self, _owner: &str, _field: &str) -> Option<Ty> {
        None
    }
    /// The return type of method `owner::method`.
    fn method_return(&self, _owner: &str, _method: &str) -> Option<Ty> {
        None
    }
    /// The return type of a free function.
    fn fn_return(&self, _name: &str) -> Option<Ty> {
        None
    }
    /// `type name = ..;`
    fn alias(&self, _name: &str) -> Option<Ty> {
        None
    }
    /// A type defined in the code under audit (its methods are followed, not matched
    /// by name as waits).
    fn is_user_type(&self, _name: &str) -> bool {
        false
    }
}

/// No knowledge beyond the body.
pub struct NoLookup;
impl TypeLookup for NoLookup {}

/// The local types in scope while walking a body.
pub struct TypeEnv<'a> {
    pub lookup: &'a dyn TypeLookup,
    pub imports: &'a Imports,
    /// The `Self` type of the enclosing `impl`.
    pub self_ty: Option<String>,
    scopes: Vec<Vec<(String, Ty)>>,
}

impl<'a> TypeEnv<'a> {
    pub fn new(lookup: &'a dyn TypeLookup, imports: &'a Imports, self_ty: Option<String>) -> Self {
        TypeEnv { lookup, imports, self_ty, scopes: vec![Vec::new()] }
    }

    /// An environment with the parameters of `sig` bound.
    pub fn for_fn(lookup: &'a dyn TypeLookup, imports: &'a Imports, self_ty: Option<String>, sig: &syn::Signature) -> Self {
        let mut env = TypeEnv::new(lookup, imports, self_ty);
        for input in &sig.inputs {
            if let syn::FnArg::Typed(pt) = input {
                if let Some(ty) = Ty::from_syn(&pt.ty) {
                    env.bind_pat(&pt.pat, Some(ty));
                }
            }
        }
        env
    }

    pub fn push(&mut self) {
        self.scopes.push(Vec::new());
    }

    pub fn pop(&mut self) {
        if self.scopes.len() > 1 {
            self.scopes.pop();
        }
    }

    /// Binds a pattern (`x`, `(tx, rx)`, `x: T`) to a type, shadowing earlier names.
    pub fn bind_pat(&mut self, pat: &Pat, ty: Option<Ty>) {
        match pat {
            Pat::Ident(id) => {
                let name = id.ident.to_string();
                let scope = self.scopes.last_mut().expect("one scope at least");
                scope.retain(|(n, _)| *n != name);
                if let Some(ty) = ty {
                    scope.push((name, ty));
                }
            }
            Pat::Type(pt) => {
                let declared = Ty::from_syn(&pt.ty).map(|mut d| {
                    // `let tx: Sender<u8> = bounded(1).0` keeps the constructor's boundedness.
                    d.bounded |= ty.as_ref().is_some_and(|t| t.bounded);
                    d
                });
                self.bind_pat(&pt.pat, declared.or(ty));
            }
            Pat::Tuple(t) => {
                for (i, elem) in t.elems.iter().enumerate() {
                    let elem_ty = ty.as_ref().filter(|t| t.name() == "(..)").and_then(|t| t.args.get(i).cloned());
                    self.bind_pat(elem, elem_ty);
                }
            }
            Pat::Reference(r) => self.bind_pat(&r.pat, ty),
            Pat::Paren(p) => self.bind_pat(&p.pat, ty),
            _ => {}
        }
    }

    fn local(&self, name: &str) -> Option<&Ty> {
        self.scopes.iter().rev().flat_map(|s| s.iter().rev()).find(|(n, _)| n == name).map(|(_, t)| t)
    }

    /// Resolves `Self` and aliases.
    pub fn normalize(&self, ty: Ty) -> Ty {
        let mut ty = ty;
        for _ in 0..4 {
            if ty.path.len() == 1 && ty.path[0] == "Self" {
                match &self.self_ty {
                    Some(s) => ty.path = vec![s.clone()],
                    None => break,
                }
            } else if let Some(alias) = self.lookup.alias(ty.name()) {
                let bounded = ty.bounded;
                ty = alias;
                ty.bounded |= bounded;
            } else {
                break;
            }
        }
        ty
    }

    /// The type of an expression, where the declarations show it.
    pub fn type_of(&self, expr: &Expr) -> Option<Ty> {
        self.type_of_depth(expr, 0).map(|t| self.normalize(t))
    }

    fn type_of_depth(&self, expr: &Expr, depth: usize) -> Option<Ty> {
        if depth > 16 {
            return None;
        }
        let inner = |e: &Expr| self.type_of_depth(e, depth + 1).map(|t| self.normalize(t));
        match expr {
            Expr::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
                let name = p.path.segments[0].ident.to_string();
                if name == "self" {
                    return self.self_ty.as_ref().map(|s| Ty::named(&[s]));
                }
                self.local(&name).cloned()
            }
            Expr::Reference(r) => inner(&r.expr),
            Expr::Paren(p) => inner(&p.expr),
            Expr::Group(g) => inner(&g.expr),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => inner(&u.expr),
            Expr::Try(t) => inner(&t.expr).map(|t| unwrap_result(&t)),
            Expr::Field(f) => {
                let base = inner(&f.base)?;
                let syn::Member::Named(field) = &f.member else {
                    let syn::Member::Unnamed(index) = &f.member else { return None };
                    let base = base.peeled();
                    return (base.name() == "(..)").then(|| base.args.get(index.index as usize).cloned()).flatten();
                };
                let owner = base.peeled().name().to_string();
                self.lookup.field(&owner, &field.to_string())
            }
            Expr::MethodCall(m) => {
                let method = m.method.to_string();
                let base = inner(&m.receiver);
                match method.as_str() {
                    "lock" | "read" | "write" | "blocking_lock" | "blocking_read" | "blocking_write" | "borrow"
                    | "borrow_mut" | "get_mut" | "try_lock" | "try_read" | "try_write" | "lock_py_attached" => {
                        let base = base?;
                        let b = base.peeled();
                        match b.name() {
                            "Mutex" | "RwLock" | "RefCell" | "ReentrantMutex" | "FairMutex" => b.args.first().cloned(),
                            _ => Some(b.clone()),
                        }
                    }
                    "unwrap" | "expect" | "unwrap_or_default" | "unwrap_or_else" => base.map(|t| unwrap_result(&t)),
                    "clone" | "as_ref" | "as_mut" | "deref" | "by_ref" | "to_owned" => base.map(|t| t.peeled().clone()),
                    "iter" | "into_iter" if base.as_ref().is_some_and(Ty::is_sync_receiver) => {
                        Some(Ty { path: vec!["ReceiverIter".into()], args: Vec::new(), bounded: false })
                    }
                    _ => {
                        let owner = base?.peeled().name().to_string();
                        self.lookup.method_return(&owner, &method)
                    }
                }
            }
            Expr::Call(c) => {
                let Expr::Path(f) = &*c.func else { return None };
                let segs = self.imports.resolve(&f.path);
                let name = segs.last()?.as_str();
                if let Some(ty) = constructor_type(&segs, name, &c.args, &inner) {
                    return Some(ty);
                }
                if segs.len() >= 2 {
                    let owner = &segs[segs.len() - 2];
                    if let Some(t) = self.lookup.method_return(owner, name) {
                        return Some(t);
                    }
                    if matches!(name, "new" | "default" | "with_capacity" | "from") && starts_upper(owner) {
                        let mut t = Ty { path: segs[..segs.len() - 1].to_vec(), args: Vec::new(), bounded: false };
                        // `Mutex::new(x)` wraps the type of `x`.
                        if let Some(arg) = c.args.first() {
                            if let Some(a) = inner(arg) {
                                t.args.push(a);
                            }
                        }
                        return Some(t);
                    }
                }
                self.lookup.fn_return(name)
            }
            Expr::Struct(s) => Some(Ty { path: s.path.segments.iter().map(|s| s.ident.to_string()).collect(), ..Ty::default() }),
            Expr::Tuple(t) => Some(Ty {
                path: vec!["(..)".into()],
                args: t.elems.iter().map(|e| inner(e).unwrap_or_default()).collect(),
                bounded: false,
            }),
            _ => None,
        }
    }
}

fn starts_upper(s: &str) -> bool {
    s.chars().next().is_some_and(char::is_uppercase)
}

/// `Result<T, _>`, `Option<T>`, `LockResult<T>` -> `T`; other types unchanged (a guard
/// stands for what it guards).
fn unwrap_result(ty: &Ty) -> Ty {
    match ty.name() {
        "Result" | "Option" | "LockResult" | "PyResult" | "TryLockResult" => ty.args.first().cloned().unwrap_or_default(),
        _ => ty.clone(),
    }
}

/// Channel constructors: `channel()`, `sync_channel(n)`, `bounded(n)`, `unbounded()`.
fn constructor_type(segs: &[String], name: &str, args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>, _inner: &dyn Fn(&Expr) -> Option<Ty>) -> Option<Ty> {
    let tokio = segs.iter().any(|s| s == "tokio");
    let pair = |sender: &str, bounded: bool| {
        let mut tx = Ty::named(&[sender]);
        tx.bounded = bounded;
        let mut rx = Ty::named(&["Receiver"]);
        if tokio {
            tx.path.insert(0, "tokio".into());
            rx.path.insert(0, "tokio".into());
        }
        Some(Ty { path: vec!["(..)".into()], args: vec![tx, rx], bounded: false })
    };
    match (name, args.len()) {
        ("channel", 0) | ("unbounded", 0) | ("unbounded_channel", 0) => pair("Sender", false),
        ("sync_channel", 1) => pair("SyncSender", true),
        ("bounded", 1) => pair("Sender", true),
        // tokio's bounded `channel(n)`: its `send` is async, `blocking_send` is a wait by name.
        ("channel", 1) => pair("Sender", true),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_with<'a>(imports: &'a Imports, stmts: &str) -> TypeEnv<'a> {
        let block: syn::Block = syn::parse_str(&format!("{{ {stmts} }}")).expect("block");
        let mut env = TypeEnv::new(&NoLookup, imports, None);
        for stmt in &block.stmts {
            if let syn::Stmt::Local(l) = stmt {
                let ty = l.init.as_ref().and_then(|i| env.type_of(&i.expr));
                env.bind_pat(&l.pat, ty);
            }
        }
        env
    }

    fn expr(s: &str) -> Expr {
        syn::parse_str(s).expect("expr")
    }

    #[test]
    fn constructors_tell_bounded_from_unbounded() {
        let imports = Imports::default();
        let env = env_with(&imports, "let (tx, rx) = crossbeam_channel::bounded(1); let (utx, urx) = unbounded(); let (stx, srx) = std::sync::mpsc::sync_channel(0);");
        assert!(env.type_of(&expr("tx")).expect("typed").is_bounded_sender());
        assert!(!env.type_of(&expr("utx")).expect("typed").is_bounded_sender());
        assert!(env.type_of(&expr("stx")).expect("typed").is_bounded_sender());
        assert!(env.type_of(&expr("rx")).expect("typed").is_sync_receiver());
        assert!(env.type_of(&expr("srx")).expect("typed").is_sync_receiver());
        assert!(env.type_of(&expr("urx")).expect("typed").is_sync_receiver());
    }

    #[test]
    fn annotations_and_locks_are_seen_through() {
        let imports = Imports::default();
        let env = env_with(&imports, "let m: Arc<Mutex<Receiver<u8>>> = make(); let t: tokio::sync::Mutex<u8> = x;");
        assert!(env.type_of(&expr("m.lock().unwrap()")).expect("typed").is_sync_receiver());
        assert!(env.type_of(&expr("t")).expect("typed").mentions("tokio"));
        assert_eq!(env.type_of(&expr("v")), None);
    }

    #[test]
    fn fields_come_from_the_lookup() {
        struct Fields;
        impl TypeLookup for Fields {
            fn field(&self, owner: &str, field: &str) -> Option<Ty> {
                (owner == "Worker" && field == "tx").then(|| Ty::named(&["SyncSender"]))
            }
            fn alias(&self, name: &str) -> Option<Ty> {
                (name == "Tx").then(|| Ty::named(&["SyncSender"]))
            }
        }
        let imports = Imports::default();
        let mut env = TypeEnv::new(&Fields, &imports, Some("Worker".into()));
        assert!(env.type_of(&expr("self.tx")).expect("field").is_bounded_sender());
        env.bind_pat(&syn::parse_quote!(a), Some(Ty::named(&["Tx"])));
        assert!(env.type_of(&expr("a")).expect("alias").is_bounded_sender());
    }
}
