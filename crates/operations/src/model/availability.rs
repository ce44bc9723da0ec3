//! Availability (tỷ lệ hoạt động) of a site over a window, from its recorded changes of state.
//!
//! The state at the window's start is the one of the last change before it (unknown when there
//! is none: the site was not probed yet). Time in the unknown state is left out of both sides of
//! the fraction — a site added an hour ago that has been up since is 100 % available, not 4 % —
//! and a window with no known time has no availability at all (None), never 0 %.

use crate::model::site::SiteState;

/// A day and thirty days, in ms.
pub const DAY_MS: i64 = 24 * 3_600_000;
pub const MONTH_MS: i64 = 30 * DAY_MS;

/// Time up and time known (up or down) in a window, in ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Availability {
    pub up_ms: i64,
    pub known_ms: i64,
}

impl Availability {
    /// The fraction of known time the site was up (0–1), None when no time was known.
    pub fn fraction(&self) -> Option<f64> {
        (self.known_ms > 0).then(|| self.up_ms as f64 / self.known_ms as f64)
    }
}

/// Availability over `[from, to)` from a site's changes (time, new state) in time order; changes
/// outside the window only set the starting state (the last one at or before `from`).
pub fn availability(changes: &[(i64, SiteState)], from: i64, to: i64) -> Availability {
    let mut out = Availability::default();
    if to <= from {
        return out;
    }
    let mut state = SiteState::Unknown;
    let mut since = from;
    let mut add = |state: SiteState, a: i64, b: i64| {
        let span = b - a;
        if span <= 0 {
            return;
        }
        match state {
            SiteState::Up => {
                out.up_ms += span;
                out.known_ms += span;
            }
            SiteState::Down => out.known_ms += span,
            SiteState::Unknown => {}
        }
    };
    for &(at, next) in changes {
        if at <= from {
            state = next;
            continue;
        }
        if at >= to {
            break;
        }
        add(state, since, at);
        state = next;
        since = at;
    }
    add(state, since, to);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use SiteState::{Down, Unknown, Up};

    #[test]
    fn the_start_state_comes_from_the_last_change_before_the_window() {
        // Down since long before, up at 75: up a quarter of [0, 100).
        let a = availability(&[(-500, Down), (75, Up)], 0, 100);
        assert_eq!(
            a,
            Availability {
                up_ms: 25,
                known_ms: 100
            }
        );
        assert_eq!(a.fraction(), Some(0.25));
        // Up before the window and never changed: fully up.
        assert_eq!(availability(&[(-1, Up)], 0, 100).fraction(), Some(1.0));
    }

    #[test]
    fn unknown_time_is_left_out() {
        // Not probed before 60, up after: 100 %, over 40 ms known.
        let a = availability(&[(60, Up)], 0, 100);
        assert_eq!(
            a,
            Availability {
                up_ms: 40,
                known_ms: 40
            }
        );
        assert_eq!(a.fraction(), Some(1.0));
        // Up, then unknown (turned off and on), then down.
        let a = availability(&[(0, Up), (20, Unknown), (50, Down)], 0, 100);
        assert_eq!(
            a,
            Availability {
                up_ms: 20,
                known_ms: 70
            }
        );
        // Nothing known: no availability, not 0 %.
        assert_eq!(availability(&[], 0, 100).fraction(), None);
    }

    #[test]
    fn edges_of_the_window() {
        // A change exactly at the start sets the start state.
        assert_eq!(availability(&[(0, Down)], 0, 10).fraction(), Some(0.0));
        // A change exactly at the end does not count.
        assert_eq!(
            availability(&[(0, Up), (10, Down)], 0, 10).fraction(),
            Some(1.0)
        );
        // Changes after the window are ignored.
        assert_eq!(availability(&[(0, Up), (50, Down)], 0, 10).up_ms, 10);
        // An empty or reversed window.
        assert_eq!(availability(&[(0, Up)], 10, 10), Availability::default());
        assert_eq!(availability(&[(0, Up)], 10, 5), Availability::default());
        // Flapping adds up.
        let flaps: Vec<(i64, SiteState)> = (0..10)
            .map(|i| (i * 10, if i % 2 == 0 { Up } else { Down }))
            .collect();
        assert_eq!(
            availability(&flaps, 0, 100),
            Availability {
                up_ms: 50,
                known_ms: 100
            }
        );
    }
}
