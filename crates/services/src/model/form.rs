//! A procedure's online form as data: a JSON Schema (a small, documented subset) and a UI layout
//! (pages of sections of fields, labelled in Vietnamese and English). Parsed once into a
//! [`Form`], which validates what a citizen sent ([`Form::validate`]: typed values out, or one
//! [`FieldError`] per field) and lays itself out for a page ([`Form::view`] → [`FormView`],
//! rendered by `templates/form_fields.html`). No I/O here.
//!
//! The schema subset (anything else is refused with the path of the offending part):
//!
//! - the root: `{"type": "object", "properties": {…}, "required": […]}`; also allowed:
//!   `$schema`, `$id`, `title`, `description`, `additionalProperties: false`;
//! - a property name: `a`–`z` then `a`–`z`, `0`–`9`, `_` (at most 64);
//! - `{"type": "string"}` with `minLength`, `maxLength` (at most 10,000; 1,000 when not given),
//!   `pattern` (a regular expression, searched as JSON Schema does: anchor it with `^…$`),
//!   `format` (`date`: `yyyy-mm-dd`, `email`), or `enum` (a list of distinct strings);
//! - `{"type": "integer"}` with `minimum`, `maximum` (whole numbers);
//! - `{"type": "boolean"}` (a check box; required means it must be ticked);
//! - `title`, `description` on a property are allowed and ignored (the layout labels).
//!
//! The layout: a list of pages `{"title": {"vi", "en"}, "sections": [{"title"?: {"vi", "en"},
//! "fields": [{"field": name, "label": {"vi", "en"}, "hint"?: {"vi", "en"}, "widget"?:
//! "textarea" | "select" | "radios", "options"?: {value: {"vi", "en"}}}]}]}`. Every property is
//! laid out exactly once, and only properties are.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use platform::i18n::{Lang, t, t_args};
use serde_json::{Map, Value};

/// The largest schema or layout text, in bytes.
pub const MAX_DEFINITION_BYTES: usize = 64 * 1024;
/// The most fields of a form.
pub const MAX_FIELDS: usize = 200;
/// The most pages of a layout, and sections of a page.
pub const MAX_PAGES: usize = 20;
pub const MAX_SECTIONS: usize = 50;
/// The most choices of an `enum`.
pub const MAX_CHOICES: usize = 500;
/// The longest text a field may accept (`maxLength` bound), and the default.
pub const MAX_TEXT: u32 = 10_000;
pub const DEFAULT_MAX_TEXT: u32 = 1_000;
/// The longest label, hint or choice value.
pub const MAX_LABEL: usize = 500;
/// The longest `pattern`.
pub const MAX_PATTERN: usize = 1_000;
const MAX_NAME: usize = 64;

/// A text in both languages.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Text {
    pub vi: String,
    pub en: String,
}

impl Text {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.vi,
            Lang::En => &self.en,
        }
    }
}

/// A `format` of a string field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextFormat {
    Date,
    Email,
}

/// A compiled `pattern` (with its source).
#[derive(Debug, Clone)]
pub struct Pattern {
    pub source: String,
    regex: Arc<regex::Regex>,
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

/// A choice of an `enum` field.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub value: String,
    pub label: Text,
}

/// What a field accepts.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldKind {
    Text {
        min_length: u32,
        max_length: u32,
        pattern: Option<Pattern>,
        format: Option<TextFormat>,
    },
    Integer {
        minimum: Option<i64>,
        maximum: Option<i64>,
    },
    Boolean,
    Choice {
        choices: Vec<Choice>,
    },
}

/// How a field is shown (from the layout's `widget`, or chosen by its kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Widget {
    Input,
    Textarea,
    Select,
    Radios,
    Checkbox,
}

/// One field of a form.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub kind: FieldKind,
    pub required: bool,
    pub label: Text,
    pub hint: Option<Text>,
    pub widget: Widget,
}

/// A section of a page: its title and its fields (indices into [`Form::fields`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub title: Option<Text>,
    pub fields: Vec<usize>,
}

/// A page of a form.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub title: Text,
    pub sections: Vec<Section>,
}

/// A parsed form definition.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Form {
    fields: Vec<Field>,
    pages: Vec<Page>,
}

/// Which text of the definition a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Schema,
    Layout,
}

