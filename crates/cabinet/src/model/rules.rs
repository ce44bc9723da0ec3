//! The rules of a body, as data, with the defaults of the Law on Organisation of the Government
//! (2015, 2025) and Decrees 138/2016 and 39/2022:
//! - a session needs at least two thirds of the members present ([`Rules::quorum_met`]);
//! - a decision passes with more than half of the **total** membership, not of the votes cast
//!   ([`Rules::outcome`]);
//! - on a tie the side the chair voted for wins. Read together with the first rule, a tie is the
//!   one case where neither side can reach a majority: as many for as against, each exactly the
//!   majority's threshold of the membership (13 – 13 of 26). A smaller tie (10 – 10 of 27) is
//!   simply not passed, or the chair alone would turn a minority into a decision;
//! - substitutes do not vote unless the body's rules say so.
//!
//! Every count is a whole number of people: nothing is rounded. A fraction is compared by
//! cross-multiplying (`present × den ≥ num × members`).

use serde::{Deserialize, Serialize};

/// `num / den`, with `0 < num ≤ den`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fraction {
    pub num: u32,
    pub den: u32,
}

impl Fraction {
    pub const fn new(num: u32, den: u32) -> Option<Fraction> {
        if num == 0 || den == 0 || num > den || den > 1000 {
            None
        } else {
            Some(Fraction { num, den })
        }
    }
    /// `n ≥ self × of`, exactly.
    pub fn reached_by(self, n: u32, of: u32) -> bool {
        u64::from(n) * u64::from(self.den) >= u64::from(self.num) * u64::from(of)
    }
    /// `n > self × of`, exactly.
    pub fn exceeded_by(self, n: u32, of: u32) -> bool {
        u64::from(n) * u64::from(self.den) > u64::from(self.num) * u64::from(of)
    }
    /// `n = self × of`, exactly.
    pub fn equals(self, n: u32, of: u32) -> bool {
        u64::from(n) * u64::from(self.den) == u64::from(self.num) * u64::from(of)
    }
    /// The fewest of `of` that reach the fraction (`⌈num × of / den⌉`).
    pub fn least_of(self, of: u32) -> u32 {
        let need = u64::from(self.num) * u64::from(of);
        need.div_ceil(u64::from(self.den)) as u32
    }
}

/// A body's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    /// Members present (in the room, remote, or — when substitutes vote — represented) for a session.
    pub quorum: Fraction,
    /// The share of the whole membership that a decision must exceed.
    pub majority: Fraction,
    /// On a tie at exactly the threshold, the chair's side wins.
    pub tie_to_chair: bool,
    /// A substitute attending for an absent member votes in their place.
    pub substitutes_vote: bool,
    /// Working days members have to answer an opinion form (no statutory figure is published:
    /// configurable, 5 by default).
    pub answer_days: u32,
    /// Working days before a regular session its papers should be sent (Decision 45/2018).
    pub papers_days: u32,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            quorum: Fraction { num: 2, den: 3 },
            majority: Fraction { num: 1, den: 2 },
            tie_to_chair: true,
            substitutes_vote: false,
            answer_days: 5,
            papers_days: 3,
        }
    }
}

/// One side of a vote or an answer, as far as the outcome is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    For,
    Against,
    /// Abstained, another opinion, or no answer: counts towards neither side.
    Neither,
}

/// How a decision came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub passed: bool,
    /// Decided by the chair's side on a tie.
    pub by_tie: bool,
    /// The fewest votes for that pass without the tie rule.
    pub needed: u32,
}

impl Rules {
    /// Is a session of `members` quorate with `present` of them?
    pub fn quorum_met(&self, members: u32, present: u32) -> bool {
        members > 0 && present <= members && self.quorum.reached_by(present, members)
    }

    /// The fewest present for a quorum.
    pub fn quorum_needed(&self, members: u32) -> u32 {
        self.quorum.least_of(members)
    }

    /// The decision of `members` (the whole membership when the question was put) with `yes`
    /// for and `no` against; `chair` is the side the chair took (None: the chair did not vote,
    /// or the vote was secret).
    pub fn outcome(&self, members: u32, yes: u32, no: u32, chair: Option<Side>) -> Outcome {
        let needed = {
            // The least n with n > majority × members.
            let m = &self.majority;
            let floor = u64::from(m.num) * u64::from(members) / u64::from(m.den);
            (floor + 1) as u32
        };
        if members == 0 {
            return Outcome {
                passed: false,
                by_tie: false,
                needed,
            };
        }
        if self.majority.exceeded_by(yes, members) {
            return Outcome {
                passed: true,
                by_tie: false,
                needed,
            };
        }
        let tie = yes == no && self.majority.equals(yes, members);
        if tie
            && self.tie_to_chair
            && let Some(side @ (Side::For | Side::Against)) = chair
        {
            return Outcome {
                passed: side == Side::For,
                by_tie: true,
                needed,
            };
        }
        Outcome {
            passed: false,
            by_tie: false,
            needed,
        }
    }

