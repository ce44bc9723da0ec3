//! Vietnamese first, English second. Every user-facing string is a key in `locales/vi.toml` and
//! `locales/en.toml` (one catalogue for the whole product; sections per capability). A test checks
//! that both files have the same keys and that every key used in code and templates exists.

use std::collections::HashMap;
use std::sync::LazyLock;

/// The language of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Vi,
    En,
}

/// A language code (`en`, `vi`…) as older string-taking APIs received it; an unknown code is the
/// default, Vietnamese. Lets a function take `impl Into<Lang>` from callers holding either.
impl From<&str> for Lang {
    fn from(code: &str) -> Lang {
        Lang::parse(code).unwrap_or_default()
    }
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "vi" | "vi-vn" => Some(Lang::Vi),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }

    /// A calendar date as people write it: `20/12/2026` in Vietnamese, `20 Dec 2026` in English.
    pub fn date(self, d: time::Date) -> String {
        match self {
            Lang::Vi => format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year()),
            Lang::En => {
                const MONTHS: [&str; 12] = [
                    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                    "Dec",
                ];
                let m = MONTHS[usize::from(u8::from(d.month())) - 1];
                format!("{} {m} {}", d.day(), d.year())
            }
        }
    }

    /// The first supported language of an `Accept-Language` header, by quality.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut it = part.split(';');
            let tag = it.next().unwrap_or("").trim();
            let q = it
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            if let Some(lang) = Lang::parse(primary)
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l)
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }
}

pub const VI_SOURCE: &str = include_str!("../../../locales/vi.toml");
pub const EN_SOURCE: &str = include_str!("../../../locales/en.toml");

/// Flatten a TOML document into `section.key = text`.
pub fn flatten(source: &str) -> Result<HashMap<String, String>, String> {
    fn walk(
        prefix: &str,
        v: &toml::Value,
        out: &mut HashMap<String, String>,
    ) -> Result<(), String> {
        match v {
            toml::Value::Table(t) => {
                for (k, v) in t {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, v, out)?;
                }
                Ok(())
            }
            toml::Value::String(s) => {
                out.insert(prefix.to_owned(), s.clone());
                Ok(())
            }
            other => Err(format!("{prefix}: expected a string, found {other}")),
        }
    }
    let value: toml::Table = toml::from_str(source).map_err(|e| e.to_string())?;
    let mut out = HashMap::new();
    walk("", &toml::Value::Table(value), &mut out)?;
    Ok(out)
}

static CATALOG: LazyLock<[HashMap<String, String>; 2]> = LazyLock::new(|| {
    [
        flatten(VI_SOURCE).expect("locales/vi.toml is valid"),
        flatten(EN_SOURCE).expect("locales/en.toml is valid"),
    ]
});

/// The text of `key` in `lang`. A missing key shows the key itself (and the catalogue test fails).
pub fn t(lang: Lang, key: &str) -> String {
    lookup(lang, key).to_owned()
}

fn lookup(lang: Lang, key: &str) -> &str {
    let idx = match lang {
        Lang::Vi => 0,
        Lang::En => 1,
    };
    CATALOG[idx].get(key).map(String::as_str).unwrap_or(key)
}

/// The text of `key` with `{name}` placeholders replaced.
pub fn t_args(lang: Lang, key: &str, args: &[(&str, String)]) -> String {
    let mut s = lookup(lang, key).to_owned();
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
}

/// All keys of one language (for tests).
pub fn keys(lang: Lang) -> Vec<String> {
    let idx = match lang {
        Lang::Vi => 0,
        Lang::En => 1,
    };
    let mut k: Vec<String> = CATALOG[idx].keys().cloned().collect();
    k.sort();
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_as_people_write_them() {
        let d = time::macros::date!(2025 - 07 - 01);
        assert_eq!(Lang::Vi.date(d), "01/07/2025");
        assert_eq!(Lang::En.date(d), "1 Jul 2025");
        assert_eq!(
            Lang::En.date(time::macros::date!(2026 - 12 - 20)),
            "20 Dec 2026"
        );
    }

    #[test]
    fn both_languages_have_the_same_keys() {
        let vi = keys(Lang::Vi);
        let en = keys(Lang::En);
        let missing_en: Vec<_> = vi.iter().filter(|k| !en.contains(k)).collect();
        let missing_vi: Vec<_> = en.iter().filter(|k| !vi.contains(k)).collect();
        assert!(missing_en.is_empty(), "missing in en.toml: {missing_en:?}");
        assert!(missing_vi.is_empty(), "missing in vi.toml: {missing_vi:?}");
    }

    #[test]
    fn accept_language_prefers_quality() {
        assert_eq!(
            Lang::from_accept_language("en-US,en;q=0.9,vi;q=0.8"),
            Some(Lang::En)
        );
        assert_eq!(
            Lang::from_accept_language("fr;q=1, vi;q=0.5, en;q=0.4"),
            Some(Lang::Vi)
        );
        assert_eq!(Lang::from_accept_language("fr, de"), None);
    }
}
