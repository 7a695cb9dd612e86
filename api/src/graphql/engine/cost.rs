//! What a request would cost, found before anything expands it.
//!
//! **The cost model** counts what a query fetches, the way GitHub and Shopify count:
//! - a scalar or enum field costs nothing;
//! - a field returning an object costs 1 for each object it can return;
//! - a connection field (`first`/`last`) costs 1 for its page plus its page size times what
//!   one row of its selection costs (`first`/`last` as given, literally or by variable, else
//!   the default page; at most the largest page: [`Sizes`]); its `edges` and `pageInfo`
//!   wrappers cost nothing;
//! - any other list of objects counts as its longest possible length ([`Sizes::lists`]);
//! - a fragment costs what its selection costs, wherever it is spread.
//!
//! So `users(first: 50) { nodes { name posts(first: 10) { nodes { title author { name } } } } }`
//! costs 1 + 50 × (1 + 1 + 10 × (1 + 1)) = 1,101, and three nested pages of 100 cost about a
//! million. The cost is sent back in `extensions.cost`.
//!
//! **Bounds on the document itself**, whatever it costs: selections once fragments are
//! expanded (a chain of 24 fragments that each spread the one before twice is 2^24 of them,
//! however cheap each is), field depth, selection sets nested more than 32 levels
//! (async-graphql's recursion limit, which also bounds this walk's own recursion), and
//! fragments that spread themselves. async-graphql's own checks walk a fragment once per
//! place it is spread, with no memory of the last time, on a runtime thread no timeout can
//! stop; this walk visits each fragment once (memoized) and stops as soon as a limit is
//! passed, so it costs time linear in the document's size.
//!
//! **Introspection** (`__schema`, `__type` and everything under them) costs nothing and is not
//! held to the depth limit: GraphiQL's and graphql-codegen's introspection queries are 15
//! fields deep. What bounds its answer instead is how often lists of types or of their members
//! nest: `types { fields { … } }` is the shape of every introspection query; a third level
//! (`types { fields { type { fields … } } }`) grows with the cube of the schema and is refused.

use super::codes::code;
use super::error_codes::with_code;
use async_graphql::parser::types::{
    BaseType, ExecutableDocument, FragmentDefinition, Selection, SelectionSet, Type,
    TypeDefinition, TypeKind, TypeSystemDefinition,
};
use async_graphql::{Name, Pos, Positioned, ServerError, Value, Variables};
use std::collections::{HashMap, HashSet};

/// async-graphql's default `limit_recursive_depth`, which this walk enforces first.
pub const MAX_NESTING: usize = 32;

/// Lists of types or of their members (`types`, `fields`, ...) nested in one introspection
/// path; every standard introspection query nests two.
pub const MAX_TYPE_LISTS: usize = 2;

/// The introspection fields that list types or their members.
const TYPE_LISTS: [&str; 6] = [
    "types",
    "fields",
    "inputFields",
    "interfaces",
    "possibleTypes",
    "enumValues",
];

/// What the SDL does not say about how many objects a field returns.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    /// How long a list of objects outside a connection can be, by (type, field). A list not
    /// named here counts as [`Sizes::max_page`] and is reported by [`CostModel::unbounded`].
    pub lists: &'static [(&'static str, &'static str, u64)],
    /// The page a connection returns when neither `first` nor `last` is given.
    pub default_page: u64,
    /// The largest page a connection returns.
    pub max_page: u64,
}

/// The limits a request is held to.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Most selections (fields, fragment spreads, inline fragments) after expansion.
    pub max_selections: usize,
    /// Most levels of nested fields, introspection aside.
    pub max_depth: usize,
    /// Highest cost.
    pub max_cost: u64,
}

/// What each field of the schema costs, read from its SDL once at start-up.
#[derive(Debug)]
pub struct CostModel {
    types: HashMap<String, HashMap<String, FieldCost>>,
    sizes: Sizes,
    /// Lists of objects outside connections that [`Sizes::lists`] does not name.
    unbounded: Vec<String>,
}

#[derive(Debug)]
struct FieldCost {
    /// The named type the field returns (lists unwrapped).
    target: String,
    /// 1 for a field returning objects, 0 for scalars, enums and connection wrappers.
    own: u64,
    /// How many items it returns at most (1 unless it is a list outside a connection).
    items: u64,
    /// Whether `first`/`last` size its page.
    paged: bool,
}

