//! `SafeInt`: the scalar for amounts that can pass GraphQL's 32-bit `Int` (cents totals, loyalty
//! points) without becoming inexact in a JavaScript client.

use crate::graphql::error::code;
use async_graphql::{
    ErrorExtensions, InputValueError, InputValueResult, Scalar, ScalarType, Value,
};
use service::validate::MAX_AMOUNT;

/// A whole number from −9007199254740991 to 9007199254740991 (±(2^53 − 1)), sent as a JSON
/// number: exact in every client, JavaScript's `number` included. Money in integer cents and
/// loyalty points use it, since totals and balances can pass a 32-bit `Int`; the server
/// refuses any write that would take a stored amount past it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SafeInt(pub i64);

impl SafeInt {
    /// `value`, or OUT_OF_RANGE if it does not fit (an amount from before the bounds, or a sum).
    pub fn of(value: i64) -> async_graphql::Result<Self> {
        if (-MAX_AMOUNT..=MAX_AMOUNT).contains(&value) {
            Ok(Self(value))
        } else {
            Err(
                async_graphql::Error::new(format!("the amount {value} is outside SafeInt's range"))
                    .extend_with(|_, e| e.set("code", code::OUT_OF_RANGE)),
            )
        }
    }
}

/// A whole number from -9007199254740991 to 9007199254740991 (±(2^53 − 1)), sent as a JSON
/// number: exact in every client, JavaScript's `number` included. Money in integer cents and
/// loyalty points use it; a 32-bit `Int` could not hold a large total or balance.
#[Scalar(name = "SafeInt")]
impl ScalarType for SafeInt {
    fn parse(value: Value) -> InputValueResult<Self> {
        let Value::Number(number) = &value else {
            return Err(InputValueError::expected_type(value));
        };
        match number.as_i64() {
            Some(n) if (-MAX_AMOUNT..=MAX_AMOUNT).contains(&n) => Ok(Self(n)),
            _ => Err(InputValueError::custom(format!(
                "only whole numbers from -{MAX_AMOUNT} to {MAX_AMOUNT} are accepted"
            ))),
        }
    }

    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::Number(n) if n.as_i64().is_some_and(|n| (-MAX_AMOUNT..=MAX_AMOUNT).contains(&n)))
    }

    fn to_value(&self) -> Value {
        Value::Number(self.0.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_within_the_range_round_trip() {
        assert_eq!(
            SafeInt::of(MAX_AMOUNT).unwrap().to_value(),
            Value::from(MAX_AMOUNT)
        );
        assert!(SafeInt::of(MAX_AMOUNT + 1).is_err());
        assert!(SafeInt::of(i64::MIN).is_err());
        assert!(<SafeInt as ScalarType>::parse(Value::from(5)).is_ok());
        assert!(<SafeInt as ScalarType>::parse(Value::from(MAX_AMOUNT + 1)).is_err());
        assert!(<SafeInt as ScalarType>::parse(Value::from("5")).is_err());
    }
}
