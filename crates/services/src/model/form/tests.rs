use super::*;
use proptest::prelude::*;
use serde_json::json;

fn schema() -> String {
    json!({
        "type": "object",
        "properties": {
            "full_name": {"type": "string", "minLength": 2, "maxLength": 100},
            "birth_date": {"type": "string", "format": "date"},
            "email": {"type": "string", "format": "email"},
            "id_number": {"type": "string", "pattern": "^[0-9]{12}$"},
            "children": {"type": "integer", "minimum": 0, "maximum": 20},
            "sex": {"type": "string", "enum": ["male", "female"]},
            "agree": {"type": "boolean"},
            "note": {"type": "string", "maxLength": 2000}
        },
        "required": ["full_name", "birth_date", "sex", "agree"],
        "additionalProperties": false
    })
    .to_string()
}

fn label(vi: &str, en: &str) -> Value {
    json!({"vi": vi, "en": en})
}

fn layout() -> String {
    json!([
        {"title": label("Người yêu cầu", "Applicant"), "sections": [
            {"title": label("Thông tin", "Details"), "fields": [
                {"field": "full_name", "label": label("Họ và tên", "Full name"), "hint": label("Như trên giấy tờ", "As on your papers")},
                {"field": "birth_date", "label": label("Ngày sinh", "Date of birth")},
                {"field": "email", "label": label("Thư điện tử", "E-mail")},
                {"field": "id_number", "label": label("Số định danh cá nhân", "Personal identification number")},
                {"field": "children", "label": label("Số con", "Number of children")},
                {"field": "sex", "label": label("Giới tính", "Sex"), "options": {"male": label("Nam", "Male"), "female": label("Nữ", "Female")}}
            ]}
        ]},
        {"title": label("Xác nhận", "Confirm"), "sections": [
            {"fields": [
                {"field": "note", "label": label("Ghi chú", "Note")},
                {"field": "agree", "label": label("Tôi cam đoan", "I declare")}
            ]}
        ]}
    ])
    .to_string()
}

fn form() -> Form {
    Form::parse(&schema(), &layout()).unwrap()
}

fn sent(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn good() -> BTreeMap<String, String> {
    sent(&[
        ("full_name", " Nguyễn Văn A "),
        ("birth_date", "2026-02-28"),
        ("sex", "male"),
        ("agree", "on"),
        ("children", "2"),
        ("csrf", "ignored"),
    ])
}

#[test]
fn parses_fields_in_layout_order_with_widgets() {
    let f = form();
    let names: Vec<&str> = f.fields().iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "full_name",
            "birth_date",
            "email",
            "id_number",
            "children",
            "sex",
            "note",
            "agree"
        ]
    );
    assert_eq!(f.field("sex").unwrap().widget, Widget::Radios);
    assert_eq!(f.field("note").unwrap().widget, Widget::Textarea);
    assert_eq!(f.field("agree").unwrap().widget, Widget::Checkbox);
    assert!(f.field("full_name").unwrap().required);
    assert!(!f.field("email").unwrap().required);
    assert_eq!(f.pages().len(), 2);
    assert!(Form::parse("{}", "[]").unwrap().is_empty());
}

#[test]
fn valid_values_come_out_typed() {
    let v = form().validate(&good()).unwrap();
    assert_eq!(
        v,
        json!({"full_name": "Nguyễn Văn A", "birth_date": "2026-02-28", "sex": "male",
               "agree": true, "children": 2})
    );
    // Round trip: the texts of the values give the values again.
    let texts = form().texts_of(&v);
    assert_eq!(form().validate(&texts).unwrap(), v);
}

