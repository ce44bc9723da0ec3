//! A procedure as the catalogue holds it ([`ProcedureSpec`]: what one version says), read from
//! what a person or a file typed ([`ProcedureDraft`]: texts) with a precise problem per field,
//! and the exchange format of import and export (the same columns in CSV, XLSX and JSON).
//! No I/O here.

use platform::error::Problem;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::form::Form;
use crate::model::procedure::{Level, OnlineLevel, ProcedureCode};

/// The longest name, and the longest free text (result, legal basis, fees note).
pub const MAX_NAME: usize = 500;
pub const MAX_TEXT: usize = 4_000;
/// The most papers of a procedure, and the most copies of one.
pub const MAX_PAPERS: usize = 50;
pub const MAX_COPIES: i64 = 100;
/// The longest statutory processing time, in working days.
pub const MAX_DAYS: i64 = 3_650;
/// The largest fee, in đồng (one thousand billion).
pub const MAX_FEE: i64 = 1_000_000_000_000;
/// The longest papers text (JSON), in bytes.
pub const MAX_PAPERS_BYTES: usize = 64 * 1024;

/// A form file of a paper (a blank to fill in), kept in the file store by its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormFile {
    /// Hex SHA-256 of the file (its key in the file store).
    pub sha256: String,
    /// The file's name as uploaded.
    pub name: String,
}

/// A paper the applicant hands in (thành phần hồ sơ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Paper {
    pub name_vi: String,
    pub name_en: String,
    /// Originals (bản chính) asked for.
    #[serde(default)]
    pub originals: i64,
    /// Copies (bản sao) asked for.
    #[serde(default)]
    pub copies: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form_file: Option<FormFile>,
}

/// What one version of a procedure says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProcedureSpec {
    /// `1.000894`, or a local variant `1.011442.000.00.00.H38`.
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    /// The field's code (lĩnh vực), from the reference list.
    pub field: String,
    /// `central`, `province` or `commune`.
    #[schema(value_type = String)]
    pub level: Level,
    /// The implementing agency's code in the registry (`btp`, `ubnd-01`); none: every agency
    /// of the level implements it.
    pub agency: Option<String>,
    /// Statutory processing time, in working days.
    pub processing_days: i64,
    /// The fee in whole đồng.
    pub fee_vnd: i64,
    pub fees_note: String,
    pub papers: Vec<Paper>,
    pub result_vi: String,
    pub result_en: String,
    pub legal_basis: String,
    /// `full`, `partial` or `none`.
    #[schema(value_type = String)]
    pub online_level: OnlineLevel,
    /// The identity's level of assurance needed to apply online: 1 or 2.
    pub min_assurance: i64,
    /// The online form: a JSON Schema (the subset of docs/services.md).
    #[schema(value_type = Object)]
    pub form_schema: Value,
    /// The online form's layout: its pages, each with sections of fields.
    #[schema(value_type = Vec<Object>)]
    pub form_layout: Value,
}

impl ProcedureSpec {
    /// The online form of this version (checked when it was saved).
    pub fn form(&self) -> Result<Form, crate::model::form::FormDefError> {
        Form::parse(&self.form_schema.to_string(), &self.form_layout.to_string())
    }

    /// The text searched (diacritics folded): code, both names.
    pub fn search_text(&self) -> String {
        registry::fold(&format!("{} {} {}", self.code, self.name_vi, self.name_en))
    }
}

/// What an agency is to the catalogue's checks.
#[derive(Debug, Clone)]
pub struct AgencyRef {
    pub id: i64,
    pub code: String,
    /// The QCVN 102 identifier a local variant's code ends with.
    pub edoc_qcvn: Option<String>,
}

/// A procedure as typed: every value a text (a form's fields, a file's cells).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProcedureDraft {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub field: String,
    pub level: String,
    pub agency: String,
    pub processing_days: String,
    pub fee_vnd: String,
    pub fees_note: String,
    /// A JSON list of papers.
    pub papers: String,
    pub result_vi: String,
    pub result_en: String,
    pub legal_basis: String,
    pub online_level: String,
    pub min_assurance: String,
    pub form_schema: String,
    pub form_layout: String,
}

/// The columns of the exchange format, in order (CSV header, XLSX first row, JSON keys).
pub const COLUMNS: [&str; 17] = [
    "code",
    "name_vi",
    "name_en",
    "field",
    "level",
    "agency",
    "processing_days",
    "fee_vnd",
    "fees_note",
    "papers",
    "result_vi",
    "result_en",
    "legal_basis",
    "online_level",
    "min_assurance",
    "form_schema",
    "form_layout",
];

