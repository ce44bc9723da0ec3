//! Outliers (giá trị bất thường): a value far from its unit's own history, by the modified
//! z-score of Iglewicz and Hoaglin (median and median absolute deviation).

/// The median of `v` (reordered in place; linear time).
fn median(v: &mut [f64]) -> f64 {
    let n = v.len();
    let (_, &mut hi, _) = v.select_nth_unstable_by(n / 2, f64::total_cmp);
    if n % 2 == 1 {
        hi
    } else {
        // The lower middle is the largest of the lower half.
        let lo = v[..n / 2].iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lo + hi) / 2.0
    }
}

/// Median and median absolute deviation of a unit's history, reordering it; None with too
/// little history.
fn median_and_mad(history: &mut [f64]) -> Option<(f64, f64)> {
    if history.len() < 6 {
        return None;
    }
    let m = median(history);
    for v in history.iter_mut() {
        *v = (*v - m).abs();
    }
    Some((m, median(history)))
}

/// Modified z-score of `x` against a unit's history (Iglewicz–Hoaglin); None with too little
/// history or no spread.
pub fn modified_z(x: f64, history: &[f64]) -> Option<f64> {
    let (m, mad) = median_and_mad(&mut history.to_vec())?;
    (mad != 0.0).then(|| 0.6745 * (x - m) / mad)
}

/// A value found far from its unit's history: how far in robust terms, and what the history
/// usually holds (its median) over how many periods — what a message tells an official.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outlier {
    /// The modified z-score (for logs and tests; never shown to people).
    pub z: f64,
    /// The median of the history: the unit's usual level.
    pub usual: f64,
    /// How many earlier periods the history holds.
    pub periods: usize,
}

/// Is `x` an outlier for this history? Both far in robust terms (|modified z| above
/// [`OUTLIER_Z`]) and materially different (more than [`OUTLIER_MIN_CHANGE`] from the median), so
/// that a very steady series does not flag ordinary movements.
pub fn outlier(x: f64, history: &[f64]) -> Option<Outlier> {
    outlier_in(x, &mut history.to_vec())
}

/// [`outlier`] working in the history's own buffer (which it reorders): the bulk path checks
/// millions of values and reuses one buffer.
pub fn outlier_in(x: f64, history: &mut [f64]) -> Option<Outlier> {
    let periods = history.len();
    let (m, mad) = median_and_mad(history)?;
    if mad == 0.0 {
        return None;
    }
    let z = 0.6745 * (x - m) / mad;
    let relative = if m == 0.0 {
        f64::INFINITY
    } else {
        ((x - m) / m).abs()
    };
    (z.abs() > OUTLIER_Z && relative > OUTLIER_MIN_CHANGE).then_some(Outlier {
        z,
        usual: m,
        periods,
    })
}

/// How many periods of approved history the outlier check reads (at submission, and when a
/// report is reviewed).
pub const HISTORY_PERIODS: usize = 24;

/// Smallest relative change from the median that can be an outlier.
pub const OUTLIER_MIN_CHANGE: f64 = 0.15;

/// Threshold above which a value is flagged as an outlier.
pub const OUTLIER_Z: f64 = 3.5;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outliers_by_modified_z_score() {
        let h = [100.0, 102.0, 98.0, 101.0, 99.0, 103.0, 97.0, 100.0];
        assert!(modified_z(101.0, &h).unwrap().abs() < 1.0);
        assert!(modified_z(160.0, &h).unwrap() > OUTLIER_Z);
        assert!(modified_z(40.0, &h).unwrap() < -OUTLIER_Z);
        assert_eq!(modified_z(160.0, &h[..3]), None);
        assert_eq!(modified_z(1.0, &[5.0; 8]), None);
        // Steady series: a 11 % move is not an outlier, a fourfold one is.
        let steady = [
            1000.0, 1010.0, 1020.0, 1030.0, 1040.0, 1050.0, 1060.0, 1070.0,
        ];
        assert_eq!(outlier(1150.0, &steady), None);
        let o = outlier(4000.0, &steady).unwrap();
        assert_eq!((o.usual, o.periods), (1035.0, 8));
        assert!(o.z > OUTLIER_Z);
    }

    proptest::proptest! {
        #[test]
        fn median_is_the_middle_of_the_sorted_values(v in proptest::collection::vec(-1e6f64..1e6, 1..40)) {
            let mut sorted = v.clone();
            sorted.sort_by(f64::total_cmp);
            let n = sorted.len();
            let want = if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 };
            proptest::prop_assert_eq!(median(&mut v.clone()), want);
        }

    }
}
