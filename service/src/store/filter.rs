//! Typed comparisons that list queries accept, turned into SQL conditions.
//!
//! The GraphQL layer owns the input shapes and converts them into these; everything here is
//! plain data so it can be part of a DataLoader key (hence `Hash + Eq`).

use crate::{Error, Result, domain::validate};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{ColumnTrait, Condition, Value};

/// Declares what lists of `$entity` can be filtered on: the filter struct, with one
/// comparison per `field: Type = Column` and nested `and`/`or`/`not` (`logic`); and
/// `fn $method(&self) -> Condition`, the condition on those columns and the nested filters
/// (each nested filter through `$method` too).
macro_rules! column_filter {
    (
        $(#[$doc:meta])*
        pub struct $name:ident of $entity:ident, condition $method:ident {
            $($field:ident: $ty:ty = $column:ident),+ $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
        pub struct $name {
            $(pub $field: $ty,)+
            /// Nested filters: `and`, `or`, `not`.
            pub logic: $crate::store::filter::Logic<$name>,
        }

        impl $name {
            fn $method(&self) -> sea_orm::Condition {
                self.logic.condition(
                    sea_orm::Condition::all()
                        $(.add(self.$field.condition($entity::Column::$column)))+,
                    Self::$method,
                )
            }
        }
    };
}

pub(crate) use column_filter;

/// Most values an `in` list may hold: each is one bound parameter, and SQLite allows 32,766 in
/// a statement (its error would be the server's, not the caller's).
pub const MAX_LIST: usize = 100;
/// Longest text a comparison may hold, in characters: SQLite refuses LIKE patterns over
/// 50,000 bytes, and no stored text we filter on is longer than 254.
pub const MAX_TEXT: usize = 256;

fn bounded_list<T>(field: &str, list: &Option<Vec<T>>) -> Result<()> {
    match list {
        Some(list) if list.len() > MAX_LIST => Err(Error::invalid(
            format!("{field}.in"),
            format!("at most {MAX_LIST} values"),
        )),
        _ => Ok(()),
    }
}

/// Comparisons on an ordered value (ids, numbers, enums, timestamps). All given parts must hold.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Cmp<T> {
    pub eq: Option<T>,
    pub ne: Option<T>,
    pub in_: Option<Vec<T>>,
    pub gt: Option<T>,
    pub gte: Option<T>,
    pub lt: Option<T>,
    pub lte: Option<T>,
    /// NULL (`true`) or not NULL (`false`).
    pub is_null: Option<bool>,
}

impl<T> Default for Cmp<T> {
    fn default() -> Self {
        Self {
            eq: None,
            ne: None,
            in_: None,
            gt: None,
            gte: None,
            lt: None,
            lte: None,
            is_null: None,
        }
    }
}

impl<T> Cmp<T> {
    /// `self`, if its `in` list is within [`MAX_LIST`]; `field` names it in the error.
    pub fn checked(self, field: &str) -> Result<Self> {
        bounded_list(field, &self.in_)?;
        Ok(self)
    }
}

/// The `eq`, `ne` and `in` parts of a comparison on `col`, which every column type has.
fn equality<T: Into<Value> + Clone>(
    col: impl ColumnTrait,
    eq: &Option<T>,
    ne: &Option<T>,
    in_: &Option<Vec<T>>,
) -> Condition {
    let mut cond = Condition::all();
    if let Some(v) = eq {
        cond = cond.add(col.eq(v.clone()));
    }
    if let Some(v) = ne {
        cond = cond.add(col.ne(v.clone()));
    }
    if let Some(vs) = in_ {
        cond = cond.add(col.is_in(vs.iter().cloned()));
    }
    cond
}

impl<T: Into<Value> + Clone> Cmp<T> {
    /// Only `eq`.
    pub fn eq(value: T) -> Self {
        Self {
            eq: Some(value),
            ..Self::default()
        }
    }

    /// The SQL condition on `col`.
    pub fn condition(&self, col: impl ColumnTrait) -> Condition {
        let mut cond = equality(col, &self.eq, &self.ne, &self.in_);
        if let Some(v) = &self.gt {
            cond = cond.add(col.gt(v.clone()));
        }
        if let Some(v) = &self.gte {
            cond = cond.add(col.gte(v.clone()));
        }
        if let Some(v) = &self.lt {
            cond = cond.add(col.lt(v.clone()));
        }
        if let Some(v) = &self.lte {
            cond = cond.add(col.lte(v.clone()));
        }
        null_check(cond, col, self.is_null)
    }
}

/// `cond` and, when asked, whether `col` is NULL.
fn null_check(cond: Condition, col: impl ColumnTrait, is_null: Option<bool>) -> Condition {
    match is_null {
        Some(true) => cond.add(col.is_null()),
        Some(false) => cond.add(col.is_not_null()),
        None => cond,
    }
}

/// `and`, `or` and `not` around a filter `F`: every filter of `and` holds, at least one of
/// `or` (an empty `or` is ignored), and `not` does not.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Logic<F> {
    pub and: Vec<F>,
    pub or: Vec<F>,
    pub not: Option<Box<F>>,
}