impl ProcedureDraft {
    /// The value of a column by name.
    pub fn get_mut(&mut self, column: &str) -> Option<&mut String> {
        Some(match column {
            "code" => &mut self.code,
            "name_vi" => &mut self.name_vi,
            "name_en" => &mut self.name_en,
            "field" => &mut self.field,
            "level" => &mut self.level,
            "agency" => &mut self.agency,
            "processing_days" => &mut self.processing_days,
            "fee_vnd" => &mut self.fee_vnd,
            "fees_note" => &mut self.fees_note,
            "papers" => &mut self.papers,
            "result_vi" => &mut self.result_vi,
            "result_en" => &mut self.result_en,
            "legal_basis" => &mut self.legal_basis,
            "online_level" => &mut self.online_level,
            "min_assurance" => &mut self.min_assurance,
            "form_schema" => &mut self.form_schema,
            "form_layout" => &mut self.form_layout,
            _ => return None,
        })
    }

    /// The cells of a row in [`COLUMNS`] order.
    pub fn cells(&self) -> [&str; 17] {
        [
            &self.code,
            &self.name_vi,
            &self.name_en,
            &self.field,
            &self.level,
            &self.agency,
            &self.processing_days,
            &self.fee_vnd,
            &self.fees_note,
            &self.papers,
            &self.result_vi,
            &self.result_en,
            &self.legal_basis,
            &self.online_level,
            &self.min_assurance,
            &self.form_schema,
            &self.form_layout,
        ]
    }

    /// The texts of a stored version (what export writes, what the editor shows).
    pub fn of(spec: &ProcedureSpec) -> ProcedureDraft {
        ProcedureDraft {
            code: spec.code.clone(),
            name_vi: spec.name_vi.clone(),
            name_en: spec.name_en.clone(),
            field: spec.field.clone(),
            level: spec.level.code().to_owned(),
            agency: spec.agency.clone().unwrap_or_default(),
            processing_days: spec.processing_days.to_string(),
            fee_vnd: spec.fee_vnd.to_string(),
            fees_note: spec.fees_note.clone(),
            papers: serde_json::to_string(&spec.papers).unwrap_or_else(|_| "[]".into()),
            result_vi: spec.result_vi.clone(),
            result_en: spec.result_en.clone(),
            legal_basis: spec.legal_basis.clone(),
            online_level: spec.online_level.code().to_owned(),
            min_assurance: spec.min_assurance.to_string(),
            form_schema: spec.form_schema.to_string(),
            form_layout: spec.form_layout.to_string(),
        }
    }

