//! Command-line entry point of `sightline-loadgen`.
//!
//! Two subcommands share one binary: `bare`, a do-nothing envelope endpoint
//! that gives the ceiling an axum server reaches on this machine, and
//! `load`, an HTTP/1.1 keep-alive load generator that posts a Sentry
//! envelope repeatedly and reports throughput and latency percentiles.
//! Usage errors exit with status 2; everything that goes wrong at run time
//! (refused connections, error statuses) is counted and reported instead.

mod bare;
mod load;
mod report;
mod template;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

/// Sightline ingest load generator and bare-handler baseline.
#[derive(Debug, Parser)]
#[command(name = "sightline-loadgen", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve a bare `POST /api/{project_id}/envelope/` that only reads the body.
    Bare {
        /// Address to listen on; port 0 picks a free port (printed on stdout).
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: SocketAddr,
    },
    /// POST a body file repeatedly over keep-alive connections and report.
    Load(LoadArgs),
}

/// Arguments of the `load` subcommand, as typed on the command line.
#[derive(Debug, clap::Args)]
pub struct LoadArgs {
    /// Target URL (plain http), e.g. http://127.0.0.1:3000/api/1/envelope/?sentry_key=abc
    #[arg(long)]
    pub url: String,
    /// File posted as the request body; `{uuid}`, `{timestamp}` and `{sent_at}` are filled per request.
    #[arg(long)]
    pub body: PathBuf,
    /// Number of concurrent keep-alive connections.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub connections: u32,
    /// Test duration in seconds.
    #[arg(long, default_value_t = 10.0, value_parser = parse_positive)]
    pub duration: f64,
    /// Total request rate (req/s) for an open-loop run; omit for closed loop.
    #[arg(long, value_parser = parse_positive)]
    pub rate: Option<f64>,
    /// Extra request header `Name: value`; repeatable; overrides the default Content-Type.
    #[arg(long = "header", value_name = "K: V")]
    pub headers: Vec<String>,
    /// Per-request timeout in seconds (a timeout counts as a transport error).
    #[arg(long, default_value_t = 10.0, value_parser = parse_positive)]
    pub timeout: f64,
    /// Print one JSON line on stdout (the human report then goes to stderr).
    #[arg(long)]
    pub json: bool,
}

fn parse_positive(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("`{s}` is not a positive number")),
    }
}

impl LoadArgs {
    /// Returns the test duration as a `Duration`.
    pub fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.duration)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match cli.command {
        Command::Bare { listen } => match runtime.block_on(bare::serve(listen)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: cannot listen on {listen}: {e}");
                ExitCode::from(2)
            }
        },
        Command::Load(args) => {
            let plan = match load::Plan::from_args(&args) {
                Ok(plan) => plan,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            let summary = runtime.block_on(load::run(plan));
            if args.json {
                println!("{}", summary.to_json());
                eprint!("{summary}");
            } else {
                print!("{summary}");
            }
            ExitCode::SUCCESS
        }
    }
}