/// Why a definition is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefReason {
    /// Not JSON (the parser's words).
    NotJson(String),
    TooLarge,
    /// Expected a value of this JSON type (`object`, `array`, `string`, `integer`, `boolean`).
    Expected(&'static str),
    /// A keyword outside the supported subset.
    Unsupported(String),
    /// A property's `type` outside the subset.
    UnsupportedType(String),
    /// A `format` outside the subset.
    UnsupportedFormat(String),
    BadName(String),
    TooMany(usize),
    /// `min…` above `max…`.
    Bounds,
    /// A `maxLength` above the bound.
    TooLong(u32),
    BadPattern(String),
    /// An `enum` that is empty, repeats a value, or holds an empty or too long value.
    BadEnum,
    /// `required` names a property that does not exist.
    UnknownProperty(String),
    /// Listed twice (in `required` or in the layout).
    Duplicate(String),
    /// A property the layout does not place.
    NotLaidOut(String),
    /// A text with a control character, or an empty or too long label.
    BadText,
    /// A widget that does not fit the field.
    BadWidget(String),
}

/// A definition refused: where (which text, JSON pointer) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("form {part:?} at {path}: {reason:?}")]
pub struct FormDefError {
    pub part: Part,
    pub path: String,
    pub reason: DefReason,
}

impl FormDefError {
    /// The reason in words, in `lang`.
    pub fn why(&self, lang: Lang) -> String {
        let (key, value) = match &self.reason {
            DefReason::NotJson(e) => ("not_json", e.clone()),
            DefReason::TooLarge => ("too_large", MAX_DEFINITION_BYTES.to_string()),
            DefReason::Expected(k) => ("expected", (*k).to_owned()),
            DefReason::Unsupported(k) => ("unsupported", k.clone()),
            DefReason::UnsupportedType(k) => ("unsupported_type", k.clone()),
            DefReason::UnsupportedFormat(k) => ("unsupported_format", k.clone()),
            DefReason::BadName(n) => ("bad_name", n.clone()),
            DefReason::TooMany(n) => ("too_many", n.to_string()),
            DefReason::Bounds => ("bounds", String::new()),
            DefReason::TooLong(n) => ("too_long", n.to_string()),
            DefReason::BadPattern(e) => ("bad_pattern", e.clone()),
            DefReason::BadEnum => ("bad_enum", String::new()),
            DefReason::UnknownProperty(n) => ("unknown_property", n.clone()),
            DefReason::Duplicate(n) => ("duplicate", n.clone()),
            DefReason::NotLaidOut(n) => ("not_laid_out", n.clone()),
            DefReason::BadText => ("bad_text", MAX_LABEL.to_string()),
            DefReason::BadWidget(w) => ("bad_widget", w.clone()),
        };
        t_args(
            lang,
            &format!("services_forms.def_{key}"),
            &[("value", value)],
        )
    }

    /// As a problem (`svc_form_definition`, field `form_schema` or `form_layout`), in `lang`.
    pub fn problem(&self, lang: Lang) -> platform::error::Problem {
        let field = match self.part {
            Part::Schema => "form_schema",
            Part::Layout => "form_layout",
        };
        platform::error::Problem::new("svc_form_definition")
            .field(field)
            .arg("part", field)
            .arg(
                "path",
                if self.path.is_empty() {
                    "/"
                } else {
                    &self.path
                },
            )
            .arg("why", self.why(lang))
    }
}

fn err(part: Part, path: &str, reason: DefReason) -> FormDefError {
    FormDefError {
        part,
        path: path.to_owned(),
        reason,
    }
}

/// A JSON pointer token (`~` and `/` escaped).
fn token(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

fn parse_json(part: Part, text: &str) -> Result<Value, FormDefError> {
    if text.len() > MAX_DEFINITION_BYTES {
        return Err(err(part, "", DefReason::TooLarge));
    }
    serde_json::from_str(text).map_err(|e| err(part, "", DefReason::NotJson(e.to_string())))
}

fn object<'a>(
    part: Part,
    path: &str,
    v: &'a Value,
) -> Result<&'a Map<String, Value>, FormDefError> {
    v.as_object()
        .ok_or_else(|| err(part, path, DefReason::Expected("object")))
}

fn array<'a>(part: Part, path: &str, v: &'a Value) -> Result<&'a Vec<Value>, FormDefError> {
    v.as_array()
        .ok_or_else(|| err(part, path, DefReason::Expected("array")))
}

fn whole(part: Part, path: &str, v: &Value) -> Result<i64, FormDefError> {
    v.as_i64()
        .ok_or_else(|| err(part, path, DefReason::Expected("integer")))
}

fn length(part: Part, path: &str, v: &Value) -> Result<u32, FormDefError> {
    let n = whole(part, path, v)?;
    if n < 0 {
        return Err(err(part, path, DefReason::Bounds));
    }
    if n > i64::from(MAX_TEXT) {
        return Err(err(part, path, DefReason::TooLong(MAX_TEXT)));
    }
    Ok(n as u32)
}

fn good_name(n: &str) -> bool {
    let b = n.as_bytes();
    !b.is_empty()
        && b.len() <= MAX_NAME
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
}

