//! Reading only some of a row's columns, into types that hold only what was read.
//!
//! A lookup the API makes for one nested field (an order's `customer { name }`, an item's
//! `product { name }`, a user's `posts { title }`) needs a few of a row's columns; decoding the
//! rest is most of what such a lookup costs (every value is copied out of the driver, looked up
//! by name and parsed, timestamps included).
//!
//! Such a lookup returns a partial row ([`UserRow`], [`ProductRow`], [`PostRow`]), not the
//! entity's model. The columns every reader of the row needs are plain fields; each other
//! column is an `Option`, `Some` exactly when it was read. A model with a placeholder in each
//! column not read would let its reader (a resolver, a rule, a cursor) take the placeholder
//! for the stored value, and only run-time checks stood in the way; a partial row has no
//! placeholder to take. The rules in `access` take models (or types whose columns they read
//! are not optional), so no rule can be handed a row without a column it reads. Whole models
//! convert into partial rows holding every column, so one API type answers both.
//!
//! [`Columns`] names the optional columns to read in the service's own terms ([`UserColumn`],
//! [`ProductColumn`], [`PostColumn`]); callers choose columns without the ORM's column enums.
//! Each partial row is declared once with `partial_row!`, which names every column once, so
//! the statement, the decoder and the conversion from a whole model cannot disagree.

/// Declares a partial row of `$entity`: the row type, with the columns under `always` as
/// plain fields and those under `optional` as `Option`s; the enum of its optional columns;
/// the conversion from a whole model; and how it is selected and decoded. Each column is named
/// once, as the model's field, its type and the ORM's column.
macro_rules! partial_row {
    (
        $(#[$row_doc:meta])*
        pub struct $row:ident of $entity:ident {
            always { $($always:ident: $always_ty:ty = $always_column:ident),* $(,)? }
            $(#[$column_doc:meta])*
            optional $column:ident { $($field:ident: $ty:ty = $variant:ident),* $(,)? }
        }
    ) => {
        $(#[$column_doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $column {
            $($variant),*
        }

        impl $crate::store::projection::OptionalColumn for $column {
            const ALL: &'static [Self] = &[$(Self::$variant),*];

            fn index(self) -> u32 {
                self as u32
            }
        }

        impl $crate::store::projection::Stored for $column {
            type Entity = $entity::Entity;
            const ALWAYS: &'static [$entity::Column] = &[$($entity::Column::$always_column),*];

            fn stored(self) -> $entity::Column {
                match self {
                    $(Self::$variant => $entity::Column::$variant),*
                }
            }
        }

        $(#[$row_doc])*
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct $row {
            $(pub $always: $always_ty,)*
            $(pub $field: Option<$ty>,)*
        }

        impl $row {
            /// The optional columns this row holds.
            pub fn columns(&self) -> $crate::store::projection::Columns<$column> {
                $crate::store::projection::Columns::of(
                    [$(($column::$variant, self.$field.is_some())),*]
                        .into_iter()
                        .filter_map(|(column, read)| read.then_some(column)),
                )
            }
        }

        /// Every column.
        impl From<$entity::Model> for $row {
            fn from(model: $entity::Model) -> Self {
                Self {
                    $($always: model.$always,)*
                    $($field: Some(model.$field),)*
                }
            }
        }

        impl $crate::store::projection::PartialRow for $row {
            type Column = $column;

            fn decode(
                row: &sea_orm::QueryResult,
                columns: $crate::store::projection::Columns<$column>,
            ) -> Result<Self, sea_orm::DbErr> {
                use $crate::store::projection::Read;
                // Each value by its position in `select`'s statement: the columns every row
                // reads, then the optional ones read, in table order, as the fields below.
                let mut position = 0;
                let mut next = || {
                    position += 1;
                    position - 1
                };
                Ok(Self {
                    $($always: Read::read(row, next())?,)*
                    $($field: match columns.has($column::$variant) {
                        true => Some(Read::read(row, next())?),
                        false => None,
                    },)*
                })
            }
        }
    };
}

mod post;
mod product;
mod text_time;
mod user;

pub use post::{PostColumn, PostRow};
pub use product::{ProductColumn, ProductRow};
pub use user::{UserColumn, UserRow};

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryResult, QuerySelect,
    QueryTrait, Select,
};
use std::fmt::Debug;
use std::hash::Hash;
use std::marker::PhantomData;

/// A column a partial row may leave out: one of a service enum naming a table's optional
/// columns.
pub trait OptionalColumn: Copy + Eq + Hash + Debug + Send + Sync + 'static {
    /// Every optional column of the table, each at the position [`Self::index`] gives.
    const ALL: &'static [Self];
    /// The column's position in [`Self::ALL`] (its bit in [`Columns`]).
    fn index(self) -> u32;
}

/// A set of optional columns, one bit each: what a lookup reads beyond the columns it always
/// reads. Small and `Copy`, so loader keys carry it and equal selections share a statement.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Columns<C> {
    bits: u32,
    column: PhantomData<fn() -> C>,
}

impl<C: OptionalColumn> Columns<C> {
    const fn from_bits(bits: u32) -> Self {
        Self {
            bits,
            column: PhantomData,
        }
    }

    /// No optional column.
    pub const fn none() -> Self {
        Self::from_bits(0)
    }

    /// Every column.
    pub fn all() -> Self {
        // A column's bit is its position in `ALL`.
        Self::from_bits((1 << C::ALL.len()) - 1)
    }