#[test]
fn each_field_gets_its_precise_error() {
    let f = form();
    let bad = sent(&[
        ("full_name", "A"),
        ("birth_date", "2026-02-30"),
        ("email", "a@b"),
        ("id_number", "12345"),
        ("children", "12.5"),
        ("sex", "other"),
        ("agree", ""),
        ("note", "x\u{1}y"),
    ]);
    let errs = f.validate(&bad).unwrap_err();
    let codes: Vec<(&str, &str)> = errs.iter().map(|e| (e.field.as_str(), e.code())).collect();
    assert_eq!(
        codes,
        [
            ("full_name", "too_short"),
            ("birth_date", "date"),
            ("email", "email"),
            ("id_number", "pattern"),
            ("children", "not_integer"),
            ("sex", "choice"),
            ("note", "control_char"),
            ("agree", "must_tick"),
        ]
    );
    let en = errs[4].message(&f, Lang::En);
    assert!(
        en.contains("Number of children") && en.contains("12.5"),
        "{en}"
    );
    let vi = errs[0].message(&f, Lang::Vi);
    assert!(vi.contains("Họ và tên") && vi.contains('2'), "{vi}");
    // Missing required fields.
    let errs = f.validate(&BTreeMap::new()).unwrap_err();
    assert_eq!(errs[0].code(), "required");
    assert_eq!(errs.len(), 4);
}

#[test]
fn integers_are_never_reinterpreted() {
    let f = form();
    for (typed, code) in [
        ("1,000", "not_integer"),
        ("1.000", "not_integer"),
        ("+3", "not_integer"),
        ("3 4", "not_integer"),
        ("0x10", "not_integer"),
        ("21", "too_large"),
        ("-1", "too_small"),
        ("99999999999999999999", "too_large"),
    ] {
        let mut s = good();
        s.insert("children".into(), typed.into());
        let e = f.validate(&s).unwrap_err();
        assert_eq!(e[0].code(), code, "{typed}");
    }
}

#[test]
fn the_view_links_errors_to_fields() {
    let f = form();
    let mut typed = good();
    typed.insert("children".into(), "abc".into());
    let errs = f.validate(&typed).unwrap_err();
    let v = f.view(Lang::Vi, &typed, &errs);
    assert_eq!(v.errors.len(), 1);
    assert_eq!(v.errors[0].field.as_deref(), Some("f-children"));
    let field = &v.pages[0].sections[0].fields[4];
    assert_eq!(field.value, "abc");
    assert!(field.error.is_some());
    assert_eq!(field.input_mode, "numeric");
    let sex = &v.pages[0].sections[0].fields[5];
    assert_eq!(sex.options[0].label, "Nam");
    assert!(sex.options[0].selected);
}

fn def_err(schema: Value, layout: Value) -> FormDefError {
    Form::parse(&schema.to_string(), &layout.to_string()).unwrap_err()
}