fn good_text(s: &str) -> bool {
    !s.trim().is_empty()
        && s.chars().count() <= MAX_LABEL
        && platform::web::extract::refused_char(s).is_none()
}

/// `{"vi": …, "en": …}`, both non-empty.
fn text(part: Part, path: &str, v: &Value) -> Result<Text, FormDefError> {
    let o = object(part, path, v)?;
    for k in o.keys() {
        if k != "vi" && k != "en" {
            return Err(err(
                part,
                &format!("{path}/{}", token(k)),
                DefReason::Unsupported(k.clone()),
            ));
        }
    }
    let one = |k: &str| -> Result<String, FormDefError> {
        let p = format!("{path}/{k}");
        let s = o
            .get(k)
            .ok_or_else(|| err(part, &p, DefReason::Expected("string")))?
            .as_str()
            .ok_or_else(|| err(part, &p, DefReason::Expected("string")))?;
        if !good_text(s) {
            return Err(err(part, &p, DefReason::BadText));
        }
        Ok(s.trim().to_owned())
    };
    Ok(Text {
        vi: one("vi")?,
        en: one("en")?,
    })
}

/// A property of the schema, before the layout labels it.
struct Property {
    name: String,
    kind: FieldKind,
}

fn property(name: &str, v: &Value) -> Result<Property, FormDefError> {
    let s = Part::Schema;
    let path = format!("/properties/{}", token(name));
    let o = object(s, &path, v)?;
    let ty = o
        .get("type")
        .ok_or_else(|| err(s, &format!("{path}/type"), DefReason::Expected("string")))?
        .as_str()
        .ok_or_else(|| err(s, &format!("{path}/type"), DefReason::Expected("string")))?;
    let allowed: &[&str] = match ty {
        "string" => &[
            "type",
            "minLength",
            "maxLength",
            "pattern",
            "format",
            "enum",
            "title",
            "description",
        ],
        "integer" => &["type", "minimum", "maximum", "title", "description"],
        "boolean" => &["type", "title", "description"],
        other => {
            return Err(err(
                s,
                &format!("{path}/type"),
                DefReason::UnsupportedType(other.chars().take(40).collect()),
            ));
        }
    };
    for k in o.keys() {
        if !allowed.contains(&k.as_str()) {
            return Err(err(
                s,
                &format!("{path}/{}", token(k)),
                DefReason::Unsupported(k.chars().take(40).collect()),
            ));
        }
    }
    for k in ["title", "description"] {
        if let Some(t) = o.get(k)
            && t.as_str().is_none_or(|t| t.len() > 4 * MAX_LABEL)
        {
            return Err(err(
                s,
                &format!("{path}/{k}"),
                DefReason::Expected("string"),
            ));
        }
    }
    let kind = match ty {
        "string" => {
            if let Some(e) = o.get("enum") {
                let p = format!("{path}/enum");
                if o.len()
                    > 2 + usize::from(o.contains_key("title"))
                        + usize::from(o.contains_key("description"))
                {
                    // `enum` with length, pattern or format: the choices say it all.
                    let extra = o
                        .keys()
                        .find(|k| !["type", "enum", "title", "description"].contains(&k.as_str()))
                        .cloned()
                        .unwrap_or_default();
                    return Err(err(
                        s,
                        &format!("{path}/{}", token(&extra)),
                        DefReason::Unsupported(extra),
                    ));
                }
                let items = array(s, &p, e)?;
                if items.is_empty() || items.len() > MAX_CHOICES {
                    return Err(err(s, &p, DefReason::BadEnum));
                }
                let mut seen = BTreeSet::new();
                let mut choices = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let v = item.as_str().ok_or_else(|| {
                        err(s, &format!("{p}/{i}"), DefReason::Expected("string"))
                    })?;
                    if !good_text(v) || v.trim() != v || !seen.insert(v.to_owned()) {
                        return Err(err(s, &format!("{p}/{i}"), DefReason::BadEnum));
                    }
                    choices.push(Choice {
                        value: v.to_owned(),
                        label: Text {
                            vi: v.to_owned(),
                            en: v.to_owned(),
                        },
                    });
                }
                FieldKind::Choice { choices }
            } else {
                let min_length = match o.get("minLength") {
                    Some(v) => length(s, &format!("{path}/minLength"), v)?,
                    None => 0,
                };
                let max_length = match o.get("maxLength") {
                    Some(v) => length(s, &format!("{path}/maxLength"), v)?,
                    None => DEFAULT_MAX_TEXT,
                };
                if min_length > max_length {
                    return Err(err(s, &format!("{path}/minLength"), DefReason::Bounds));
                }
                let pattern = match o.get("pattern") {
                    None => None,
                    Some(v) => {
                        let p = format!("{path}/pattern");
                        let src = v
                            .as_str()
                            .ok_or_else(|| err(s, &p, DefReason::Expected("string")))?;
                        if src.len() > MAX_PATTERN {
                            return Err(err(
                                s,
                                &p,
                                DefReason::BadPattern(format!("> {MAX_PATTERN}")),
                            ));
                        }
                        let regex = regex::RegexBuilder::new(src)
                            .size_limit(256 * 1024)
                            .dfa_size_limit(256 * 1024)
                            .nest_limit(50)
                            .build()
                            .map_err(|e| {
                                let first =
                                    e.to_string().lines().last().unwrap_or("").trim().to_owned();
                                err(s, &p, DefReason::BadPattern(first))
                            })?;
                        Some(Pattern {
                            source: src.to_owned(),
                            regex: Arc::new(regex),
                        })
                    }
                };
                let format = match o.get("format") {
                    None => None,
                    Some(v) => {
                        let p = format!("{path}/format");
                        match v.as_str() {
                            Some("date") => Some(TextFormat::Date),
                            Some("email") => Some(TextFormat::Email),
                            Some(other) => {
                                return Err(err(
                                    s,
                                    &p,
                                    DefReason::UnsupportedFormat(other.chars().take(40).collect()),
                                ));
                            }
                            None => return Err(err(s, &p, DefReason::Expected("string"))),
                        }
                    }
                };
                FieldKind::Text {
                    min_length,
                    max_length,
                    pattern,
                    format,
                }
            }
        }
        "integer" => {
            let minimum = o
                .get("minimum")
                .map(|v| whole(s, &format!("{path}/minimum"), v))
                .transpose()?;
            let maximum = o
                .get("maximum")
                .map(|v| whole(s, &format!("{path}/maximum"), v))
                .transpose()?;
            if let (Some(a), Some(b)) = (minimum, maximum)
                && a > b
            {
                return Err(err(s, &format!("{path}/minimum"), DefReason::Bounds));
            }
            FieldKind::Integer { minimum, maximum }
        }
        _ => FieldKind::Boolean,
    };
    Ok(Property {
        name: name.to_owned(),
        kind,
    })
}

