//! Body decoding: gzip/deflate/identity under the decompressed-size cap, and encoder round trips (ingest/decode.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sightline::fuzzing::decode(data));