impl CostModel {
    /// The model of the schema whose SDL is `sdl`, its lists and pages sized by `sizes`.
    pub fn from_sdl(sdl: &str, sizes: Sizes) -> Result<Self, async_graphql::parser::Error> {
        let document = async_graphql::parser::parse_schema(sdl)?;
        let definitions: Vec<&TypeDefinition> = document
            .definitions
            .iter()
            .filter_map(|d| match d {
                TypeSystemDefinition::Type(t) => Some(&t.node),
                _ => None,
            })
            .collect();
        let composite: HashSet<&str> = definitions
            .iter()
            .filter(|t| {
                matches!(
                    t.kind,
                    TypeKind::Object(_) | TypeKind::Interface(_) | TypeKind::Union(_)
                )
            })
            .map(|t| t.name.node.as_str())
            .collect();
        fn fields_of(
            t: &TypeDefinition,
        ) -> Option<&Vec<Positioned<async_graphql::parser::types::FieldDefinition>>> {
            match &t.kind {
                TypeKind::Object(o) => Some(&o.fields),
                TypeKind::Interface(i) => Some(&i.fields),
                _ => None,
            }
        }
        let paged = |f: &async_graphql::parser::types::FieldDefinition| {
            f.arguments
                .iter()
                .any(|a| matches!(a.node.name.node.as_str(), "first" | "last"))
        };
        // Connections are what paged fields return; their edges and page info are wrappers.
        let pages: HashSet<&str> = definitions
            .iter()
            .filter_map(|t| fields_of(t))
            .flatten()
            .filter(|f| paged(&f.node))
            .map(|f| named(&f.node.ty.node))
            .collect();
        let mut wrappers: HashSet<&str> = HashSet::from(["PageInfo"]);
        for t in definitions
            .iter()
            .filter(|t| pages.contains(t.name.node.as_str()))
        {
            for f in fields_of(t).into_iter().flatten() {
                if f.node.name.node == "edges" {
                    wrappers.insert(named(&f.node.ty.node));
                }
            }
        }
        let mut types = HashMap::new();
        let mut unbounded = Vec::new();
        for t in &definitions {
            let parent = t.name.node.as_str();
            let mut fields = HashMap::new();
            for f in fields_of(t).into_iter().flatten() {
                let f = &f.node;
                let target = named(&f.ty.node);
                let object = composite.contains(target);
                let items = if is_list(&f.ty.node) && object && !pages.contains(parent) {
                    list_bound(&sizes, parent, &f.name.node).unwrap_or_else(|| {
                        unbounded.push(format!("{parent}.{}", f.name.node));
                        sizes.max_page
                    })
                } else {
                    1
                };
                fields.insert(
                    f.name.node.to_string(),
                    FieldCost {
                        target: target.to_owned(),
                        own: u64::from(object && !wrappers.contains(target)),
                        items,
                        paged: paged(f),
                    },
                );
            }
            types.insert(parent.to_owned(), fields);
        }
        Ok(Self {
            types,
            sizes,
            unbounded,
        })
    }

    /// Lists of objects outside connections that [`Sizes::lists`] does not name (each counts
    /// as [`Sizes::max_page`]).
    pub fn unbounded(&self) -> &[String] {
        &self.unbounded
    }

    fn field(&self, ty: Ty<'_>, name: &str) -> Option<&FieldCost> {
        match ty {
            Ty::Known(ty) => self.types.get(ty)?.get(name),
            _ => None,
        }
    }

    fn ty<'m>(&'m self, name: &str) -> Ty<'m> {
        if name.starts_with("__") {
            return Ty::Introspection;
        }
        match self.types.get_key_value(name) {
            Some((name, _)) => Ty::Known(name),
            None => Ty::Unknown,
        }
    }
}

fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

fn is_list(ty: &Type) -> bool {
    matches!(ty.base, BaseType::List(_))
}

fn list_bound(sizes: &Sizes, parent: &str, field: &str) -> Option<u64> {
    sizes
        .lists
        .iter()
        .find(|(t, f, _)| *t == parent && *f == field)
        .map(|(_, _, bound)| *bound)
}

/// The type a selection set is on, as far as cost goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ty<'m> {
    Known(&'m str),
    /// Under `__schema` or `__type`: free, not held to the depth limit.
    Introspection,
    /// Not in the schema: validation will refuse it; it costs nothing here.
    Unknown,
}

/// What a selection set (or fragment) expands to.
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    selections: usize,
    depth: usize,
    nesting: usize,
    cost: u64,
    type_lists: usize,
}

