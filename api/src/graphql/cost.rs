//! What a document would cost, found before anything expands it.
//!
//! async-graphql's limit checks (`check_recursive_depth`, and the complexity and depth
//! visitors) walk a fragment once per place it is spread, with no memory of what it cost last
//! time: a chain of 24 fragments that each spread the one before twice is 2^24 walks, and a
//! fragment that spreads itself twice is 2^32 before the cycle is reported. They run on a
//! runtime thread, where no timeout can stop them. This walk visits each fragment once
//! (memoized), stops as soon as a limit is passed, and refuses cycles, so it costs time linear
//! in the document's size; a document it lets through expands to at most `max_selections`
//! selections, which bounds everything async-graphql does after it.
//!
//! Its answers are async-graphql's own (same limits, same messages, so the same codes):
//! - more selections once fragments are expanded than the complexity limit (every selection
//!   costs at least one unit of complexity, so no query under the limit is refused);
//! - fields nested deeper than the depth limit;
//! - selection sets nested more than 32 levels, fragments included (async-graphql's
//!   recursion limit, which also bounds this walk's own recursion);
//! - a fragment that spreads itself, directly or through others.

use async_graphql::parser::types::{
    ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Pos, Positioned, ServerError};
use std::collections::HashMap;

/// async-graphql's default `limit_recursive_depth`, which this walk enforces first.
pub const MAX_NESTING: usize = 32;

/// The limits a document is held to.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Most selections (fields, fragment spreads, inline fragments) after expansion.
    pub max_selections: usize,
    /// Most levels of nested fields (async-graphql's depth).
    pub max_depth: usize,
}

/// What a selection set (or fragment) expands to.
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    selections: usize,
    depth: usize,
    nesting: usize,
}

enum Memo {
    Walking,
    Done(Tally),
}

struct Walk<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    memo: HashMap<&'a str, Memo>,
    budget: Budget,
    /// Selections counted so far over the whole document, expanded.
    spent: usize,
}

/// Refuses `document` if any of its operations would pass `budget` (counted over all of them
/// together), with the error async-graphql itself would give.
pub fn check(document: &ExecutableDocument, budget: Budget) -> Result<(), ServerError> {
    let mut walk = Walk {
        fragments: &document.fragments,
        memo: HashMap::new(),
        budget,
        spent: 0,
    };
    for (_, operation) in document.operations.iter() {
        let tally = walk.set(&operation.node.selection_set, 0)?;
        if tally.depth > budget.max_depth {
            return Err(ServerError::new("Query is nested too deep.", None));
        }
    }
    Ok(())
}

impl<'a> Walk<'a> {
    fn set(
        &mut self,
        set: &'a Positioned<SelectionSet>,
        level: usize,
    ) -> Result<Tally, ServerError> {
        if level > MAX_NESTING {
            return Err(too_nested(set.pos));
        }
        let mut tally = Tally::default();
        for selection in &set.node.items {
            self.spend(1)?;
            let (inner, depth_step) = match &selection.node {
                Selection::Field(field) if field.node.selection_set.node.items.is_empty() => {
                    (Tally::default(), 1)
                }
                Selection::Field(field) => {
                    (nested(self.set(&field.node.selection_set, level + 1)?), 1)
                }
                Selection::InlineFragment(inline) => {
                    (nested(self.set(&inline.node.selection_set, level + 1)?), 0)
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    let inner = self.fragment(name, spread.pos, level + 1)?;
                    if level + 1 + inner.nesting > MAX_NESTING {
                        return Err(too_nested(spread.pos));
                    }
                    (nested(inner), 0)
                }
            };
            tally.selections = tally
                .selections
                .saturating_add(1)
                .saturating_add(inner.selections);
            tally.depth = tally.depth.max(depth_step + inner.depth);
            tally.nesting = tally.nesting.max(inner.nesting);
        }
        Ok(tally)
    }

    /// Counts `selections` more for the document as a whole, stopping at the limit instead of
    /// adding up a number nobody will serve.
    fn spend(&mut self, selections: usize) -> Result<(), ServerError> {
        self.spent = self.spent.saturating_add(selections);
        if self.spent > self.budget.max_selections {
            return Err(ServerError::new("Query is too complex.", None));
        }
        Ok(())
    }