/// The schema's properties (in the schema's order) and the required names.
fn schema(text: &str) -> Result<(Vec<Property>, BTreeSet<String>), FormDefError> {
    let s = Part::Schema;
    let v = parse_json(s, text)?;
    let o = object(s, "", &v)?;
    if o.is_empty() {
        return Ok((Vec::new(), BTreeSet::new()));
    }
    for (k, val) in o {
        match k.as_str() {
            "$schema" | "$id" | "title" | "description" => {
                if !val.is_string() {
                    return Err(err(
                        s,
                        &format!("/{}", token(k)),
                        DefReason::Expected("string"),
                    ));
                }
            }
            "type" => {
                if val.as_str() != Some("object") {
                    return Err(err(
                        s,
                        "/type",
                        DefReason::UnsupportedType(val.to_string().chars().take(40).collect()),
                    ));
                }
            }
            "additionalProperties" => {
                if val != &Value::Bool(false) {
                    return Err(err(
                        s,
                        "/additionalProperties",
                        DefReason::Unsupported("additionalProperties".into()),
                    ));
                }
            }
            "properties" | "required" => {}
            other => {
                return Err(err(
                    s,
                    &format!("/{}", token(other)),
                    DefReason::Unsupported(other.chars().take(40).collect()),
                ));
            }
        }
    }
    if o.get("type").is_none() {
        return Err(err(s, "/type", DefReason::Expected("string")));
    }
    let mut props = Vec::new();
    if let Some(p) = o.get("properties") {
        let p = object(s, "/properties", p)?;
        if p.len() > MAX_FIELDS {
            return Err(err(s, "/properties", DefReason::TooMany(MAX_FIELDS)));
        }
        for (name, v) in p {
            if !good_name(name) {
                return Err(err(
                    s,
                    &format!("/properties/{}", token(name)),
                    DefReason::BadName(name.chars().take(MAX_NAME + 1).collect()),
                ));
            }
            props.push(property(name, v)?);
        }
    }
    let mut required = BTreeSet::new();
    if let Some(r) = o.get("required") {
        for (i, n) in array(s, "/required", r)?.iter().enumerate() {
            let p = format!("/required/{i}");
            let n = n
                .as_str()
                .ok_or_else(|| err(s, &p, DefReason::Expected("string")))?;
            if !props.iter().any(|x| x.name == n) {
                return Err(err(
                    s,
                    &p,
                    DefReason::UnknownProperty(n.chars().take(MAX_NAME + 1).collect()),
                ));
            }
            if !required.insert(n.to_owned()) {
                return Err(err(s, &p, DefReason::Duplicate(n.to_owned())));
            }
        }
    }
    Ok((props, required))
}

