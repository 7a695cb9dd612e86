//! Orders by status in id order: `orders(filter: { status: … })` pages by id by default, and
//! with only `(status, created_at)` to go by, SQLite read every order of that status (20,047
//! paid ones of the benchmark data's 131,315) and sorted them to return the first 51. With
//! `(status, id)` the page walks the index and stops at the page's end.

use sea_orm_migration::prelude::*;

const NAME: &str = "idx-orders-status-id";

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(NAME)
                    .table(Orders::Table)
                    .col(Orders::Status)
                    .col(Orders::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(NAME).table(Orders::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    Status,
}
