//! Small builders for the CHECK constraints and indexes the migrations share.

use sea_orm_migration::prelude::*;

/// `CHECK (col IN ('a', 'b', ...))`: the database-side guard for a string enum column.
pub fn one_of<T: IntoIden + Clone + 'static>(col: T, values: &[&str]) -> Expr {
    Expr::col(col).is_in(values.iter().map(|v| String::from(*v)))
}

/// A plain (non-unique) index named `idx-<table>-<col>-...`.
pub fn index<T, C>(table: T, table_name: &str, cols: &[C]) -> IndexCreateStatement
where
    T: IntoIden + Clone + 'static,
    C: IntoIden + Clone + 'static,
{
    let mut name = format!("idx-{table_name}");
    let mut stmt = Index::create();
    stmt.table(table);
    for col in cols {
        let iden = col.clone().into_iden();
        name.push('-');
        name.push_str(&iden.to_string());
        stmt.col(iden);
    }
    stmt.name(name).if_not_exists().to_owned()
}
