//! A choropleth's arithmetic, without I/O: values in up to five classes of a sequential
//! single-hue blue scale (readable by colour-blind people: the classes differ in lightness), and
//! province boundaries from GeoJSON projected to SVG paths.

/// The five classes' fill colours, lightest (smallest values) first.
pub const PALETTE: [&str; 5] = ["#eff3ff", "#bdd7e7", "#6baed6", "#2171b5", "#08306b"];
/// The text colour readable on each fill.
pub const INK: [&str; 5] = ["#0b1f3a", "#0b1f3a", "#0b1f3a", "#ffffff", "#ffffff"];
/// The most classes.
pub const CLASSES: usize = 5;

/// Values in classes of about equal counts (quantiles): equal values always share a class, so
/// there may be fewer than five. Each class is given by the smallest and largest value in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Classes {
    pub bounds: Vec<(f64, f64)>,
}

impl Classes {
    pub fn of(values: &[f64]) -> Classes {
        let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let mut bounds: Vec<(f64, f64)> = Vec::new();
        let mut last_class = usize::MAX;
        for (i, v) in sorted.iter().enumerate() {
            let class = i * CLASSES / n.max(1);
            match bounds.last_mut() {
                // Equal values stay together; a new class starts at a new quantile.
                Some(b) if b.1 == *v || class == last_class => b.1 = *v,
                _ => {
                    bounds.push((*v, *v));
                    last_class = class;
                }
            }
        }
        Classes { bounds }
    }

    /// The class of a value (0: the smallest values).
    pub fn class(&self, v: f64) -> Option<usize> {
        self.bounds.iter().position(|(lo, hi)| *lo <= v && v <= *hi)
    }

    /// The palette index of a class: spread over the palette when there are fewer classes.
    pub fn shade(&self, class: usize) -> usize {
        match self.bounds.len() {
            0 | 1 => 2,
            m => (class * (CLASSES - 1) + (m - 1) / 2) / (m - 1),
        }
    }
}

/// A province's boundary: its code and its rings (longitude, latitude).
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    pub code: String,
    pub rings: Vec<Vec<(f64, f64)>>,
}

/// The most features and points a boundary file may hold (a simplified national file holds a
/// few tens of thousands of points).
pub const MAX_FEATURES: usize = 1_000;
pub const MAX_POINTS: usize = 500_000;

/// The property of a feature that holds the province's statistical code.
pub const CODE_PROPERTY: &str = "code";

/// The province shapes of a GeoJSON `FeatureCollection` whose features carry the province code
/// in [`CODE_PROPERTY`] (a string, or a number padded to two digits) and a `Polygon` or
/// `MultiPolygon` geometry. Features without a code or with another geometry are skipped.
pub fn parse_geojson(text: &str) -> Result<Vec<Shape>, String> {
    let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let features = doc["features"]
        .as_array()
        .ok_or("not a GeoJSON FeatureCollection")?;
    if features.len() > MAX_FEATURES {
        return Err(format!("more than {MAX_FEATURES} features"));
    }
    let mut points = 0usize;
    let mut shapes = Vec::new();
    for f in features {
        let code = match &f["properties"][CODE_PROPERTY] {
            serde_json::Value::String(s) => s.trim().to_owned(),
            serde_json::Value::Number(n) => match n.as_u64() {
                Some(n) => format!("{n:02}"),
                None => continue,
            },
            _ => continue,
        };
        let geometry = &f["geometry"];
        let polygons: Vec<&serde_json::Value> = match geometry["type"].as_str() {
            Some("Polygon") => vec![&geometry["coordinates"]],
            Some("MultiPolygon") => geometry["coordinates"]
                .as_array()
                .map(|a| a.iter().collect())
                .unwrap_or_default(),
            _ => continue,
        };
        let mut rings = Vec::new();
        for polygon in polygons {
            for ring in polygon.as_array().into_iter().flatten() {
                let mut r = Vec::new();
                for p in ring.as_array().into_iter().flatten() {
                    let (Some(x), Some(y)) = (p[0].as_f64(), p[1].as_f64()) else {
                        return Err(format!("a point of {code} is not a position"));
                    };
                    if !(-180.0..=180.0).contains(&x) || !(-90.0..=90.0).contains(&y) {
                        return Err(format!("a point of {code} is outside the globe"));
                    }
                    r.push((x, y));
                }
                points += r.len();
                if points > MAX_POINTS {
                    return Err(format!("more than {MAX_POINTS} points"));
                }
                if r.len() >= 3 {
                    rings.push(r);
                }
            }
        }
        if !rings.is_empty() {
            shapes.push(Shape { code, rings });
        }
    }
    Ok(shapes)
}

