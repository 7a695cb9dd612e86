//! Reading only some of a row's columns. A lookup that the API makes for one nested field
//! (an order's `customer { name }`, an item's `product { name }`) needs two of a row's nine
//! or eleven columns; decoding the rest is most of what such a lookup costs (every value is
//! copied out of SQLite, looked up by name and parsed, timestamps included).
//!
//! A [`Columns`] names the columns to read. The model still comes back whole, with a
//! placeholder in every column that was not read, so whoever asked must only look at the
//! columns they named (the API's types check this on every field they answer).

use sea_orm::{
    DbErr, EntityTrait, IdenStatic, Iterable, QueryResult, QuerySelect, Select, TryGetable,
};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

/// A set of `E`'s columns, one bit per column in declaration order.
pub struct Columns<E> {
    bits: u64,
    entity: PhantomData<fn() -> E>,
}

impl<E: EntityTrait> Columns<E> {
    fn from_bits(bits: u64) -> Self {
        Self {
            bits,
            entity: PhantomData,
        }
    }

    /// Every column.
    pub fn all() -> Self {
        let n = E::Column::iter().count();
        debug_assert!(n < 64, "a u64 holds the columns");
        Self::from_bits((1u64 << n) - 1)
    }

    /// Just `columns`.
    pub fn of(columns: impl IntoIterator<Item = E::Column>) -> Self {
        Self::from_bits(
            columns
                .into_iter()
                .fold(0, |bits, column| bits | Self::bit(column)),
        )
    }

    /// `always`, and each column of `fields` (a field name with the column behind it) whose
    /// field `selected` says is wanted.
    pub fn selected(
        always: &[E::Column],
        fields: &[(&str, E::Column)],
        selected: impl Fn(&str) -> bool,
    ) -> Self {
        Self::of(
            always.iter().copied().chain(
                fields
                    .iter()
                    .filter(|(field, _)| selected(field))
                    .map(|(_, column)| *column),
            ),
        )
    }

    fn bit(column: E::Column) -> u64 {
        let name = column.as_str();
        E::Column::iter()
            .position(|c| c.as_str() == name)
            .map_or(0, |i| 1 << i)
    }

    /// Whether `column` is one of these.
    pub fn has(&self, column: E::Column) -> bool {
        self.bits & Self::bit(column) != 0
    }

    /// Whether every column of `other` is one of these.
    pub fn covers(&self, other: Self) -> bool {
        other.bits & !self.bits == 0
    }

    /// Whether these are all the columns.
    pub fn is_all(&self) -> bool {
        *self == Self::all()
    }

    /// `select` narrowed to these columns (unchanged when they are all of them).
    pub fn select(self, select: Select<E>) -> Select<E> {
        if self.is_all() {
            return select;
        }
        select
            .select_only()
            .columns(E::Column::iter().filter(|c| self.has(*c)))
    }
}

/// `column` of `row` when it was read, else `placeholder`.
pub fn read<T: TryGetable>(
    row: &QueryResult,
    was_read: bool,
    column: &str,
    placeholder: T,
) -> Result<T, DbErr> {
    if was_read {
        row.try_get("", column)
    } else {
        Ok(placeholder)
    }
}

// By hand rather than derived: a derive would ask the same of `E`, which entities do not
// implement.
impl<E> Clone for Columns<E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E> Copy for Columns<E> {}

impl<E> PartialEq for Columns<E> {
    fn eq(&self, other: &Self) -> bool {
        self.bits == other.bits
    }
}

impl<E> Eq for Columns<E> {}

impl<E> Hash for Columns<E> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.bits.hash(state);
    }
}

impl<E: EntityTrait> fmt::Debug for Columns<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(
                E::Column::iter()
                    .filter(|c| self.has(*c))
                    .map(|c| c.as_str()),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::Columns;
    use entity::user::{Column as C, Entity};

    #[test]
    fn sets_know_their_columns() {
        let card = Columns::<Entity>::of([C::Id, C::Name]);
        assert!(card.has(C::Id) && card.has(C::Name));
        assert!(!card.has(C::Email) && !card.has(C::PasswordHash));
        assert!(!card.is_all());
        assert!(Columns::<Entity>::all().covers(card));
        assert!(!card.covers(Columns::of([C::Name, C::Email])));
        assert!(card.covers(Columns::of([C::Name])));
        assert_eq!(card, Columns::of([C::Name, C::Id]));
        let fields = [("name", C::Name), ("email", C::Email)];
        assert_eq!(Columns::selected(&[C::Id], &fields, |f| f == "name"), card);
        assert_eq!(format!("{card:?}"), r#"{"id", "name"}"#);
        assert_eq!(
            Columns::<Entity>::of(<C as sea_orm::Iterable>::iter()),
            Columns::all()
        );
    }
}
