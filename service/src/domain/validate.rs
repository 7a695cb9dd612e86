//! Pure input rules shared by the write paths.

use crate::{Error, Result};

/// Largest amount (cents or points) anything holds or adds up to: 2^53 − 1, the largest
/// whole number every client (JavaScript's `Number` included) reads exactly, and what the
/// `SafeInt` scalar carries.
pub const MAX_AMOUNT: i64 = (1 << 53) - 1;

/// Refuses text PostgreSQL cannot store (NUL), so both databases accept exactly the same text
/// and a SQLite database can always be copied to PostgreSQL.
pub fn storable(field: &str, value: &str) -> Result<()> {
    if value.contains('\0') {
        return Err(Error::invalid(field, "must not contain NUL characters"));
    }
    Ok(())
}

/// `value` if it lies in `min..=max`, else BAD_USER_INPUT naming `field` and the range.
pub fn within<T: PartialOrd + std::fmt::Display>(
    field: &str,
    value: T,
    min: T,
    max: T,
) -> Result<T> {
    if value < min || value > max {
        return Err(Error::invalid(
            field,
            format!("must be between {min} and {max}"),
        ));
    }
    Ok(value)
}

/// Trims `value` and checks it is non-empty and at most `max` characters long.
pub fn text(field: &str, value: &str, max: usize) -> Result<String> {
    storable(field, value)?;
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if trimmed.chars().count() > max {
        return Err(Error::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// Checks a body text's length without trimming it (leading spaces may be meaningful).
pub fn body(field: &str, value: &str, max: usize) -> Result<String> {
    storable(field, value)?;
    if value.chars().count() > max {
        return Err(Error::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// Normalises an email address (trimmed, lowercased) and checks its shape.
pub fn email(value: &str) -> Result<String> {
    storable("email", value)?;
    let normalised = value.trim().to_lowercase();
    if normalised.len() > 254 {
        return Err(Error::invalid("email", "must be at most 254 characters"));
    }
    let (local, domain) = normalised
        .split_once('@')
        .ok_or_else(|| Error::invalid("email", "is not a valid email address"))?;
    // `email_address` accepts dotless domains (`a@localhost`); a shop's customers need a real
    // domain, so we also ask for a dot in it.
    if !email_address::EmailAddress::is_valid(&normalised)
        || local.is_empty()
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
    {
        return Err(Error::invalid("email", "is not a valid email address"));
    }
    Ok(normalised)
}

/// A URL slug: lowercase ASCII letters, digits and single dashes.
pub fn slug(value: &str) -> Result<String> {
    let ok = !value.is_empty()
        && value.len() <= 128
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !ok {
        return Err(Error::invalid(
            "slug",
            "must match [a-z0-9-]+ (at most 128 characters)",
        ));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(text("name", "  Ada ", 10).unwrap(), "Ada");
        assert!(text("name", "   ", 10).is_err());
        assert!(text("name", "abcdefghijk", 10).is_err());
        assert_eq!(text("name", "ééééé", 5).unwrap(), "ééééé");
    }

    #[test]
    fn text_never_holds_nul_and_numbers_stay_in_range() {
        assert!(text("title", "a\0b", 10).is_err());
        assert!(body("content", "\0", 10).is_err());
        assert!(email("a\0@example.com").is_err());
        assert_eq!(within("stock", 5, 0, 10).unwrap(), 5);
        assert!(within("stock", -1, 0, 10).is_err());
        assert!(within("stock", 11, 0, 10).is_err());
        assert_eq!(MAX_AMOUNT, 9_007_199_254_740_991);
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(email(" Ada@Example.COM ").unwrap(), "ada@example.com");
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@localhost",
            "a b@example.com",
            "ada@.com",
        ] {
            assert!(email(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn slugs_have_one_shape() {
        assert!(slug("red-mug-2").is_ok());
        for bad in ["", "Red", "red mug", "red_mug", "é"] {
            assert!(slug(bad).is_err(), "{bad} should be rejected");
        }
    }
}
