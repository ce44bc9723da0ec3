//! Pure domain types and rules of the registry (no I/O): units, their levels and kinds, dates,
//! diacritics-insensitive search keys, and the parser of official commune lists.

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

/// Cấp hành chính.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Cả nước — the country as one reporting unit (code `VN`), where ministries' national
    /// figures are stored. Not a parent of the provinces: its scope covers nothing below it.
    Nation,
    /// Tỉnh, thành phố trực thuộc trung ương.
    Province,
    /// Quận, huyện — abolished on 2025-07-01, kept for history.
    District,
    /// Xã, phường, đặc khu.
    Commune,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Nation => "nation",
            Level::Province => "province",
            Level::District => "district",
            Level::Commune => "commune",
        }
    }
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "nation" => Some(Level::Nation),
            "province" => Some(Level::Province),
            "district" => Some(Level::District),
            "commune" => Some(Level::Commune),
            _ => None,
        }
    }
}

/// A calendar date `YYYY-MM-DD`, stored as ISO text on both databases (so it sorts as text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub time::Date);

impl Day {
    pub fn parse(s: &str) -> Option<Day> {
        let f = time::macros::format_description!("[year]-[month]-[day]");
        time::Date::parse(s.trim(), &f).ok().map(Day)
    }
    pub fn today() -> Day {
        Day(time::OffsetDateTime::now_utc()
            .to_offset(time::macros::offset!(+7))
            .date())
    }
    pub fn iso(self) -> String {
        let f = time::macros::format_description!("[year]-[month]-[day]");
        self.0.format(&f).unwrap_or_default()
    }
    pub fn previous(self) -> Day {
        Day(self.0.previous_day().unwrap_or(self.0))
    }
}

impl std::fmt::Display for Day {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.iso())
    }
}

/// Search key: Unicode decomposition with combining marks removed, đ → d, lower case, single
/// spaces. "Đắk Lắk" → "dak lak"; "Hà Nội" → "ha noi".
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_space = true;
    for c in s.nfd() {
        let c = match c {
            'đ' | 'Đ' => 'd',
            c if ('\u{0300}'..='\u{036F}').contains(&c) => continue,
            c => c,
        };
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.extend(c.to_lowercase());
            last_space = false;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Kind of a commune-level unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CommuneKind {
    /// Xã.
    Commune,
    /// Phường.
    Ward,
    /// Đặc khu.
    SpecialZone,
}

impl CommuneKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CommuneKind::Commune => "commune",
            CommuneKind::Ward => "ward",
            CommuneKind::SpecialZone => "special_zone",
        }
    }

    /// From a kind column ("xã", "Phường", "dac_khu", "ward"…).
    pub fn parse(s: &str) -> Option<CommuneKind> {
        match fold(s).replace(['_', '-'], " ").as_str() {
            "xa" | "commune" => Some(CommuneKind::Commune),
            "phuong" | "ward" => Some(CommuneKind::Ward),
            "dac khu" | "special zone" => Some(CommuneKind::SpecialZone),
            _ => None,
        }
    }

    /// From the start of the name ("Phường Hoàn Kiếm").
    pub fn from_name(name: &str) -> Option<CommuneKind> {
        let f = fold(name);
        if f.starts_with("phuong ") {
            Some(CommuneKind::Ward)
        } else if f.starts_with("xa ") {
            Some(CommuneKind::Commune)
        } else if f.starts_with("dac khu ") {
            Some(CommuneKind::SpecialZone)
        } else {
            None
        }
    }
}

/// One valid row of a commune list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommuneRow {
    /// 1-based line in the file (header is line 1).
    pub line: usize,
    pub province_code: String,
    pub district: Option<(String, String)>,
    pub code: String,
    pub name: String,
    pub kind: CommuneKind,
}

/// Why a row was rejected: which row, which column, why (a stable code translated at the edge).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: usize,
    pub column: String,
    pub code: &'static str,
    pub value: String,
}

impl RowError {
    /// The item that ends a list cut at [`platform::error::MAX_PROBLEMS`] rows out of `total`.
    pub fn truncated(total: usize) -> RowError {
        RowError {
            line: 0,
            column: String::new(),
            code: platform::error::TRUNCATED,
            value: total.to_string(),
        }
    }