impl Form {
    /// Parse a definition: the schema and the layout texts as stored with a procedure version.
    /// `{}` and `[]` make the empty form (a procedure without an online form).
    pub fn parse(schema_json: &str, layout_json: &str) -> Result<Form, FormDefError> {
        let (props, required) = schema(schema_json)?;
        let l = Part::Layout;
        let v = parse_json(l, layout_json)?;
        let pages_v = array(l, "", &v)?;
        if pages_v.len() > MAX_PAGES {
            return Err(err(l, "", DefReason::TooMany(MAX_PAGES)));
        }
        let mut fields: Vec<Field> = Vec::with_capacity(props.len());
        let mut placed: BTreeMap<String, usize> = BTreeMap::new();
        let mut pages = Vec::with_capacity(pages_v.len());
        for (pi, page) in pages_v.iter().enumerate() {
            let pp = format!("/{pi}");
            let po = object(l, &pp, page)?;
            for k in po.keys() {
                if k != "title" && k != "sections" {
                    return Err(err(
                        l,
                        &format!("{pp}/{}", token(k)),
                        DefReason::Unsupported(k.chars().take(40).collect()),
                    ));
                }
            }
            let title = text(
                l,
                &format!("{pp}/title"),
                po.get("title").unwrap_or(&Value::Null),
            )?;
            let secs = array(
                l,
                &format!("{pp}/sections"),
                po.get("sections").unwrap_or(&Value::Null),
            )?;
            if secs.len() > MAX_SECTIONS {
                return Err(err(
                    l,
                    &format!("{pp}/sections"),
                    DefReason::TooMany(MAX_SECTIONS),
                ));
            }
            let mut sections = Vec::with_capacity(secs.len());
            for (si, sec) in secs.iter().enumerate() {
                let sp = format!("{pp}/sections/{si}");
                let so = object(l, &sp, sec)?;
                for k in so.keys() {
                    if k != "title" && k != "fields" {
                        return Err(err(
                            l,
                            &format!("{sp}/{}", token(k)),
                            DefReason::Unsupported(k.chars().take(40).collect()),
                        ));
                    }
                }
                let title = so
                    .get("title")
                    .map(|t| text(l, &format!("{sp}/title"), t))
                    .transpose()?;
                let fs = array(
                    l,
                    &format!("{sp}/fields"),
                    so.get("fields").unwrap_or(&Value::Null),
                )?;
                let mut idx = Vec::with_capacity(fs.len());
                for (fi, f) in fs.iter().enumerate() {
                    let fp = format!("{sp}/fields/{fi}");
                    let fo = object(l, &fp, f)?;
                    for k in fo.keys() {
                        if !["field", "label", "hint", "widget", "options"].contains(&k.as_str()) {
                            return Err(err(
                                l,
                                &format!("{fp}/{}", token(k)),
                                DefReason::Unsupported(k.chars().take(40).collect()),
                            ));
                        }
                    }
                    let name = fo.get("field").and_then(Value::as_str).ok_or_else(|| {
                        err(l, &format!("{fp}/field"), DefReason::Expected("string"))
                    })?;
                    let Some(prop) = props.iter().find(|p| p.name == name) else {
                        return Err(err(
                            l,
                            &format!("{fp}/field"),
                            DefReason::UnknownProperty(name.chars().take(MAX_NAME + 1).collect()),
                        ));
                    };
                    if placed.contains_key(name) {
                        return Err(err(
                            l,
                            &format!("{fp}/field"),
                            DefReason::Duplicate(name.to_owned()),
                        ));
                    }
                    let label = text(
                        l,
                        &format!("{fp}/label"),
                        fo.get("label").unwrap_or(&Value::Null),
                    )?;
                    let hint = fo
                        .get("hint")
                        .map(|h| text(l, &format!("{fp}/hint"), h))
                        .transpose()?;
                    let mut kind = prop.kind.clone();
                    if let Some(opts) = fo.get("options") {
                        let op = format!("{fp}/options");
                        let FieldKind::Choice { choices } = &mut kind else {
                            return Err(err(l, &op, DefReason::Unsupported("options".into())));
                        };
                        for (value, label) in object(l, &op, opts)? {
                            let vp = format!("{op}/{}", token(value));
                            let Some(c) = choices.iter_mut().find(|c| &c.value == value) else {
                                return Err(err(
                                    l,
                                    &vp,
                                    DefReason::UnknownProperty(
                                        value.chars().take(MAX_LABEL).collect(),
                                    ),
                                ));
                            };
                            c.label = text(l, &vp, label)?;
                        }
                    }
                    let natural = match &kind {
                        FieldKind::Boolean => Widget::Checkbox,
                        FieldKind::Choice { choices } if choices.len() <= 5 => Widget::Radios,
                        FieldKind::Choice { .. } => Widget::Select,
                        FieldKind::Text { max_length, .. } if *max_length > 500 => Widget::Textarea,
                        _ => Widget::Input,
                    };
                    let widget = match fo.get("widget") {
                        None => natural,
                        Some(w) => {
                            let wp = format!("{fp}/widget");
                            let w = w
                                .as_str()
                                .ok_or_else(|| err(l, &wp, DefReason::Expected("string")))?;
                            match (w, &kind) {
                                ("textarea", FieldKind::Text { format: None, .. }) => {
                                    Widget::Textarea
                                }
                                ("input", FieldKind::Text { .. }) => Widget::Input,
                                ("select", FieldKind::Choice { .. }) => Widget::Select,
                                ("radios", FieldKind::Choice { .. }) => Widget::Radios,
                                _ => {
                                    return Err(err(
                                        l,
                                        &wp,
                                        DefReason::BadWidget(w.chars().take(40).collect()),
                                    ));
                                }
                            }
                        }
                    };
                    placed.insert(name.to_owned(), fields.len());
                    idx.push(fields.len());
                    fields.push(Field {
                        name: name.to_owned(),
                        required: required.contains(name),
                        kind,
                        label,
                        hint,
                        widget,
                    });
                }
                sections.push(Section { title, fields: idx });
            }
            pages.push(Page { title, sections });
        }
        if let Some(p) = props.iter().find(|p| !placed.contains_key(&p.name)) {
            return Err(err(l, "", DefReason::NotLaidOut(p.name.clone())));
        }
        Ok(Form { fields, pages })
    }

