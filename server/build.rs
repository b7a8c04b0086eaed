//! Makes sure `web/dist` exists whenever the server compiles. rust-embed
//! resolves the dashboard folder at compile time: a debug build made before
//! `scripts/build-web.sh` ran would otherwise keep an unresolved path with
//! `..` in it and refuse every file later written there (a fresh clone
//! builds the server first, then the dashboard).

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dist = std::path::Path::new(&manifest).join("../web/dist");
    if let Err(e) = std::fs::create_dir_all(&dist) {
        println!("cargo:warning=cannot create {}: {e}", dist.display());
    }
    println!("cargo:rerun-if-changed=build.rs");
}
