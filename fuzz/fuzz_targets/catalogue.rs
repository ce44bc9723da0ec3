//! The catalogue file reader and parser never panic, whatever the bytes and whichever format
//! they are read as (CSV, XLSX or JSON); a file that parses exports and parses back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use reporting::catalogue_io::{Format, export, parse, read};

fuzz_target!(|data: &[u8]| {
    for format in [Format::Csv, Format::Json, Format::Xlsx] {
        let Ok(table) = read(data, format) else {
            continue;
        };
        let Ok((rows, _)) = parse(&table) else {
            continue;
        };
        let indicators: Vec<_> = rows.into_iter().map(|r| r.indicator).collect();
        for out in [Format::Csv, Format::Json] {
            let bytes = export(&indicators, out).expect("export");
            let (again, _) = parse(&read(&bytes, out).expect("read back")).expect("parse back");
            let again: Vec<_> = again.into_iter().map(|r| r.indicator).collect();
            assert_eq!(again, indicators);
        }
    }
});
