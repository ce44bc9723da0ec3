//! Any text as a derived indicator's formula: parsing never panics, and a formula that parses
//! evaluates without panicking when every indicator is 1 in every period, and prints to a
//! canonical form that parses back to the same formula.
#![no_main]

use libfuzzer_sys::fuzz_target;
use reporting::formula::{Decimal, Formula, PeriodShift};

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data)
        && let Ok(f) = Formula::parse(s)
    {
        let one = |_: &str, _: PeriodShift| Some(Decimal::ONE);
        let value = f.eval(&one);
        let _ = f.references();
        let again = Formula::parse(&f.canonical()).expect("the canonical form parses");
        assert_eq!(again.references(), f.references());
        assert_eq!(again.eval(&one), value);
    }
});
