//! Who may see and do what. Each rule is written once here and applied by the service
//! function that loads or changes the rows it is about: the checks are private to the service
//! crate, so the API can only ask a service function, never decide by itself.
//!
//! A rule that depends on the caller alone (admins only, signed in) comes before anything the
//! caller sent: such functions take their arguments as [`Input`]s, as the API read them, and
//! read them after the rule, so a caller who may not act is told that whatever they sent.

use crate::{Error, Result};
use entity::{PostStatus, order, post};
use sea_orm::{ColumnTrait, Condition};
use std::convert::Infallible;

/// The caller of a request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Viewer {
    /// `None` for anonymous callers.
    pub user_id: Option<i32>,
    pub admin: bool,
}

impl Viewer {
    /// Nobody signed in.
    pub const ANONYMOUS: Viewer = Viewer {
        user_id: None,
        admin: false,
    };
    /// shopgraph itself (seeding, commands): may do everything, acts as no user.
    pub const SYSTEM: Viewer = Viewer {
        user_id: None,
        admin: true,
    };

    /// A signed-in user.
    pub fn user(user_id: i32, admin: bool) -> Self {
        Self {
            user_id: Some(user_id),
            admin,
        }
    }

    /// The signed-in user's id, or UNAUTHENTICATED.
    pub(crate) fn require_signed_in(&self) -> Result<i32> {
        self.user_id
            .ok_or_else(|| Error::Unauthenticated("sign in first".into()))
    }

    /// Admins only: UNAUTHENTICATED for anonymous callers, FORBIDDEN for others.
    pub(crate) fn require_admin(&self) -> Result<()> {
        if self.admin {
            return Ok(());
        }
        self.require_signed_in()?;
        Err(Error::Forbidden("only an admin may do this".into()))
    }

    /// Signed in (or shopgraph itself): UNAUTHENTICATED otherwise. For writes whose target
    /// decides the rest of the rule, so an anonymous caller learns nothing about the target.
    pub(crate) fn require_caller(&self) -> Result<()> {
        if self.admin {
            Ok(())
        } else {
            self.require_signed_in().map(|_| ())
        }
    }

    /// Whether the caller is `user_id` or an admin.
    pub(crate) fn is_self_or_admin(&self, user_id: i32) -> bool {
        self.admin || self.user_id == Some(user_id)
    }

    /// Each of `user_ids` the caller themself, or an admin (for a batch of users' private
    /// rows): the first refusal otherwise.
    pub(crate) fn require_private_of(&self, user_ids: &[i32]) -> Result<()> {
        user_ids
            .iter()
            .try_for_each(|id| self.require_self_or_admin(*id))
    }

    /// The user themself or an admin: UNAUTHENTICATED / FORBIDDEN otherwise.
    pub(crate) fn require_self_or_admin(&self, user_id: i32) -> Result<()> {
        if self.admin {
            return Ok(());
        }
        self.require_signed_in()?;
        if self.is_self_or_admin(user_id) {
            Ok(())
        } else {
            Err(Error::Forbidden("this belongs to another user".into()))
        }
    }

    /// Published posts are public; drafts only for their author and admins.
    pub(crate) fn can_read_post(&self, post: &post::Model) -> bool {
        post.status == PostStatus::Published || self.is_self_or_admin(post.author_id)
    }

    /// Orders are private to their customer and admins.
    pub(crate) fn can_read_order(&self, order: &order::Model) -> bool {
        self.is_self_or_admin(order.customer_id)
    }

    /// The user an action is for: `given`, or the caller when omitted; only admins may act
    /// for someone else.
    pub(crate) fn acting_for(&self, given: Option<i32>) -> Result<i32> {
        let user_id = match given {
            Some(id) => id,
            None => self.require_signed_in()?,
        };
        self.require_self_or_admin(user_id)?;
        Ok(user_id)
    }

    /// Which posts lists may show this caller.
    pub(crate) fn post_scope(&self) -> PostScope {
        PostScope(match (self.admin, self.user_id) {
            (true, _) => Scope::All,
            (false, Some(id)) => Scope::PublishedOrBy(id),
            (false, None) => Scope::Published,
        })
    }

    /// The orders lists may show this caller: their own, or all for admins. UNAUTHENTICATED
    /// for anonymous callers.
    pub(crate) fn order_scope(&self) -> Result<Condition> {
        if self.admin {
            return Ok(Condition::all());
        }
        let me = self.require_signed_in()?;
        Ok(Condition::all().add(order::Column::CustomerId.eq(me)))
    }
}

