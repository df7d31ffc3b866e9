//! `server`: serves Flash Web (see `server --help`).

use std::{
    io::{IsTerminal, Write},
    process::ExitCode,
};

use std::future::IntoFuture;

use anyhow::Context;
use flash_server::{App, Config};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // A startup failure is the user's to fix (unbuilt app, bad config,
            // port in use): print the causes, not anyhow's backtrace.
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

#[tokio::main]
async fn run() -> anyhow::Result<()> {
    let config = Config::load()?;
    init_tracing();

    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("could not listen on {}", config.listen))?;
    // With port 0 the OS picks the port: report the real one, and give it to
    // the dev mint, whose URL names it.
    let addr = listener
        .local_addr()
        .context("could not read the bound address")?;
    let config = Config {
        listen: addr,
        ..config
    };
    let app = App::start(&config).await?;

    tracing::info!(dist = %config.dist.display(), dev = config.dev, "serving the app");
    // Scripts and end-to-end tests wait for this exact line on stdout
    // (logs go to stderr), so flush it rather than leave it in a buffer.
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "Flash Web is running at http://{addr}/")
        .and_then(|()| match app.dev() {
            Some(dev) => writeln!(stdout, "Dev relay at {}", dev.relay().url())
                .and_then(|()| writeln!(stdout, "Dev mint at {}", dev.mint().url())),
            None => Ok(()),
        })
        .and_then(|()| stdout.flush())
        .context("could not write to stdout")?;
    drop(stdout);

    // The peer's address, for the per-address rate limit.
    let service = app
        .router()
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    // In-flight requests get a moment to finish after the signal, but no
    // more: an account's event stream never finishes by itself (the app
    // reconnects to whichever instance answers next).
    let (stopping, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = axum::serve(listener, service).with_graceful_shutdown(async move {
        shutdown_signal().await;
        let _ = stopping.send(());
    });
    let served = tokio::select! {
        served = serving.into_future() => served.context("server failed"),
        () = async {
            if stopped.await.is_ok() {
                tokio::time::sleep(SHUTDOWN_GRACE).await;
            } else {
                std::future::pending::<()>().await;
            }
        } => {
            tracing::info!("stopped waiting for open connections");
            Ok(())
        }
    };
    // Stop the dev services whether the server stopped cleanly or not.
    app.shutdown();
    served?;
    tracing::info!("stopped");
    Ok(())
}

/// How long requests still running at a shutdown signal may take.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

/// Logs to stderr, filtered by `RUST_LOG` (default: `info`).
fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes are noise in log files and CI output.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

/// Resolves on Ctrl-C or SIGTERM (what `docker stop` and systemd send), so
/// in-flight requests can finish before the process exits.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::warn!("cannot listen for Ctrl-C: {err}");
            std::future::pending::<()>().await;
        }
    };

    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(err) => {
                tracing::warn!("cannot listen for SIGTERM: {err}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