enum Memo {
    Walking,
    Done(Tally),
}

struct Walk<'a, 'm> {
    model: &'m CostModel,
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    variables: &'a Variables,
    memo: HashMap<&'a str, Memo>,
    budget: Budget,
    /// Selections counted so far over the whole document, expanded.
    spent: usize,
}

/// Checks `document` against `budget` (selections counted over all its operations together,
/// depth and cost for each) and returns the cost of the operation `operation` names (or of
/// its only one). Refusals are request errors with `QUERY_TOO_COMPLEX` or `QUERY_TOO_DEEP`.
pub fn check(
    model: &CostModel,
    document: &ExecutableDocument,
    operation: Option<&str>,
    variables: &Variables,
    budget: Budget,
) -> Result<u64, ServerError> {
    let mut walk = Walk {
        model,
        fragments: &document.fragments,
        variables,
        memo: HashMap::new(),
        budget,
        spent: 0,
    };
    let mut chosen = 0;
    for (name, op) in document.operations.iter() {
        let root = match op.node.ty {
            async_graphql::parser::types::OperationType::Query => "Query",
            async_graphql::parser::types::OperationType::Mutation => "Mutation",
            async_graphql::parser::types::OperationType::Subscription => "Subscription",
        };
        let tally = walk.set(&op.node.selection_set, model.ty(root), 0)?;
        if tally.depth > budget.max_depth {
            return Err(with_code(
                ServerError::new(
                    format!(
                        "the query nests fields {} deep; at most {} are allowed",
                        tally.depth, budget.max_depth
                    ),
                    None,
                ),
                code::QUERY_TOO_DEEP,
            ));
        }
        if tally.cost > budget.max_cost {
            return Err(too_costly(tally.cost, budget.max_cost));
        }
        if operation.is_none_or(|wanted| name.is_some_and(|n| n.as_str() == wanted)) {
            chosen = tally.cost;
        }
    }
    Ok(chosen)
}

/// `extensions.cost` of a response: what the request cost and the most it may.
pub fn report(cost: u64, budget: Budget) -> Value {
    let mut report = async_graphql::indexmap::IndexMap::new();
    report.insert(Name::new("requested"), Value::from(cost));
    report.insert(Name::new("limit"), Value::from(budget.max_cost));
    Value::Object(report)
}

impl<'a, 'm> Walk<'a, 'm> {
    fn set(
        &mut self,
        set: &'a Positioned<SelectionSet>,
        ty: Ty<'m>,
        level: usize,
    ) -> Result<Tally, ServerError> {
        if level > MAX_NESTING {
            return Err(too_nested(set.pos));
        }
        let mut tally = Tally::default();
        for selection in &set.node.items {
            self.spend(1)?;
            let part = match &selection.node {
                Selection::Field(field) => self.field(&field.node, ty, level)?,
                Selection::InlineFragment(inline) => {
                    let inner_ty = match &inline.node.type_condition {
                        Some(condition) => self.model.ty(&condition.node.on.node),
                        None => ty,
                    };
                    nested(self.set(&inline.node.selection_set, inner_ty, level + 1)?)
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    let inner = self.fragment(name, spread.pos, level + 1)?;
                    if level + 1 + inner.nesting > MAX_NESTING {
                        return Err(too_nested(spread.pos));
                    }
                    nested(inner)
                }
            };
            tally.selections = tally
                .selections
                .saturating_add(1)
                .saturating_add(part.selections);
            tally.depth = tally.depth.max(part.depth);
            tally.nesting = tally.nesting.max(part.nesting);
            tally.cost = tally.cost.saturating_add(part.cost);
            tally.type_lists = tally.type_lists.max(part.type_lists);
            if tally.cost > self.budget.max_cost {
                return Err(too_costly(tally.cost, self.budget.max_cost));
            }
        }
        Ok(tally)
    }