/// The posts a list may contain for its caller: published ones by default, drafts too for
/// their author and admins. The service adds its condition to every list of posts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PostScope(Scope);

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
enum Scope {
    /// Published posts only.
    #[default]
    Published,
    /// Published posts and every post by this author.
    PublishedOrBy(i32),
    /// Everything (admins).
    All,
}

impl PostScope {
    /// The scope as a condition on posts.
    pub(crate) fn condition(self) -> Condition {
        let published = post::Column::Status.eq(PostStatus::Published);
        match self.0 {
            Scope::All => Condition::all(),
            Scope::Published => Condition::all().add(published),
            Scope::PublishedOrBy(author) => Condition::any()
                .add(published)
                .add(post::Column::AuthorId.eq(author)),
        }
    }
}

/// An argument as the API read it: the value, or the API's own error for it. Functions whose
/// rule depends on the caller alone read their arguments through this after the rule.
pub trait Input<T> {
    /// Why the argument could not be read.
    type Error;

    /// The argument, or why it could not be read.
    fn read(self) -> std::result::Result<T, Self::Error>;
}

impl<T, E> Input<T> for std::result::Result<T, E> {
    type Error = E;

    fn read(self) -> std::result::Result<T, E> {
        self
    }
}

/// An id the caller already holds as a number (shopgraph's own callers).
impl Input<i32> for i32 {
    type Error = Infallible;

    fn read(self) -> std::result::Result<i32, Infallible> {
        Ok(self)
    }
}

/// Why a function that reads [`Input`]s gave nothing: the service refused or failed, or,
/// once the caller had passed the rule, an argument could not be read.
#[derive(Debug)]
pub enum Refused<E> {
    Service(Error),
    Input(E),
}

impl<E> From<Error> for Refused<E> {
    fn from(err: Error) -> Self {
        Self::Service(err)
    }
}

/// Reads `input` for a caller who has passed the rule.
pub(crate) fn read<T, I: Input<T>>(input: I) -> std::result::Result<T, Refused<I::Error>> {
    input.read().map_err(Refused::Input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admins_and_owners() {
        let admin = Viewer::user(1, true);
        let ada = Viewer::user(2, false);
        assert!(admin.require_admin().is_ok());
        assert!(matches!(ada.require_admin(), Err(Error::Forbidden(_))));
        assert!(matches!(
            Viewer::ANONYMOUS.require_admin(),
            Err(Error::Unauthenticated(_))
        ));
        assert!(ada.require_self_or_admin(2).is_ok());
        assert!(matches!(
            ada.require_self_or_admin(3),
            Err(Error::Forbidden(_))
        ));
        assert!(admin.require_self_or_admin(3).is_ok());
        // A batch of users' private rows: all of them the caller's, or an admin asking.
        assert!(ada.require_private_of(&[2, 2]).is_ok());
        assert!(matches!(
            ada.require_private_of(&[2, 3]),
            Err(Error::Forbidden(_))
        ));
        assert!(admin.require_private_of(&[2, 3]).is_ok());
        assert!(matches!(
            Viewer::ANONYMOUS.require_private_of(&[2]),
            Err(Error::Unauthenticated(_))
        ));
        assert_eq!(Viewer::ANONYMOUS.post_scope(), PostScope::default());
        assert_eq!(ada.post_scope(), PostScope(Scope::PublishedOrBy(2)));
        assert_eq!(admin.post_scope(), PostScope(Scope::All));
        assert_eq!(ada.acting_for(None).unwrap(), 2);
        assert!(matches!(ada.acting_for(Some(3)), Err(Error::Forbidden(_))));
        assert_eq!(admin.acting_for(Some(3)).unwrap(), 3);
        assert!(matches!(
            Viewer::ANONYMOUS.acting_for(None),
            Err(Error::Unauthenticated(_))
        ));
        assert!(
            Viewer::SYSTEM.require_admin().is_ok() && Viewer::SYSTEM.acting_for(Some(9)).is_ok()
        );
        assert!(matches!(
            Viewer::ANONYMOUS.order_scope(),
            Err(Error::Unauthenticated(_))
        ));
    }

    #[test]
    fn an_input_is_read_only_for_a_caller_who_passed() {
        fn refused(
            viewer: Viewer,
            id: std::result::Result<i32, &'static str>,
        ) -> std::result::Result<i32, Refused<&'static str>> {
            viewer.require_admin()?;
            read(id)
        }
        assert!(matches!(
            refused(Viewer::ANONYMOUS, Err("malformed")),
            Err(Refused::Service(Error::Unauthenticated(_)))
        ));
        assert!(matches!(
            refused(Viewer::SYSTEM, Err("malformed")),
            Err(Refused::Input("malformed"))
        ));
        assert!(matches!(refused(Viewer::SYSTEM, Ok(4)), Ok(4)));
    }
}
