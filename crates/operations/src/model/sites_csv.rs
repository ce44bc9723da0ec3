//! The sites' CSV file, without I/O: `code,kind,category,name,unit_code,place,latitude,longitude,url`,
//! UTF-8 with or without a byte-order mark. Reading gives every row as a [`SiteDraft`] with its
//! line number, or every problem of the file (each naming its line and column, at most
//! [`platform::error::MAX_PROBLEMS`] then one item saying how many more); writing gives the file
//! back, so an export imports unchanged.

use std::collections::HashMap;

use platform::error::{MAX_PROBLEMS, Problem, truncated};
use platform::web::extract::refused_char;

use super::site::{MAX_SITES, Site, SiteDraft};

/// The columns, in the order an export writes them.
pub const COLUMNS: [&str; 9] = [
    "code",
    "kind",
    "category",
    "name",
    "unit_code",
    "place",
    "latitude",
    "longitude",
    "url",
];

/// Longest file accepted, in bytes (5,000 sites of about 400 bytes each fit easily).
pub const MAX_BYTES: usize = 4 * 1024 * 1024;

/// One data row of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The row's line in the file (the header is line 1).
    pub line: u64,
    pub draft: SiteDraft,
}

/// A problem about one cell: field `row {line}: {column}`, args `line` and `column` (the
/// site's own problems keep their code and gain these).
pub fn at_line(problem: Problem, line: u64) -> Problem {
    let column = problem.field.clone().unwrap_or_default();
    let mut p = problem.field(format!("row {line}: {column}"));
    p.args.push(("line", line.to_string()));
    p.args.push(("column", column));
    p
}

/// A cell holding a refused character (never echoed: named by its code point).
fn control_char(line: u64, column: &str, c: char) -> Problem {
    Problem::new("cell_control_char")
        .field(format!("row {line}: {column}"))
        .arg("line", line)
        .arg("column", column)
        .arg("value", format!("U+{:04X}", c as u32))
}

fn file_problem(code: &'static str, line: u64) -> Problem {
    Problem::new(code)
        .field(format!("row {line}"))
        .arg("line", line)
}

/// Push `p` unless the list is full; count it either way.
fn push(problems: &mut Vec<Problem>, total: &mut usize, p: Problem) {
    *total += 1;
    if problems.len() < MAX_PROBLEMS {
        problems.push(p);
    }
}

/// Close a list of problems: the truncation item when some were left out.
pub fn finish(mut problems: Vec<Problem>, total: usize) -> Vec<Problem> {
    if total > problems.len() {
        let shown = problems.len();
        problems.push(truncated(shown, total));
    }
    problems
}

/// The line (1-based) holding byte `offset` of `bytes`.
fn line_of(bytes: &[u8], offset: usize) -> u64 {
    1 + bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count() as u64
}

/// The line where the record at byte `offset` starts (the reader counts no skipped blank line,
/// so the line is counted from the bytes, past any line ends before the record).
fn record_line(bytes: &[u8], offset: usize) -> u64 {
    let mut at = offset.min(bytes.len());
    while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
        at += 1;
    }
    line_of(bytes, at)
}

/// What a file holds: its good rows, and the problems of the others (at most
/// [`MAX_PROBLEMS`] kept, `total` counted).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    pub rows: Vec<Row>,
    pub problems: Vec<Problem>,
    pub total: usize,
}

/// Read a sites file. Every problem at once (bounded), or the rows; never panics.
pub fn read(bytes: &[u8]) -> Result<Vec<Row>, Vec<Problem>> {
    let parsed = parse(bytes)?;
    if parsed.problems.is_empty() {
        Ok(parsed.rows)
    } else {
        Err(finish(parsed.problems, parsed.total))
    }
}

