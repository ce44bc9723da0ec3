//! Unit and property tests of formulas.

use super::*;
use proptest::prelude::*;
use std::cell::RefCell;
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str_exact(s).unwrap()
}

fn no_data(_: &str, _: PeriodShift) -> Option<Decimal> {
    None
}

/// Evaluate with indicators from `values` (current period only).
fn eval_with(src: &str, values: &[(&str, &str)]) -> Result<Decimal, NoValue> {
    let ctx = |code: &str, shift: PeriodShift| {
        (shift == PeriodShift::Current)
            .then(|| values.iter().find(|(c, _)| *c == code).map(|(_, v)| d(v)))
            .flatten()
    };
    Formula::parse(src).unwrap().eval(&ctx)
}

fn value(src: &str) -> Decimal {
    eval_with(src, &[]).unwrap()
}

fn error(src: &str) -> FormulaError {
    Formula::parse(src).expect_err(src)
}

#[test]
fn formula_precedence_and_associativity() {
    assert_eq!(value("1 + 2 * 3"), d("7"));
    assert_eq!(value("(1 + 2) * 3"), d("9"));
    assert_eq!(value("-(2 - 5)"), d("3"));
    assert_eq!(value("-2 * 3"), d("-6"));
    assert_eq!(value("2 * -3"), d("-6"));
    assert_eq!(value("2 - -3"), d("5"));
    assert_eq!(value("--4"), d("4"));
    assert_eq!(value("10 - 4 - 3"), d("3"));
    assert_eq!(value("8 / 4 / 2"), d("1"));
    assert_eq!(value("1+2*3-4/2"), d("5"));
    assert_eq!(value(" \t1000\n"), d("1000"));
    assert_eq!(
        Formula::parse("1 + 2 * -3 - 4").unwrap().canonical(),
        "((1 + (2 * -3)) - 4)"
    );
}

#[test]
fn formula_decimals_are_exact() {
    assert_eq!(value("0.1 + 0.2"), d("0.3"));
    assert_eq!(value("0.1 + 0.2").to_string(), "0.3");
    assert_eq!(value("1 / 4"), d("0.25"));
    assert_eq!(value("0.5 * 0.5"), d("0.25"));
    assert_eq!(value("79228162514264337593543950335"), Decimal::MAX);
    assert_eq!(
        error("79228162514264337593543950336").code,
        SYNTAX,
        "a literal beyond Decimal::MAX"
    );
    assert_eq!(error("0.00000000000000000000000000001").code, SYNTAX);
}

#[test]
fn formula_no_value_reasons() {
    assert_eq!(eval_with("1 / 0", &[]), Err(NoValue::DivisionByZero));
    assert_eq!(
        eval_with("A / (B - B)", &[("A", "1"), ("B", "2")]),
        Err(NoValue::DivisionByZero)
    );
    assert_eq!(
        eval_with("A + X", &[("A", "1")]),
        Err(NoValue::Missing("X".into()))
    );
    assert_eq!(
        eval_with("79228162514264337593543950335 * 2", &[]),
        Err(NoValue::Overflow)
    );
    assert_eq!(
        eval_with("79228162514264337593543950335 + 1", &[]),
        Err(NoValue::Overflow)
    );
    assert_eq!(
        eval_with("-79228162514264337593543950335 - 1", &[]),
        Err(NoValue::Overflow)
    );
    assert_eq!(decimal_from_f64(f64::NAN), Err(NoValue::NotANumber));
    assert_eq!(decimal_from_f64(f64::INFINITY), Err(NoValue::NotANumber));
    assert_eq!(decimal_from_f64(1e40), Err(NoValue::Overflow));
    assert_eq!(decimal_from_f64(2.5), Ok(d("2.5")));
    assert_eq!(NoValue::Missing("X".into()).to_string(), "no value for X");
}

