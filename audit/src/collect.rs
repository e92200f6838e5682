//! One parsed file: its functions (in a fixed order, so the two passes agree), and
//! the declarations the whole-crate type lookup is built from.

use pyo3_detach_model::context::{blocking_detached_waits, drop_impl_type, fn_entry, is_pyclass, is_pymethods, type_name};
use pyo3_detach_model::{EntryKind, Ty};
use syn::visit::Visit;

/// A function of the file, borrowed from its tree.
pub struct FnRef<'a> {
    pub sig: &'a syn::Signature,
    pub block: &'a syn::Block,
    /// The `Self` type of the enclosing `impl` (or the trait, for a default method).
    pub owner: Option<String>,
    pub module: Vec<String>,
    /// `#[pyfunction]`, `#[pymodule]`, a `#[pymethods]` method; `Drop` is settled later.
    pub entry: Option<EntryKind>,
    /// `drop` of `impl Drop for T`: `T`.
    pub drop_of: Option<String>,
    /// `#[blocking_detached]` on the function or its `impl`: the extra wait names.
    pub rewrites: Option<Vec<String>>,
}

/// Declarations of one file, for the crate-wide lookup (all owned: they cross threads).
#[derive(Default)]
pub struct Decls {
    pub fields: Vec<(String, String, Ty)>,
    pub aliases: Vec<(String, Ty)>,
    pub pyclasses: Vec<String>,
    pub types: Vec<String>,
    pub fn_returns: Vec<(String, Ty)>,
    pub method_returns: Vec<(String, String, Ty)>,
    /// `(Type, field)` built from a bounded channel constructor.
    pub bounded_fields: Vec<(String, String)>,
}

/// The functions of a file, in visiting order.
pub fn functions<'a>(file: &'a syn::File, module: Vec<String>) -> Vec<FnRef<'a>> {
    let mut c = FnCollector { out: Vec::new(), module, owner: Vec::new() };
    c.visit_file(file);
    c.out
}

struct Owner {
    name: Option<String>,
    pymethods: bool,
    rewrites: Option<Vec<String>>,
    drop_of: Option<String>,
}

struct FnCollector<'a> {
    out: Vec<FnRef<'a>>,
    module: Vec<String>,
    owner: Vec<Owner>,
}

impl<'a> Visit<'a> for FnCollector<'a> {
    fn visit_item_fn(&mut self, f: &'a syn::ItemFn) {
        self.out.push(FnRef {
            sig: &f.sig,
            block: &f.block,
            owner: None,
            module: self.module.clone(),
            entry: fn_entry(&f.attrs),
            drop_of: None,
            rewrites: blocking_detached_waits(&f.attrs),
        });
        // Nested items (a `#[pyfunction]` inside a module function) are functions too.
        let saved = std::mem::take(&mut self.owner);
        syn::visit::visit_block(self, &f.block);
        self.owner = saved;
    }

    fn visit_item_impl(&mut self, imp: &'a syn::ItemImpl) {
        self.owner.push(Owner {
            name: type_name(&imp.self_ty),
            pymethods: is_pymethods(&imp.attrs),
            rewrites: blocking_detached_waits(&imp.attrs),
            drop_of: drop_impl_type(imp),
        });
        syn::visit::visit_item_impl(self, imp);
        self.owner.pop();
    }

    fn visit_impl_item_fn(&mut self, m: &'a syn::ImplItemFn) {
        let owner = self.owner.last();
        let own = blocking_detached_waits(&m.attrs);
        let rewrites = match (own, owner.and_then(|o| o.rewrites.clone())) {
            (Some(mut a), Some(b)) => {
                a.extend(b);
                Some(a)
            }
            (a, b) => a.or(b),
        };
        self.out.push(FnRef {
            sig: &m.sig,
            block: &m.block,
            owner: owner.and_then(|o| o.name.clone()),
            module: self.module.clone(),
            entry: owner.is_some_and(|o| o.pymethods).then_some(EntryKind::PyMethods),
            drop_of: owner.and_then(|o| o.drop_of.clone()).filter(|_| m.sig.ident == "drop"),
            rewrites,
        });
        let saved = std::mem::take(&mut self.owner);
        syn::visit::visit_block(self, &m.block);
        self.owner = saved;
    }

    fn visit_item_trait(&mut self, t: &'a syn::ItemTrait) {
        self.owner.push(Owner { name: Some(t.ident.to_string()), pymethods: false, rewrites: None, drop_of: None });
        syn::visit::visit_item_trait(self, t);
        self.owner.pop();
    }

    fn visit_trait_item_fn(&mut self, m: &'a syn::TraitItemFn) {
        if let Some(block) = &m.default {
            self.out.push(FnRef {
                sig: &m.sig,
                block,
                owner: self.owner.last().and_then(|o| o.name.clone()),
                module: self.module.clone(),
                entry: None,
                drop_of: None,
                rewrites: blocking_detached_waits(&m.attrs),
            });
            let saved = std::mem::take(&mut self.owner);
            syn::visit::visit_block(self, block);
            self.owner = saved;
        }
    }

    fn visit_item_mod(&mut self, m: &'a syn::ItemMod) {
        self.module.push(m.ident.to_string());
        syn::visit::visit_item_mod(self, m);
        self.module.pop();
    }
}

