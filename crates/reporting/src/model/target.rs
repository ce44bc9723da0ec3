//! Targets per year and unit (chỉ tiêu kế hoạch): the figure an indicator should reach in a year,
//! for the whole country (`VN`) or for a province (its code, resolved at the end of that year).

use serde::Serialize;

/// The national "unit" of a target.
pub const NATIONAL: &str = "VN";

/// A target.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Target {
    pub indicator: String,
    /// `VN` for the whole country, or a province code.
    pub unit: String,
    pub year: i64,
    pub value: f64,
}

/// A unit code as written in a file or a query: upper case, `1` and `1.0` (a spreadsheet's
/// number) read as `01`.
pub fn unit_code(s: &str) -> String {
    let s = s.trim().to_uppercase();
    let s = s.strip_suffix(".0").map(str::to_owned).unwrap_or(s);
    if s.len() == 1 && s.chars().all(|c| c.is_ascii_digit()) {
        format!("0{s}")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_codes_are_normalised() {
        assert_eq!(unit_code(" vn "), "VN");
        assert_eq!(unit_code("1"), "01");
        assert_eq!(unit_code("1.0"), "01");
        assert_eq!(unit_code("40"), "40");
    }
}