/// Read a sites file's rows: Err when the file as a whole is unreadable (its size, its bytes,
/// its header); otherwise the good rows and the bad rows' problems (a row of the wrong width, a
/// repeated code), so a caller checks the good rows too and reports everything at once.
pub fn parse(bytes: &[u8]) -> Result<Parsed, Vec<Problem>> {
    if bytes.len() > MAX_BYTES {
        return Err(vec![
            Problem::new("site_csv_too_large").arg("max", MAX_BYTES / (1024 * 1024)),
        ]);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Err(e) = std::str::from_utf8(bytes) {
        let at = e.valid_up_to();
        return Err(vec![
            file_problem("site_csv_not_utf8", line_of(bytes, at)).arg("byte", at + 1),
        ]);
    }
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = rdr.records();
    let header = match records.next() {
        None => return Err(vec![Problem::new("site_csv_empty")]),
        Some(Err(e)) => {
            let line = e.position().map_or(1, |p| p.line());
            return Err(vec![file_problem("site_csv_unreadable", line)]);
        }
        Some(Ok(h)) => h,
    };
    // Where each column is; every one must be there once, and nothing else.
    let mut at: HashMap<&'static str, usize> = HashMap::new();
    let mut problems = Vec::new();
    let mut total = 0usize;
    for (i, name) in header.iter().enumerate() {
        let name = name.trim();
        if let Some(c) = refused_char(name) {
            push(
                &mut problems,
                &mut total,
                control_char(1, &format!("#{}", i + 1), c),
            );
            continue;
        }
        match COLUMNS.iter().find(|c| c.eq_ignore_ascii_case(name)) {
            Some(c) if !at.contains_key(c) => {
                at.insert(c, i);
            }
            _ => push(
                &mut problems,
                &mut total,
                file_problem("site_csv_header", 1)
                    .arg("column", name.chars().take(60).collect::<String>())
                    .arg("expected", COLUMNS.join(",")),
            ),
        }
    }
    for c in COLUMNS {
        if !at.contains_key(c) {
            push(
                &mut problems,
                &mut total,
                file_problem("site_csv_missing_column", 1).arg("column", c),
            );
        }
    }
    if !problems.is_empty() {
        return Err(finish(problems, total));
    }
    let width = header.len();
    let mut rows = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for rec in records {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e
                    .position()
                    .map_or(0, |p| record_line(bytes, p.byte() as usize));
                push(
                    &mut problems,
                    &mut total,
                    file_problem("site_csv_unreadable", line),
                );
                break;
            }
        };
        let line = rec
            .position()
            .map_or(0, |p| record_line(bytes, p.byte() as usize));
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if rows.len() as i64 >= MAX_SITES {
            push(
                &mut problems,
                &mut total,
                file_problem("site_csv_too_many_rows", line).arg("max", MAX_SITES),
            );
            break;
        }
        if rec.len() != width {
            push(
                &mut problems,
                &mut total,
                file_problem("site_csv_columns", line)
                    .arg("found", rec.len())
                    .arg("expected", width),
            );
            continue;
        }
        let mut refused = false;
        for c in COLUMNS {
            if let Some(ch) = refused_char(rec.get(at[c]).unwrap_or("")) {
                push(&mut problems, &mut total, control_char(line, c, ch));
                refused = true;
            }
        }
        if refused {
            continue;
        }
        let cell = |c: &str| rec.get(at[c]).unwrap_or("").to_owned();
        let draft = SiteDraft {
            code: cell("code"),
            kind: cell("kind"),
            category: cell("category"),
            name: cell("name"),
            unit_code: cell("unit_code"),
            place: cell("place"),
            latitude: cell("latitude"),
            longitude: cell("longitude"),
            url: cell("url"),
        };
        let code = draft.code.trim().to_owned();
        if !code.is_empty() && refused_char(&code).is_none() {
            if let Some(first) = seen.get(&code) {
                push(
                    &mut problems,
                    &mut total,
                    at_line(
                        Problem::new("site_csv_duplicate_code")
                            .field("code")
                            .arg("value", &code)
                            .arg("first", *first),
                        line,
                    ),
                );
                continue;
            }
            seen.insert(code, line);
        }
        rows.push(Row { line, draft });
    }
    Ok(Parsed {
        rows,
        problems,
        total,
    })
}

/// A coordinate as an export writes it: the shortest text that reads back to the same number.
fn coordinate(x: Option<f64>) -> String {
    x.map(|x| x.to_string()).unwrap_or_default()
}

