//! The edXML reader on arbitrary bytes: never panics, and a refused package leaves nothing in the
//! sink. Seeds: crates/documents/tests/data/*.edxml
//! (`cargo +nightly fuzz run edxml ../crates/documents/tests/data -- -max_total_time=60`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut sink = documents::edxml::MemorySink::default();
    match documents::edxml::read(std::io::Cursor::new(data), &mut sink) {
        Ok(p) => assert_eq!(sink.files.len(), p.attachments.len()),
        Err(_) => assert!(sink.files.is_empty()),
    }
});
