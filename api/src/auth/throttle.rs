//! Sign-in attempts, throttled per account and per client address with governor's keyed GCRA
//! limiters: nobody guesses passwords at speed, and nobody spends the server's CPU on argon2
//! (19 MiB and tens of milliseconds a hash) for free. Every `login` and `signup` field counts,
//! so 300 aliased `login`s in one request are 300 attempts.
//!
//! Every attempt counts, not only failed ones: the throttle has to decide before the hash is
//! computed. A per-account limit therefore also lets someone slow a victim's own sign-ins
//! (a few per minute stay open to them from any address), which is the usual trade for making
//! guessing that account's password impractical.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

/// The address a request came from (absent for requests that did not come over the network).
#[derive(Clone, Copy, Debug)]
pub struct ClientAddress(pub IpAddr);

/// Attempts allowed, per minute, with the burst a limiter starts with.
#[derive(Clone, Copy, Debug)]
pub struct Allowance {
    pub per_minute: u32,
}

impl Allowance {
    fn quota(self) -> Quota {
        let per_minute = NonZeroU32::new(self.per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        Quota::per_minute(per_minute)
    }
}

/// The limiters of one server.
pub struct SignInThrottle {
    by_account: DefaultKeyedRateLimiter<String>,
    by_address: DefaultKeyedRateLimiter<IpAddr>,
}

impl SignInThrottle {
    /// Limiters allowing `per_account` attempts on one account and `per_address` from one
    /// address.
    pub fn new(per_account: Allowance, per_address: Allowance) -> Self {
        Self {
            by_account: RateLimiter::keyed(per_account.quota()),
            by_address: RateLimiter::keyed(per_address.quota()),
        }
    }

    /// Counts one attempt on `account` (an email, normalised) from `address`; `Err` holds how
    /// long until the next attempt would be let through.
    pub fn attempt(&self, account: &str, address: Option<ClientAddress>) -> Result<(), Duration> {
        let now = DefaultClock::default().now();
        if let Some(ClientAddress(ip)) = address {
            self.by_address
                .check_key(&ip)
                .map_err(|not_until| not_until.wait_time_from(now))?;
        }
        self.by_account
            .check_key(&account.trim().to_lowercase())
            .map_err(|not_until| not_until.wait_time_from(now))
    }

    /// Drops the state of keys that are back to a full allowance (called every minute, so the
    /// limiters' memory follows recent attempts, not every email anyone ever tried).
    pub fn forget_idle(&self) {
        self.by_account.retain_recent();
        self.by_account.shrink_to_fit();
        self.by_address.retain_recent();
        self.by_address.shrink_to_fit();
    }
}

/// Requests allowed per address per second by the general rate limit, off unless configured.
pub struct RequestLimit(DefaultKeyedRateLimiter<IpAddr>);

impl RequestLimit {
    /// `per_second` requests from one address (bursts of as many).
    pub fn new(per_second: NonZeroU32) -> Self {
        Self(RateLimiter::keyed(Quota::per_second(per_second)))
    }

    /// Counts one request from `ip`; `Err` holds how long until the next would pass.
    pub fn check(&self, ip: IpAddr) -> Result<(), Duration> {
        let now = DefaultClock::default().now();
        self.0
            .check_key(&ip)
            .map_err(|not_until| not_until.wait_time_from(now))
    }

    /// As [`SignInThrottle::forget_idle`].
    pub fn forget_idle(&self) {
        self.0.retain_recent();
        self.0.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_past_the_allowance_wait() {
        let throttle =
            SignInThrottle::new(Allowance { per_minute: 3 }, Allowance { per_minute: 5 });
        let here = Some(ClientAddress(IpAddr::from([10, 0, 0, 1])));
        for _ in 0..3 {
            assert!(throttle.attempt("ada@example.com", here).is_ok());
        }
        let wait = throttle.attempt("ADA@example.com ", here).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        // Other accounts from the same address, until the address runs out.
        assert!(throttle.attempt("bob@example.com", here).is_ok());
        assert!(
            throttle.attempt("eve@example.com", here).is_err(),
            "5 from one address"
        );
        // From elsewhere, another account is untouched.
        let there = Some(ClientAddress(IpAddr::from([10, 0, 0, 2])));
        assert!(throttle.attempt("eve@example.com", there).is_ok());
    }
}
