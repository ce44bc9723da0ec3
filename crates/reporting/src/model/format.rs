//! Numbers as officials read them: Vietnamese or English separators.

use platform::i18n::Lang;

/// `1234567.891` → `1.234.567,89` (vi) or `1,234,567.89` (en).
/// Takes a [`Lang`] or, for callers still holding one, a language code.
pub fn format_number(v: f64, decimals: usize, lang: impl Into<Lang>) -> String {
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let (group, point) = match lang.into() {
        Lang::En => (',', '.'),
        Lang::Vi => ('.', ','),
    };
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(group);
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push(point);
        out.push_str(frac);
    }
    if v < 0.0 && out.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.insert(0, '-');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_use_each_languages_separators() {
        assert_eq!(format_number(1234567.891, 2, "vi"), "1.234.567,89");
        assert_eq!(format_number(1234567.891, 2, "en"), "1,234,567.89");
        assert_eq!(format_number(-5.0, 0, "vi"), "-5");
        assert_eq!(format_number(999.0, 1, "en"), "999.0");
        assert_eq!(format_number(-0.001, 1, "en"), "0.0");
    }
}
