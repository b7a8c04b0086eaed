//! Envelope splitting and the whole ingest processing of an envelope body (ingest/envelope.rs, ingest/process.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sightline::fuzzing::envelope(data));
