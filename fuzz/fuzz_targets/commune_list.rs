//! Any bytes given as a commune list: reading and parsing never panic, and every rejected row
//! points at a line of the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(table) = registry::import::read_csv(data) {
        match registry::model::parse_communes(&table) {
            Ok(rows) => assert!(rows.iter().all(|r| r.line >= 2 && r.line <= table.len())),
            Err(errors) => assert!(errors.iter().all(|e| e.line >= 1 && e.line <= table.len().max(1))),
        }
    }
    if let Ok(s) = std::str::from_utf8(data) {
        let f = registry::fold(s);
        assert_eq!(registry::fold(&f), f);
        let _ = registry::Day::parse(s);
    }
});
