//! Agencies' electronic identifiers (mã định danh điện tử): QCVN 102:2016 writes them from the
//! lowest level to the highest, `000.00.00.G22` (`XXX.YY.ZZ.Lnn`, zeros where a level is unused);
//! Decision 20/2020/QĐ-TTg writes the same levels from the highest, without the unused ones:
//! `G22`, `G09.01`. Both are accepted on input; an [`AgencyId`] keeps the form it was given and
//! converts where the levels fit (level 2 and 3: two digits, level 4: three).

use std::fmt;

/// An agency's identifier, validated.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AgencyId(String);

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "agency identifier {0:?}: expected 000.00.00.G22 (QCVN 102) or G22 / G09.01 (Decision 20/2020)"
)]
pub struct BadAgencyId(pub String);

/// The first level: a letter and two digits (`G22`, `H41`).
fn is_top(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 3 && b[0].is_ascii_uppercase() && b[1].is_ascii_digit() && b[2].is_ascii_digit()
}

fn is_digits(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

impl AgencyId {
    /// Parse either form (surrounding spaces ignored; letters upper-cased).
    pub fn parse(s: &str) -> Result<AgencyId, BadAgencyId> {
        let t = s.trim().to_ascii_uppercase();
        let parts: Vec<&str> = t.split('.').collect();
        let qcvn = t.as_bytes().first().is_some_and(u8::is_ascii_digit);
        let ok = match parts.as_slice() {
            // QCVN 102: XXX.YY.ZZ.Lnn
            [x, y, z, top] if qcvn => {
                is_digits(x, 3, 3) && is_digits(y, 2, 2) && is_digits(z, 2, 2) && is_top(top)
            }
            // Decision 20: Lnn[.level2[.level3[.level4]]], each level 2 or 3 digits.
            [top, rest @ ..] if rest.len() <= 3 => {
                is_top(top) && rest.iter().all(|p| is_digits(p, 2, 3))
            }
            _ => false,
        };
        if ok {
            Ok(AgencyId(t))
        } else {
            Err(BadAgencyId(s.to_owned()))
        }
    }

    /// As given (normalised to upper case).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn is_qcvn(&self) -> bool {
        self.0.split('.').count() == 4 && self.0.as_bytes()[0].is_ascii_digit()
    }

    /// The QCVN 102 form, where the levels fit it.
    pub fn qcvn(&self) -> Option<String> {
        if self.is_qcvn() {
            return Some(self.0.clone());
        }
        let parts: Vec<&str> = self.0.split('.').collect();
        let level = |i: usize, width: usize| -> Option<String> {
            match parts.get(i) {
                None => Some("0".repeat(width)),
                Some(p) if p.len() == width => Some((*p).to_owned()),
                Some(_) => None,
            }
        };
        Some(format!(
            "{}.{}.{}.{}",
            level(3, 3)?,
            level(2, 2)?,
            level(1, 2)?,
            parts[0]
        ))
    }

    /// The Decision 20/2020 form (unused levels dropped).
    pub fn short(&self) -> String {
        if !self.is_qcvn() {
            return self.0.clone();
        }
        let p: Vec<&str> = self.0.split('.').collect();
        let mut out = vec![p[3]];
        let lower = [p[2], p[1], p[0]];
        // Levels are used from the top down; keep up to the last one that is not all zeros.
        let used = lower
            .iter()
            .rposition(|l| l.bytes().any(|b| b != b'0'))
            .map_or(0, |i| i + 1);
        out.extend(&lower[..used]);
        out.join(".")
    }

    /// Whether two identifiers name the same agency, whichever form each is written in.
    pub fn same_agency(&self, other: &AgencyId) -> bool {
        self.short() == other.short()
    }
}

impl fmt::Display for AgencyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn both_forms_name_the_same_agency() {
        let long = AgencyId::parse("000.00.00.G22").unwrap();
        let short = AgencyId::parse(" g22 ").unwrap();
        assert_eq!(long.short(), "G22");
        assert_eq!(short.qcvn().as_deref(), Some("000.00.00.G22"));
        assert!(long.same_agency(&short));
        let sub = AgencyId::parse("G09.01").unwrap();
        assert_eq!(sub.qcvn().as_deref(), Some("000.00.01.G09"));
        assert_eq!(AgencyId::parse("000.00.01.G09").unwrap().short(), "G09.01");
        assert!(!sub.same_agency(&AgencyId::parse("G09").unwrap()));
        // A level-2 code of three digits has no QCVN form; it is kept as given.
        let h = AgencyId::parse("H55.242").unwrap();
        assert_eq!((h.qcvn(), h.short()), (None, "H55.242".to_owned()));
    }

    #[test]
    fn malformed_identifiers_are_refused() {
        for bad in [
            "",
            "G2",
            "22",
            "000.00.G22",
            "000.00.00.22G",
            "G22.",
            "G22..01",
            "G22.1",
            "000.0.00.G22",
            "G22.01.02.003.04",
            "Ġ22",
            "G22 01",
        ] {
            assert!(AgencyId::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    proptest! {
        #[test]
        fn qcvn_and_short_forms_round_trip(
            top in "[GH][0-9]{2}",
            l2 in proptest::option::of("[0-9]{2}"),
            l3 in proptest::option::of("[0-9]{2}"),
            l4 in proptest::option::of("[0-9]{3}"),
        ) {
            let long = format!(
                "{}.{}.{}.{top}",
                l4.clone().unwrap_or("000".into()),
                l3.clone().unwrap_or("00".into()),
                l2.clone().unwrap_or("00".into()),
            );
            let a = AgencyId::parse(&long).unwrap();
            let b = AgencyId::parse(&a.short()).unwrap();
            prop_assert_eq!(b.qcvn(), Some(long));
            prop_assert!(a.same_agency(&b));
        }

        #[test]
        fn parsing_never_panics(s in "\\PC{0,20}") {
            let _ = AgencyId::parse(&s);
        }
    }
}
