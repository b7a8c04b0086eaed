//! The `sightline` binary: parse the command line, validate the config
//! (exit 2 with one line naming the bad variable), run the command.

use clap::Parser;
use sightline::{cli, config::Config, telemetry};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let args = cli::Cli::parse();
    let config = match Config::from_raw(&args.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    telemetry::init();
    if let Err(e) = cli::run(args.command, config).await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
