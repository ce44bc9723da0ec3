//! Administrative procedures (thủ tục hành chính) as the national database lists them: a code,
//! the level that implements them, how far they are offered online, and the life of a version.

use std::fmt;

/// A procedure's code: national (`1.000894`: a group digit, a dot, six digits), or a local
/// variant suffixed by the implementing agency's identifier in the QCVN 102 form
/// (`1.011442.000.00.00.H38`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProcedureCode(String);

/// Why a text is not a procedure code (the text, as given).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a procedure code: {0:?}")]
pub struct BadProcedureCode(pub String);

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// `Lnn`: a letter then two digits (H38, G01…), as QCVN 102 writes the top level.
fn top_level(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 3 && b[0].is_ascii_uppercase() && b[1].is_ascii_digit() && b[2].is_ascii_digit()
}

impl ProcedureCode {
    pub fn parse(s: &str) -> Result<ProcedureCode, BadProcedureCode> {
        let t = s.trim().to_ascii_uppercase();
        let parts: Vec<&str> = t.split('.').collect();
        let ok = match parts.as_slice() {
            [g, n] => digits(g, 1) && digits(n, 6),
            [g, n, x, y, z, top] => {
                digits(g, 1)
                    && digits(n, 6)
                    && digits(x, 3)
                    && digits(y, 2)
                    && digits(z, 2)
                    && top_level(top)
            }
            _ => false,
        };
        if ok {
            Ok(ProcedureCode(t))
        } else {
            Err(BadProcedureCode(s.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The national code a local variant derives from (itself when national).
    pub fn national(&self) -> &str {
        self.0.get(..8).unwrap_or(&self.0)
    }

    /// The implementing agency's identifier of a local variant (`000.00.00.H38`).
    pub fn agency_suffix(&self) -> Option<&str> {
        self.0.get(9..).filter(|s| !s.is_empty())
    }
}

impl fmt::Display for ProcedureCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

coded! {
    /// The level of government that settles a procedure.
    Level {
        Central = "central",
        Province = "province",
        Commune = "commune",
    }
}

coded! {
    /// How far a procedure is offered online (Decree 42/2022): the whole of it (submission,
    /// payment and result online) or part of it (the result or papers at the desk).
    OnlineLevel {
        Full = "full",
        Partial = "partial",
        None = "none",
    }
}

coded! {
    /// A procedure version's life: drafted, published (dossiers may be filed under it), retired
    /// (kept for the dossiers filed under it).
    VersionStatus {
        Draft = "draft",
        Published = "published",
        Retired = "retired",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        let n = ProcedureCode::parse("1.000894").unwrap();
        assert_eq!(n.national(), "1.000894");
        assert_eq!(n.agency_suffix(), None);
        let l = ProcedureCode::parse("1.011442.000.00.00.h38").unwrap();
        assert_eq!(l.as_str(), "1.011442.000.00.00.H38");
        assert_eq!(l.national(), "1.011442");
        assert_eq!(l.agency_suffix(), Some("000.00.00.H38"));
        for bad in [
            "",
            "1.00089",
            "1.0008945",
            "12.000894",
            "1.000894.H38",
            "1.000894.000.00.00.38H",
            "a.000894",
        ] {
            assert!(ProcedureCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn stored_codes_round_trip() {
        for l in Level::ALL {
            assert_eq!(Level::parse(l.code()), Some(*l));
        }
        for s in VersionStatus::ALL {
            assert_eq!(VersionStatus::parse(s.code()), Some(*s));
        }
        assert_eq!(OnlineLevel::parse("weird"), None);
    }
}