/// The shapes drawn `width` wide in an equirectangular projection (longitudes shrunk by the
/// cosine of the middle latitude, north at the top): each code with its SVG path, and the
/// drawing's height.
pub fn project(shapes: &[Shape], width: f64) -> (Vec<(String, String)>, f64) {
    let all = shapes.iter().flat_map(|s| s.rings.iter().flatten());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in all {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        return (Vec::new(), 0.0);
    }
    let k = ((y0 + y1) / 2.0).to_radians().cos().max(0.01);
    let span = ((x1 - x0) * k).max(1e-9);
    let s = width / span;
    let height = ((y1 - y0) * s).max(1.0);
    let paths = shapes
        .iter()
        .map(|shape| {
            let d: Vec<String> = shape
                .rings
                .iter()
                .map(|ring| {
                    let pts: Vec<String> = ring
                        .iter()
                        .map(|&(x, y)| format!("{:.1},{:.1}", (x - x0) * k * s, (y1 - y) * s))
                        .collect();
                    format!("M{}Z", pts.join("L"))
                })
                .collect();
            (shape.code.clone(), d.join(""))
        })
        .collect();
    (paths, height)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_classes_keep_equal_values_together() {
        let c = Classes::of(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]);
        assert_eq!(
            c.bounds,
            vec![(1.0, 2.0), (3.0, 4.0), (5.0, 6.0), (7.0, 8.0), (9.0, 10.0)]
        );
        assert_eq!(c.class(4.0), Some(1));
        assert_eq!(c.class(4.5), None);
        assert_eq!(c.shade(4), 4);
        let same = Classes::of(&[3.0, 3.0, 3.0]);
        assert_eq!(same.bounds, vec![(3.0, 3.0)]);
        assert_eq!(same.shade(0), 2);
        let two = Classes::of(&[1.0, 1.0, 1.0, 1.0, 9.0]);
        assert_eq!(two.bounds, vec![(1.0, 1.0), (9.0, 9.0)]);
        assert_eq!((two.shade(0), two.shade(1)), (0, 4));
        assert!(Classes::of(&[]).bounds.is_empty());
    }

    #[test]
    fn geojson_squares_become_paths_north_up() {
        let text = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"code":"01"},"geometry":{"type":"Polygon",
           "coordinates":[[[0,1],[1,1],[1,2],[0,2],[0,1]]]}},
          {"type":"Feature","properties":{"code":4},"geometry":{"type":"MultiPolygon",
           "coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]]]}},
          {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[0,0]}}]}"#;
        let shapes = parse_geojson(text).unwrap();
        assert_eq!(shapes.len(), 2);
        assert_eq!(shapes[1].code, "04");
        let (paths, h) = project(&shapes, 100.0);
        assert!((h - 200.0).abs() < 0.5, "{h}");
        // The northern square is at the top.
        assert!(paths[0].1.starts_with("M0.0,100.0L"), "{}", paths[0].1);
        assert!(paths[0].1.contains("100.0,0.0"), "{}", paths[0].1);
        assert!(parse_geojson("{}").is_err());
        assert!(parse_geojson("nonsense").is_err());
    }
}
