//! Compile-fail and compile-pass tests of the attributes. `TRYBUILD=overwrite` blesses
//! the `.stderr` files; review them like code.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass_*.rs");
    t.compile_fail("tests/ui/fail_*.rs");
}
