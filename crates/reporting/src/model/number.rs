//! Numbers as people type them (nhập số), read strictly by the convention of the language they
//! were typed in: nothing is ever guessed (see `docs/operations.md`, "Number entry").

use platform::i18n::Lang;

// Merge note: `format_number` and `VALUE_LIMIT` move to `model::format` (catalogue owner).
use crate::model::format::format_number;
use crate::model::indicator::VALUE_LIMIT;

/// Why typed text is not taken as a number. Nothing is ever guessed: what is accepted is read
/// exactly as written, by the convention of the language it was typed in (see
/// `docs/operations.md`, "Number entry").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberError {
    /// Not a number at all (`12a`, `1e5`, `NaN`, empty).
    NotANumber,
    /// Separators the language does not use that way (`105.2` or `1,234.5` in Vietnamese,
    /// `1.2.3`): `suggest` is how to type it, the other convention's reading when it has one.
    BadSeparators { suggest: String },
    /// The decimal mark followed by exactly three digits and nothing grouped (`1,234` in
    /// Vietnamese, `1.234` in English), for an indicator that allows fewer than three decimals:
    /// someone used to the other convention means `thousands`.
    Ambiguous { thousands: String },
    /// More significant digits than a stored value keeps exactly.
    NotExact,
}

/// How a number was written: typed by a person in a language (Vietnamese `1.234,5`, English
/// `1,234.5`), or machine-readable (`plain`: JSON, DHIS2, numeric spreadsheet cells: no
/// grouping, `.` as the decimal mark).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notation {
    Typed(Lang),
    Plain,
}

impl Notation {
    /// From the code an entry carries: `en`, `plain`, anything else Vietnamese (the default
    /// language).
    pub fn from_code(code: &str) -> Notation {
        match code {
            "plain" => Notation::Plain,
            "en" => Notation::Typed(Lang::En),
            _ => Notation::Typed(Lang::Vi),
        }
    }

    /// The grouping separator and the decimal mark: Vietnamese `.` and `,`; English `,` and
    /// `.`; plain no grouping and `.`.
    pub fn separators(self) -> (Option<char>, char) {
        match self {
            Notation::Typed(Lang::En) => (Some(','), '.'),
            Notation::Plain => (None, '.'),
            Notation::Typed(Lang::Vi) => (Some('.'), ','),
        }
    }

    /// The other convention, whose reading of a badly separated number is suggested.
    fn other(self) -> Notation {
        match self {
            Notation::Typed(Lang::En) | Notation::Plain => Notation::Typed(Lang::Vi),
            Notation::Typed(Lang::Vi) => Notation::Typed(Lang::En),
        }
    }
}

/// Digits of a decimal without sign, leading zeros of the whole part or trailing zeros of the
/// fraction (`007.50` → `7.5`, `0.0` → `0`).
fn canonical(s: &str) -> String {
    let s = s.trim_start_matches('-');
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    if frac.is_empty() {
        int.to_owned()
    } else {
        format!("{int}.{frac}")
    }
}

/// Read a number as written in a [`Notation`], strictly:
/// an optional `-`, digits either plain or grouped in threes (`1.234.567` in Vietnamese), then
/// optionally the decimal mark and at least one digit. `allowed_decimals` is what the indicator
/// accepts: below three, `1,234` in Vietnamese (`1.234` in English) is refused as ambiguous.
/// An accepted number is the one written, digit for digit (never rounded: a value with more
/// decimals than allowed is left for [`crate::model::indicator::Indicator::check_value`] to refuse).
pub fn read_number(
    raw: &str,
    notation: Notation,
    allowed_decimals: u32,
) -> Result<f64, NumberError> {
    read(raw, notation, allowed_decimals, true)
}

