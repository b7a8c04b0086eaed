//! The command line: `serve`, `migrate`, `healthcheck`, `project create`,
//! `user create`, `sourcemaps upload`.
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
    Serve {
        /// Run `migrate` first, retrying while the databases still refuse
        /// connections (the container image's default: it has no shell for a
        /// wrapper script).
        #[arg(long)]
        migrate: bool,
    },
    /// Create or upgrade the Postgres and ClickHouse schemas (idempotent).
    Migrate,
    /// Probe this machine's server: GET /healthz on the port of `--listen`;
    /// exit 0 when it answers 200, 1 otherwise (a container health check).
    Healthcheck,
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
        Command::Serve { migrate } => {
            if migrate {
                migrate_with_retries(&config).await?;
            }
            let app = startup::Application::build(config).await?;
            tracing::info!(address = %app.local_addr(), "sightline listening");
            app.run_until(startup::shutdown_signal()).await
        }
        Command::Migrate => migrate(&config).await,
        Command::Healthcheck => {
            if probe_health(config.listen).await {
                Ok(())
            } else {
                std::process::exit(1)
            }
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

async fn migrate(config: &Config) -> anyhow::Result<()> {
    let pg = store::postgres::connect(config.database_url.expose_secret()).await?;
    // Several servers started with --migrate: one migrates, the others wait and find it done.
    let applied = crate::singleton::exclusive(&pg, "migrate", async {
        store::postgres::migrate(&pg).await?;
        let ch = clickhouse_client(config);
        let cluster = crate::startup::cluster(config);
        store::clickhouse::migrate_on(&ch, &config.clickhouse_database, cluster.as_ref()).await
    })
    .await?;
    println!("Postgres schema is current");
    if applied.is_empty() {
        println!("ClickHouse schema is current");
    } else {
        println!("ClickHouse schema versions applied: {applied:?}");
    }
    Ok(())
}

/// Retries `migrate` a few times: a database that has just passed its container
/// health check may still refuse its first connections.
async fn migrate_with_retries(config: &Config) -> anyhow::Result<()> {
    const TRIES: u32 = 10;
    let mut attempt = 1;
    loop {
        match migrate(config).await {
            Ok(()) => return Ok(()),
            Err(e) if attempt < TRIES => {
                tracing::warn!(error = %format!("{e:#}"), attempt, "migrate failed; retrying in 3 s");
                tokio::time::sleep(std::time::Duration::from_secs(3)).await;
                attempt += 1;
            }
            Err(e) => return Err(e.context(format!("migrate failed {TRIES} times"))),
        }
    }
}

/// Answers whether the server listening on `listen` says 200 to GET /healthz
/// within 5 s. A wildcard listen address is probed on loopback. Plain HTTP/1.0
/// over a socket: the runtime image has no shell, curl or wget to do it.
async fn probe_health(listen: std::net::SocketAddr) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut addr = listen;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr {
            std::net::SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            std::net::SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        stream.write_all(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n").await?;
        // The status line is all we need; 64 bytes hold it.
        let mut head = [0u8; 64];
        let mut len = 0;
        while len < head.len() {
            let n = stream.read(&mut head[len..]).await?;
            if n == 0 {
                break;
            }
            len += n;
        }
        std::io::Result::Ok(head[..len].to_vec())
    };
    match tokio::time::timeout(std::time::Duration::from_secs(5), exchange).await {
        Ok(Ok(head)) => {
            let ok = head.starts_with(b"HTTP/1.1 200 ") || head.starts_with(b"HTTP/1.0 200 ");
            if !ok {
                eprintln!("healthcheck: {addr}/healthz answered {:?}", String::from_utf8_lossy(&head).lines().next());
            }
            ok
        }
        Ok(Err(e)) => {
            eprintln!("healthcheck: {addr}: {e}");
            false
        }
        Err(_) => {
            eprintln!("healthcheck: {addr}: no answer within 5 s");
            false
        }
    }
}

fn clickhouse_client(config: &Config) -> clickhouse::Client {
    let client = store::clickhouse::client(
        &config.clickhouse_url,
        &config.clickhouse_database,
        config.clickhouse_user.as_deref(),
        config.clickhouse_password.as_ref().map(ExposeSecret::expose_secret),
    );
    match config.clickhouse_cluster {
        Some(_) => store::clickhouse::for_cluster(client),
        None => client,
    }
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