    /// The fields, in the layout's order.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    pub fn pages(&self) -> &[Page] {
        &self.pages
    }

    /// A form without fields (the procedure has no online form).
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Check what was sent (field name → text as typed; names the form does not have are
    /// ignored). All good: the values as a JSON object, typed (strings trimmed of surrounding
    /// white space, integers as numbers exactly as written, booleans; an empty optional field is
    /// left out). Otherwise one error per field at fault, in the layout's order.
    pub fn validate(&self, submitted: &BTreeMap<String, String>) -> Result<Value, Vec<FieldError>> {
        let mut out = Map::new();
        let mut errors = Vec::new();
        for f in &self.fields {
            let raw = submitted.get(&f.name).map(String::as_str).unwrap_or("");
            match f.check(raw) {
                Ok(Some(v)) => {
                    out.insert(f.name.clone(), v);
                }
                Ok(None) => {}
                Err(code) => errors.push(FieldError {
                    field: f.name.clone(),
                    code,
                }),
            }
        }
        if errors.is_empty() {
            Ok(Value::Object(out))
        } else {
            Err(errors)
        }
    }

    /// The texts that, sent back, give `values` again (for a saved draft shown in the form).
    /// Values of fields the form does not have, and values of the wrong type, are left out.
    pub fn texts_of(&self, values: &Value) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let Some(o) = values.as_object() else {
            return out;
        };
        for f in &self.fields {
            let text = match (o.get(&f.name), &f.kind) {
                (Some(Value::String(s)), FieldKind::Text { .. } | FieldKind::Choice { .. }) => {
                    s.clone()
                }
                (Some(Value::Number(n)), FieldKind::Integer { .. }) if n.is_i64() => n.to_string(),
                (Some(Value::Bool(true)), FieldKind::Boolean) => "true".to_owned(),
                _ => continue,
            };
            out.insert(f.name.clone(), text);
        }
        out
    }

    /// The form laid out for a page in `lang`: each field with what was typed and its error.
    pub fn view(
        &self,
        lang: Lang,
        typed: &BTreeMap<String, String>,
        errors: &[FieldError],
    ) -> FormView {
        let error_of = |name: &str| errors.iter().find(|e| e.field == name);
        let summary = self
            .fields
            .iter()
            .filter_map(|f| error_of(&f.name).map(|e| (f, e)))
            .map(|(f, e)| {
                platform::web::form::FormError::at(field_id(&f.name), e.message_for(f, lang))
            })
            .collect();
        let pages = self
            .pages
            .iter()
            .map(|p| PageView {
                title: p.title.get(lang).to_owned(),
                sections: p
                    .sections
                    .iter()
                    .map(|s| SectionView {
                        title: s.title.as_ref().map(|t| t.get(lang).to_owned()),
                        fields: s
                            .fields
                            .iter()
                            .filter_map(|i| self.fields.get(*i))
                            .map(|f| {
                                f.view(
                                    lang,
                                    typed.get(&f.name).map(String::as_str),
                                    error_of(&f.name),
                                )
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect();
        FormView {
            pages,
            errors: summary,
        }
    }
}

/// The element id of a field on a page (`f-` + its name).
pub fn field_id(name: &str) -> String {
    format!("f-{name}")
}

/// Why a field's value is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldErrorCode {
    Required,
    /// A required check box left unticked.
    MustTick,
    ControlChar,
    TooShort(u32),
    TooLong(u32),
    Pattern,
    Date,
    Email,
    /// Not a whole number written with digits (the text as typed).
    NotInteger(String),
    TooSmall(i64),
    TooLarge(i64),
    Choice,
    /// A check box sent with a value other than `true`, `on` or `false`.
    NotBoolean,
}

/// One field's problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub code: FieldErrorCode,
}

impl FieldError {
    /// The stable code (`required`, `too_long`, `not_integer`…).
    pub fn code(&self) -> &'static str {
        match self.code {
            FieldErrorCode::Required => "required",
            FieldErrorCode::MustTick => "must_tick",
            FieldErrorCode::ControlChar => "control_char",
            FieldErrorCode::TooShort(_) => "too_short",
            FieldErrorCode::TooLong(_) => "too_long",
            FieldErrorCode::Pattern => "pattern",
            FieldErrorCode::Date => "date",
            FieldErrorCode::Email => "email",
            FieldErrorCode::NotInteger(_) => "not_integer",
            FieldErrorCode::TooSmall(_) => "too_small",
            FieldErrorCode::TooLarge(_) => "too_large",
            FieldErrorCode::Choice => "choice",
            FieldErrorCode::NotBoolean => "not_boolean",
        }
    }

    fn message_for(&self, f: &Field, lang: Lang) -> String {
        let value = match &self.code {
            FieldErrorCode::TooShort(n) | FieldErrorCode::TooLong(n) => n.to_string(),
            FieldErrorCode::TooSmall(n) | FieldErrorCode::TooLarge(n) => n.to_string(),
            FieldErrorCode::NotInteger(s) => s.chars().take(40).collect(),
            _ => String::new(),
        };
        t_args(
            lang,
            &format!("services_forms.err_{}", self.code()),
            &[("label", f.label.get(lang).to_owned()), ("value", value)],
        )
    }

    /// The message in `lang`, naming the field by its label in `form`.
    pub fn message(&self, form: &Form, lang: Lang) -> String {
        match form.field(&self.field) {
            Some(f) => self.message_for(f, lang),
            None => t(lang, &format!("services_forms.err_{}", self.code())),
        }
    }

    /// As a problem of the API envelope (`svc_form_field`, the field's name, the message).
    pub fn problem(&self, form: &Form, lang: Lang) -> platform::error::Problem {
        platform::error::Problem::new("svc_form_field")
            .field(self.field.clone())
            .arg("detail", self.message(form, lang))
    }
}

fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let Ok(month) = time::Month::try_from(m as u8) else {
        return false;
    };
    y >= 1 && time::Date::from_calendar_date(y as i32, month, d as u8).is_ok()
}

fn valid_email(s: &str) -> bool {
    if s.len() > 254 || s.chars().any(|c| c.is_whitespace()) {
        return false;
    }
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain
            .split('.')
            .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'))
}

/// A whole number written as digits, with an optional leading minus: nothing else.
fn integer(s: &str) -> Result<i64, FieldErrorCode> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldErrorCode::NotInteger(s.to_owned()));
    }
    s.parse::<i64>().map_err(|_| {
        if s.starts_with('-') {
            FieldErrorCode::TooSmall(i64::MIN)
        } else {
            FieldErrorCode::TooLarge(i64::MAX)
        }
    })
}