/// [`read_number`]; `suggest`: look for the other convention's reading of a badly separated
/// number (not when already looking).
fn read(
    raw: &str,
    notation: Notation,
    allowed_decimals: u32,
    suggest: bool,
) -> Result<f64, NumberError> {
    let s = raw.trim();
    let (group, point) = notation.separators();
    let body = s.strip_prefix('-').unwrap_or(s);
    if body.is_empty()
        || !body
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return Err(NumberError::NotANumber);
    }
    let bad = || {
        // The other convention's reading, written the way this language writes it.
        let other = notation.other();
        let reading = if suggest {
            read(raw, other, 6, false)
        } else {
            Err(NumberError::NotANumber)
        };
        let suggest = match reading {
            Ok(v) => {
                let decimals = s
                    .split_once(other.separators().1)
                    .map_or(0, |(_, f)| f.len());
                match notation {
                    Notation::Plain => format_number(v, decimals, "en").replace(',', ""),
                    Notation::Typed(lang) => format_number(v, decimals, lang.code()),
                }
            }
            Err(_) => match notation {
                Notation::Typed(Lang::En) => "1,234.5".to_owned(),
                Notation::Plain => "1234.5".to_owned(),
                Notation::Typed(Lang::Vi) => "1.234,5".to_owned(),
            },
        };
        Err(NumberError::BadSeparators { suggest })
    };
    let (int, frac) = match body.split_once(point) {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    if let Some(f) = frac
        && (f.is_empty() || !f.chars().all(|c| c.is_ascii_digit()))
    {
        return bad();
    }
    let digits: String = match group {
        Some(g) if int.contains(g) => {
            let mut parts = int.split(g);
            let first = parts.next().unwrap_or("");
            let first_ok = (1..=3).contains(&first.len()) && !first.starts_with('0');
            if !first_ok || !parts.all(|p| p.len() == 3) {
                return bad();
            }
            int.replace(g, "")
        }
        _ => int.to_owned(),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return bad();
    }
    if let (Some(g), Some(f)) = (group, frac)
        && !int.contains(g)
        && (1..=3).contains(&int.len())
        && !int.starts_with('0')
        && f.len() == 3
        && allowed_decimals < 3
    {
        return Err(NumberError::Ambiguous {
            thousands: format!("{int}{f}"),
        });
    }
    let normalized = match frac {
        Some(f) => format!("-{digits}.{f}"),
        None => format!("-{digits}"),
    };
    let normalized = if s.starts_with('-') {
        &normalized[..]
    } else {
        &normalized[1..]
    };
    let v: f64 = normalized.parse().map_err(|_| NumberError::NotANumber)?;
    if !v.is_finite() {
        return Err(NumberError::NotANumber);
    }
    // Every accepted value is the one written: beyond the limit the value rule refuses it
    // anyway (with a better message); within it, too many digits for a float are refused.
    if v.abs() <= VALUE_LIMIT && canonical(normalized) != canonical(&format!("{v}")) {
        return Err(NumberError::NotExact);
    }
    Ok(v + 0.0)
}

