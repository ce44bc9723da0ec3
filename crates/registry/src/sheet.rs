//! Reading spreadsheets and CSV files that come from outside, within fixed bounds.
//!
//! An XLSX file is a ZIP archive of XML: 777 KiB can unpack to 314 MB, and a sheet with two cells
//! at opposite corners becomes billions of cells once laid out as a grid. So before calamine
//! parses anything, the archive's central directory is read (the sizes its entries declare) and
//! every entry is then unpacked into nothing with a budget (the declared sizes can lie); the sheet
//! is read cell by cell, refusing the file at the first row, column or cell beyond the bounds,
//! never building a grid larger than [`Limits::cells`]. CSV files get the same row, column and
//! cell bounds. Every refusal is a [`SheetError`] that names the bound.

use std::io::{Cursor, Read};

use calamine::{Data, Reader};
use platform::error::Problem;

/// The bounds of a file read from outside.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Bytes of every entry of the archive unpacked, together.
    pub unpacked_bytes: u64,
    /// Entries of the archive.
    pub entries: usize,
    /// Sheets of the workbook.
    pub sheets: usize,
    /// Rows, counting from the first row of the sheet (or lines of a CSV file).
    pub rows: usize,
    /// Columns of any row.
    pub columns: usize,
    /// Cells of the grid laid out (each row up to its last cell).
    pub cells: usize,
}

/// The bounds of every upload and import (documented in docs/operations.md, "Security"): far
/// above the largest real file (the national targets, about 50,000 rows of 4 columns; the
/// commune list, about 10,000 rows of 6), far below what would hurt the server.
pub const LIMITS: Limits = Limits {
    unpacked_bytes: 32 * 1024 * 1024,
    entries: 1_000,
    sheets: 100,
    rows: 100_000,
    columns: 200,
    cells: 1_000_000,
};

/// Why a file was refused before or while it was read.
#[derive(Debug, Clone, PartialEq)]
pub enum SheetError {
    /// Not a workbook (or CSV) that can be read; the reason, in English, for the log.
    Unreadable(String),
    /// Unpacked, the archive is larger than the bound (`unpacked` is what was counted).
    TooLarge {
        unpacked: u64,
        limit: u64,
    },
    TooManyEntries {
        entries: usize,
        limit: usize,
    },
    TooManySheets {
        sheets: usize,
        limit: usize,
    },
    /// A cell (or CSV line) beyond the last row allowed; `row` counts from 1.
    TooManyRows {
        row: usize,
        limit: usize,
    },
    /// A cell beyond the last column allowed, on row `row` (from 1).
    TooManyColumns {
        row: usize,
        column: usize,
        limit: usize,
    },
    TooManyCells {
        row: usize,
        limit: usize,
    },
    /// The named sheet is not in the workbook.
    SheetMissing(String),
}

fn mib(bytes: u64) -> String {
    let m = bytes as f64 / (1024.0 * 1024.0);
    if m >= 10.0 {
        format!("{m:.0} MiB")
    } else {
        format!("{m:.1} MiB")
    }
}

impl SheetError {
    /// Is it one of the bounds (not a file that cannot be read)?
    pub fn is_limit(&self) -> bool {
        !matches!(
            self,
            SheetError::Unreadable(_) | SheetError::SheetMissing(_)
        )
    }

    /// The stable code (`error.<code>` in the catalogue) and the message's `line`, `column` and
    /// `value` (the bound; for an unreadable file, the reason).
    pub fn parts(&self) -> (&'static str, usize, String, String) {
        match self {
            SheetError::Unreadable(reason) => ("xlsx_unreadable", 0, String::new(), reason.clone()),
            SheetError::SheetMissing(sheet) => {
                ("xlsx_sheet_missing", 0, String::new(), sheet.clone())
            }
            SheetError::TooLarge { limit, .. } => {
                ("file_unpacked_too_large", 0, String::new(), mib(*limit))
            }
            SheetError::TooManyEntries { limit, .. } => {
                ("file_too_many_entries", 0, String::new(), limit.to_string())
            }
            SheetError::TooManySheets { limit, .. } => {
                ("file_too_many_sheets", 0, String::new(), limit.to_string())
            }
            SheetError::TooManyRows { row, limit } => {
                ("file_too_many_rows", *row, String::new(), limit.to_string())
            }
            SheetError::TooManyColumns { row, column, limit } => (
                "file_too_many_columns",
                *row,
                column.to_string(),
                limit.to_string(),
            ),
            SheetError::TooManyCells { row, limit } => (
                "file_too_many_cells",
                *row,
                String::new(),
                limit.to_string(),
            ),
        }
    }

    /// The problem for an error envelope (no field: it is about the whole file).
    pub fn problem(&self) -> Problem {
        let (code, line, column, value) = self.parts();
        let p = Problem::new(code)
            .arg("line", line)
            .arg("column", column)
            .arg("value", &value);
        match self {
            SheetError::SheetMissing(sheet) => p.arg("sheet", sheet),
            _ => p,
        }
    }
}

impl std::fmt::Display for SheetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.problem().detail(platform::i18n::Lang::En))
    }
}

