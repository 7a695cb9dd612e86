//! Sign-in tokens: JWT, HS256, carrying the user id and an expiry.

use crate::config::{Config, Environment};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Shortest secret accepted: HS256 wants at least as many bytes as its output.
pub const MIN_SECRET_BYTES: usize = 32;

/// What a token says.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    /// The user id.
    sub: String,
    /// Issued at (seconds since the epoch).
    iat: u64,
    /// Expires at (seconds since the epoch).
    exp: u64,
}

/// Why a token was refused.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token has expired; sign in again")]
    Expired,
    #[error("the token is not valid")]
    Invalid,
}

/// Why a token could not be signed: never expected with an HMAC key, and never an empty token.
#[derive(Debug, thiserror::Error)]
#[error("signing a token failed: {0}")]
pub struct SigningError(#[source] jsonwebtoken::errors::Error);

/// Why start-up refused the configured secret.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("SHOPGRAPH_JWT_SECRET must be set when SHOPGRAPH_ENV=production")]
    MissingInProduction,
    #[error("SHOPGRAPH_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes long")]
    TooShort,
}

/// The keys that sign and check tokens.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    ttl: Duration,
}

impl TokenKeys {
    /// Keys from the configured secret; in development without one, a random secret (logged
    /// as a warning, never the secret itself).
    pub fn from_config(config: &Config) -> Result<Self, SecretError> {
        let ttl = Duration::from_secs(config.token_ttl_secs.max(1));
        match (&config.jwt_secret, config.env) {
            (Some(secret), _) if secret.len() < MIN_SECRET_BYTES => Err(SecretError::TooShort),
            (Some(secret), _) => Ok(Self::new(secret.as_bytes(), ttl)),
            (None, Environment::Production) => Err(SecretError::MissingInProduction),
            (None, Environment::Development) => {
                tracing::warn!(
                    "SHOPGRAPH_JWT_SECRET is not set: using a random secret; tokens stop working when the server restarts"
                );
                let mut secret = [0u8; 64];
                rand::thread_rng().fill_bytes(&mut secret);
                Ok(Self::new(&secret, ttl))
            }
        }
    }

    /// Keys for a secret.
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            ttl,
        }
    }

    /// A token for `user_id`, valid for the configured time.
    pub fn issue(&self, user_id: i32) -> Result<String, SigningError> {
        let now = chrono::Utc::now().timestamp().max(0) as u64;
        self.issue_at(user_id, now, now + self.ttl.as_secs())
    }

    /// A token with explicit times (tests of expiry use it directly).
    pub fn issue_at(
        &self,
        user_id: i32,
        issued_at: u64,
        expires_at: u64,
    ) -> Result<String, SigningError> {
        let claims = Claims {
            sub: user_id.to_string(),
            iat: issued_at,
            exp: expires_at,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(SigningError)
    }

    /// The user id of a valid token.
    pub fn verify(&self, token: &str) -> Result<i32, TokenError> {
        self.verify_until(token).map(|(user_id, _)| user_id)
    }

    /// The user id of a valid token and when it expires (seconds since the epoch).
    pub fn verify_until(&self, token: &str) -> Result<(i32, u64), TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let data =
            decode::<Claims>(token, &self.decoding, &validation).map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })?;
        let user_id = data.claims.sub.parse().map_err(|_| TokenError::Invalid)?;
        Ok((user_id, data.claims.exp))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_refuse_forgeries() {
        let keys = TokenKeys::new(&[7u8; 32], Duration::from_secs(60));
        let token = keys.issue(42).unwrap();
        assert_eq!(keys.verify(&token).unwrap(), 42);
        let other = TokenKeys::new(&[8u8; 32], Duration::from_secs(60));
        assert!(matches!(other.verify(&token), Err(TokenError::Invalid)));
        assert!(matches!(
            keys.verify("not.a.token"),
            Err(TokenError::Invalid)
        ));
        let old = keys.issue_at(42, 1_000, 2_000).unwrap();
        assert!(matches!(keys.verify(&old), Err(TokenError::Expired)));
    }
}