    /// "dòng 7, cột ma_xa: …" in the requested language.
    pub fn message(&self, lang: platform::i18n::Lang) -> String {
        if self.code == platform::error::TRUNCATED {
            let total = self.value.parse().unwrap_or(0);
            return platform::error::truncated(platform::error::MAX_PROBLEMS, total).detail(lang);
        }
        platform::i18n::t_args(
            lang,
            &format!("import.{}", self.code),
            &[
                ("line", self.line.to_string()),
                ("column", self.column.clone()),
                ("value", self.value.clone()),
            ],
        )
    }
}

/// The columns of a commune list, by accepted header names (compared after [`fold`], with `_`
/// and spaces treated alike).
const PROVINCE_CODE: &[&str] = &["province code", "ma tinh", "ma tp", "ma tinh tp"];
const COMMUNE_CODE: &[&str] = &["commune code", "ma xa", "ma px", "ma phuong xa"];
const COMMUNE_NAME: &[&str] = &["commune name", "ten xa", "ten px", "ten phuong xa"];
const COMMUNE_KIND: &[&str] = &["commune kind", "loai", "cap", "kind"];
const DISTRICT_CODE: &[&str] = &["district code", "ma qh", "ma huyen", "ma quan huyen"];
const DISTRICT_NAME: &[&str] = &["district name", "ten qh", "ten huyen", "ten quan huyen"];