impl Field {
    /// The field's typed value (None: empty and optional).
    fn check(&self, raw: &str) -> Result<Option<Value>, FieldErrorCode> {
        if platform::web::extract::refused_char(raw).is_some() {
            return Err(FieldErrorCode::ControlChar);
        }
        // Bound the work before anything else: no field accepts more than MAX_TEXT characters.
        if raw.len() > 4 * MAX_TEXT as usize + 64 {
            return Err(FieldErrorCode::TooLong(match &self.kind {
                FieldKind::Text { max_length, .. } => *max_length,
                _ => MAX_TEXT,
            }));
        }
        let s = raw.trim();
        if let FieldKind::Boolean = self.kind {
            let v = match s {
                "true" | "on" => true,
                "" | "false" => false,
                _ => return Err(FieldErrorCode::NotBoolean),
            };
            if self.required && !v {
                return Err(FieldErrorCode::MustTick);
            }
            return Ok(Some(Value::Bool(v)));
        }
        if s.is_empty() {
            return if self.required {
                Err(FieldErrorCode::Required)
            } else {
                Ok(None)
            };
        }
        match &self.kind {
            FieldKind::Text {
                min_length,
                max_length,
                pattern,
                format,
            } => {
                let n = s.chars().count();
                if n > *max_length as usize {
                    return Err(FieldErrorCode::TooLong(*max_length));
                }
                if n < *min_length as usize {
                    return Err(FieldErrorCode::TooShort(*min_length));
                }
                match format {
                    Some(TextFormat::Date) if !valid_date(s) => return Err(FieldErrorCode::Date),
                    Some(TextFormat::Email) if !valid_email(s) => {
                        return Err(FieldErrorCode::Email);
                    }
                    _ => {}
                }
                if let Some(p) = pattern
                    && !p.regex.is_match(s)
                {
                    return Err(FieldErrorCode::Pattern);
                }
                Ok(Some(Value::String(s.to_owned())))
            }
            FieldKind::Integer { minimum, maximum } => {
                let n = integer(s)?;
                if let Some(m) = minimum
                    && n < *m
                {
                    return Err(FieldErrorCode::TooSmall(*m));
                }
                if let Some(m) = maximum
                    && n > *m
                {
                    return Err(FieldErrorCode::TooLarge(*m));
                }
                Ok(Some(Value::from(n)))
            }
            FieldKind::Choice { choices } => {
                if choices.iter().any(|c| c.value == s) {
                    Ok(Some(Value::String(s.to_owned())))
                } else {
                    Err(FieldErrorCode::Choice)
                }
            }
            FieldKind::Boolean => unreachable!("handled above"),
        }
    }

