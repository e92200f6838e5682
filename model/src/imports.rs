//! `use` declarations: what a name in the code stands for (`bo` -> `futures::executor::block_on`).

use std::collections::HashMap;

/// The names a file's `use` items bring into scope, with their full paths.
#[derive(Clone, Debug, Default)]
pub struct Imports {
    names: HashMap<String, Vec<String>>,
}

impl Imports {
    /// The imports of a list of items (nested inline modules included: a name
    /// imported in any of them counts for the whole file, which is good enough for
    /// telling what a name means).
    pub fn from_items(items: &[syn::Item]) -> Self {
        let mut imports = Imports::default();
        imports.add_items(items);
        imports
    }

    pub fn add_items(&mut self, items: &[syn::Item]) {
        for item in items {
            match item {
                syn::Item::Use(u) => self.add_tree(&u.tree, &mut Vec::new()),
                syn::Item::Mod(m) => {
                    if let Some((_, inner)) = &m.content {
                        self.add_items(inner);
                    }
                }
                _ => {}
            }
        }
    }

    /// Adds one `use` tree.
    pub fn add_tree(&mut self, tree: &syn::UseTree, prefix: &mut Vec<String>) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.add_tree(&p.tree, prefix);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let name = n.ident.to_string();
                if name == "self" {
                    if let Some(last) = prefix.last().cloned() {
                        self.names.insert(last, prefix.clone());
                    }
                    return;
                }
                let mut full = prefix.clone();
                full.push(name.clone());
                self.names.insert(name, full);
            }
            syn::UseTree::Rename(r) => {
                let mut full = prefix.clone();
                if r.ident != "self" {
                    full.push(r.ident.to_string());
                }
                self.names.insert(r.rename.to_string(), full);
            }
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.add_tree(t, prefix);
                }
            }
            syn::UseTree::Glob(_) => {}
        }
    }

    /// The full path a name stands for, if it was imported.
    pub fn get(&self, name: &str) -> Option<&[String]> {
        self.names.get(name).map(Vec::as_slice)
    }

    /// The segments of `path` with its first segment replaced by what it was
    /// imported as (`bo(f)` -> `futures::executor::block_on`).
    pub fn resolve(&self, path: &syn::Path) -> Vec<String> {
        let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.resolve_segments(segs)
    }

    pub fn resolve_segments(&self, segs: Vec<String>) -> Vec<String> {
        match segs.first().and_then(|first| self.names.get(first)) {
            Some(full) if !full.is_empty() => {
                let mut out = full.clone();
                out.extend(segs.into_iter().skip(1));
                out
            }
            _ => segs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renames_groups_and_self() {
        let file: syn::File = syn::parse_str(
            "use futures::executor::block_on as bo; use crossbeam_channel::{select as sel, Receiver}; use std::thread::{self};",
        )
        .expect("parses");
        let imports = Imports::from_items(&file.items);
        assert_eq!(imports.resolve(&syn::parse_quote!(bo)), ["futures", "executor", "block_on"]);
        assert_eq!(imports.resolve(&syn::parse_quote!(sel)), ["crossbeam_channel", "select"]);
        assert_eq!(imports.resolve(&syn::parse_quote!(Receiver::recv)), ["crossbeam_channel", "Receiver", "recv"]);
        assert_eq!(imports.resolve(&syn::parse_quote!(thread::scope)), ["std", "thread", "scope"]);
        assert_eq!(imports.resolve(&syn::parse_quote!(other::f)), ["other", "f"]);
    }
}