#[test]
fn formula_functions() {
    assert_eq!(value("sum(1, 2, 3.5)"), d("6.5"));
    assert_eq!(value("avg(1, 2)"), d("1.5"));
    assert_eq!(value("min(3, -1, 2)"), d("-1"));
    assert_eq!(value("max(3, -1, 2)"), d("3"));
    assert_eq!(value("max(7)"), d("7"));
    assert_eq!(value("abs(-2.5)"), d("2.5"));
    assert_eq!(value("round(2.345, 2)"), d("2.35"));
    assert_eq!(value("round(-2.5, 0)"), d("-3"));
    assert_eq!(value("round(1 / 3, 4)"), d("0.3333"));
    assert_eq!(value("round(2.5, 28)"), d("2.5"));
    assert_eq!(value("share(1, 4)"), d("25"));
    assert_eq!(value("share(1, 8)"), d("12.5"));
    assert_eq!(eval_with("share(1, 0)", &[]), Err(NoValue::DivisionByZero));
    assert_eq!(
        eval_with(
            "share(DOSSIERS_EARLY + DOSSIERS_ON_TIME, DOSSIERS_RESOLVED)",
            &[
                ("DOSSIERS_EARLY", "30"),
                ("DOSSIERS_ON_TIME", "60"),
                ("DOSSIERS_RESOLVED", "120")
            ]
        ),
        Ok(d("75"))
    );
    assert_eq!(
        eval_with(
            "GRDP_CURRENT * 1000 / POPULATION",
            &[("GRDP_CURRENT", "150000"), ("POPULATION", "1500000")]
        ),
        Ok(d("100"))
    );
    assert_eq!(
        eval_with("sum(A, B)", &[("A", "1")]),
        Err(NoValue::Missing("B".into()))
    );
}

#[test]
fn formula_growth_uses_the_same_period_last_year() {
    let ctx = |code: &str, shift: PeriodShift| match (code, shift) {
        ("X", PeriodShift::Current) => Some(d("110")),
        ("X", PeriodShift::SamePeriodLastYear) => Some(d("100")),
        ("Z", PeriodShift::Current) => Some(d("5")),
        ("Z", PeriodShift::SamePeriodLastYear) => Some(Decimal::ZERO),
        ("Y", PeriodShift::Current) => Some(d("3")),
        ("Y", PeriodShift::SamePeriodLastYear) => Some(d("4")),
        _ => None,
    };
    let eval = |s: &str| Formula::parse(s).unwrap().eval(&ctx);
    assert_eq!(eval("growth(X)"), Ok(d("10")));
    assert_eq!(eval("growth(Y)"), Ok(d("-25")));
    assert_eq!(eval("growth(Z)"), Err(NoValue::DivisionByZero));
    assert_eq!(
        eval("growth(X + Y)"),
        Ok((d("113") / d("104") - Decimal::ONE) * Decimal::ONE_HUNDRED)
    );
    assert_eq!(eval("round(growth(X + Y), 2)"), Ok(d("8.65")));
    assert_eq!(eval("growth(W)"), Err(NoValue::Missing("W".into())));
    assert_eq!(eval("same_period_last_year(X) - X"), Ok(d("-10")));
}

#[test]
fn formula_time_functions_route_through_period_shift() {
    let asked: RefCell<Vec<(String, PeriodShift)>> = RefCell::new(Vec::new());
    let ctx = |code: &str, shift: PeriodShift| {
        asked.borrow_mut().push((code.to_owned(), shift));
        Some(match shift {
            PeriodShift::Current => d("10"),
            PeriodShift::Previous => d("8"),
            PeriodShift::Lag(n) => Decimal::from(n),
            PeriodShift::SamePeriodLastYear => d("5"),
            PeriodShift::YearToDate => d("40"),
        })
    };
    let f = Formula::parse(
        "share(ytd(PUBLIC_INVEST_DISBURSED), PUBLIC_INVEST_PLAN) + prev(A) + lag(B, 3) \
         + same_period_last_year(C) + ytd(D * 2)",
    )
    .unwrap();
    assert_eq!(
        f.eval(&ctx),
        Ok(d("400") + d("8") + d("3") + d("5") + d("80"))
    );
    let asked = asked.into_inner();
    assert_eq!(
        asked,
        [
            ("PUBLIC_INVEST_DISBURSED", PeriodShift::YearToDate),
            ("PUBLIC_INVEST_PLAN", PeriodShift::Current),
            ("A", PeriodShift::Previous),
            ("B", PeriodShift::Lag(3)),
            ("C", PeriodShift::SamePeriodLastYear),
            ("D", PeriodShift::YearToDate),
        ]
        .map(|(c, s)| (c.to_owned(), s))
    );
    assert_eq!(
        f.references(),
        [
            "A",
            "B",
            "C",
            "D",
            "PUBLIC_INVEST_DISBURSED",
            "PUBLIC_INVEST_PLAN"
        ]
        .map(String::from)
        .into()
    );
}