    /// A fragment's tally: walked (and counted) the first time it is spread, remembered and
    /// counted again at every later spread.
    fn fragment(&mut self, name: &'a str, at: Pos, level: usize) -> Result<Tally, ServerError> {
        match self.memo.get(name) {
            Some(Memo::Done(tally)) => {
                let tally = *tally;
                self.spend(tally.selections)?;
                return Ok(tally);
            }
            Some(Memo::Walking) => {
                return Err(ServerError::new(
                    format!("Cannot spread fragment \"{name}\" within itself."),
                    Some(at),
                ));
            }
            None => {}
        }
        // Unknown fragments are async-graphql's to report.
        let Some(definition) = self.fragments.get(name) else {
            return Ok(Tally::default());
        };
        self.memo.insert(name, Memo::Walking);
        let tally = self.set(&definition.node.selection_set, level)?;
        self.memo.insert(name, Memo::Done(tally));
        Ok(tally)
    }
}

fn too_nested(at: Pos) -> ServerError {
    ServerError::new(
        format!("The recursion depth of the query cannot be greater than `{MAX_NESTING}`"),
        Some(at),
    )
}

/// A tally seen from the selection that contains it: one more level of nesting.
fn nested(inner: Tally) -> Tally {
    Tally {
        nesting: inner.nesting + 1,
        ..inner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUDGET: Budget = Budget {
        max_selections: 1_000,
        max_depth: 12,
    };

    fn refused(query: &str) -> Option<String> {
        let document = async_graphql::parser::parse_query(query).expect("parses");
        check(&document, BUDGET).err().map(|e| e.message)
    }

    /// `levels` fragments, each spreading the one before twice.
    fn chain(levels: usize) -> String {
        let mut query =
            String::from("query { users { nodes { ...F0 } } }\nfragment F1 on User { id name }\n");
        query = query.replace("...F0", &format!("...F{levels}"));
        for level in 2..=levels {
            query.push_str(&format!(
                "fragment F{level} on User {{ ...F{prev} ...F{prev} }}\n",
                prev = level - 1
            ));
        }
        query
    }

    #[test]
    fn ordinary_queries_pass() {
        assert_eq!(
            refused(
                "{ users(first: 50) { nodes { id name posts(first: 10) { nodes { id title author { id name } } } } } }"
            ),
            None
        );
        assert_eq!(refused(&chain(5)), None, "32 copies of two fields");
        assert_eq!(
            refused(
                "query { me { ...A ...A } } fragment A on User { id ...B } fragment B on User { name }"
            ),
            None
        );
    }

    #[test]
    fn fragment_chains_are_refused_quickly() {
        for levels in [12, 24, 30] {
            assert_eq!(
                refused(&chain(levels)).as_deref(),
                Some("Query is too complex."),
                "{levels} levels"
            );
        }
        // Past the nesting limit too: refused for that first.
        assert!(refused(&chain(1_000)).is_some());
    }

    #[test]
    fn depth_nesting_and_cycles() {
        let deep = format!(
            "{{ {}id{} }}",
            "me { orders { nodes { customer { ".repeat(3),
            " } } } }".repeat(3)
        );
        assert_eq!(refused(&deep).as_deref(), Some("Query is nested too deep."));
        assert!(
            refused("query { me { ...A } } fragment A on User { ...A ...A }")
                .is_some_and(|m| m.contains("within itself"))
        );
        assert!(
            refused(
                "query { me { ...A } } fragment A on User { ...B } fragment B on User { ...A }"
            )
            .is_some_and(|m| m.contains("within itself"))
        );
        // Spreads nested past async-graphql's recursion limit, without a single extra field.
        let mut spreads = String::from("query { me { ...S40 } }\nfragment S0 on User { id }\n");
        for level in 1..=40 {
            spreads.push_str(&format!(
                "fragment S{level} on User {{ ...S{} }}\n",
                level - 1
            ));
        }
        assert!(refused(&spreads).is_some_and(|m| m.starts_with("The recursion depth")));
    }
}
