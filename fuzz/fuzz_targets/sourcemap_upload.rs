//! Source-map upload checks: zips of build folders and single files (sourcemaps/artifacts.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sightline::fuzzing::sourcemap_upload(data));