    /// One field as its parent sees it: its selection's tally, one level down, with the
    /// field's own depth and cost.
    fn field(
        &mut self,
        field: &'a async_graphql::parser::types::Field,
        ty: Ty<'m>,
        level: usize,
    ) -> Result<Tally, ServerError> {
        let name = field.name.node.as_str();
        let introspection = ty == Ty::Introspection || name == "__schema" || name == "__type";
        let cost = self.model.field(ty, name);
        let inner_ty = if introspection {
            Ty::Introspection
        } else {
            cost.map_or(Ty::Unknown, |c| self.model.ty(&c.target))
        };
        let inner = if field.selection_set.node.items.is_empty() {
            Tally::default()
        } else {
            nested(self.set(&field.selection_set, inner_ty, level + 1)?)
        };
        if introspection {
            let type_lists = inner.type_lists
                + usize::from(ty == Ty::Introspection && TYPE_LISTS.contains(&name));
            if type_lists > MAX_TYPE_LISTS {
                return Err(with_code(
                    ServerError::new(
                        format!(
                            "this introspection nests lists of types or their members {type_lists} deep; at most {MAX_TYPE_LISTS} are answered"
                        ),
                        Some(field.name.pos),
                    ),
                    code::QUERY_TOO_COMPLEX,
                ));
            }
            return Ok(Tally {
                depth: 0,
                cost: 0,
                type_lists,
                ..inner
            });
        }
        let Some(cost) = cost else {
            return Ok(Tally {
                depth: inner.depth + 1,
                ..inner
            });
        };
        let page = if cost.paged { self.page(field) } else { 1 };
        let each = cost.own.saturating_add(page.saturating_mul(inner.cost));
        Ok(Tally {
            depth: inner.depth + 1,
            cost: cost.items.saturating_mul(each),
            ..inner
        })
    }

    /// The page a connection field asks for: `first` or `last` (the larger if both), from the
    /// document or its variables, else the default page; within 0 and the largest page (the
    /// resolver refuses anything else).
    fn page(&self, field: &async_graphql::parser::types::Field) -> u64 {
        let mut page = None;
        for (name, value) in &field.arguments {
            if !matches!(name.node.as_str(), "first" | "last") {
                continue;
            }
            let given = value
                .node
                .clone()
                .into_const_with(|var| self.variables.get(&var).cloned().ok_or(()))
                .ok()
                .and_then(|v| match v {
                    Value::Number(n) => n.as_i64(),
                    _ => None,
                });
            if let Some(given) = given {
                page = Some(page.unwrap_or(0).max(given));
            }
        }
        let sizes = self.model.sizes;
        page.map_or(sizes.default_page, |given| {
            u64::try_from(given).unwrap_or(0).min(sizes.max_page)
        })
    }

    /// Counts `selections` more for the document as a whole, stopping at the limit instead of
    /// adding up a number nobody will serve.
    fn spend(&mut self, selections: usize) -> Result<(), ServerError> {
        self.spent = self.spent.saturating_add(selections);
        if self.spent > self.budget.max_selections {
            return Err(with_code(
                ServerError::new(
                    format!(
                        "the query has more than {} selections once its fragments are expanded",
                        self.budget.max_selections
                    ),
                    None,
                ),
                code::QUERY_TOO_COMPLEX,
            ));
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
                return Err(with_code(
                    ServerError::new(
                        format!("Cannot spread fragment \"{name}\" within itself."),
                        Some(at),
                    ),
                    code::GRAPHQL_VALIDATION_FAILED,
                ));
            }
            None => {}
        }
        // Unknown fragments are async-graphql's to report.
        let Some(definition) = self.fragments.get(name) else {
            return Ok(Tally::default());
        };
        self.memo.insert(name, Memo::Walking);
        let ty = self.model.ty(&definition.node.type_condition.node.on.node);
        let tally = self.set(&definition.node.selection_set, ty, level)?;
        self.memo.insert(name, Memo::Done(tally));
        Ok(tally)
    }
}

fn too_costly(cost: u64, limit: u64) -> ServerError {
    let mut error = with_code(
        ServerError::new(
            format!(
                "the query costs at least {cost}; at most {limit} is served (see the cost model in docs/API.md)"
            ),
            None,
        ),
        code::QUERY_TOO_COMPLEX,
    );
    if let Some(extensions) = error.extensions.as_mut() {
        extensions.set("cost", cost);
        extensions.set("limit", limit);
    }
    error
}

fn too_nested(at: Pos) -> ServerError {
    with_code(
        ServerError::new(
            format!("The recursion depth of the query cannot be greater than `{MAX_NESTING}`"),
            Some(at),
        ),
        // async-graphql's parser says the same of values nested too deeply.
        code::GRAPHQL_PARSE_FAILED,
    )
}

/// A tally seen from the selection that contains it: one more level of nesting.
fn nested(inner: Tally) -> Tally {
    Tally {
        nesting: inner.nesting + 1,
        ..inner
    }
}
