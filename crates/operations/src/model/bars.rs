//! A horizontal bar chart's geometry: each value a bar from the zero line in a `width` wide
//! band, the largest magnitude filling it; negative values go left of zero.

/// Where a bar starts and how wide it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    pub x: f64,
    pub width: f64,
}

/// One bar per value, and the zero line's position. Non-finite values get no width.
pub fn bars(values: &[f64], width: f64) -> (Vec<Bar>, f64) {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let lo = finite.clone().fold(0.0_f64, f64::min);
    let hi = finite.fold(0.0_f64, f64::max);
    let scale = if hi > lo { width / (hi - lo) } else { 0.0 };
    let zero = -lo * scale;
    let out = values
        .iter()
        .map(|v| {
            let end = if v.is_finite() {
                zero + v * scale
            } else {
                zero
            };
            Bar {
                x: zero.min(end),
                width: (end - zero).abs(),
            }
        })
        .collect();
    (out, zero)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_fills_the_band_from_zero() {
        let (b, zero) = bars(&[10.0, 5.0, 0.0], 200.0);
        assert_eq!(zero, 0.0);
        assert_eq!(
            b,
            vec![
                Bar {
                    x: 0.0,
                    width: 200.0
                },
                Bar {
                    x: 0.0,
                    width: 100.0
                },
                Bar { x: 0.0, width: 0.0 }
            ]
        );
    }

    #[test]
    fn negative_values_go_left_of_zero() {
        let (b, zero) = bars(&[30.0, -10.0], 400.0);
        assert_eq!(zero, 100.0);
        assert_eq!(
            b,
            vec![
                Bar {
                    x: 100.0,
                    width: 300.0
                },
                Bar {
                    x: 0.0,
                    width: 100.0
                }
            ]
        );
        let (b, _) = bars(&[0.0, f64::NAN], 10.0);
        assert!(b.iter().all(|b| b.width == 0.0));
        assert!(bars(&[], 10.0).0.is_empty());
    }
}
