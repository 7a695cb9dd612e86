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

/// Directives the GraphQL specification defines.
const SPECIFIED_DIRECTIVES: [&str; 5] = ["include", "skip", "deprecated", "specifiedBy", "oneOf"];

/// Every element a client can see in the committed SDL — type, field, argument, input field,
/// enum value, directive — must carry a description written for whoever builds on it.
#[test]
fn every_schema_element_is_described() {
    use async_graphql::parser::types::{InterfaceType, ObjectType, TypeKind, TypeSystemDefinition};
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schema.graphql");
    let sdl = std::fs::read_to_string(&path).expect("read schema.graphql");
    let document = async_graphql::parser::parse_schema(&sdl).expect("schema.graphql parses");
    let described = |description: &Option<async_graphql::Positioned<String>>| {
        description
            .as_ref()
            .is_some_and(|d| d.node.trim().len() >= 3)
    };
    let mut missing = Vec::new();
    for definition in &document.definitions {
        match definition {
            TypeSystemDefinition::Type(ty) => {
                let ty = &ty.node;
                let name = ty.name.node.as_str();
                if !described(&ty.description) {
                    missing.push(name.to_owned());
                }
                match &ty.kind {
                    TypeKind::Object(ObjectType { fields, .. })
                    | TypeKind::Interface(InterfaceType { fields, .. }) => {
                        for field in fields {
                            let field = &field.node;
                            let at = format!("{name}.{}", field.name.node);
                            if !described(&field.description) {
                                missing.push(at.clone());
                            }
                            for argument in &field.arguments {
                                if !described(&argument.node.description) {
                                    missing.push(format!("{at}({})", argument.node.name.node));
                                }
                            }
                        }
                    }
                    TypeKind::InputObject(input) => {
                        for field in &input.fields {
                            if !described(&field.node.description) {
                                missing.push(format!("{name}.{}", field.node.name.node));
                            }
                        }
                    }
                    TypeKind::Enum(enumeration) => {
                        for value in &enumeration.values {
                            if !described(&value.node.description) {
                                missing.push(format!("{name}.{}", value.node.value.node));
                            }
                        }
                    }
                    TypeKind::Scalar | TypeKind::Union(_) => {}
                }
            }
            TypeSystemDefinition::Directive(directive) => {
                let directive = &directive.node;
                // The specification's own directives: their arguments are described there,
                // and the library prints them as it defines them.
                if SPECIFIED_DIRECTIVES.contains(&directive.name.node.as_str()) {
                    continue;
                }
                if !described(&directive.description) {
                    missing.push(format!("@{}", directive.name.node));
                }
                for argument in &directive.arguments {
                    if !described(&argument.node.description) {
                        missing.push(format!(
                            "@{}({})",
                            directive.name.node, argument.node.name.node
                        ));
                    }
                }
            }
            TypeSystemDefinition::Schema(_) => {}
        }
    }
    assert!(
        missing.is_empty(),
        "{} schema elements have no description: {missing:#?}",
        missing.len()
    );
}

/// `DateTime` tells codegen and readers what it is, in the committed SDL too.
#[test]
fn date_time_is_specified_in_the_committed_schema() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schema.graphql");
    let sdl = std::fs::read_to_string(&path).expect("read schema.graphql");
    let document = async_graphql::parser::parse_schema(&sdl).expect("schema.graphql parses");
    let date_time = document
        .definitions
        .iter()
        .find_map(|definition| match definition {
            async_graphql::parser::types::TypeSystemDefinition::Type(ty)
                if ty.node.name.node == "DateTime" =>
            {
                Some(&ty.node)
            }
            _ => None,
        })
        .expect("DateTime is in the schema");
    let description = date_time
        .description
        .as_ref()
        .map(|d| d.node.clone())
        .unwrap_or_default();
    assert!(
        description.contains("RFC 3339") && description.contains("UTC"),
        "{description}"
    );
    assert!(
        date_time
            .directives
            .iter()
            .any(|d| d.node.name.node == "specifiedBy"),
        "DateTime has no @specifiedBy in schema.graphql"
    );
}
