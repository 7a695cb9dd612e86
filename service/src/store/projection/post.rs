//! A post read with only some columns.

use chrono::{DateTime, Utc};
use entity::{PostStatus, post};

partial_row! {
    /// A post as a lookup read it: id, author, title and creation time, and each other column
    /// that was asked for (`None` means not read, never a value; `published_at` is
    /// `Some(None)` for a draft that was read).
    ///
    /// It has no status unless that was read, so it cannot be handed to a rule that decides
    /// by status (`Viewer::can_read_post` takes a whole post): lists of posts are narrowed to
    /// what the caller may see in SQL, by their filter's scope.
    pub struct PostRow of post {
        always {
            id: i32 = Id,
            author_id: i32 = AuthorId,
            title: String = Title,
            created_at: DateTime<Utc> = CreatedAt,
        }
        /// A column of a post that a lookup may leave out.
        optional PostColumn {
            content: String = Content,
            status: PostStatus = Status,
            published_at: Option<DateTime<Utc>> = PublishedAt,
            updated_at: DateTime<Utc> = UpdatedAt,
        }
    }
}
