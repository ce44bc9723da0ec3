//! A sparkline's geometry: a series of values (gaps where nothing is approved) drawn as SVG
//! polylines in a `width` × `height` box, the lowest value at the bottom, the highest at the top.

/// One polyline per run of values without a gap, as SVG `points`.
pub fn polylines(values: &[Option<f64>], width: f64, height: f64) -> Vec<String> {
    let known: Vec<f64> = values.iter().flatten().copied().collect();
    let (Some(lo), Some(hi)) = (
        known.iter().copied().reduce(f64::min),
        known.iter().copied().reduce(f64::max),
    ) else {
        return Vec::new();
    };
    let step = if values.len() > 1 {
        width / (values.len() - 1) as f64
    } else {
        0.0
    };
    // A flat series is drawn across the middle.
    let y = |v: f64| {
        if hi > lo {
            height - (v - lo) / (hi - lo) * height
        } else {
            height / 2.0
        }
    };
    let mut lines = Vec::new();
    let mut current: Vec<String> = Vec::new();
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => current.push(format!("{:.1},{:.1}", i as f64 * step, y(*v))),
            None if !current.is_empty() => lines.push(std::mem::take(&mut current).join(" ")),
            None => {}
        }
    }
    if !current.is_empty() {
        lines.push(current.join(" "));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_split_the_line_and_extremes_touch_the_edges() {
        let l = polylines(
            &[Some(1.0), Some(3.0), None, Some(2.0), Some(2.0)],
            40.0,
            10.0,
        );
        assert_eq!(l, vec!["0.0,10.0 10.0,0.0", "30.0,5.0 40.0,5.0"]);
    }

    #[test]
    fn nothing_to_draw_without_values_and_a_flat_line_in_the_middle() {
        assert!(polylines(&[None, None], 10.0, 10.0).is_empty());
        assert_eq!(
            polylines(&[Some(5.0), Some(5.0)], 10.0, 10.0),
            vec!["0.0,5.0 10.0,5.0"]
        );
    }
}
