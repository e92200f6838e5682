//! Expansion snapshots: each `tests/expand/NAME.rs` holds items whose first attribute
//! is one of ours; their expansion, pretty-printed, must equal `NAME.expanded.rs`.
//! A change in what the macros emit therefore shows in review.
//! `SNAPSHOTS=overwrite cargo test -p pyo3-detach-macros` rewrites the files.

use std::path::Path;

fn expand_file(source: &str) -> String {
    let file: syn::File = syn::parse_str(source).expect("snapshot input parses");
    let mut out = proc_macro2::TokenStream::new();
    for mut item in file.items {
        let attrs = match &mut item {
            syn::Item::Fn(f) => &mut f.attrs,
            syn::Item::Impl(i) => &mut i.attrs,
            syn::Item::Mod(m) => &mut m.attrs,
            other => {
                out.extend(quote::quote!(#other));
                continue;
            }
        };
        let ours = attrs.iter().position(|a| {
            a.path().is_ident("blocking_detached") || a.path().is_ident("ft_module")
        });
        let Some(index) = ours else {
            out.extend(quote::quote!(#item));
            continue;
        };
        let attr = attrs.remove(index);
        let args = match &attr.meta {
            syn::Meta::List(list) => list.tokens.clone(),
            _ => proc_macro2::TokenStream::new(),
        };
        let input = quote::quote!(#item);
        let expanded = if attr.path().is_ident("ft_module") {
            crate::expand::ft_module(args, input)
        } else {
            crate::expand::blocking_detached(args, input)
        };
        out.extend(expanded);
    }
    let file: syn::File = syn::parse2(out).expect("expansion parses as a file");
    prettyplease::unparse(&file)
}

#[test]
fn expansions_match_snapshots() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expand");
    let overwrite = std::env::var("SNAPSHOTS").is_ok_and(|v| v == "overwrite");
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/expand exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "rs") && !p.to_string_lossy().ends_with(".expanded.rs"))
        .collect();
    inputs.sort();
    assert!(inputs.len() >= 5, "expected snapshot inputs in {}", dir.display());
    let mut mismatches = Vec::new();
    for input in inputs {
        let expected_path = input.with_extension("expanded.rs");
        let actual = expand_file(&std::fs::read_to_string(&input).expect("readable"));
        if overwrite {
            std::fs::write(&expected_path, &actual).expect("writable");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != actual {
            mismatches.push(format!("--- {}\n{}", expected_path.display(), actual));
        }
    }
    assert!(
        mismatches.is_empty(),
        "expansions changed (review, then bless with SNAPSHOTS=overwrite):\n{}",
        mismatches.join("\n")
    );
}
