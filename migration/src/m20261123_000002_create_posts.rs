//! Posts written by users; deleting a user deletes their posts.

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
                    .table(Posts::Table)
                    .col(pk_auto(Posts::Id))
                    .col(integer(Posts::AuthorId))
                    .col(string_len(Posts::Title, 200).check(Expr::cust("length(title) > 0")))
                    .col(text(Posts::Content))
                    .col(
                        string_len(Posts::Status, 16)
                            .default("draft")
                            .check(one_of(Posts::Status, &["draft", "published"])),
                    )
                    .col(timestamp_with_time_zone_null(Posts::PublishedAt))
                    .col(timestamp_with_time_zone(Posts::CreatedAt))
                    .col(timestamp_with_time_zone(Posts::UpdatedAt))
                    // A published post always says when; a draft never does.
                    .check(Expr::cust(
                        "(status = 'published') = (published_at IS NOT NULL)",
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-posts-author_id")
                            .from(Posts::Table, Posts::AuthorId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for cols in [
            &[Posts::AuthorId, Posts::CreatedAt][..],
            &[Posts::Status, Posts::PublishedAt][..],
            &[Posts::PublishedAt][..],
            &[Posts::CreatedAt][..],
        ] {
            manager
                .create_index(index(Posts::Table, "posts", cols))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Posts::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone)]
enum Posts {
    Table,
    Id,
    AuthorId,
    Title,
    Content,
    Status,
    PublishedAt,
    CreatedAt,
    UpdatedAt,
}