    /// Check every field: the spec, or every problem (each naming its column as `field`).
    /// `field_known` says whether a field code is in the reference list; `agency` finds an
    /// agency by its code.
    pub fn check(
        &self,
        lang: platform::i18n::Lang,
        field_known: impl Fn(&str) -> bool,
        agency: impl Fn(&str) -> Option<AgencyRef>,
    ) -> Result<(ProcedureSpec, Option<AgencyRef>), Vec<Problem>> {
        let mut problems = Vec::new();
        for (column, value) in COLUMNS.iter().zip(self.cells()) {
            if let Err(p) = platform::web::extract::check_text(column, value) {
                problems.push(p);
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let code = match ProcedureCode::parse(&self.code) {
            Ok(c) => Some(c),
            Err(_) => {
                problems.push(
                    Problem::new("svc_code_invalid")
                        .field("code")
                        .arg("value", self.code.trim()),
                );
                None
            }
        };
        let mut text = |column: &'static str, value: &str, max: usize, required: bool| {
            let v = value.trim();
            if required && v.is_empty() {
                problems.push(
                    Problem::new("svc_required")
                        .field(column)
                        .arg("column", column),
                );
            } else if v.chars().count() > max {
                problems.push(
                    Problem::new("svc_text_too_long")
                        .field(column)
                        .arg("column", column)
                        .arg("max", max),
                );
            }
            v.to_owned()
        };
        let name_vi = text("name_vi", &self.name_vi, MAX_NAME, true);
        let name_en = text("name_en", &self.name_en, MAX_NAME, true);
        let fees_note = text("fees_note", &self.fees_note, MAX_TEXT, false);
        let result_vi = text("result_vi", &self.result_vi, MAX_TEXT, false);
        let result_en = text("result_en", &self.result_en, MAX_TEXT, false);
        let legal_basis = text("legal_basis", &self.legal_basis, MAX_TEXT, false);
        let field = self.field.trim().to_owned();
        if field.is_empty() {
            problems.push(
                Problem::new("svc_required")
                    .field("field")
                    .arg("column", "field"),
            );
        } else if !field_known(&field) {
            problems.push(
                Problem::new("svc_field_unknown")
                    .field("field")
                    .arg("value", &field),
            );
        }
        let level = Level::parse(self.level.trim());
        if level.is_none() {
            problems.push(
                Problem::new("svc_level_invalid")
                    .field("level")
                    .arg("value", self.level.trim()),
            );
        }
        let online_level = OnlineLevel::parse(self.online_level.trim());
        if online_level.is_none() {
            problems.push(
                Problem::new("svc_online_invalid")
                    .field("online_level")
                    .arg("value", self.online_level.trim()),
            );
        }
        let agency_code = self.agency.trim().to_lowercase();
        let agency_ref = if agency_code.is_empty() {
            None
        } else {
            match agency(&agency_code) {
                Some(a) => Some(a),
                None => {
                    problems.push(
                        Problem::new("svc_agency_unknown")
                            .field("agency")
                            .arg("value", self.agency.trim()),
                    );
                    None
                }
            }
        };
        // A local variant is suffixed by its implementing agency's identifier.
        if let Some(suffix) = code.as_ref().and_then(|c| c.agency_suffix()) {
            let matches = agency_ref
                .as_ref()
                .and_then(|a| a.edoc_qcvn.as_deref())
                .is_some_and(|q| q.eq_ignore_ascii_case(suffix));
            if !matches && (agency_ref.is_some() || agency_code.is_empty()) {
                problems.push(
                    Problem::new("svc_agency_suffix")
                        .field("agency")
                        .arg("value", suffix),
                );
            }
        }
        let processing_days = match whole(&self.processing_days, MAX_DAYS) {
            Some(n) => n,
            None => {
                problems.push(
                    Problem::new("svc_days_invalid")
                        .field("processing_days")
                        .arg("value", self.processing_days.trim())
                        .arg("max", MAX_DAYS),
                );
                0
            }
        };
        let fee_vnd = match parse_fee(&self.fee_vnd) {
            Ok(n) => n,
            Err(p) => {
                problems.push(p);
                0
            }
        };
        // Empty: level 1, the column's default.
        let min_assurance = match self.min_assurance.trim() {
            "" | "1" => 1,
            "2" => 2,
            other => {
                problems.push(
                    Problem::new("svc_assurance_invalid")
                        .field("min_assurance")
                        .arg("value", other),
                );
                1
            }
        };
        let papers = match parse_papers(&self.papers) {
            Ok(p) => p,
            Err(p) => {
                problems.push(p);
                Vec::new()
            }
        };
        let schema_text = if self.form_schema.trim().is_empty() {
            "{}"
        } else {
            self.form_schema.trim()
        };
        let layout_text = if self.form_layout.trim().is_empty() {
            "[]"
        } else {
            self.form_layout.trim()
        };
        let mut schema = Value::Null;
        let mut layout = Value::Null;
        match Form::parse(schema_text, layout_text) {
            Ok(_) => {
                // Parsed already: both are JSON.
                schema = serde_json::from_str(schema_text).unwrap_or(Value::Null);
                layout = serde_json::from_str(layout_text).unwrap_or(Value::Null);
            }
            Err(e) => problems.push(e.problem(lang)),
        }
        let (Some(code), Some(level), Some(online_level), true) =
            (code, level, online_level, problems.is_empty())
        else {
            return Err(problems);
        };
        Ok((
            ProcedureSpec {
                code: code.as_str().to_owned(),
                name_vi,
                name_en,
                field,
                level,
                agency: agency_ref.as_ref().map(|a| a.code.clone()),
                processing_days,
                fee_vnd,
                fees_note,
                papers,
                result_vi,
                result_en,
                legal_basis,
                online_level,
                min_assurance,
                form_schema: schema,
                form_layout: layout,
            },
            agency_ref,
        ))
    }
}

/// A whole number of digits only, at most `max` (None otherwise).
fn whole(s: &str, max: i64) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok().filter(|n| *n <= max)
}

/// A fee as typed: whole đồng written with digits only. `12.5`, `1,000.7`, `1.000` and `50 000`
/// are refused (never rounded, never guessed); empty is no fee.
pub fn parse_fee(s: &str) -> Result<i64, Problem> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(0);
    }
    whole(t, MAX_FEE).ok_or_else(|| {
        let code = if t.bytes().all(|b| b.is_ascii_digit()) {
            "svc_fee_too_large"
        } else {
            "svc_fee_invalid"
        };
        Problem::new(code)
            .field("fee_vnd")
            .arg("value", t)
            .arg("max", MAX_FEE)
    })
}

