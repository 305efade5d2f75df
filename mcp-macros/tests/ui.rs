//! The compile errors users see, pinned with trybuild. Regenerate the
//! `.stderr` files with `TRYBUILD=overwrite cargo test -p quickmcp-macros --test ui`
//! and read every change.

#[test]
fn ui() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