#[test]
fn bad_definitions_say_where_and_why() {
    let one = |p: Value| json!({"type": "object", "properties": {"a": p}});
    let lay = json!([{"title": label("T", "T"), "sections": [{"fields": [{"field": "a", "label": label("A", "A")}]}]}]);
    let e = def_err(one(json!({"type": "number"})), lay.clone());
    assert_eq!(
        (e.part, e.path.as_str()),
        (Part::Schema, "/properties/a/type")
    );
    assert_eq!(e.reason, DefReason::UnsupportedType("number".into()));
    let e = def_err(
        one(json!({"type": "string", "minLength": 5, "maxLength": 2})),
        lay.clone(),
    );
    assert_eq!(e.reason, DefReason::Bounds);
    let e = def_err(one(json!({"type": "string", "pattern": "(" })), lay.clone());
    assert_eq!(e.path, "/properties/a/pattern");
    assert!(matches!(e.reason, DefReason::BadPattern(_)));
    let e = def_err(one(json!({"type": "string", "oneOf": []})), lay.clone());
    assert_eq!(e.reason, DefReason::Unsupported("oneOf".into()));
    let e = def_err(one(json!({"type": "integer", "minimum": 1.5})), lay.clone());
    assert_eq!(e.path, "/properties/a/minimum");
    let e = def_err(
        one(json!({"type": "string", "enum": ["x", "x"]})),
        lay.clone(),
    );
    assert_eq!(e.path, "/properties/a/enum/1");
    let e = def_err(
        json!({"type": "object", "properties": {"A b": {"type": "string"}}}),
        lay.clone(),
    );
    assert!(matches!(e.reason, DefReason::BadName(_)));
    let e = def_err(
        json!({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["b"]}),
        lay.clone(),
    );
    assert_eq!(
        (e.path.as_str(), &e.reason),
        ("/required/0", &DefReason::UnknownProperty("b".into()))
    );
    // Layout problems.
    let e = def_err(one(json!({"type": "string"})), json!([]));
    assert_eq!(
        (e.part, &e.reason),
        (Part::Layout, &DefReason::NotLaidOut("a".into()))
    );
    let e = def_err(
        one(json!({"type": "string"})),
        json!([{"title": label("T", "T"), "sections": [{"fields": [
        {"field": "a", "label": label("A", "A")}, {"field": "a", "label": label("A", "A")}]}]}]),
    );
    assert_eq!(e.path, "/0/sections/0/fields/1/field");
    let e = def_err(
        one(json!({"type": "string"})),
        json!([{"title": label("T", "T"), "sections": [{"fields": [
        {"field": "a", "label": {"vi": "A"}}]}]}]),
    );
    assert_eq!(e.path, "/0/sections/0/fields/0/label/en");
    let e = def_err(
        one(json!({"type": "string"})),
        json!([{"title": label("T", "T"), "sections": [{"fields": [
        {"field": "a", "label": label("A\u{7}", "A")}]}]}]),
    );
    assert_eq!(e.reason, DefReason::BadText);
    let e = Form::parse("{", "[]").unwrap_err();
    assert!(matches!(e.reason, DefReason::NotJson(_)));
    let big = " ".repeat(MAX_DEFINITION_BYTES + 1);
    assert_eq!(
        Form::parse(&big, "[]").unwrap_err().reason,
        DefReason::TooLarge
    );
    // The messages exist in both languages.
    for lang in [Lang::Vi, Lang::En] {
        let why = e.why(lang);
        assert!(!why.starts_with("services_forms."), "{why}");
    }
}

// Property tests: the parser and the validator never panic; valid values round-trip.

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-z\\-^$()\\[\\]{}*+?.|\\\\]{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("type"),
            Just("string"),
            Just("integer"),
            Just("boolean"),
            Just("object"),
            Just("enum"),
            Just("pattern"),
            Just("minLength"),
            Just("maxLength"),
            Just("minimum"),
            Just("maximum"),
            Just("format"),
            Just("date"),
            Just("email"),
            Just("properties"),
            Just("required"),
            Just("a"),
            Just("b"),
            Just("vi"),
            Just("en"),
            Just("field"),
            Just("label"),
            Just("title"),
            Just("sections"),
            Just("fields"),
            Just("widget"),
            Just("options"),
            Just("select")
        ]
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("type"),
                        Just("properties"),
                        Just("required"),
                        Just("a"),
                        Just("b"),
                        Just("minLength"),
                        Just("maxLength"),
                        Just("pattern"),
                        Just("enum"),
                        Just("minimum"),
                        Just("maximum"),
                        Just("format"),
                        Just("title"),
                        Just("sections"),
                        Just("fields"),
                        Just("field"),
                        Just("label"),
                        Just("vi"),
                        Just("en"),
                        Just("options"),
                        Just("widget"),
                        Just("hint")
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

/// A valid definition and a valid value for each field.
#[derive(Debug, Clone)]
enum Gen {
    Text { min: u32, max: u32, value: String },
    Int { min: i64, max: i64, value: i64 },
    Bool(bool),
    Choice(Vec<String>, usize),
}