/// The papers column: a JSON list of papers.
pub fn parse_papers(s: &str) -> Result<Vec<Paper>, Problem> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(Vec::new());
    }
    let bad = |why: String| {
        Problem::new("svc_papers_invalid")
            .field("papers")
            .arg("why", why)
    };
    if t.len() > MAX_PAPERS_BYTES {
        return Err(bad(format!("> {MAX_PAPERS_BYTES} B")));
    }
    let papers: Vec<Paper> = serde_json::from_str(t).map_err(|e| bad(e.to_string()))?;
    if papers.len() > MAX_PAPERS {
        return Err(bad(format!("> {MAX_PAPERS}")));
    }
    for (i, p) in papers.iter().enumerate() {
        let n = i + 1;
        if p.name_vi.trim().is_empty() || p.name_en.trim().is_empty() {
            return Err(bad(format!("#{n}: name_vi, name_en")));
        }
        if p.name_vi.chars().count() > MAX_NAME || p.name_en.chars().count() > MAX_NAME {
            return Err(bad(format!("#{n}: > {MAX_NAME}")));
        }
        if !(0..=MAX_COPIES).contains(&p.originals) || !(0..=MAX_COPIES).contains(&p.copies) {
            return Err(bad(format!("#{n}: originals, copies 0–{MAX_COPIES}")));
        }
        if let Some(f) = &p.form_file
            && (f.sha256.len() != 64
                || !f.sha256.bytes().all(|b| b.is_ascii_hexdigit())
                || f.name.trim().is_empty()
                || f.name.len() > 255)
        {
            return Err(bad(format!("#{n}: form_file")));
        }
    }
    Ok(papers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use platform::i18n::Lang;

    fn draft() -> ProcedureDraft {
        ProcedureDraft {
            code: "1.001193".into(),
            name_vi: "Đăng ký khai sinh".into(),
            name_en: "Birth registration".into(),
            field: "ho_tich".into(),
            level: "commune".into(),
            processing_days: "1".into(),
            fee_vnd: "0".into(),
            online_level: "full".into(),
            min_assurance: "2".into(),
            papers: r#"[{"name_vi":"Tờ khai","name_en":"Declaration","originals":1}]"#.into(),
            ..Default::default()
        }
    }

    fn check(d: &ProcedureDraft) -> Result<ProcedureSpec, Vec<Problem>> {
        d.check(
            Lang::En,
            |f| f == "ho_tich",
            |a| {
                (a == "ubnd-38").then(|| AgencyRef {
                    id: 7,
                    code: a.to_owned(),
                    edoc_qcvn: Some("000.00.00.H38".into()),
                })
            },
        )
        .map(|(s, _)| s)
    }

    #[test]
    fn a_good_draft_round_trips_through_its_texts() {
        let spec = check(&draft()).unwrap();
        assert_eq!(spec.papers[0].originals, 1);
        assert_eq!(check(&ProcedureDraft::of(&spec)).unwrap(), spec);
    }

    #[test]
    fn fees_are_never_rounded() {
        assert_eq!(parse_fee("50000").unwrap(), 50_000);
        assert_eq!(parse_fee(" ").unwrap(), 0);
        for bad in ["12.5", "1,000.7", "1.000", "50 000", "-5", "5đ", "1e3"] {
            let p = parse_fee(bad).unwrap_err();
            assert_eq!(p.code, "svc_fee_invalid", "{bad}");
            assert!(p.detail(Lang::En).contains(bad), "{bad}");
        }
        assert_eq!(
            parse_fee("99999999999999999").unwrap_err().code,
            "svc_fee_too_large"
        );
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut d = draft();
        d.code = "1.00119".into();
        d.field = "nope".into();
        d.level = "ward".into();
        d.fee_vnd = "12.5".into();
        d.processing_days = "1.5".into();
        d.min_assurance = "3".into();
        d.papers = "[{}]".into();
        d.form_schema = r#"{"type":"object","properties":{"a":{"type":"number"}}}"#.into();
        let fields: Vec<String> = check(&d)
            .unwrap_err()
            .into_iter()
            .map(|p| p.field.unwrap_or_default())
            .collect();
        assert_eq!(
            fields,
            [
                "code",
                "field",
                "level",
                "processing_days",
                "fee_vnd",
                "min_assurance",
                "papers",
                "form_schema"
            ]
        );
    }

    #[test]
    fn a_local_variant_carries_its_agency_identifier() {
        let mut d = draft();
        d.code = "1.001193.000.00.00.H38".into();
        d.agency = "ubnd-38".into();
        assert!(check(&d).is_ok());
        d.code = "1.001193.000.00.00.H40".into();
        assert_eq!(check(&d).unwrap_err()[0].code, "svc_agency_suffix");
        d.agency = String::new();
        assert_eq!(check(&d).unwrap_err()[0].code, "svc_agency_suffix");
    }

    #[test]
    fn control_characters_are_refused() {
        let mut d = draft();
        d.legal_basis = "Luật\u{1}".into();
        assert_eq!(check(&d).unwrap_err()[0].code, "text_control_char");
    }
}