    fn view(&self, lang: Lang, typed: Option<&str>, error: Option<&FieldError>) -> FieldView {
        let value = typed.unwrap_or("").to_owned();
        let (input_type, input_mode) = match &self.kind {
            FieldKind::Text {
                format: Some(TextFormat::Date),
                ..
            } => ("date", ""),
            FieldKind::Text {
                format: Some(TextFormat::Email),
                ..
            } => ("email", "email"),
            FieldKind::Integer { .. } => ("text", "numeric"),
            _ => ("text", ""),
        };
        let max_length = match &self.kind {
            FieldKind::Text { max_length, .. } => Some(*max_length),
            _ => None,
        };
        let options = match &self.kind {
            FieldKind::Choice { choices } => choices
                .iter()
                .enumerate()
                .map(|(i, c)| OptionView {
                    id: format!("{}-{i}", field_id(&self.name)),
                    value: c.value.clone(),
                    label: c.label.get(lang).to_owned(),
                    selected: c.value == value.trim(),
                })
                .collect(),
            _ => Vec::new(),
        };
        FieldView {
            id: field_id(&self.name),
            name: self.name.clone(),
            label: self.label.get(lang).to_owned(),
            hint: self.hint.as_ref().map(|h| h.get(lang).to_owned()),
            widget: match self.widget {
                Widget::Input => "input",
                Widget::Textarea => "textarea",
                Widget::Select => "select",
                Widget::Radios => "radios",
                Widget::Checkbox => "checkbox",
            },
            input_type,
            input_mode,
            max_length,
            checked: matches!(value.trim(), "true" | "on"),
            value,
            required: self.required,
            error: error.map(|e| e.message_for(self, lang)),
            options,
        }
    }
}

/// A form laid out for a page: render it with `{% include "form_fields.html" %}` from a
/// template whose struct has a field `form: FormView` (and put `form.errors` in the page's
/// `form_errors`, so the error summary at the top links to each field).
#[derive(Debug, Clone, Default)]
pub struct FormView {
    pub pages: Vec<PageView>,
    /// One per field at fault, linking to it (`#f-name`), in the layout's order.
    pub errors: Vec<platform::web::form::FormError>,
}

#[derive(Debug, Clone)]
pub struct PageView {
    pub title: String,
    pub sections: Vec<SectionView>,
}

#[derive(Debug, Clone)]
pub struct SectionView {
    pub title: Option<String>,
    pub fields: Vec<FieldView>,
}

#[derive(Debug, Clone)]
pub struct FieldView {
    /// The element id (`f-` + name).
    pub id: String,
    /// The form field name sent back (the property's name).
    pub name: String,
    pub label: String,
    pub hint: Option<String>,
    /// `input`, `textarea`, `select`, `radios` or `checkbox`.
    pub widget: &'static str,
    /// The `type` of an input (`text`, `date`, `email`) and its `inputmode`.
    pub input_type: &'static str,
    pub input_mode: &'static str,
    pub max_length: Option<u32>,
    pub value: String,
    pub checked: bool,
    pub required: bool,
    pub error: Option<String>,
    pub options: Vec<OptionView>,
}

#[derive(Debug, Clone)]
pub struct OptionView {
    pub id: String,
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[cfg(test)]
mod tests;
