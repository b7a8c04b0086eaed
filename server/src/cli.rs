//! The command line: `serve`, `migrate`, `project create`, `user create`,
//! `sourcemaps upload`.
//! Every global flag mirrors an environment variable (see [`crate::config`]).

use std::io::{BufRead, IsTerminal};

use anyhow::Context;
use clap::{Parser, Subcommand};
use secrecy::ExposeSecret;

use crate::{
    accounts,
    config::{Config, RawConfig},
    projects, startup, store,
};

/// Sightline: self-hosted, Sentry-compatible front-end monitoring.
#[derive(Debug, Parser)]
#[command(name = "sightline", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub config: RawConfig,
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (ingest, API, probes) until SIGTERM/SIGINT.
    Serve,
    /// Create or upgrade the Postgres and ClickHouse schemas (idempotent).
    Migrate,
    /// Manage projects.
    Project {
        #[command(subcommand)]
        action: ProjectAction,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Upload source maps to a Sightline server.
    Sourcemaps {
        #[command(subcommand)]
        action: SourcemapsAction,
    },
}

/// Source-map subcommands.
#[derive(Debug, Subcommand)]
pub enum SourcemapsAction {
    /// Upload a build folder's minified files and maps for a release.
    Upload {
        /// Base URL of the Sightline server, e.g. `https://sightline.example.com`.
        #[arg(long, env = "SIGHTLINE_URL")]
        url: url::Url,
        /// An API token with the `project:releases` scope.
        #[arg(long, env = "SIGHTLINE_AUTH_TOKEN", hide_env_values = true)]
        token: String,
        /// The project's id.
        #[arg(long, env = "SIGHTLINE_PROJECT")]
        project: i64,
        /// The release, exactly as the SDK reports it.
        #[arg(long)]
        release: String,
        /// Where the folder is served, as a `~/` path or URL (`~/static/js/`).
        #[arg(long, default_value = "~/")]
        url_prefix: String,
        /// The build folder.
        dir: std::path::PathBuf,
    },
}

/// Project subcommands.
#[derive(Debug, Subcommand)]
pub enum ProjectAction {
    /// Create a project (and its first key) if missing; prints the DSN last.
    Create {
        /// Project name.
        name: String,
        /// Team the project belongs to (created if missing).
        #[arg(long, default_value = "default")]
        team: String,
    },
}

/// User subcommands.
#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Create a user; the password is read from stdin.
    Create {
        /// E-mail address used to log in.
        email: String,
        /// Read the password from stdin without prompting (for scripts).
        #[arg(long)]
        password_stdin: bool,
    },
}

/// Runs a parsed command with a validated config.
pub async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => {
            let app = startup::Application::build(config).await?;
            tracing::info!(address = %app.local_addr(), "sightline listening");
            app.run_until(startup::shutdown_signal()).await
        }
        Command::Migrate => {
            let pg = store::postgres::connect(config.database_url.expose_secret()).await?;
            store::postgres::migrate(&pg).await?;
            let ch = clickhouse_client(&config);
            let applied = store::clickhouse::migrate(&ch, &config.clickhouse_database).await?;
            println!("Postgres schema is current");
            if applied.is_empty() {
                println!("ClickHouse schema is current");
            } else {
                println!("ClickHouse schema versions applied: {applied:?}");
            }
            Ok(())
        }
        Command::Project { action: ProjectAction::Create { name, team } } => {
            let pg = store::postgres::connect(config.database_url.expose_secret()).await?;
            let team_id = projects::ensure_team(&pg, &team).await?;
            let project = projects::ensure_project(&pg, team_id, &name).await?;
            println!("project {:?} (id {}) in team {:?}", project.name, project.project_id, team);
            println!("{}", config.dsn(&project.public_key, project.project_id));
            Ok(())
        }
        Command::User { action: UserAction::Create { email, password_stdin } } => {
            let email = accounts::Email::parse(&email).map_err(anyhow::Error::msg)?;
            let password = read_password(password_stdin)?;
            let pg = store::postgres::connect(config.database_url.expose_secret()).await?;
            let id = accounts::create_user(&pg, &email, &password, config.bcrypt_cost).await?;
            println!("user {} created (id {id})", email.as_str());
            Ok(())
        }
        Command::Sourcemaps { action: SourcemapsAction::Upload { url, token, project, release, url_prefix, dir } } => {
            let args = crate::sourcemaps::upload::UploadArgs { server: url, token, project, release, url_prefix, dir };
            crate::sourcemaps::upload::run(args).await
        }
    }
}

fn clickhouse_client(config: &Config) -> clickhouse::Client {
    store::clickhouse::client(
        &config.clickhouse_url,
        &config.clickhouse_database,
        config.clickhouse_user.as_deref(),
        config.clickhouse_password.as_ref().map(ExposeSecret::expose_secret),
    )
}

fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if !from_stdin && stdin.is_terminal() {
        eprint!("Password (input is shown; pipe it with --password-stdin to hide it): ");
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).context("cannot read password from stdin")?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    anyhow::ensure!(!password.is_empty(), "no password given on stdin");
    Ok(password)
}
