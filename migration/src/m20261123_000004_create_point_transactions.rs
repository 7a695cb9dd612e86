//! The loyalty ledger: every movement of points, signed, with what caused it.

use crate::checks::{index, one_of};
use crate::m20261123_000001_create_users_and_roles::Users;
use crate::m20261123_000003_create_catalog_and_orders::Orders;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PointTransactions::Table)
                    .col(pk_auto(PointTransactions::Id))
                    .col(integer(PointTransactions::UserId))
                    .col(string_len(PointTransactions::Kind, 16).check(one_of(
                        PointTransactions::Kind,
                        &["earn", "redeem", "transfer_in", "transfer_out", "adjust"],
                    )))
                    .col(
                        big_integer(PointTransactions::Points)
                            .check(Expr::col(PointTransactions::Points).ne(0)),
                    )
                    .col(integer_null(PointTransactions::OrderId))
                    .col(integer_null(PointTransactions::CounterpartyId))
                    .col(timestamp_with_time_zone(PointTransactions::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-point_transactions-user_id")
                            .from(PointTransactions::Table, PointTransactions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-point_transactions-order_id")
                            .from(PointTransactions::Table, PointTransactions::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-point_transactions-counterparty_id")
                            .from(PointTransactions::Table, PointTransactions::CounterpartyId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for cols in [
            &[PointTransactions::UserId, PointTransactions::CreatedAt][..],
            &[PointTransactions::OrderId][..],
            &[PointTransactions::CounterpartyId][..],
        ] {
            manager
                .create_index(index(PointTransactions::Table, "point_transactions", cols))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PointTransactions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone)]
enum PointTransactions {
    Table,
    Id,
    UserId,
    Kind,
    Points,
    OrderId,
    CounterpartyId,
    CreatedAt,
}
