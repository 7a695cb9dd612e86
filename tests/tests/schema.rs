//! `schema.graphql` at the root must be exactly what `shopgraph schema` prints.

use std::path::PathBuf;

#[test]
fn exported_schema_matches_the_code() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schema.graphql");
    let sdl = api::graphql::sdl();
    if std::env::var("UPDATE_SCHEMA").is_ok() {
        std::fs::write(&path, &sdl).expect("write schema.graphql");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == sdl,
        "schema.graphql is out of date: run `cargo run -- schema > schema.graphql` \
         (or `UPDATE_SCHEMA=1 cargo test -p tests schema`)"
    );
}