    /// Just `columns`.
    pub fn of(columns: impl IntoIterator<Item = C>) -> Self {
        columns
            .into_iter()
            .fold(Self::none(), |set, column| set.with(column))
    }

    /// These and `column`.
    #[must_use]
    pub fn with(self, column: C) -> Self {
        Self::from_bits(self.bits | 1 << column.index())
    }

    /// Whether `column` is one of these.
    pub fn has(self, column: C) -> bool {
        self.bits & 1 << column.index() != 0
    }

    /// Whether every column of `other` is one of these.
    pub fn covers(self, other: Self) -> bool {
        other.bits & !self.bits == 0
    }

    /// Whether these are all the columns.
    pub fn is_all(self) -> bool {
        self == Self::all()
    }

    /// Each of these columns, in table order.
    pub fn iter(self) -> impl Iterator<Item = C> {
        C::ALL.iter().copied().filter(move |c| self.has(*c))
    }
}

impl<C: OptionalColumn> Debug for Columns<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// Where a partial row's columns are stored: the service's column names map to the ORM's
/// here, inside the crate.
pub(crate) trait Stored: OptionalColumn {
    type Entity: EntityTrait;
    /// The columns every such row reads, the id first.
    const ALWAYS: &'static [<Self::Entity as EntityTrait>::Column];
    /// The table column behind this one.
    fn stored(self) -> <Self::Entity as EntityTrait>::Column;
}

/// A partial row (declared with `partial_row!`).
pub(crate) trait PartialRow: Sized {
    type Column: Stored;
    /// The row from a result of [`select`] with `columns`.
    fn decode(row: &QueryResult, columns: Columns<Self::Column>) -> Result<Self, DbErr>;
}

/// The rows of `C`'s table, reading the columns every such row reads and `columns`.
pub(crate) fn select<C: Stored>(columns: Columns<C>) -> Select<C::Entity> {
    C::Entity::find()
        .select_only()
        .columns(C::ALWAYS.iter().copied())
        .columns(columns.iter().map(Stored::stored))
}

/// The rows with any of `ids`, in no particular order, read with `columns`: one statement
/// that selects and decodes nothing more.
pub(crate) async fn rows_by_ids<R: PartialRow>(
    db: &impl ConnectionTrait,
    ids: &[i32],
    columns: Columns<R::Column>,
) -> Result<Vec<R>, DbErr> {
    let id = <R::Column as Stored>::ALWAYS[0];
    let select = select(columns).filter(id.is_in(ids.iter().copied()));
    let rows = db.query_all(&select.into_query()).await?;
    rows.iter().map(|row| R::decode(row, columns)).collect()
}

/// How a partial row reads a column's value, by its position in the statement (a lookup by
/// name hashed the name for every value: 5 % of Q2's instructions): through the ORM,
/// timestamps on SQLite excepted (see [`text_time`]).
pub(crate) trait Read: Sized {
    fn read(row: &QueryResult, position: usize) -> Result<Self, DbErr>;
}

macro_rules! read_through_the_orm {
    ($($ty:ty),*) => {$(
        impl Read for $ty {
            fn read(row: &QueryResult, position: usize) -> Result<Self, DbErr> {
                row.try_get_by_index(position)
            }
        }
    )*};
}

read_through_the_orm!(
    i32,
    i64,
    String,
    entity::PostStatus,
    entity::UserStatus,
    entity::Tier
);

impl Read for chrono::DateTime<chrono::Utc> {
    fn read(row: &QueryResult, position: usize) -> Result<Self, DbErr> {
        text_time::read(row, position)
    }
}

impl Read for Option<chrono::DateTime<chrono::Utc>> {
    fn read(row: &QueryResult, position: usize) -> Result<Self, DbErr> {
        text_time::read_nullable(row, position)
    }
}

#[cfg(test)]
mod tests {
    use super::{Columns, OptionalColumn, PostColumn, ProductColumn, Stored, UserColumn};
    use sea_orm::IdenStatic;

    fn declared_as_assumed<C: Stored>() {
        for (i, column) in C::ALL.iter().enumerate() {
            assert_eq!(column.index() as usize, i, "{column:?}");
        }
        assert!(C::ALL.len() < 32, "a u32 holds the columns");
        assert_eq!(C::ALWAYS[0].as_str(), "id", "the id comes first");
    }

    #[test]
    fn each_column_has_its_own_bit_and_rows_start_with_their_id() {
        declared_as_assumed::<UserColumn>();
        declared_as_assumed::<ProductColumn>();
        declared_as_assumed::<PostColumn>();
    }

    #[test]
    fn sets_know_their_columns() {
        use UserColumn as C;
        let card = Columns::of([C::Name]);
        assert!(card.has(C::Name));
        assert!(!card.has(C::Email) && !card.is_all());
        assert!(Columns::<C>::all().covers(card));
        assert!(!card.covers(Columns::of([C::Name, C::Email])));
        assert!(card.covers(Columns::none()));
        assert_eq!(Columns::of([C::Tier, C::Name]), card.with(C::Tier));
        assert_eq!(format!("{card:?}"), "{Name}");
        assert_eq!(Columns::<C>::of(C::ALL.iter().copied()), Columns::all());
        assert_eq!(
            Columns::<C>::all().iter().collect::<Vec<_>>(),
            C::ALL.to_vec()
        );
    }
}
