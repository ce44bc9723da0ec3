//! Downloads shared by the JSON endpoints: CSV (with a byte-order mark, for Excel) and XLSX.

use axum::http::header;
use platform::error::{AppError, AppResult};
use serde::Serialize;

use crate::engine::catalogue as catalogue_io;

// For the OpenAPI document.
/// A format: `json` (default), `csv` or `xlsx`.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)] // describes the `format` parameters; never built
pub enum DownloadFormat {
    Json,
    Csv,
    Xlsx,
}

/// A CSV download: UTF-8 with a byte-order mark so that Excel reads the diacritics.
pub fn download_csv(
    name: &str,
    header: &[String],
    rows: &[Vec<String>],
) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let bytes = catalogue_io::csv_bytes(header, rows).map_err(AppError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// An XLSX download: one named sheet, a bold header row (`labels`, in the reader's language,
/// else the column codes); the columns named in `numeric` hold numbers,
/// the others text (codes such as `01` and periods such as `202510` stay text).
pub fn download_xlsx(
    name: &str,
    sheet: &str,
    header: &[String],
    labels: &[String],
    rows: &[Vec<String>],
    numeric: &[&str],
) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let bytes = catalogue_io::xlsx_bytes(sheet, header, labels, rows, numeric)
        .map_err(AppError::internal)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
