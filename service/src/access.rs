//! Who may see and do what. Each rule is written once here and used by the API.

use crate::{Error, Result};
use entity::{PostStatus, order, post};

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
    pub fn require_signed_in(&self) -> Result<i32> {
        self.user_id
            .ok_or_else(|| Error::Unauthenticated("sign in first".into()))
    }

    /// Admins only: UNAUTHENTICATED for anonymous callers, FORBIDDEN for others.
    pub fn require_admin(&self) -> Result<()> {
        if self.admin {
            return Ok(());
        }
        self.require_signed_in()?;
        Err(Error::Forbidden("only an admin may do this".into()))
    }

    /// Signed in (or shopgraph itself): UNAUTHENTICATED otherwise. For writes whose target
    /// decides the rest of the rule, so an anonymous caller learns nothing about the target.
    pub fn require_caller(&self) -> Result<()> {
        if self.admin {
            Ok(())
        } else {
            self.require_signed_in().map(|_| ())
        }
    }

    /// Whether the caller is `user_id` or an admin.
    pub fn is_self_or_admin(&self, user_id: i32) -> bool {
        self.admin || self.user_id == Some(user_id)
    }

    /// The user themself or an admin: UNAUTHENTICATED / FORBIDDEN otherwise.
    pub fn require_self_or_admin(&self, user_id: i32) -> Result<()> {
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
    pub fn can_read_post(&self, post: &post::Model) -> bool {
        post.status == PostStatus::Published || self.is_self_or_admin(post.author_id)
    }

    /// Orders are private to their customer and admins.
    pub fn can_read_order(&self, order: &order::Model) -> bool {
        self.is_self_or_admin(order.customer_id)
    }

    /// The user an action is for: `given`, or the caller when omitted; only admins may act
    /// for someone else.
    pub fn acting_for(&self, given: Option<i32>) -> Result<i32> {
        let user_id = match given {
            Some(id) => id,
            None => self.require_signed_in()?,
        };
        self.require_self_or_admin(user_id)?;
        Ok(user_id)
    }

    /// Which posts lists may show this caller.
    pub fn post_scope(&self) -> PostScope {
        match (self.admin, self.user_id) {
            (true, _) => PostScope::All,
            (false, Some(id)) => PostScope::PublishedOrBy(id),
            (false, None) => PostScope::Published,
        }
    }
}

/// The rows a posts list may contain for its caller (part of the list's filter).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PostScope {
    /// Everything (admins, and internal callers).
    #[default]
    All,
    /// Published posts only.
    Published,
    /// Published posts and every post by this author.
    PublishedOrBy(i32),
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
        assert_eq!(Viewer::ANONYMOUS.post_scope(), PostScope::Published);
        assert_eq!(ada.post_scope(), PostScope::PublishedOrBy(2));
        assert_eq!(admin.post_scope(), PostScope::All);
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
    }
}
