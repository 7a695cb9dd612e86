//! Nested pages walk an index per parent: a user's posts, orders and ledger are each read as
//! "this parent's rows in this order, the first n", which an index on (parent, sort column, id)
//! answers by reading n entries. One index per ordering each nested list accepts; the
//! (parent, created_at) indexes they replace are dropped.

use crate::checks::index;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The index a user's posts by publication time walk.
const NULLS_FIRST: &str = "idx-posts-author_id-published_at-id";

/// One index per ordering of each nested list: (parent, sort column, id).
fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        index(Posts::Table, "posts", &[Posts::AuthorId, Posts::Id]),
        index(
            Posts::Table,
            "posts",
            &[Posts::AuthorId, Posts::CreatedAt, Posts::Id],
        ),
        index(
            Posts::Table,
            "posts",
            &[Posts::AuthorId, Posts::PublishedAt, Posts::Id],
        ),
        index(Orders::Table, "orders", &[Orders::CustomerId, Orders::Id]),
        index(
            Orders::Table,
            "orders",
            &[Orders::CustomerId, Orders::CreatedAt, Orders::Id],
        ),
        index(
            Orders::Table,
            "orders",
            &[Orders::CustomerId, Orders::TotalCents, Orders::Id],
        ),
        index(
            PointTransactions::Table,
            "point_transactions",
            &[PointTransactions::UserId, PointTransactions::Id],
        ),
        index(
            PointTransactions::Table,
            "point_transactions",
            &[
                PointTransactions::UserId,
                PointTransactions::CreatedAt,
                PointTransactions::Id,
            ],
        ),
    ]
}

/// The indexes the ones above replace.
fn replaced() -> Vec<IndexCreateStatement> {
    vec![
        index(Posts::Table, "posts", &[Posts::AuthorId, Posts::CreatedAt]),
        index(
            Orders::Table,
            "orders",
            &[Orders::CustomerId, Orders::CreatedAt],
        ),
        index(
            PointTransactions::Table,
            "point_transactions",
            &[PointTransactions::UserId, PointTransactions::CreatedAt],
        ),
    ]
}

/// Drops `index` (made by [`index`], which names it after its table and columns).
fn drop(index: &IndexCreateStatement) -> IndexDropStatement {
    let mut drop = Index::drop();
    if let Some(name) = index.get_index_spec().get_name() {
        drop.name(name);
    }
    drop.if_exists().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for index in indexes() {
            manager.create_index(index).await?;
        }
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            // Pages sort NULL first ascending (SQLite's own order); a PostgreSQL index sorts it
            // last unless told, and then serves neither direction of the walk.
            let sql = format!(
                r#"DROP INDEX "{NULLS_FIRST}"; CREATE INDEX "{NULLS_FIRST}" ON "posts" ("author_id", "published_at" NULLS FIRST, "id")"#
            );
            manager.get_connection().execute_unprepared(&sql).await?;
        }
        for index in replaced() {
            manager.drop_index(drop(&index)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for index in replaced() {
            manager.create_index(index).await?;
        }
        for index in indexes() {
            manager.drop_index(drop(&index)).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone)]
enum Posts {
    Table,
    Id,
    AuthorId,
    CreatedAt,
    PublishedAt,
}

#[derive(DeriveIden, Clone)]
enum Orders {
    Table,
    Id,
    CustomerId,
    CreatedAt,
    TotalCents,
}

#[derive(DeriveIden, Clone)]
enum PointTransactions {
    Table,
    Id,
    UserId,
    CreatedAt,
}
