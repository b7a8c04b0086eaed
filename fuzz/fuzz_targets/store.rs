//! The legacy /store/ body: one JSON event or transaction (ingest/process.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sightline::fuzzing::store(data));
