//! The service quality index of an agency or province (Decision 766/QĐ-TTg, 2022): 100 points in
//! five groups, computed from what the platform itself records — the catalogue, the dossiers, the
//! payments and the citizens' ratings — never typed in.
//!
//! The decision defines the groups; how each is measured from this platform's data, and the
//! weights, are egov's reading of it (docs/services.md, "Service quality index") and are data
//! ([`Weights`]), so a ministry's refinement is a configuration change, not a code change.
//! Points are kept in hundredths (integers): each group's share is computed exactly and rounded
//! once, half away from zero, to 0.01 point — said on the page and in the docs.

/// The five groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    /// Công khai, minh bạch: procedures published with complete information; dossiers synced
    /// to the national portal.
    Publicity,
    /// Tiến độ, kết quả giải quyết: dossiers settled on time; none overdue.
    Progress,
    /// Số hoá hồ sơ: dossiers whose papers and results are digital.
    Digitisation,
    /// Cung cấp dịch vụ trực tuyến: dossiers filed online; fees paid online.
    Online,
    /// Mức độ hài lòng: the citizens' ratings.
    Satisfaction,
}

impl Group {
    pub const ALL: [Group; 5] = [
        Group::Publicity,
        Group::Progress,
        Group::Digitisation,
        Group::Online,
        Group::Satisfaction,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Group::Publicity => "publicity",
            Group::Progress => "progress",
            Group::Digitisation => "digitisation",
            Group::Online => "online",
            Group::Satisfaction => "satisfaction",
        }
    }

    /// The reporting indicator the group's points are filed as.
    pub fn indicator(self) -> &'static str {
        match self {
            Group::Publicity => "SQI_PUBLICITY",
            Group::Progress => "SQI_PROGRESS",
            Group::Digitisation => "SQI_DIGITISATION",
            Group::Online => "SQI_ONLINE",
            Group::Satisfaction => "SQI_SATISFACTION",
        }
    }
}

/// The indicator of the total.
pub const TOTAL_INDICATOR: &str = "SQI_TOTAL";

/// Each group's maximum points; they sum to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weights {
    pub publicity: u32,
    pub progress: u32,
    pub digitisation: u32,
    pub online: u32,
    pub satisfaction: u32,
}

impl Default for Weights {
    /// Publicity 18, progress 20, digitisation 12, online provision 32 (online services 22 and
    /// online payment 10), satisfaction 18.
    fn default() -> Self {
        Weights {
            publicity: 18,
            progress: 20,
            digitisation: 12,
            online: 32,
            satisfaction: 18,
        }
    }
}

impl Weights {
    pub fn of(&self, g: Group) -> u32 {
        match g {
            Group::Publicity => self.publicity,
            Group::Progress => self.progress,
            Group::Digitisation => self.digitisation,
            Group::Online => self.online,
            Group::Satisfaction => self.satisfaction,
        }
    }

    pub fn is_valid(&self) -> bool {
        Group::ALL.iter().map(|g| self.of(*g)).sum::<u32>() == 100
    }
}

/// What the platform counted for an agency over a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Published procedures the agency implements, and those with complete information (papers,
    /// fees, processing time, legal basis and an online form).
    pub procedures: u64,
    pub procedures_complete: u64,
    /// Dossiers received in the period; those whose every change reached the national portal.
    pub dossiers: u64,
    pub dossiers_synced: u64,
    /// Dossiers settled in the period, and on time (by the appointment date, stops counted).
    pub settled: u64,
    pub settled_on_time: u64,
    /// Dossiers in progress past their appointment date now.
    pub overdue: u64,
    /// Dossiers with their papers stored as files; settled ones with an electronic result.
    pub digitised: u64,
    pub results_electronic: u64,
    /// Dossiers filed online (channel 2).
    pub online: u64,
    /// Fee payments, and those paid online through the gateway.
    pub fees_paid: u64,
    pub fees_paid_online: u64,
    /// Ratings (1–5 stars) given and the sum of their stars.
    pub ratings: u64,
    pub stars: u64,
}

/// One group's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupScore {
    pub group: Group,
    /// Hundredths of a point.
    pub centipoints: u64,
    pub max: u32,
    /// Whether there was anything to measure. When there was not, the group scores 0, and the
    /// page says it was not measured. It never gets full marks by default.
    pub measured: bool,
}

/// The index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    pub groups: Vec<GroupScore>,
    /// Hundredths of a point, out of 10,000.
    pub total_centipoints: u64,
}

/// `num/den` of `max` points, in hundredths, rounded half away from zero once.
fn share(num: u64, den: u64, max: u32) -> u64 {
    if den == 0 {
        return 0;
    }
    let num = num.min(den) as u128;
    let scaled = num * u128::from(max) * 100 * 2 + den as u128;
    (scaled / (2 * den as u128)) as u64
}