/// The sites as a CSV file (UTF-8 with a byte-order mark, so spreadsheets read the diacritics).
pub fn write(sites: &[Site]) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let _ = w.write_record(COLUMNS);
        for s in sites {
            let spec = &s.spec;
            let _ = w.write_record([
                spec.code.as_str(),
                spec.kind.as_str(),
                spec.category.as_str(),
                spec.name.as_str(),
                spec.unit_code.as_deref().unwrap_or(""),
                spec.place.as_str(),
                &coordinate(spec.latitude),
                &coordinate(spec.longitude),
                spec.url.as_str(),
            ]);
        }
        let _ = w.flush();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::site::{Category, SiteKind, SiteSpec, SiteState};
    use proptest::prelude::*;

    const HEADER: &str = "code,kind,category,name,unit_code,place,latitude,longitude,url\n";

    fn codes(problems: &[Problem]) -> Vec<(&str, Option<&str>)> {
        problems
            .iter()
            .map(|p| (p.code, p.field.as_deref()))
            .collect()
    }

    #[test]
    fn a_file_with_a_bom_reads_its_rows_with_their_lines() {
        let file = format!(
            "\u{feff}{HEADER}CAM-1,camera,dam,Đập Hòa Bình,,\"Hòa Bình, tổ 1\",20.81,105.32,http://h/a.m3u8\n\n\
             P-1,conference,,Điểm cầu Hà Nội,01,Phòng 2,,,https://meet.gov.vn/j/1\n"
        );
        let rows = read(file.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].draft.place, "Hòa Bình, tổ 1");
        assert_eq!(rows[1].line, 4);
        assert_eq!(rows[1].draft.unit_code, "01");
    }

    #[test]
    fn columns_may_come_in_any_order_but_all_must_be_there() {
        let file = "url,code,kind,category,name,unit_code,place,latitude,longitude\nhttp://h/a,C,camera,,N,,,,\n";
        assert_eq!(read(file.as_bytes()).unwrap()[0].draft.code, "C");
        let problems = read(b"code,kind,name,colour\n").unwrap_err();
        let got = codes(&problems);
        assert!(got.contains(&("site_csv_header", Some("row 1"))), "{got:?}");
        assert!(
            got.contains(&("site_csv_missing_column", Some("row 1"))),
            "{got:?}"
        );
    }

    #[test]
    fn bad_bytes_name_their_line() {
        let mut file = HEADER.as_bytes().to_vec();
        file.extend(b"C,camera,,N,,,,,http://h/a\nD,camera,,N\xff,,,,,http://h/b\n");
        let problems = read(&file).unwrap_err();
        assert_eq!(codes(&problems), vec![("site_csv_not_utf8", Some("row 3"))]);
    }

    #[test]
    fn a_short_row_and_a_repeated_code_are_named_by_line() {
        let file =
            format!("{HEADER}C,camera,,N,,,,,http://h/a\nD,camera\nC,camera,,N,,,,,http://h/c\n");
        let problems = read(file.as_bytes()).unwrap_err();
        assert_eq!(
            codes(&problems),
            vec![
                ("site_csv_columns", Some("row 3")),
                ("site_csv_duplicate_code", Some("row 4: code"))
            ]
        );
    }

    #[test]
    fn a_control_character_is_named_never_echoed() {
        let file = format!("{HEADER}C\u{1},cam\u{7}era,,N,,,,,http://h/a\n");
        let problems = read(file.as_bytes()).unwrap_err();
        assert_eq!(
            codes(&problems),
            vec![
                ("cell_control_char", Some("row 2: code")),
                ("cell_control_char", Some("row 2: kind"))
            ]
        );
        assert!(
            problems
                .iter()
                .all(|p| p.args.iter().all(|(_, v)| !v.contains('\u{7}')))
        );
        let problems = read("code\u{1b},kind\n".as_bytes()).unwrap_err();
        assert_eq!(problems[0].code, "cell_control_char");
    }

    #[test]
    fn the_list_of_problems_is_bounded() {
        let mut file = HEADER.to_owned();
        for _ in 0..500 {
            file.push_str("x\n");
        }
        let problems = read(file.as_bytes()).unwrap_err();
        assert_eq!(problems.len(), MAX_PROBLEMS + 1);
        assert_eq!(problems.last().unwrap().code, platform::error::TRUNCATED);
    }

    #[test]
    fn an_export_reads_back_to_the_same_drafts() {
        let site = Site {
            id: 1,
            spec: SiteSpec {
                code: "CAM-1".into(),
                kind: SiteKind::Camera,
                category: Category::BorderGate,
                name: "Cửa khẩu \"Hữu Nghị\", Lạng Sơn".into(),
                unit_code: Some("20".into()),
                place: "Đồng Đăng\nLạng Sơn".into(),
                latitude: Some(21.975_123_456_789),
                longitude: Some(106.7),
                url: "http://h/a.m3u8?x=1,2".into(),
            },
            active: true,
            state: SiteState::Up,
            state_since: None,
            checked_at: None,
            finding: String::new(),
        };
        let rows = read(&write(std::slice::from_ref(&site))).unwrap();
        let spec = rows[0].draft.check(|u| u == "20").unwrap();
        assert_eq!(spec, site.spec);
    }

    proptest! {
        #[test]
        fn any_bytes_give_rows_or_named_problems(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            match read(&bytes) {
                Ok(rows) => for r in rows { prop_assert!(r.line >= 2); }
                Err(problems) => {
                    prop_assert!(!problems.is_empty());
                    prop_assert!(problems.len() <= MAX_PROBLEMS + 1);
                }
            }
        }

        #[test]
        fn any_text_after_the_header_never_panics(body in "[a-z0-9,\"\n\r é\u{7}]{0,400}") {
            let file = format!("{HEADER}{body}");
            if let Ok(rows) = read(file.as_bytes()) {
                for r in rows { let _ = r.draft.check(|_| true); }
            }
        }
    }
}