impl std::error::Error for SheetError {}

/// Check a ZIP archive (XLSX, ODS) against the bounds without keeping anything unpacked: the
/// sizes the central directory declares first, then the real sizes, unpacking each entry into
/// nothing and stopping as soon as the total passes the bound.
pub fn check_archive(bytes: &[u8], limits: &Limits) -> Result<(), SheetError> {
    let unreadable = |e: &dyn std::fmt::Display| SheetError::Unreadable(e.to_string());
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    if zip.len() > limits.entries {
        return Err(SheetError::TooManyEntries {
            entries: zip.len(),
            limit: limits.entries,
        });
    }
    let mut declared = 0u64;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|e| unreadable(&e))?;
        declared = declared.saturating_add(entry.size());
    }
    if declared > limits.unpacked_bytes {
        return Err(SheetError::TooLarge {
            unpacked: declared,
            limit: limits.unpacked_bytes,
        });
    }
    let mut left = limits.unpacked_bytes;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|e| unreadable(&e))?;
        let n = std::io::copy(&mut entry.take(left + 1), &mut std::io::sink())
            .map_err(|e| unreadable(&e))?;
        if n > left {
            return Err(SheetError::TooLarge {
                unpacked: limits.unpacked_bytes + 1,
                limit: limits.unpacked_bytes,
            });
        }
        left -= n;
    }
    Ok(())
}

/// Cells laid out as rows, with the sheet's own positions: `rows[0][0]` is A1. Each row ends at
/// its last cell.
pub type Grid = Vec<Vec<Data>>;

/// Read one sheet of an XLSX workbook (`sheet`, or the first) within the bounds.
pub fn read_xlsx(bytes: &[u8], sheet: Option<&str>, limits: &Limits) -> Result<Grid, SheetError> {
    check_archive(bytes, limits)?;
    let mut wb = calamine::Xlsx::new(Cursor::new(bytes))
        .map_err(|e| SheetError::Unreadable(e.to_string()))?;
    let names = wb.sheet_names();
    if names.len() > limits.sheets {
        return Err(SheetError::TooManySheets {
            sheets: names.len(),
            limit: limits.sheets,
        });
    }
    let name = match sheet {
        Some(s) if names.iter().any(|n| n == s) => s.to_owned(),
        Some(s) => return Err(SheetError::SheetMissing(s.to_owned())),
        None => names
            .first()
            .cloned()
            .ok_or_else(|| SheetError::Unreadable("the workbook has no sheet".into()))?,
    };
    let mut cells = wb
        .worksheet_cells_reader(&name)
        .map_err(|e| SheetError::Unreadable(e.to_string()))?;
    let mut grid = GridBuilder::new(limits);
    while let Some(cell) = cells
        .next_cell()
        .map_err(|e| SheetError::Unreadable(e.to_string()))?
    {
        let (r, c) = cell.get_position();
        grid.put(r as usize, c as usize, Data::from(cell.get_value().clone()))?;
    }
    Ok(grid.rows)
}

/// A grid that refuses to grow past the bounds.
struct GridBuilder<'a> {
    limits: &'a Limits,
    rows: Grid,
    cells: usize,
}

impl<'a> GridBuilder<'a> {
    fn new(limits: &'a Limits) -> Self {
        GridBuilder {
            limits,
            rows: Vec::new(),
            cells: 0,
        }
    }

    fn put(&mut self, r: usize, c: usize, value: Data) -> Result<(), SheetError> {
        let l = self.limits;
        if r >= l.rows {
            return Err(SheetError::TooManyRows {
                row: r + 1,
                limit: l.rows,
            });
        }
        if c >= l.columns {
            return Err(SheetError::TooManyColumns {
                row: r + 1,
                column: c + 1,
                limit: l.columns,
            });
        }
        if matches!(value, Data::Empty) {
            return Ok(());
        }
        if self.rows.len() <= r {
            self.rows.resize_with(r + 1, Vec::new);
        }
        let row = &mut self.rows[r];
        if row.len() <= c {
            self.cells += c + 1 - row.len();
            if self.cells > l.cells {
                return Err(SheetError::TooManyCells {
                    row: r + 1,
                    limit: l.cells,
                });
            }
            row.resize(c + 1, Data::Empty);
        }
        row[c] = value;
        Ok(())
    }
}