fn header_key(h: &str) -> String {
    fold(h)
        .replace(['_', '-', '/'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn digits(s: &str, len: usize) -> Option<String> {
    let s = s.trim();
    // Spreadsheets often drop leading zeros ("1" for "01") or write "1.0".
    let s = s.strip_suffix(".0").unwrap_or(s);
    if s.is_empty() || s.len() > len || !s.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(format!("{s:0>len$}"))
}

/// Parse a table (first row = header) into commune rows. Returns every error found, not only the
/// first; an empty error list means every row is valid.
pub fn parse_communes(table: &[Vec<String>]) -> Result<Vec<CommuneRow>, Vec<RowError>> {
    let Some(header) = table.first() else {
        return Err(vec![RowError {
            line: 1,
            column: String::new(),
            code: "empty_file",
            value: String::new(),
        }]);
    };
    let keys: Vec<String> = header.iter().map(|h| header_key(h)).collect();
    let find = |names: &[&str]| keys.iter().position(|k| names.contains(&k.as_str()));
    let (pc, cc, cn) = (find(PROVINCE_CODE), find(COMMUNE_CODE), find(COMMUNE_NAME));
    let (ck, dc, dn) = (find(COMMUNE_KIND), find(DISTRICT_CODE), find(DISTRICT_NAME));
    let mut errors = Vec::new();
    for (col, names) in [(pc, PROVINCE_CODE), (cc, COMMUNE_CODE), (cn, COMMUNE_NAME)] {
        if col.is_none() {
            errors.push(RowError {
                line: 1,
                column: names[0].replace(' ', "_"),
                code: "missing_column",
                value: String::new(),
            });
        }
    }
    let (Some(pc), Some(cc), Some(cn)) = (pc, cc, cn) else {
        return Err(errors);
    };
    let col_name = |i: usize| header.get(i).cloned().unwrap_or_default();
    let mut rows = Vec::new();
    // Errors beyond the first MAX_PROBLEMS are counted, not kept.
    let mut dropped = 0;
    let mut seen = std::collections::HashMap::new();
    for (i, raw) in table.iter().enumerate().skip(1) {
        let line = i + 1;
        let cell = |c: usize| raw.get(c).map(|s| s.trim()).unwrap_or("");
        if raw.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut err = |c: usize, code: &'static str| {
            errors.push(RowError {
                line,
                column: col_name(c),
                code,
                value: cell(c).chars().take(80).collect(),
            })
        };
        let province = digits(cell(pc), 2);
        if province.is_none() {
            err(pc, "bad_province_code");
        }
        let code = digits(cell(cc), 5);
        if code.is_none() {
            err(cc, "bad_commune_code");
        }
        let name = cell(cn).to_owned();
        if name.is_empty() || name.chars().count() > 150 {
            err(cn, "bad_name");
        }
        let kind = match ck.map(cell).filter(|s| !s.is_empty()) {
            Some(k) => CommuneKind::parse(k),
            None => CommuneKind::from_name(&name),
        };
        if kind.is_none() {
            err(ck.unwrap_or(cn), "bad_kind");
        }
        let district = match (dc, dn) {
            (Some(dc), Some(dn)) if !cell(dc).is_empty() => {
                let d = digits(cell(dc), 3);
                if d.is_none() {
                    err(dc, "bad_district_code");
                }
                d.map(|d| (d, cell(dn).to_owned()))
            }
            _ => None,
        };
        if let Some(code) = &code
            && let Some(first) = seen.insert(code.clone(), line)
        {
            errors.push(RowError {
                line,
                column: col_name(cc),
                code: "duplicate_code",
                value: format!("{code} (≠ {first})"),
            });
        }
        if let (Some(province_code), Some(code), Some(kind)) = (province, code, kind)
            && !name.is_empty()
        {
            rows.push(CommuneRow {
                line,
                province_code,
                district,
                code,
                name,
                kind,
            });
        }
        dropped += platform::error::cap(&mut errors);
    }
    if dropped > 0 {
        errors.push(RowError::truncated(errors.len() + dropped));
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn table(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    #[test]
    fn folding_ignores_diacritics_and_case() {
        assert_eq!(fold("Hà Nội"), "ha noi");
        assert_eq!(fold("Đắk Lắk"), "dak lak");
        assert_eq!(fold("  Thừa   Thiên Huế "), "thua thien hue");
        assert_eq!(fold("Bà Rịa - Vũng Tàu"), "ba ria - vung tau");
    }

    #[test]
    fn parses_vietnamese_headers_and_infers_kinds() {
        let t = table(&[
            &["Mã tỉnh", "Tên tỉnh", "Mã xã", "Tên xã"],
            &["1", "Hà Nội", "70", "Phường Hoàn Kiếm"],
            &["91", "An Giang", "31000", "Đặc khu Phú Quốc"],
        ]);
        let rows = parse_communes(&t).unwrap();
        assert_eq!(rows[0].province_code, "01");
        assert_eq!(rows[0].code, "00070");
        assert_eq!(rows[0].kind, CommuneKind::Ward);
        assert_eq!(rows[1].kind, CommuneKind::SpecialZone);
        assert_eq!(rows[1].line, 3);
    }

    #[test]
    fn every_bad_row_is_reported_with_line_and_column() {
        let t = table(&[
            &[
                "province_code",
                "commune_code",
                "commune_name",
                "commune_kind",
            ],
            &["01", "00070", "Phường Hoàn Kiếm", "phuong"],
            &["1x", "00071", "Phường X", "phuong"],
            &["01", "123456", "Xã Y", "xa"],
            &["01", "00070", "Phường Trùng", "phuong"],
            &["01", "00072", "", "xa"],
            &["01", "00073", "Thị trấn Z", ""],
        ]);
        let errs = parse_communes(&t).unwrap_err();
        let got: Vec<_> = errs
            .iter()
            .map(|e| (e.line, e.code, e.column.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (3, "bad_province_code", "province_code"),
                (4, "bad_commune_code", "commune_code"),
                (5, "duplicate_code", "commune_code"),
                (6, "bad_name", "commune_name"),
                (7, "bad_kind", "commune_kind"),
            ]
        );
    }

    #[test]
    fn missing_columns_are_named() {
        let errs = parse_communes(&table(&[&["ma_tinh", "ten_xa"]])).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].code, "missing_column");
        assert_eq!(errs[0].column, "commune_code");
    }

    proptest! {
        #[test]
        fn fold_is_idempotent_and_ascii_for_vietnamese(s in "[a-zA-ZàáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđĐ ]{0,40}") {
            let f = fold(&s);
            prop_assert_eq!(fold(&f), f.clone());
            prop_assert!(f.is_ascii());
        }

        #[test]
        fn parser_never_panics_and_accounts_for_every_row(
            cells in proptest::collection::vec(proptest::collection::vec(".{0,12}", 0..6), 0..12)
        ) {
            let mut t = vec![vec!["ma_tinh".to_string(), "ma_xa".into(), "ten_xa".into(), "loai".into()]];
            t.extend(cells);
            match parse_communes(&t) {
                Ok(rows) => prop_assert!(rows.len() < t.len()),
                Err(errs) => prop_assert!(errs.iter().all(|e| e.line >= 2 && e.line <= t.len())),
            }
        }

        #[test]
        fn valid_rows_round_trip(codes in proptest::collection::btree_set(1u32..99999, 1..30)) {
            let mut t = vec![vec!["province_code".to_string(), "commune_code".into(), "commune_name".into()]];
            for c in &codes {
                t.push(vec!["40".into(), format!("{c:05}"), format!("Xã Số {c}")]);
            }
            let rows = parse_communes(&t).unwrap();
            prop_assert_eq!(rows.len(), codes.len());
            prop_assert!(rows.iter().all(|r| r.kind == CommuneKind::Commune && r.province_code == "40"));
        }
    }
}