/// [`read_number`] for an indicator allowing up to six decimals; `None` when it is refused.
pub fn parse_number(raw: &str, notation: Notation) -> Option<f64> {
    read_number(raw, notation, 6).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const VI: Notation = Notation::Typed(Lang::Vi);
    const EN: Notation = Notation::Typed(Lang::En);
    const PLAIN: Notation = Notation::Plain;

    #[test]
    fn numbers_as_people_type_them() {
        // (typed, Vietnamese, English) for an indicator with one decimal.
        for (raw, vi, en) in [
            ("1.234,5", Some(1234.5), None),
            ("1,234.5", None, Some(1234.5)),
            ("1234,5", Some(1234.5), None),
            ("1234.5", None, Some(1234.5)),
            ("1.150", Some(1150.0), None),
            ("1,150", None, Some(1150.0)),
            ("105.2", None, Some(105.2)),
            ("105,2", Some(105.2), None),
            ("1.234.567", Some(1234567.0), None),
            ("1,234,567", None, Some(1234567.0)),
            ("1234567", Some(1234567.0), Some(1234567.0)),
            (" -3,5 ", Some(-3.5), None),
            ("0,123", Some(0.123), None),
            ("1234,567", Some(1234.567), None),
            ("1.23.456", None, None),
            ("1.2345", None, Some(1.2345)),
            ("01.234", None, Some(1.234)),
            (",5", None, None),
            ("5,", None, None),
            ("1 234", None, None),
            ("12a", None, None),
            ("NaN", None, None),
            ("inf", None, None),
            ("1e5", None, None),
            ("", None, None),
            ("-", None, None),
        ] {
            assert_eq!(read_number(raw, VI, 1).ok(), vi, "vi {raw}");
            assert_eq!(read_number(raw, EN, 1).ok(), en, "en {raw}");
        }
    }

    #[test]
    fn ambiguous_separators_are_refused_with_the_way_to_type_them() {
        let amb = |t: &str| {
            Err(NumberError::Ambiguous {
                thousands: t.into(),
            })
        };
        assert_eq!(read_number("1,234", VI, 1), amb("1234"));
        assert_eq!(read_number("-12,345", VI, 0), amb("12345"));
        assert_eq!(read_number("1.234", EN, 2), amb("1234"));
        // The native grouping is not ambiguous, nor a fraction the indicator expects.
        assert_eq!(read_number("1.234", VI, 1), Ok(1234.0));
        assert_eq!(read_number("1,234", EN, 1), Ok(1234.0));
        assert_eq!(read_number("1,234", VI, 3), Ok(1.234));
        assert_eq!(read_number("1,2340", VI, 1), Ok(1.234));
        // The other convention's reading, as this language writes it.
        let bad = |s: &str| Err(NumberError::BadSeparators { suggest: s.into() });
        assert_eq!(read_number("105.2", VI, 1), bad("105,2"));
        assert_eq!(read_number("1,234.5", VI, 1), bad("1.234,5"));
        assert_eq!(read_number("105,2", EN, 1), bad("105.2"));
        assert_eq!(read_number("1,5", PLAIN, 1), bad("1.5"));
        assert_eq!(read_number("1..2", VI, 1), bad("1.234,5"));
        // Too many digits for a stored value to keep.
        assert_eq!(
            read_number("123456789012345,678", VI, 3),
            Err(NumberError::NotExact)
        );
        assert_eq!(read_number("1000000000000000000", PLAIN, 0), Ok(1e18));
    }

    proptest::proptest! {
        #[test]
        fn number_parser_never_panics(s in "\\PC{0,20}") {
            let _ = parse_number(&s, VI);
            let _ = parse_number(&s, EN);
        }

        #[test]
        fn plain_numbers_round_trip(v in -1e12f64..1e12) {
            let s = format!("{v}");
            proptest::prop_assert_eq!(parse_number(&s, PLAIN), Some(v));
        }

        /// What the pages show is read back as the same value, in both languages, for every
        /// indicator precision.
        #[test]
        fn formatted_values_read_back_exactly(n in -999_999_999_999_999i64..=999_999_999_999_999, d in 0u32..=6) {
            // n / 10^d: a value with at most d decimals (as a stored value has).
            let v: f64 = format!("{}e-{d}", n).parse().unwrap();
            for lang in ["vi", "en"] {
                let shown = format_number(v, d as usize, lang);
                let back = read_number(&shown, Notation::from_code(lang), d);
                if v.abs() <= VALUE_LIMIT && back != Err(NumberError::NotExact) {
                    proptest::prop_assert_eq!(back, Ok(v), "{} {}", lang, shown);
                }
            }
        }

        /// No accepted input is reinterpreted: what is read is the number written, digit for
        /// digit, by the language's convention.
        #[test]
        fn accepted_input_is_the_number_written(s in "-?[0-9.,]{1,12}", d in 0u32..=6) {
            for (lang, group, point) in [("vi", '.', ','), ("en", ',', '.')] {
                if let Ok(v) = read_number(&s, Notation::from_code(lang), d) {
                    let written: String = s.chars().filter(|&c| c != group).map(|c| if c == point { '.' } else { c }).collect();
                    proptest::prop_assert_eq!(canonical(&written), canonical(&format!("{v}")), "{} {}", lang, &s);
                    proptest::prop_assert_eq!(s.starts_with('-') && v != 0.0, v < 0.0);
                    // Grouping only in threes.
                    let int = s.trim_start_matches('-').split(point).next().unwrap();
                    let mut parts = int.split(group);
                    proptest::prop_assert!(parts.next().unwrap().len() <= 3 || !int.contains(group));
                    proptest::prop_assert!(parts.all(|p| p.len() == 3));
                }
            }
        }
    }
}