/// Parse CSV bytes within the bounds (a UTF-8 byte-order mark is skipped; `;` is detected as
/// separator when the first line has more of them than commas).
pub fn read_csv(bytes: &[u8], limits: &Limits) -> Result<Vec<Vec<String>>, SheetError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        SheetError::Unreadable(format!(
            "the file is not UTF-8 text (byte {})",
            e.valid_up_to()
        ))
    })?;
    let first = text.lines().next().unwrap_or("");
    let sep = if first.matches(';').count() > first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sep)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    let mut cells = 0usize;
    let mut rec = csv::StringRecord::new();
    loop {
        let line = out.len() + 1;
        match r.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(SheetError::Unreadable(format!("CSV line {line}: {e}"))),
        }
        if line > limits.rows {
            return Err(SheetError::TooManyRows {
                row: line,
                limit: limits.rows,
            });
        }
        if rec.len() > limits.columns {
            return Err(SheetError::TooManyColumns {
                row: line,
                column: rec.len(),
                limit: limits.columns,
            });
        }
        cells += rec.len();
        if cells > limits.cells {
            return Err(SheetError::TooManyCells {
                row: line,
                limit: limits.cells,
            });
        }
        out.push(rec.iter().map(str::to_owned).collect());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// An XLSX-shaped archive whose sheet unpacks to `mib` MiB of repeated rows: a zip bomb.
    pub(crate) fn zip_bomb(mib: usize) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(mib >= 4096);
        w.start_file("[Content_Types].xml", opts).unwrap();
        w.write_all(b"<?xml version=\"1.0\"?><Types/>").unwrap();
        w.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
        w.write_all(b"<worksheet><sheetData>").unwrap();
        let row = b"<row><c t=\"inlineStr\"><is><t>x</t></is></c></row>".repeat(20_000);
        let mut written = 0;
        while written < mib * 1024 * 1024 {
            w.write_all(&row).unwrap();
            written += row.len();
        }
        w.write_all(b"</sheetData></worksheet>").unwrap();
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn a_zip_bomb_is_refused_by_its_declared_size() {
        let bomb = zip_bomb(64);
        assert!(bomb.len() < 1024 * 1024, "{} bytes", bomb.len());
        let e = check_archive(&bomb, &LIMITS).unwrap_err();
        assert!(
            matches!(e, SheetError::TooLarge { unpacked, .. } if unpacked > 64 * 1024 * 1024),
            "{e:?}"
        );
        assert_eq!(e.problem().code, "file_unpacked_too_large");
    }

    #[test]
    fn sizes_that_lie_are_caught_while_unpacking() {
        // A bomb whose central directory declares 1 byte per entry: the declared sizes pass,
        // the real bytes do not.
        let mut bomb = zip_bomb(4);
        let mut at = 0;
        while let Some(i) = bomb[at..].windows(4).position(|w| w == b"PK\x01\x02") {
            let h = at + i;
            bomb[h + 24..h + 28].copy_from_slice(&1u32.to_le_bytes());
            at = h + 4;
        }
        let tight = Limits {
            unpacked_bytes: 1024 * 1024,
            ..LIMITS
        };
        let e = check_archive(&bomb, &tight).unwrap_err();
        assert!(
            matches!(e, SheetError::TooLarge { .. } | SheetError::Unreadable(_)),
            "{e:?}"
        );
    }

    #[test]
    fn rows_columns_and_cells_are_bounded_while_reading() {
        let limits = Limits {
            rows: 10,
            columns: 5,
            cells: 12,
            ..LIMITS
        };
        let book = |cells: &[(u32, u16)]| {
            let mut wb = rust_xlsxwriter::Workbook::new();
            let ws = wb.add_worksheet();
            for &(r, c) in cells {
                ws.write_string(r, c, "x").unwrap();
            }
            wb.save_to_buffer().unwrap()
        };
        let ok = read_xlsx(&book(&[(0, 0), (9, 4)]), None, &limits).unwrap();
        assert_eq!(ok.len(), 10);
        assert_eq!(ok[9].len(), 5);
        assert_eq!(
            read_xlsx(&book(&[(0, 0), (10, 0)]), None, &limits),
            Err(SheetError::TooManyRows { row: 11, limit: 10 })
        );
        assert_eq!(
            read_xlsx(&book(&[(2, 5)]), None, &limits),
            Err(SheetError::TooManyColumns {
                row: 3,
                column: 6,
                limit: 5
            })
        );
        assert_eq!(
            read_xlsx(&book(&[(0, 4), (1, 4), (2, 4)]), None, &limits),
            Err(SheetError::TooManyCells { row: 3, limit: 12 })
        );
        // The far corner of a sheet is refused at once, not laid out as a grid.
        let e = read_xlsx(&book(&[(0, 0), (1_048_575, 16_383)]), None, &LIMITS).unwrap_err();
        assert!(matches!(e, SheetError::TooManyRows { .. }), "{e:?}");
    }

    #[test]
    fn csv_is_bounded_too() {
        let limits = Limits {
            rows: 3,
            columns: 4,
            cells: 9,
            ..LIMITS
        };
        assert_eq!(read_csv(b"a,b\n1,2\n3,4\n", &limits).unwrap().len(), 3);
        assert_eq!(
            read_csv(b"a\n1\n2\n3\n", &limits),
            Err(SheetError::TooManyRows { row: 4, limit: 3 })
        );
        assert_eq!(
            read_csv(b"a,b,c,d,e\n", &limits),
            Err(SheetError::TooManyColumns {
                row: 1,
                column: 5,
                limit: 4
            })
        );
        assert_eq!(
            read_csv(b"a,b,c,d\n1,2,3,4\n5,6\n", &limits),
            Err(SheetError::TooManyCells { row: 3, limit: 9 })
        );
    }
}