    /// Checks the rules are usable; the reason when not.
    pub fn check(&self) -> Result<(), &'static str> {
        if Fraction::new(self.quorum.num, self.quorum.den).is_none() {
            return Err("quorum");
        }
        if Fraction::new(self.majority.num, self.majority.den).is_none() {
            return Err("majority");
        }
        if !(1..=60).contains(&self.answer_days) {
            return Err("answer_days");
        }
        if self.papers_days > 30 {
            return Err("papers_days");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn gov() -> Rules {
        Rules::default()
    }

    #[test]
    fn the_first_electronic_session_counts() {
        // 24 June 2019: 25 of 27 members voted.
        let r = gov();
        assert!(r.quorum_met(27, 25));
        assert_eq!(r.quorum_needed(27), 18);
        assert!(r.quorum_met(27, 18));
        assert!(!r.quorum_met(27, 17));
        let o = r.outcome(27, 25, 0, Some(Side::For));
        assert!(o.passed && !o.by_tie);
        assert_eq!(o.needed, 14);
        // 13 of 27 is not more than half of the membership, however few voted against.
        assert!(!r.outcome(27, 13, 0, Some(Side::For)).passed);
        assert!(r.outcome(27, 14, 13, Some(Side::Against)).passed);
    }

    #[test]
    fn a_tie_goes_to_the_chairs_side_only_at_the_threshold() {
        let r = gov();
        let o = r.outcome(26, 13, 13, Some(Side::For));
        assert!(o.passed && o.by_tie);
        let o = r.outcome(26, 13, 13, Some(Side::Against));
        assert!(!o.passed && o.by_tie);
        assert!(!r.outcome(26, 13, 13, None).passed);
        // 10 – 10 of 27: neither side has a majority; the chair does not make one.
        assert!(!r.outcome(27, 10, 10, Some(Side::For)).passed);
        let mut no_tie = gov();
        no_tie.tie_to_chair = false;
        assert!(!no_tie.outcome(26, 13, 13, Some(Side::For)).passed);
    }

    #[test]
    fn fractions_are_checked() {
        assert!(Fraction::new(0, 3).is_none());
        assert!(Fraction::new(4, 3).is_none());
        assert!(Fraction::new(2, 0).is_none());
        assert_eq!(Fraction::new(2, 3).unwrap().least_of(27), 18);
        assert_eq!(Fraction::new(2, 3).unwrap().least_of(3), 2);
        assert!(gov().check().is_ok());
        let mut r = gov();
        r.answer_days = 0;
        assert_eq!(r.check(), Err("answer_days"));
    }

    fn side() -> impl Strategy<Value = Option<Side>> {
        prop_oneof![
            Just(None),
            Just(Some(Side::For)),
            Just(Some(Side::Against)),
            Just(Some(Side::Neither))
        ]
    }

    proptest! {
        /// A decision passes only with more than half of the whole membership, or at an exact
        /// tie on the chair's side.
        #[test]
        fn passing_needs_a_majority_of_the_membership(
            members in 1u32..3000, a in 0u32..3000, b in 0u32..3000, chair in side()
        ) {
            let yes = a.min(members);
            let no = b.min(members - yes);
            let o = gov().outcome(members, yes, no, chair);
            if o.passed {
                prop_assert!(2 * yes > members || (o.by_tie && 2 * yes == members && yes == no && chair == Some(Side::For)));
            }
            prop_assert_eq!(o.passed && !o.by_tie, 2 * yes > members);
            prop_assert_eq!(o.needed, members / 2 + 1);
        }

        /// Only the votes for and against count, and only as a share of the membership: who
        /// abstained or did not vote never changes the result unless it makes a tie.
        #[test]
        fn abstentions_do_not_count(members in 1u32..3000, a in 0u32..3000, b in 0u32..3000, c in 0u32..3000) {
            let yes = a.min(members);
            let no1 = b.min(members - yes);
            let no2 = c.min(members - yes);
            let r = gov();
            let one = r.outcome(members, yes, no1, None);
            let two = r.outcome(members, yes, no2, None);
            prop_assert_eq!(one.passed, two.passed);
        }

        /// One more vote for never turns a passed decision into a failed one.
        #[test]
        fn more_support_never_hurts(members in 1u32..3000, a in 0u32..3000, b in 0u32..3000, chair in side()) {
            let yes = a.min(members.saturating_sub(1));
            let no = b.min(members - yes - 1);
            let r = gov();
            if r.outcome(members, yes, no, chair).passed {
                prop_assert!(r.outcome(members, yes + 1, no, chair).passed);
            }
        }

        /// The quorum is reached exactly from ⌈2/3 × members⌉ present.
        #[test]
        fn the_quorum_is_two_thirds_exactly(members in 1u32..5000) {
            let r = gov();
            let need = r.quorum_needed(members);
            prop_assert!(r.quorum_met(members, need));
            prop_assert!(need == 0 || !r.quorum_met(members, need - 1));
            prop_assert!(3 * need >= 2 * members && 3 * (need - 1) < 2 * members);
        }

        /// Any valid fraction: `least_of` is the threshold `reached_by` draws.
        #[test]
        fn least_of_is_the_threshold(num in 1u32..50, den in 1u32..50, of in 0u32..5000) {
            if let Some(f) = Fraction::new(num, den) {
                let n = f.least_of(of);
                prop_assert!(f.reached_by(n, of));
                prop_assert!(n == 0 || !f.reached_by(n - 1, of));
            }
        }
    }
}