#[test]
fn formula_if_with_comparisons() {
    for (cond, holds) in [
        ("1 < 2", true),
        ("2 < 2", false),
        ("2 <= 2", true),
        ("3 <= 2", false),
        ("3 > 2", true),
        ("2 > 2", false),
        ("2 >= 2", true),
        ("1 >= 2", false),
        ("1.0 == 1", true),
        ("1 == 2", false),
        ("1 != 2", true),
        ("2 != 2.00", false),
        ("1 + 1 > 1 * 1", true),
        ("5", true),
        ("0", false),
        ("2 - 2", false),
    ] {
        let want = if holds { d("10") } else { d("20") };
        assert_eq!(value(&format!("if({cond}, 10, 20)")), want, "{cond}");
    }
    // Only the branch taken is evaluated.
    assert_eq!(
        eval_with("if(A > 0, A, MISSING)", &[("A", "3")]),
        Ok(d("3"))
    );
    assert_eq!(
        eval_with("if(IMPORTS > 0, 1, 1 / 0)", &[("IMPORTS", "1")]),
        Ok(d("1"))
    );
    assert_eq!(
        eval_with("if(A > 0, 1, 2)", &[]),
        Err(NoValue::Missing("A".into()))
    );
    let f = Formula::parse("if(A >= B, A, B)").unwrap();
    assert_eq!(f.canonical(), "if(A >= B, A, B)");
    assert_eq!(f.references(), ["A", "B"].map(String::from).into());
    // Comparisons only as conditions.
    for (src, column) in [
        ("1 < 2", 3),
        ("(1 < 2)", 4),
        ("if(1, 2 < 3, 4)", 9),
        ("sum(1 == 2)", 7),
        ("if(1 < 2 < 3, 1, 2)", 10),
    ] {
        let e = error(src);
        assert_eq!((e.code, e.column), (SYNTAX, column), "{src}: {e}");
    }
}

#[test]
fn formula_syntax_errors_point_at_the_column() {
    for (src, column) in [
        ("EXPORTS - * IMPORTS", 11),
        ("", 1),
        ("   ", 4),
        ("1 +", 4),
        ("(1 + 2", 7),
        ("1 + 2)", 6),
        ("sum(1 2)", 7),
        ("sum(1,)", 7),
        ("exports", 8),
        ("Exports", 2),
        ("EXPORTS IMPORTS", 9),
        ("2X", 2),
        (".5", 1),
        ("1.", 2),
        ("1e5", 2),
        ("A % B", 3),
        ("A ≤ B", 3),
        ("if(1 = 2, 1, 2)", 6),
        ("round(X, 1.5)", 10),
        ("round(X, 29)", 10),
        ("round(X, A)", 10),
        ("lag(X, 0)", 8),
        ("lag(X, -1)", 8),
        ("lag(X, 1000)", 8),
        ("growth(ytd(X))", 8),
        ("ytd(1 + prev(X))", 9),
    ] {
        let e = error(src);
        assert_eq!(e.code, SYNTAX, "{src}: {e}");
        assert_eq!(e.column, column, "{src}: {e}");
        assert_eq!(e.offset, column - 1, "{src}: {e}");
    }
    let e = error("EXPORTS - * IMPORTS");
    assert_eq!(e.to_string(), format!("column 11: {}", e.message));
    assert_eq!(e.message, "expected a value, found `*`");
    for (src, message) in [
        ("1 +", "expected a value, found the end of the formula"),
        (
            "(1 + 2",
            "expected an operator or `)`, found the end of the formula",
        ),
        (
            "A % B",
            "expected the end of the formula or an operator, found `%`",
        ),
        (
            "sum(1 2)",
            "expected a comparison, an operator, `)` or `,`, found `2`",
        ),
        (
            "exports",
            "expected `(` after a function name, found the end of the formula (indicator \
             codes are written in UPPER_CASE)",
        ),
    ] {
        assert_eq!(error(src).message, message, "{src}");
    }
    assert!(Formula::from_str("A +").is_err());
}