fn arb_field() -> impl Strategy<Value = (Gen, bool)> {
    let text = (0u32..5, 5u32..50, "[a-zA-Zà-ỹ0-9 ]{0,60}").prop_map(|(min, max, v)| {
        let v: String = v
            .chars()
            .take(max as usize)
            .collect::<String>()
            .trim()
            .to_owned();
        let v = if (v.chars().count() as u32) < min.max(1) {
            "x".repeat(min.max(1) as usize)
        } else {
            v
        };
        Gen::Text { min, max, value: v }
    });
    let int = (any::<i32>(), 0i64..1_000_000, any::<u32>()).prop_map(|(min, span, pick)| {
        let min = i64::from(min);
        Gen::Int {
            min,
            max: min + span,
            value: min + i64::from(pick) % (span + 1),
        }
    });
    let boolean = any::<bool>().prop_map(Gen::Bool);
    let choice = (
        prop::collection::btree_set("[a-z]{1,8}", 1..8),
        any::<usize>(),
    )
        .prop_map(|(set, i)| {
            let v: Vec<String> = set.into_iter().collect();
            let n = v.len();
            Gen::Choice(v, i % n)
        });
    (prop_oneof![text, int, boolean, choice], any::<bool>())
}

fn build(fields: &[(Gen, bool)]) -> (String, String, Value) {
    let mut props = Map::new();
    let mut required = Vec::new();
    let mut lay = Vec::new();
    let mut values = Map::new();
    for (i, (g, req)) in fields.iter().enumerate() {
        let name = format!("f{i}");
        let (p, v) = match g {
            Gen::Text { min, max, value } => (
                json!({"type": "string", "minLength": min, "maxLength": max}),
                Some(Value::String(value.clone())),
            ),
            Gen::Int { min, max, value } => (
                json!({"type": "integer", "minimum": min, "maximum": max}),
                Some(Value::from(*value)),
            ),
            Gen::Bool(b) => (json!({"type": "boolean"}), Some(Value::Bool(*b || *req))),
            Gen::Choice(c, i) => (
                json!({"type": "string", "enum": c}),
                Some(Value::String(c[*i].clone())),
            ),
        };
        props.insert(name.clone(), p);
        if *req {
            required.push(name.clone());
        }
        if let Some(v) = v {
            values.insert(name.clone(), v);
        }
        lay.push(json!({"field": name, "label": label("Nhãn", "Label")}));
    }
    let schema = json!({"type": "object", "properties": props, "required": required});
    let layout = json!([{"title": label("Trang", "Page"), "sections": [{"fields": lay}]}]);
    (
        schema.to_string(),
        layout.to_string(),
        Value::Object(values),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn the_parser_never_panics(schema in arb_json(), layout in arb_json()) {
        let _ = Form::parse(&schema.to_string(), &layout.to_string());
    }

    #[test]
    fn the_parser_never_panics_on_any_text(schema in ".{0,200}", layout in ".{0,200}") {
        let _ = Form::parse(&schema, &layout);
    }

    #[test]
    fn valid_values_round_trip(fields in prop::collection::vec(arb_field(), 0..12)) {
        let (s, l, values) = build(&fields);
        let form = Form::parse(&s, &l).unwrap();
        let texts = form.texts_of(&values);
        let out = form.validate(&texts);
        // A false check box is sent as nothing and comes back as false.
        prop_assert_eq!(out, Ok(values));
    }

    #[test]
    fn the_validator_never_panics(
        fields in prop::collection::vec(arb_field(), 0..8),
        typed in prop::collection::btree_map("f[0-9]", ".{0,40}", 0..10),
    ) {
        let (s, l, _) = build(&fields);
        let form = Form::parse(&s, &l).unwrap();
        match form.validate(&typed) {
            Ok(v) => prop_assert!(v.is_object()),
            Err(errs) => {
                prop_assert!(!errs.is_empty() && errs.len() <= form.fields().len());
                let view = form.view(Lang::En, &typed, &errs);
                prop_assert_eq!(view.errors.len(), errs.len());
            }
        }
    }
}
