//! The connected sites as a layer of the provinces' map, without I/O: how many cameras and
//! conference points each province has and how many are down (the tile grid's badges), and where
//! each site with coordinates falls on a configured boundary map (the same projection as
//! [`crate::model::choropleth::project`]).

use std::collections::BTreeMap;

use super::choropleth::Shape;
use super::site::{Site, SiteKind, SiteState};

/// One province's sites.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub cameras: usize,
    pub points: usize,
    /// Active sites the probe found down.
    pub down: usize,
}

impl Tally {
    pub fn total(&self) -> usize {
        self.cameras + self.points
    }
}

/// The active sites counted by province code (`province_of` maps a site's unit code to its
/// province's code; sites of no province are left out).
pub fn tally<'a>(
    sites: impl IntoIterator<Item = &'a Site>,
    province_of: impl Fn(&str) -> Option<String>,
) -> BTreeMap<String, Tally> {
    let mut out: BTreeMap<String, Tally> = BTreeMap::new();
    for s in sites.into_iter().filter(|s| s.active) {
        let Some(p) = s.spec.unit_code.as_deref().and_then(&province_of) else {
            continue;
        };
        let t = out.entry(p).or_default();
        match s.spec.kind {
            SiteKind::Camera => t.cameras += 1,
            SiteKind::Conference => t.points += 1,
        }
        if s.state == SiteState::Down {
            t.down += 1;
        }
    }
    out
}

/// The frame of [`crate::model::choropleth::project`]: where a longitude and latitude fall on
/// the drawing `width` wide.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
    k: f64,
    s: f64,
}

impl Frame {
    /// The frame of `shapes` drawn `width` wide; None without any point.
    pub fn of(shapes: &[Shape], width: f64) -> Option<Frame> {
        let all = shapes.iter().flat_map(|s| s.rings.iter().flatten());
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &(x, y) in all {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
        if x0 > x1 {
            return None;
        }
        let k = ((y0 + y1) / 2.0).to_radians().cos().max(0.01);
        let span = ((x1 - x0) * k).max(1e-9);
        Some(Frame {
            x0,
            x1,
            y0,
            y1,
            k,
            s: width / span,
        })
    }

    /// Where `(longitude, latitude)` falls, if inside the map's bounds.
    pub fn place(&self, longitude: f64, latitude: f64) -> Option<(f64, f64)> {
        let inside =
            (self.x0..=self.x1).contains(&longitude) && (self.y0..=self.y1).contains(&latitude);
        inside.then_some((
            (longitude - self.x0) * self.k * self.s,
            (self.y1 - latitude) * self.s,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::choropleth::project;
    use crate::model::site::{Category, SiteSpec};

    fn site(kind: SiteKind, unit: &str, state: SiteState, active: bool) -> Site {
        Site {
            id: 1,
            spec: SiteSpec {
                code: "C".into(),
                kind,
                category: Category::Other,
                name: "N".into(),
                unit_code: Some(unit.into()),
                place: String::new(),
                latitude: None,
                longitude: None,
                url: "http://h/a".into(),
            },
            active,
            state,
            state_since: None,
            checked_at: None,
            finding: String::new(),
        }
    }

    #[test]
    fn provinces_count_their_active_sites_and_the_down_ones() {
        let sites = [
            site(SiteKind::Camera, "01", SiteState::Down, true),
            site(SiteKind::Camera, "00101", SiteState::Up, true),
            site(SiteKind::Conference, "01", SiteState::Unknown, true),
            site(SiteKind::Camera, "01", SiteState::Down, false),
            site(SiteKind::Camera, "79", SiteState::Up, true),
        ];
        let t = tally(&sites, |u| Some(u[..2].to_owned()));
        assert_eq!(
            t["01"],
            Tally {
                cameras: 1,
                points: 1,
                down: 1
            }
        );
        assert_eq!(t["00"].total(), 1);
        assert_eq!(t["79"].down, 0);
    }

    #[test]
    fn a_dot_on_a_corner_falls_where_the_path_draws_it() {
        let shapes = vec![Shape {
            code: "01".into(),
            rings: vec![vec![
                (105.0, 20.0),
                (106.0, 20.0),
                (106.0, 21.0),
                (105.0, 21.0),
            ]],
        }];
        let (paths, _) = project(&shapes, 320.0);
        let f = Frame::of(&shapes, 320.0).unwrap();
        let (x, y) = f.place(106.0, 20.0).unwrap();
        assert!(
            paths[0].1.contains(&format!("{x:.1},{y:.1}")),
            "{}",
            paths[0].1
        );
        assert_eq!(f.place(107.0, 20.0), None);
    }
}