#[test]
fn formula_unknown_functions_and_arity() {
    for (src, code, column) in [
        ("foo(X)", UNKNOWN_FUNCTION, 1),
        ("1 + grow(X)", UNKNOWN_FUNCTION, 5),
        ("if2(1, 2, 3)", UNKNOWN_FUNCTION, 1),
        ("share(X)", ARITY, 1),
        ("2 * growth(X, Y)", ARITY, 5),
        ("sum()", ARITY, 1),
        ("avg()", ARITY, 1),
        ("abs(1, 2)", ARITY, 1),
        ("round(1)", ARITY, 1),
        ("if(1, 2)", ARITY, 1),
        ("if(1, 2, 3, 4)", ARITY, 1),
        ("lag(X)", ARITY, 1),
        ("ytd()", ARITY, 1),
        ("prev(X, Y)", ARITY, 1),
        ("same_period_last_year(X, 1)", ARITY, 1),
        ("max(abs(1, 2))", ARITY, 5),
    ] {
        let e = error(src);
        assert_eq!((e.code, e.column), (code, column), "{src}: {e}");
    }
    assert_eq!(error("share(X)").message, "share takes 2 arguments, not 1");
    assert_eq!(
        error("sum()").message,
        "sum takes at least 1 argument, not 0"
    );
    assert_eq!(error("abs(1, 2)").message, "abs takes 1 argument, not 2");
}

#[test]
fn formula_deep_nesting_is_refused_without_overflowing_the_stack() {
    let nested =
        |open: &str, n: usize, close: &str| format!("{}1{}", open.repeat(n), close.repeat(n));
    for src in [
        "(".repeat(100_000),
        nested("(", MAX_NESTING + 1, ")"),
        nested("abs(", MAX_NESTING + 1, ")"),
        nested("if(1 < ", MAX_NESTING + 1, ", 1, 1)"),
        format!("{}1", "-".repeat(100_000)),
        format!("{}1", "1 + ".repeat(100_000)),
        format!("{}1", "1 + ".repeat(MAX_DEPTH)),
    ] {
        let e = error(&src);
        assert_eq!(e.code, SYNTAX, "{e}");
        assert!(e.message.contains("nested more than"), "{e}");
    }
    assert_eq!(value(&nested("(", MAX_NESTING, ")")), d("1"));
    let deepest = nested("if(1 < ", MAX_NESTING - 1, ", 1, 1)");
    assert_eq!(value(&deepest), d("1"));
    let f = Formula::parse(&deepest).unwrap();
    assert_eq!(
        Formula::parse(&f.canonical()).unwrap(),
        Formula {
            source: f.canonical(),
            ..f
        }
    );
    let chain = format!("{}1", "1 + ".repeat(MAX_DEPTH - 2));
    assert_eq!(value(&chain), Decimal::from(MAX_DEPTH - 1));
    let f = Formula::parse(&chain).unwrap();
    assert_eq!(Formula::parse(&f.canonical()).unwrap().ast, f.ast);
    let wide = format!("sum({})", vec!["1"; 10_000].join(", "));
    assert_eq!(value(&wide), d("10000"));
}

fn catalogue(defs: &[(&str, &str)]) -> BTreeMap<String, Formula> {
    parse_catalogue(defs.iter().map(|(c, f)| (c.to_string(), f.to_string()))).unwrap()
}

#[test]
fn formula_cycles_are_found() {
    assert_eq!(
        check_cycles(&catalogue(&[("A", "A + 1")])),
        Err(vec!["A".into(), "A".into()])
    );
    assert_eq!(
        check_cycles(&catalogue(&[("A", "prev(A) + X")])),
        Err(vec!["A".into(), "A".into()])
    );
    assert_eq!(
        check_cycles(&catalogue(&[("A", "B * 2"), ("B", "X + A")])),
        Err(vec!["A".into(), "B".into(), "A".into()])
    );
    assert_eq!(
        check_cycles(&catalogue(&[
            ("OK", "X"),
            ("A", "B + X"),
            ("B", "C"),
            ("C", "growth(A)"),
        ])),
        Err(vec!["A".into(), "B".into(), "C".into(), "A".into()])
    );
    // A cycle reached from a definition outside it: the path is the cycle alone.
    assert_eq!(
        check_cycles(&catalogue(&[("A", "B"), ("B", "C"), ("C", "B")])),
        Err(vec!["B".into(), "C".into(), "B".into()])
    );
}

#[test]
fn formula_acyclic_catalogues_are_ordered() {
    let defs = catalogue(&[
        ("A", "B + C + X"),
        ("B", "C * 2"),
        ("C", "D - 1"),
        ("D", "Y"),
        ("E", "Z"),
        ("F", "A + E"),
    ]);
    let order = check_cycles(&defs).unwrap();
    assert_eq!(order.len(), defs.len());
    let pos = |c: &str| order.iter().position(|o| o == c).unwrap();
    for (code, f) in &defs {
        for r in f.references() {
            if defs.contains_key(&r) {
                assert!(pos(&r) < pos(code), "{r} before {code} in {order:?}");
            }
        }
    }
    assert_eq!(check_cycles(&BTreeMap::new()), Ok(vec![]));
}

