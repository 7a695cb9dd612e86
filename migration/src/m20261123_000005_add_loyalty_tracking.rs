//! Loyalty bookkeeping: a user's lifetime earned points (which decide the tier) and, per
//! order, the points it earned and the part of them a cancellation could not take back
//! because they had already been spent.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// SQLite adds one column per ALTER TABLE, so each column is its own statement.
fn add(table: impl IntoIden, column: ColumnDef) -> TableAlterStatement {
    Table::alter().table(table).add_column(column).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(add(
                Users::Table,
                ColumnDef::new(Users::LifetimePoints)
                    .big_integer()
                    .not_null()
                    .default(0)
                    .check(Expr::col(Users::LifetimePoints).gte(0))
                    .to_owned(),
            ))
            .await?;
        manager
            .alter_table(add(
                Orders::Table,
                ColumnDef::new(Orders::PointsEarned)
                    .big_integer()
                    .not_null()
                    .default(0)
                    .check(Expr::col(Orders::PointsEarned).gte(0))
                    .to_owned(),
            ))
            .await?;
        manager
            .alter_table(add(
                Orders::Table,
                ColumnDef::new(Orders::PointsUnreversed)
                    .big_integer()
                    .not_null()
                    .default(0)
                    .check(Expr::col(Orders::PointsUnreversed).gte(0))
                    .to_owned(),
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in [
            (
                Orders::Table.into_iden(),
                Orders::PointsUnreversed.into_iden(),
            ),
            (Orders::Table.into_iden(), Orders::PointsEarned.into_iden()),
            (Users::Table.into_iden(), Users::LifetimePoints.into_iden()),
        ] {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    LifetimePoints,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    PointsEarned,
    PointsUnreversed,
}