/// The declarations of a file.
pub fn declarations(file: &syn::File) -> Decls {
    let mut c = DeclCollector { decls: Decls::default(), owner: Vec::new() };
    c.visit_file(file);
    c.decls
}

struct DeclCollector {
    decls: Decls,
    owner: Vec<Option<String>>,
}

fn self_to(ty: Ty, owner: Option<&String>) -> Ty {
    match owner {
        Some(o) if ty.path.len() == 1 && ty.path[0] == "Self" => Ty { path: vec![o.clone()], ..ty },
        _ => ty,
    }
}

fn return_ty(sig: &syn::Signature) -> Option<Ty> {
    match &sig.output {
        syn::ReturnType::Type(_, t) => Ty::from_syn(t),
        syn::ReturnType::Default => None,
    }
}

impl<'a> Visit<'a> for DeclCollector {
    fn visit_item_struct(&mut self, s: &'a syn::ItemStruct) {
        let name = s.ident.to_string();
        if is_pyclass(&s.attrs) {
            self.decls.pyclasses.push(name.clone());
        }
        self.decls.types.push(name.clone());
        for (i, field) in s.fields.iter().enumerate() {
            let fname = field.ident.as_ref().map_or_else(|| i.to_string(), |f| f.to_string());
            if let Some(ty) = Ty::from_syn(&field.ty) {
                self.decls.fields.push((name.clone(), fname, ty));
            }
        }
    }

    fn visit_item_enum(&mut self, e: &'a syn::ItemEnum) {
        if is_pyclass(&e.attrs) {
            self.decls.pyclasses.push(e.ident.to_string());
        }
        self.decls.types.push(e.ident.to_string());
        syn::visit::visit_item_enum(self, e);
    }

    fn visit_item_type(&mut self, t: &'a syn::ItemType) {
        if let Some(ty) = Ty::from_syn(&t.ty) {
            self.decls.aliases.push((t.ident.to_string(), ty));
        }
    }

    fn visit_item_fn(&mut self, f: &'a syn::ItemFn) {
        if let Some(ty) = return_ty(&f.sig) {
            self.decls.fn_returns.push((f.sig.ident.to_string(), ty));
        }
        self.bounded_literals(&f.block, None);
        syn::visit::visit_item_fn(self, f);
    }

    fn visit_item_impl(&mut self, imp: &'a syn::ItemImpl) {
        self.owner.push(type_name(&imp.self_ty));
        syn::visit::visit_item_impl(self, imp);
        self.owner.pop();
    }

    fn visit_impl_item_fn(&mut self, m: &'a syn::ImplItemFn) {
        let owner = self.owner.last().cloned().flatten();
        if let (Some(o), Some(ty)) = (&owner, return_ty(&m.sig)) {
            self.decls.method_returns.push((o.clone(), m.sig.ident.to_string(), self_to(ty, Some(o))));
        }
        self.bounded_literals(&m.block, owner.as_deref());
        let saved = std::mem::take(&mut self.owner);
        syn::visit::visit_impl_item_fn(self, m);
        self.owner = saved;
    }
}

impl DeclCollector {
    /// `let (tx, rx) = bounded(1); Worker { tx, .. }`: `Worker.tx` is a bounded sender.
    fn bounded_literals(&mut self, block: &syn::Block, owner: Option<&str>) {
        struct Finder<'o> {
            bounded: Vec<String>,
            owner: Option<&'o str>,
            found: Vec<(String, String)>,
        }
        impl<'a> Visit<'a> for Finder<'_> {
            fn visit_local(&mut self, l: &'a syn::Local) {
                if let Some(init) = &l.init {
                    if let syn::Expr::Call(c) = &*init.expr {
                        if let syn::Expr::Path(p) = &*c.func {
                            let name = p.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
                            if (name == "bounded" || name == "sync_channel") && c.args.len() == 1 {
                                if let syn::Pat::Tuple(t) = &l.pat {
                                    if let Some(syn::Pat::Ident(tx)) = t.elems.first() {
                                        self.bounded.push(tx.ident.to_string());
                                    }
                                }
                            }
                        }
                    }
                }
                syn::visit::visit_local(self, l);
            }
            fn visit_expr_struct(&mut self, s: &'a syn::ExprStruct) {
                let mut ty = s.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
                if ty == "Self" {
                    ty = self.owner.unwrap_or_default().to_string();
                }
                for field in &s.fields {
                    if let (syn::Member::Named(fname), syn::Expr::Path(p)) = (&field.member, &field.expr) {
                        if p.path.get_ident().is_some_and(|i| self.bounded.iter().any(|b| i == b)) {
                            self.found.push((ty.clone(), fname.to_string()));
                        }
                    }
                }
                syn::visit::visit_expr_struct(self, s);
            }
            fn visit_item(&mut self, _: &'a syn::Item) {}
        }
        let mut f = Finder { bounded: Vec::new(), owner, found: Vec::new() };
        f.visit_block(block);
        self.decls.bounded_fields.extend(f.found);
    }
}