#[test]
fn formula_catalogue_reports_the_indicator_in_error() {
    let defs = vec![
        ("A".to_owned(), "X + 1".to_owned()),
        ("B".to_owned(), "  ".to_owned()),
        ("C".to_owned(), "X +".to_owned()),
    ];
    let (code, e) = parse_catalogue(defs).unwrap_err();
    assert_eq!((code.as_str(), e.code, e.column), ("C", SYNTAX, 4));
    let ok = parse_catalogue([
        ("A".to_owned(), "X".to_owned()),
        ("B".to_owned(), String::new()),
    ])
    .unwrap();
    assert_eq!(ok.keys().collect::<Vec<_>>(), ["A"]);
    assert_eq!(ok["A"].source(), "X");
    assert_eq!(ok["A"].to_string(), "X");
}

#[test]
fn formula_every_seed_formula_parses_and_is_acyclic() {
    let mut rdr = csv::Reader::from_reader(include_str!("../../../seed/indicators.csv").as_bytes());
    let headers = rdr.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (code_col, formula_col) = (col("code"), col("formula"));
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let codes: BTreeSet<String> = rows.iter().map(|r| r[code_col].trim().to_owned()).collect();
    let defs = parse_catalogue(
        rows.iter()
            .map(|r| (r[code_col].trim().to_owned(), r[formula_col].to_owned())),
    )
    .unwrap_or_else(|(code, e)| panic!("{code}: {e}"));
    assert!(defs.len() >= 20, "{} formulas", defs.len());
    for (code, f) in &defs {
        let refs = f.references();
        assert!(!refs.is_empty(), "{code}");
        for r in refs {
            assert!(codes.contains(&r), "{code} uses {r}, not in the catalogue");
        }
        // Every formula evaluates when every input is 1 (growth of 1 over 1 is 0).
        let one = |_: &str, _: PeriodShift| Some(Decimal::ONE);
        assert!(f.eval(&one).is_ok(), "{code}");
        assert_eq!(Formula::parse(&f.canonical()).unwrap().ast, f.ast, "{code}");
    }
    let order = check_cycles(&defs).unwrap();
    assert_eq!(order.len(), defs.len());
    assert_eq!(
        defs["DISBURSEMENT_RATE"].references(),
        ["PUBLIC_INVEST_DISBURSED", "PUBLIC_INVEST_PLAN"]
            .map(String::from)
            .into()
    );
    assert_eq!(
        Formula::parse("A").unwrap().eval(&no_data),
        Err(NoValue::Missing("A".into()))
    );
}

// Property tests.

fn arb_decimal() -> impl Strategy<Value = Decimal> {
    (-1_000_000_000i64..1_000_000_000, 0u32..=6).prop_map(|(m, s)| Decimal::new(m, s))
}

fn arb_leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        (0i64..100_000, 0u32..4).prop_map(|(m, s)| Expr::Num(Decimal::new(m, s))),
        prop::sample::select(vec!["A", "B", "C_2", "MISSING"])
            .prop_map(|c| Expr::Ref(c.to_owned())),
    ]
}

fn arb_binop() -> impl Strategy<Value = BinOp> {
    prop::sample::select(vec![BinOp::Add, BinOp::Sub, BinOp::Mul, BinOp::Div])
}

/// Expressions without time functions.
fn arb_plain() -> impl Strategy<Value = Expr> {
    arb_leaf().prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|x| Expr::Neg(Box::new(x))),
            (arb_binop(), inner.clone(), inner).prop_map(|(op, a, b)| Expr::Bin(
                op,
                Box::new(a),
                Box::new(b)
            )),
        ]
    })
}

