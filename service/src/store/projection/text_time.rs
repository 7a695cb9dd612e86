//! Timestamps as SQLite holds them, read without the general parser.
//!
//! SQLite stores a timestamp as RFC 3339 text (`2026-12-06T08:03:23.828826+00:00`), and the
//! driver parses it with chrono's general RFC 3339 parser, after copying the text out: about
//! 800 instructions a value, a quarter of decoding a row of a user's posts. [`utc`] reads the
//! one form the database writes, in place, and leaves every other form (and PostgreSQL's
//! binary timestamps) to the driver, so each value reads exactly as the driver reads it.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sea_orm::sqlx::Row;
use sea_orm::{DbErr, QueryResult};

/// The value at `position` of `row` as a UTC timestamp: from SQLite's text when it has the
/// form the database writes; `None` when the form is not that one (or the row is not
/// SQLite's), for the caller to read it the general way.
pub(crate) fn utc(row: &QueryResult, position: usize) -> Option<DateTime<Utc>> {
    let text: &str = row.try_as_sqlite_row()?.try_get(position).ok()?;
    parse(text)
}

/// `YYYY-MM-DDTHH:MM:SS`, an optional fraction of 1 to 9 digits, then `+00:00` or `Z`: the
/// form the database writes UTC timestamps in. `None` for anything else, valid RFC 3339 or
/// not (another offset, a leap second, lowercase letters), which the general parser reads.
fn parse(text: &str) -> Option<DateTime<Utc>> {
    let bytes = text.as_bytes();
    let number = |from: usize, to: usize| -> Option<u32> {
        bytes.get(from..to)?.iter().try_fold(0u32, |n, &b| {
            b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
        })
    };
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if separators
        .iter()
        .any(|&(at, sep)| bytes.get(at) != Some(&sep))
    {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(number(0, 4)?).ok()?,
        number(5, 7)?,
        number(8, 10)?,
    )?;
    let mut end = 19;
    let mut nanos = 0;
    if bytes.get(end) == Some(&b'.') {
        let digits = bytes[end + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if !(1..=9).contains(&digits) {
            return None;
        }
        nanos = number(end + 1, end + 1 + digits)? * 10u32.pow(9 - digits as u32);
        end += 1 + digits;
    }
    if !matches!(bytes.get(end..)?, b"+00:00" | b"Z") {
        return None;
    }
    let time =
        NaiveTime::from_hms_nano_opt(number(11, 13)?, number(14, 16)?, number(17, 19)?, nanos)?;
    Some(date.and_time(time).and_utc())
}

/// Reads the value at `position` as the general decoder would when [`utc`] cannot.
pub(crate) fn read(row: &QueryResult, position: usize) -> Result<DateTime<Utc>, DbErr> {
    match utc(row, position) {
        Some(at) => Ok(at),
        None => row.try_get_by_index(position),
    }
}

/// [`read`] for a nullable column.
pub(crate) fn read_nullable(
    row: &QueryResult,
    position: usize,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    match utc(row, position) {
        Some(at) => Ok(Some(at)),
        None => row.try_get_by_index(position),
    }
}

#[cfg(test)]
mod tests {
    use super::parse;
    use chrono::{DateTime, Utc};

    fn general(text: &str) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|at| at.with_timezone(&Utc))
    }

    #[test]
    fn the_written_form_reads_as_the_general_parser_reads_it() {
        for text in [
            "2026-12-06T08:03:23.828826+00:00",
            "2025-01-01T00:00:00+00:00",
            "2025-01-01T00:00:00Z",
            "1970-01-01T00:00:00.1+00:00",
            "2024-02-29T23:59:59.999999999+00:00",
            "9999-12-31T23:59:59.000000001Z",
            "0001-01-01T00:00:00+00:00",
        ] {
            assert_eq!(parse(text), general(text), "{text}");
            assert!(parse(text).is_some(), "{text}");
        }
        // The database's own writing, at whole seconds and with a fraction.
        let at = Utc::now();
        for form in [
            chrono::SecondsFormat::Secs,
            chrono::SecondsFormat::Micros,
            chrono::SecondsFormat::AutoSi,
        ] {
            let text = at.to_rfc3339_opts(form, false);
            assert_eq!(parse(&text), general(&text), "{text}");
        }
    }

    #[test]
    fn every_other_form_is_left_to_the_general_parser() {
        for text in [
            "2026-12-06T08:03:23.828826+01:00",
            "2026-12-06T08:03:23.828826-00:00",
            "2026-12-06 08:03:23+00:00",
            "2026-12-06t08:03:23z",
            "2026-12-06T08:03:60+00:00",
            "2026-12-06T08:03:23.+00:00",
            "2026-12-06T08:03:23.1234567890+00:00",
            "2026-02-30T08:03:23+00:00",
            "2026-12-06T24:00:00+00:00",
            "2026-12-06T08:03:23+00:00 ",
            "2026-12-06T08:03:23",
            "+2026-12-06T08:03:23Z",
            "2026-1a-06T08:03:23Z",
            "",
            "1733472203",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