/// Averages two shares of a group, each worth half.
fn halves(a: (u64, u64), b: (u64, u64), max: u32) -> u64 {
    // (a.0/a.1 + b.0/b.1) / 2 × max, exactly over the common denominator, rounded once.
    match (a.1, b.1) {
        (0, 0) => 0,
        (0, _) => share(b.0, b.1, max),
        (_, 0) => share(a.0, a.1, max),
        (da, db) => share(a.0.min(da) * db + b.0.min(db) * da, 2 * da * db, max),
    }
}

/// Computes the index from the counts.
pub fn index(c: &Counts, w: &Weights) -> Index {
    let progress = {
        // Settled on time over settled, with every dossier overdue now counted as late.
        let den = c.settled + c.overdue;
        share(c.settled_on_time, den, w.progress)
    };
    let groups = vec![
        GroupScore {
            group: Group::Publicity,
            centipoints: halves(
                (c.procedures_complete, c.procedures),
                (c.dossiers_synced, c.dossiers),
                w.publicity,
            ),
            max: w.publicity,
            measured: c.procedures + c.dossiers > 0,
        },
        GroupScore {
            group: Group::Progress,
            centipoints: progress,
            max: w.progress,
            measured: c.settled + c.overdue > 0,
        },
        GroupScore {
            group: Group::Digitisation,
            centipoints: halves(
                (c.digitised, c.dossiers),
                (c.results_electronic, c.settled),
                w.digitisation,
            ),
            max: w.digitisation,
            measured: c.dossiers + c.settled > 0,
        },
        GroupScore {
            group: Group::Online,
            // 22 of 32 for online filing, 10 for online payment (the default weights' split,
            // kept in proportion when the weight changes).
            centipoints: share(c.online, c.dossiers, w.online * 22 / 32)
                + share(
                    c.fees_paid_online,
                    c.fees_paid,
                    w.online - w.online * 22 / 32,
                ),
            max: w.online,
            measured: c.dossiers + c.fees_paid > 0,
        },
        GroupScore {
            group: Group::Satisfaction,
            // Stars 1–5 over the best possible.
            centipoints: share(c.stars, c.ratings * 5, w.satisfaction),
            max: w.satisfaction,
            measured: c.ratings > 0,
        },
    ];
    Index {
        total_centipoints: groups.iter().map(|g| g.centipoints).sum(),
        groups,
    }
}

/// Hundredths of a point as text (`87.35`).
pub fn points(centipoints: u64) -> String {
    format!("{}.{:02}", centipoints / 100, centipoints % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_weights_make_100_points() {
        assert!(Weights::default().is_valid());
        let perfect = Counts {
            procedures: 10,
            procedures_complete: 10,
            dossiers: 50,
            dossiers_synced: 50,
            settled: 40,
            settled_on_time: 40,
            overdue: 0,
            digitised: 50,
            results_electronic: 40,
            online: 50,
            fees_paid: 20,
            fees_paid_online: 20,
            ratings: 30,
            stars: 150,
        };
        let i = index(&perfect, &Weights::default());
        assert_eq!(i.total_centipoints, 10_000);
        assert_eq!(points(i.total_centipoints), "100.00");
    }

    #[test]
    fn each_group_counts_what_it_says() {
        let c = Counts {
            settled: 3,
            settled_on_time: 2,
            overdue: 1,
            ratings: 2,
            stars: 7,
            ..Default::default()
        };
        let i = index(&c, &Weights::default());
        let g = |grp| i.groups.iter().find(|x| x.group == grp).unwrap();
        // 2 on time of 4 (3 settled + 1 overdue) of 20 points.
        assert_eq!(g(Group::Progress).centipoints, 1000);
        // 7 stars of 10 of 18 points = 12.6.
        assert_eq!(g(Group::Satisfaction).centipoints, 1260);
        assert!(!g(Group::Publicity).measured);
        assert_eq!(g(Group::Publicity).centipoints, 0);
        // One third of 20 points = 6.666… → 6.67 (rounded once, half away from zero).
        let t = index(
            &Counts {
                settled: 3,
                settled_on_time: 1,
                ..Default::default()
            },
            &Weights::default(),
        );
        assert_eq!(t.groups[1].centipoints, 667);
    }

    proptest::proptest! {
        #[test]
        fn the_index_never_exceeds_its_maximum(
            a in 0u64..1000, b in 0u64..1000, c in 0u64..1000, d in 0u64..1000,
            e in 0u64..1000, f in 0u64..5000,
        ) {
            let counts = Counts {
                procedures: a, procedures_complete: b, dossiers: c, dossiers_synced: d,
                settled: c / 2, settled_on_time: e, overdue: a / 3, digitised: d, results_electronic: b,
                online: e, fees_paid: a, fees_paid_online: b, ratings: c, stars: f,
            };
            let i = index(&counts, &Weights::default());
            proptest::prop_assert!(i.total_centipoints <= 10_000);
            for g in &i.groups {
                proptest::prop_assert!(g.centipoints <= u64::from(g.max) * 100);
            }
        }
    }
}