fn arb_expr() -> impl Strategy<Value = Expr> {
    let shift = prop_oneof![
        Just(PeriodShift::Previous),
        Just(PeriodShift::SamePeriodLastYear),
        Just(PeriodShift::YearToDate),
        (1u32..=24).prop_map(PeriodShift::Lag),
    ];
    let timed = prop_oneof![
        arb_plain().prop_map(|x| Expr::Growth(Box::new(x))),
        (shift, arb_plain()).prop_map(|(s, x)| Expr::Shift(s, Box::new(x))),
    ];
    let cmp = prop::sample::select(vec![
        CmpOp::Lt,
        CmpOp::Le,
        CmpOp::Gt,
        CmpOp::Ge,
        CmpOp::Eq,
        CmpOp::Ne,
    ]);
    let agg = prop::sample::select(vec![Agg::Sum, Agg::Avg, Agg::Min, Agg::Max]);
    prop_oneof![4 => arb_leaf(), 1 => timed].prop_recursive(4, 40, 4, move |inner| {
        let cond = prop_oneof![
            (cmp.clone(), inner.clone(), inner.clone())
                .prop_map(|(op, a, b)| Cond::Compare(op, a, b)),
            inner.clone().prop_map(Cond::NonZero),
        ];
        prop_oneof![
            inner.clone().prop_map(|x| Expr::Neg(Box::new(x))),
            (arb_binop(), inner.clone(), inner.clone()).prop_map(|(op, a, b)| Expr::Bin(
                op,
                Box::new(a),
                Box::new(b)
            )),
            (agg.clone(), prop::collection::vec(inner.clone(), 1..4))
                .prop_map(|(f, xs)| Expr::Agg(f, xs)),
            inner.clone().prop_map(|x| Expr::Abs(Box::new(x))),
            (inner.clone(), 0u32..6).prop_map(|(x, n)| Expr::Round(Box::new(x), n)),
            (cond, inner.clone(), inner.clone()).prop_map(|(c, a, b)| Expr::If(
                Box::new(c),
                Box::new(a),
                Box::new(b)
            )),
            (inner.clone(), inner).prop_map(|(a, b)| Expr::Share(Box::new(a), Box::new(b))),
        ]
    })
}

/// Values for the generated references; `MISSING` has none.
fn prop_ctx(code: &str, shift: PeriodShift) -> Option<Decimal> {
    let base = match code {
        "A" => Decimal::new(125, 1),
        "B" => Decimal::new(-3, 0),
        "C_2" => Decimal::ZERO,
        _ => return None,
    };
    let k = match shift {
        PeriodShift::Current => 1,
        PeriodShift::Previous => 2,
        PeriodShift::Lag(n) => 3 + i64::from(n),
        PeriodShift::SamePeriodLastYear => 40,
        PeriodShift::YearToDate => 50,
    };
    Some(base * Decimal::from(k) + Decimal::from(k))
}

proptest! {
    #[test]
    fn formula_parser_never_panics(s in any::<String>()) {
        let _ = Formula::parse(&s);
    }

    #[test]
    fn formula_parser_never_panics_on_formula_like_text(
        s in "[A-Z_a-z0-9().,+*/<>=! -]{0,60}"
    ) {
        if let Ok(f) = Formula::parse(&s) {
            let _ = f.eval(&prop_ctx);
            let _ = f.references();
            let again = Formula::parse(&f.canonical()).unwrap();
            prop_assert_eq!(again.ast, f.ast);
        }
    }

    #[test]
    fn formula_printed_asts_parse_back(ast in arb_expr()) {
        let text = ast.to_string();
        let f = Formula::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        prop_assert_eq!(&f.ast, &ast, "{}", text);
        prop_assert_eq!(f.eval(&prop_ctx), ast.eval(&prop_ctx, PeriodShift::Current));
        let mut refs = BTreeSet::new();
        ast.collect_references(&mut refs);
        prop_assert_eq!(f.references(), refs);
    }

    #[test]
    fn formula_addition_and_multiplication_match_decimal(a in arb_decimal(), b in arb_decimal()) {
        let eval = |s: String| Formula::parse(&s).unwrap().eval(&no_data).unwrap();
        prop_assert_eq!(eval(format!("{a} + {b}")), a + b);
        prop_assert_eq!(eval(format!("{a} * {b}")), a * b);
        prop_assert_eq!(eval(format!("{a} - {b}")), a - b);
        prop_assert_eq!(eval(format!("sum({a}, {b}, {a})")), a + b + a);
        let vars = |code: &str, _: PeriodShift| match code {
            "A" => Some(a),
            "B" => Some(b),
            _ => None,
        };
        let f = Formula::parse("A * B + A").unwrap();
        prop_assert_eq!(f.eval(&vars), Ok(a * b + a));
    }
}
