//! The loyalty rules: how many points an order earns and which tier lifetime points reach.
//! Pure functions, so the numbers live in one place and are unit-tested.

use entity::Tier;

/// Lifetime points needed for each tier, highest first.
pub const TIER_THRESHOLDS: [(Tier, i64); 3] = [
    (Tier::Platinum, 20_000),
    (Tier::Gold, 5_000),
    (Tier::Silver, 1_000),
];

/// The tier a user with `lifetime_points` belongs to.
pub fn tier_for(lifetime_points: i64) -> Tier {
    TIER_THRESHOLDS
        .iter()
        .find(|(_, threshold)| lifetime_points >= *threshold)
        .map_or(Tier::Bronze, |(tier, _)| *tier)
}

/// Earning multiplier of a tier in percent (integer arithmetic keeps rounding exact).
pub fn multiplier_percent(tier: Tier) -> i64 {
    match tier {
        Tier::Bronze => 100,
        Tier::Silver => 125,
        Tier::Gold => 150,
        Tier::Platinum => 200,
    }
}

/// Points an order of `total_cents` earns at `tier`: one per whole currency unit, times the
/// tier's multiplier, rounded down.
pub fn points_for_order(total_cents: i64, tier: Tier) -> i64 {
    let units = total_cents.max(0) / 100;
    units * multiplier_percent(tier) / 100
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_follow_lifetime_points() {
        assert_eq!(tier_for(0), Tier::Bronze);
        assert_eq!(tier_for(999), Tier::Bronze);
        assert_eq!(tier_for(1_000), Tier::Silver);
        assert_eq!(tier_for(4_999), Tier::Silver);
        assert_eq!(tier_for(5_000), Tier::Gold);
        assert_eq!(tier_for(20_000), Tier::Platinum);
    }

    #[test]
    fn earning_rounds_down_after_the_multiplier() {
        assert_eq!(
            points_for_order(1_999, Tier::Bronze),
            19,
            "whole units only"
        );
        assert_eq!(points_for_order(99, Tier::Platinum), 0);
        assert_eq!(
            points_for_order(1_000, Tier::Silver),
            12,
            "10 × 1.25 = 12.5 → 12"
        );
        assert_eq!(
            points_for_order(1_100, Tier::Gold),
            16,
            "11 × 1.5 = 16.5 → 16"
        );
        assert_eq!(points_for_order(1_000, Tier::Platinum), 20);
    }
}