impl<F> Default for Logic<F> {
    fn default() -> Self {
        Self {
            and: Vec::new(),
            or: Vec::new(),
            not: None,
        }
    }
}

impl<F> Logic<F> {
    /// `base` with the conditions of the nested filters, each made by `of`.
    pub fn condition(&self, base: Condition, of: impl Fn(&F) -> Condition) -> Condition {
        let mut cond = base;
        for filter in &self.and {
            cond = cond.add(of(filter));
        }
        // An empty condition renders as TRUE on both databases, so an empty nested filter
        // matches every row, under `or` and `not` too.
        if !self.or.is_empty() {
            cond = cond.add(
                self.or
                    .iter()
                    .map(&of)
                    .fold(Condition::any(), Condition::add),
            );
        }
        if let Some(filter) = &self.not {
            cond = cond.add(of(filter).not());
        }
        cond
    }
}

/// Comparisons on text. `contains` and `starts_with` ignore ASCII case on both backends.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TextCmp {
    pub eq: Option<String>,
    pub ne: Option<String>,
    pub in_: Option<Vec<String>>,
    pub contains: Option<String>,
    pub starts_with: Option<String>,
    /// NULL (`true`) or not NULL (`false`).
    pub is_null: Option<bool>,
}

impl TextCmp {
    /// `self`, if every text is storable and within [`MAX_TEXT`] and the `in` list within
    /// [`MAX_LIST`]; `field` names the filter in the error.
    pub fn checked(self, field: &str) -> Result<Self> {
        bounded_list(field, &self.in_)?;
        let texts = [
            ("eq", self.eq.iter()),
            ("ne", self.ne.iter()),
            ("contains", self.contains.iter()),
            ("startsWith", self.starts_with.iter()),
        ];
        let listed = self.in_.iter().flatten().map(|t| ("in", t));
        for (part, text) in texts
            .into_iter()
            .flat_map(|(part, t)| t.map(move |t| (part, t)))
            .chain(listed)
        {
            let at = format!("{field}.{part}");
            validate::storable(&at, text)?;
            if text.chars().count() > MAX_TEXT {
                return Err(Error::invalid(
                    at,
                    format!("must be at most {MAX_TEXT} characters"),
                ));
            }
        }
        Ok(self)
    }

    /// The SQL condition on `col`.
    pub fn condition(&self, col: impl ColumnTrait) -> Condition {
        let mut cond = equality(col, &self.eq, &self.ne, &self.in_);
        // SQLite's LIKE ignores ASCII case and PostgreSQL's does not; lowering both sides gives
        // one behaviour everywhere.
        if let Some(v) = &self.contains {
            cond = cond.add(lower_like(col, format!("%{}%", escape_like(v))));
        }
        if let Some(v) = &self.starts_with {
            cond = cond.add(lower_like(col, format!("{}%", escape_like(v))));
        }
        null_check(cond, col, self.is_null)
    }
}

fn lower_like(col: impl ColumnTrait, pattern: String) -> Expr {
    Expr::expr(Func::lower(col.into_expr()))
        .like(LikeExpr::new(pattern.to_lowercase()).escape('\\'))
}

/// Escapes LIKE's wildcards so user text matches literally.
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape_like;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like("50%_off\\"), "50\\%\\_off\\\\");
        assert_eq!(escape_like("plain"), "plain");
    }
}
