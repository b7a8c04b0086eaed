//! Event and transaction normalisation of one JSON payload (event/normalize.rs, event/transaction.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sightline::fuzzing::normalize(data));
