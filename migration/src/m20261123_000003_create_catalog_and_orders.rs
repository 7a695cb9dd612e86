//! Products, orders and order items. Orders are financial records: a customer or a product
//! referenced by an order cannot be deleted (ON DELETE RESTRICT).

use crate::checks::{index, one_of};
use crate::m20261123_000001_create_users_and_roles::Users;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Products::Table)
                    .col(pk_auto(Products::Id))
                    .col(string_len_uniq(Products::Sku, 64))
                    .col(string_len_uniq(Products::Slug, 128))
                    .col(string_len(Products::Name, 200))
                    .col(string_len(Products::Category, 100))
                    .col(
                        big_integer(Products::PriceCents)
                            .check(Expr::col(Products::PriceCents).gt(0)),
                    )
                    .col(
                        integer(Products::Stock)
                            .default(0)
                            .check(Expr::col(Products::Stock).gte(0)),
                    )
                    .col(timestamp_with_time_zone(Products::CreatedAt))
                    .col(timestamp_with_time_zone(Products::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        for cols in [
            &[Products::Category][..],
            &[Products::PriceCents][..],
            &[Products::Name][..],
            &[Products::CreatedAt][..],
        ] {
            manager
                .create_index(index(Products::Table, "products", cols))
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Orders::Table)
                    .col(pk_auto(Orders::Id))
                    .col(integer(Orders::CustomerId))
                    .col(
                        string_len(Orders::Status, 16)
                            .default("pending")
                            .check(one_of(
                                Orders::Status,
                                &["pending", "paid", "shipped", "delivered", "cancelled"],
                            )),
                    )
                    .col(
                        big_integer(Orders::TotalCents).check(Expr::col(Orders::TotalCents).gte(0)),
                    )
                    .col(timestamp_with_time_zone(Orders::CreatedAt))
                    .col(timestamp_with_time_zone(Orders::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-orders-customer_id")
                            .from(Orders::Table, Orders::CustomerId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for cols in [
            &[Orders::CustomerId, Orders::CreatedAt][..],
            &[Orders::Status, Orders::CreatedAt][..],
            &[Orders::CreatedAt][..],
            &[Orders::TotalCents][..],
        ] {
            manager
                .create_index(index(Orders::Table, "orders", cols))
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(OrderItems::Table)
                    .col(pk_auto(OrderItems::Id))
                    .col(integer(OrderItems::OrderId))
                    .col(integer(OrderItems::ProductId))
                    .col(integer(OrderItems::Quantity).check(Expr::col(OrderItems::Quantity).gt(0)))
                    .col(
                        big_integer(OrderItems::UnitPriceCents)
                            .check(Expr::col(OrderItems::UnitPriceCents).gt(0)),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-order_items-order_id")
                            .from(OrderItems::Table, OrderItems::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-order_items-product_id")
                            .from(OrderItems::Table, OrderItems::ProductId)
                            .to(Products::Table, Products::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // One line per product per order: repeated products are merged by the service.
        manager
            .create_index(
                Index::create()
                    .name("uq-order_items-order_id-product_id")
                    .table(OrderItems::Table)
                    .col(OrderItems::OrderId)
                    .col(OrderItems::ProductId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                OrderItems::Table,
                "order_items",
                &[OrderItems::ProductId],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OrderItems::Table.into_iden(),
            Orders::Table.into_iden(),
            Products::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone)]
enum Products {
    Table,
    Id,
    Sku,
    Slug,
    Name,
    Category,
    PriceCents,
    Stock,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
pub enum Orders {
    Table,
    Id,
    CustomerId,
    Status,
    TotalCents,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
enum OrderItems {
    Table,
    Id,
    OrderId,
    ProductId,
    Quantity,
    UnitPriceCents,
}
