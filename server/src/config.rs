//! Server configuration.
//!
//! Every setting can come from a command-line flag, an environment variable,
//! or a TOML file named by `--config`; the first of those that sets it wins,
//! otherwise the default applies.

use std::{
    io,
    net::{Ipv4Addr, SocketAddr},
    path::{Path, PathBuf},
    time::Duration,
};

use clap::{builder::BoolishValueParser, Parser};

use crate::limits::{Rate, RateConfig};
use serde::Deserialize;

/// Command line and environment, as clap sees them.
///
/// Every field is optional so that "not given" can fall through to the config
/// file; [`Config::from_args`] applies the defaults.
#[derive(Debug, Parser)]
#[command(
    name = "server",
    version,
    about = "Flash Web's server: serves the built app",
    long_about = None
)]
pub struct Args {
    /// Address and port to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "FLASH_LISTEN", value_name = "ADDR")]
    pub listen: Option<SocketAddr>,

    /// Directory with the app built by `trunk build --release` [default: dist]
    #[arg(long, env = "FLASH_DIST", value_name = "DIR")]
    pub dist: Option<PathBuf>,

    /// Run everything a newcomer needs locally, advertised at /api/dev/config: a NOSTR relay on 127.0.0.1, and a Cashu mint at /mint on a fake Lightning node whose invoices pay themselves
    // `--dev` alone means true; `--dev=false` overrides FLASH_DEV or the file.
    // `require_equals` keeps `--dev` from swallowing the next argument.
    #[arg(
        long,
        env = "FLASH_DEV",
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        value_parser = BoolishValueParser::new(),
    )]
    pub dev: Option<bool>,

    /// Let --dev listen on an address other machines can reach. Without it, --dev refuses any but a loopback address (127.0.0.0/8, ::1): its mint issues free eCash to anyone who reaches it
    // Parsed like --dev.
    #[arg(
        long,
        env = "FLASH_DEV_PUBLIC",
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        value_parser = BoolishValueParser::new(),
    )]
    pub dev_public: Option<bool>,

    /// Port of the dev relay on 127.0.0.1, with --dev; 0 picks any free port [default: 0]
    #[arg(long, env = "FLASH_DEV_RELAY_PORT", value_name = "PORT")]
    pub dev_relay_port: Option<u16>,

    /// Database of the Lightning accounts: sqlite://PATH (created if missing) or postgres://…; without it (and without --dev, which uses a temporary SQLite file) the server offers no accounts
    #[arg(long, env = "FLASH_DATABASE", value_name = "URL")]
    pub database: Option<String>,

    /// The URL clients reach this server at (what NIP-98 signatures name), when it is not http://LISTEN, e.g. behind a proxy
    #[arg(long, env = "FLASH_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,

    /// LND's REST address for the accounts' Lightning, e.g. https://127.0.0.1:8080 (with --lnd-macaroon and --lnd-cert); --dev runs its own dev Lightning network instead
    #[arg(long, env = "FLASH_LND_URL", value_name = "URL")]
    pub lnd_url: Option<String>,

    /// LND macaroon file (admin.macaroon, or one baked for invoices and payments)
    #[arg(long, env = "FLASH_LND_MACAROON", value_name = "FILE")]
    pub lnd_macaroon: Option<PathBuf>,

    /// LND's TLS certificate (tls.cert), pinned: the server talks to no other
    #[arg(long, env = "FLASH_LND_CERT", value_name = "FILE")]
    pub lnd_cert: Option<PathBuf>,

    /// The largest invoice or payment of an account, in sat [default: 1000000]
    #[arg(long, env = "FLASH_MAX_AMOUNT_SAT", value_name = "SAT")]
    pub max_amount_sat: Option<u64>,

    /// Requests one signed-in account may make, as BURST/PER_SECOND [default: 40/10]
    #[arg(long, env = "FLASH_ACCOUNT_RATE", value_name = "BURST/PER_SECOND")]
    pub account_rate: Option<Rate>,

    /// Requests one client address may make, as BURST/PER_SECOND [default: 120/40]
    #[arg(long, env = "FLASH_ADDRESS_RATE", value_name = "BURST/PER_SECOND")]
    pub address_rate: Option<Rate>,

    /// The server is behind a reverse proxy that appends the client's address to X-Forwarded-For: rate-limit by that address rather than the proxy's
    // Parsed like --dev.
    #[arg(
        long,
        env = "FLASH_BEHIND_PROXY",
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        value_parser = BoolishValueParser::new(),
    )]
    pub behind_proxy: Option<bool>,

    /// Seconds an API request may take to answer before it is answered 503 "timeout" (an account's event stream, once open, lasts longer); a payment answers "pending" after 5 s, so keep this above that [default: 30]
    #[arg(long, env = "FLASH_REQUEST_TIMEOUT", value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout: Option<u64>,

    /// Requests the server works on at once; more are answered 503 "overloaded" with Retry-After at once rather than queued [default: 512]
    #[arg(long, env = "FLASH_MAX_CONCURRENT_REQUESTS", value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_concurrent_requests: Option<u64>,

    /// File holding the secret key (hex or nsec) that signs the zap receipts (NIP-57) of users' Lightning addresses, whose public key they offer as nostrPubkey; without it (and without --dev, which makes one up) the addresses take no zaps
    #[arg(long, env = "FLASH_ZAPPER_KEY_FILE", value_name = "FILE")]
    pub zapper_key_file: Option<PathBuf>,

    /// Publish zap receipts to relays on loopback and private networks too, as --dev does: for a test network only, since anyone's zap request names the relays
    // Parsed like --dev.
    #[arg(
        long,
        env = "FLASH_ZAP_PRIVATE_RELAYS",
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        value_parser = BoolishValueParser::new(),
    )]
    pub zap_private_relays: Option<bool>,

    /// File holding the secret key (hex or nsec) of the server's Nostr Wallet Connect service, which apps the users connect to their accounts talk to (NIP-47); with --nwc-relay. --dev makes a key of its own
    #[arg(long, env = "FLASH_NWC_KEY_FILE", value_name = "FILE")]
    pub nwc_key_file: Option<PathBuf>,

    /// Relay the Nostr Wallet Connect service listens on (wss://…); repeat it, or separate several with commas in FLASH_NWC_RELAYS. --dev uses the dev relay
    #[arg(
        long = "nwc-relay",
        env = "FLASH_NWC_RELAYS",
        value_name = "URL",
        value_delimiter = ','
    )]
    pub nwc_relays: Vec<String>,

    /// TOML file with the same settings (keys: listen, dist, dev, dev_public, dev_relay_port, database, public_url, lnd_url, lnd_macaroon, lnd_cert, max_amount_sat, account_rate, address_rate, behind_proxy, request_timeout, max_concurrent_requests, zapper_key_file, zap_private_relays, nwc_key_file, nwc_relays); flags and environment variables win over it
    #[arg(long, env = "FLASH_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// The settings the server runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Where to accept connections.
    pub listen: SocketAddr,
    /// Trunk's output directory, served as the app.
    pub dist: PathBuf,
    /// Whether to run the local development services.
    pub dev: bool,
    /// Whether the development services may be served on an address that is
    /// not loopback.
    pub dev_public: bool,
    /// Port of the development relay on 127.0.0.1; 0 means any free port.
    pub dev_relay_port: u16,
    /// The accounts database URL, if accounts are offered.
    pub database: Option<String>,
    /// The origin clients use, if not `http://{listen}`.
    pub public_url: Option<String>,
    /// The LND node of the accounts, if any.
    pub lnd: Option<LndFiles>,
    /// The largest invoice or payment of an account, if not the default.
    pub max_amount_sat: Option<u64>,
    /// The API's rate limits.
    pub rates: RateConfig,
    /// How long an API request may take to answer.
    pub request_timeout: Duration,
    /// How many requests are worked on at once.
    pub max_concurrent_requests: usize,
    /// The file of the key zap receipts are signed with, if zaps are taken.
    pub zapper_key_file: Option<PathBuf>,
    /// Whether zap receipts may go to relays on private networks.
    pub zap_private_relays: bool,
    /// The file of the Nostr Wallet Connect service's key, if not `--dev`'s.
    pub nwc_key_file: Option<PathBuf>,
    /// The relays the Nostr Wallet Connect service listens on, if not
    /// `--dev`'s.
    pub nwc_relays: Vec<String>,
}

/// Where LND is and the files that let the server use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LndFiles {
    pub url: String,
    pub macaroon: PathBuf,
    pub certificate: PathBuf,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            // Loopback only: exposing a wallet server to the network is a choice.
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 8080)),
            dist: PathBuf::from("dist"),
            dev: false,
            dev_public: false,
            dev_relay_port: 0,
            database: None,
            public_url: None,
            lnd: None,
            max_amount_sat: None,
            rates: RateConfig::default(),
            // Well above what any route needs (a payment answers within 5 s).
            request_timeout: Duration::from_secs(30),
            // Each request may wait for the database (16 connections) or the
            // Lightning node; past this many, queueing more only makes every
            // answer slower.
            max_concurrent_requests: 512,
            zapper_key_file: None,
            zap_private_relays: false,
            nwc_key_file: None,
            nwc_relays: Vec::new(),
        }
    }
}

/// Why the configuration could not be assembled.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("could not read config file {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("invalid config file {}", path.display())]
    Parse {
        path: PathBuf,
        #[source]
        source: toml::de::Error,
    },

    #[error("LND needs all three of --lnd-url, --lnd-macaroon and --lnd-cert (or none)")]
    IncompleteLnd,

    #[error("{setting} must be at least 1")]
    Zero { setting: &'static str },

    #[error("Nostr Wallet Connect needs both --nwc-key-file and --nwc-relay (or neither)")]
    IncompleteNwc,
}

impl Config {
    /// Reads the process's command line and environment (exiting with a usage
    /// message if they are malformed, or after `--help`), then the config file.
    pub fn load() -> Result<Self, ConfigError> {
        Self::from_args(Args::parse())
    }

    /// Fills what `args` leaves open from the config file it names, then from
    /// the defaults.
    pub fn from_args(args: Args) -> Result<Self, ConfigError> {
        let file = match &args.config {
            Some(path) => ConfigFile::read(path)?,
            None => ConfigFile::default(),
        };
        let default = Config::default();
        let dev = args.dev.or(file.dev).unwrap_or(default.dev);
        let nwc_key_file = args.nwc_key_file.or(file.nwc_key_file);
        let nwc_relays = if args.nwc_relays.is_empty() {
            file.nwc_relays.unwrap_or_default()
        } else {
            args.nwc_relays
        };
        // --dev fills in what is missing; otherwise both or neither.
        if !dev && nwc_key_file.is_some() == nwc_relays.is_empty() {
            return Err(ConfigError::IncompleteNwc);
        }
        Ok(Config {
            listen: args.listen.or(file.listen).unwrap_or(default.listen),
            dist: args.dist.or(file.dist).unwrap_or(default.dist),
            dev,
            dev_public: args
                .dev_public
                .or(file.dev_public)
                .unwrap_or(default.dev_public),
            dev_relay_port: args
                .dev_relay_port
                .or(file.dev_relay_port)
                .unwrap_or(default.dev_relay_port),
            database: args.database.or(file.database),
            public_url: args.public_url.or(file.public_url),
            lnd: lnd_files(
                args.lnd_url.or(file.lnd_url),
                args.lnd_macaroon.or(file.lnd_macaroon),
                args.lnd_cert.or(file.lnd_cert),
            )?,
            max_amount_sat: args.max_amount_sat.or(file.max_amount_sat),
            rates: RateConfig {
                per_account: args
                    .account_rate
                    .or(file.account_rate)
                    .unwrap_or(default.rates.per_account),
                per_address: args
                    .address_rate
                    .or(file.address_rate)
                    .unwrap_or(default.rates.per_address),
                behind_proxy: args
                    .behind_proxy
                    .or(file.behind_proxy)
                    .unwrap_or(default.rates.behind_proxy),
            },
            request_timeout: match args.request_timeout.or(file.request_timeout) {
                Some(0) => {
                    return Err(ConfigError::Zero {
                        setting: "request_timeout",
                    })
                }
                Some(secs) => Duration::from_secs(secs),
                None => default.request_timeout,
            },
            max_concurrent_requests: match args
                .max_concurrent_requests
                .or(file.max_concurrent_requests)
            {
                Some(0) => {
                    return Err(ConfigError::Zero {
                        setting: "max_concurrent_requests",
                    })
                }
                Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
                None => default.max_concurrent_requests,
            },
            zapper_key_file: args.zapper_key_file.or(file.zapper_key_file),
            zap_private_relays: args
                .zap_private_relays
                .or(file.zap_private_relays)
                .unwrap_or(default.zap_private_relays),
            nwc_key_file,
            nwc_relays,
        })
    }
}

/// LND's three settings, all or none.
fn lnd_files(
    url: Option<String>,
    macaroon: Option<PathBuf>,
    certificate: Option<PathBuf>,
) -> Result<Option<LndFiles>, ConfigError> {
    match (url, macaroon, certificate) {
        (None, None, None) => Ok(None),
        (Some(url), Some(macaroon), Some(certificate)) => Ok(Some(LndFiles {
            url,
            macaroon,
            certificate,
        })),
        _ => Err(ConfigError::IncompleteLnd),
    }
}

/// The TOML config file: the same keys as the flags, all optional.
#[derive(Debug, Default, Deserialize)]
// A misspelt key would otherwise be ignored silently and leave the user
// wondering why the setting has no effect.
#[serde(deny_unknown_fields)]
struct ConfigFile {
    listen: Option<SocketAddr>,
    dist: Option<PathBuf>,
    dev: Option<bool>,
    dev_public: Option<bool>,
    dev_relay_port: Option<u16>,
    database: Option<String>,
    public_url: Option<String>,
    lnd_url: Option<String>,
    lnd_macaroon: Option<PathBuf>,
    lnd_cert: Option<PathBuf>,
    max_amount_sat: Option<u64>,
    account_rate: Option<Rate>,
    address_rate: Option<Rate>,
    behind_proxy: Option<bool>,
    request_timeout: Option<u64>,
    max_concurrent_requests: Option<u64>,
    zapper_key_file: Option<PathBuf>,
    zap_private_relays: Option<bool>,
    nwc_key_file: Option<PathBuf>,
    nwc_relays: Option<Vec<String>>,
}

impl ConfigFile {
    fn read(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut file: Self = toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_owned(),
            source,
        })?;
        // A relative `dist` means "next to this file", so the server finds the
        // app whatever directory it is started from.
        // So are LND's files and the zapper's key.
        if let Some(dir) = path.parent() {
            for file_path in [
                &mut file.dist,
                &mut file.lnd_macaroon,
                &mut file.lnd_cert,
                &mut file.zapper_key_file,
                &mut file.nwc_key_file,
            ]
            .into_iter()
            .flatten()
            {
                *file_path = dir.join(&*file_path);
            }
        }
        Ok(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::{
        error::Error,
        io::Write,
        sync::{Mutex, PoisonError},
    };

    /// Environment variables are process-wide and tests run in parallel:
    /// every test that parses arguments holds this lock.
    static ENV: Mutex<()> = Mutex::new(());

    const VARS: [&str; 21] = [
        "FLASH_ZAPPER_KEY_FILE",
        "FLASH_ZAP_PRIVATE_RELAYS",
        "FLASH_NWC_KEY_FILE",
        "FLASH_NWC_RELAYS",
        "FLASH_REQUEST_TIMEOUT",
        "FLASH_MAX_CONCURRENT_REQUESTS",
        "FLASH_ACCOUNT_RATE",
        "FLASH_ADDRESS_RATE",
        "FLASH_MAX_AMOUNT_SAT",
        "FLASH_BEHIND_PROXY",
        "FLASH_LND_URL",
        "FLASH_LND_MACAROON",
        "FLASH_LND_CERT",
        "FLASH_DATABASE",
        "FLASH_PUBLIC_URL",
        "FLASH_LISTEN",
        "FLASH_DIST",
        "FLASH_DEV",
        "FLASH_DEV_PUBLIC",
        "FLASH_DEV_RELAY_PORT",
        "FLASH_CONFIG",
    ];

    /// Parses `args` as the command line with exactly `env` set among the
    /// FLASH_* variables.
    fn config_from(args: &[&str], env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let _guard = ENV.lock().unwrap_or_else(PoisonError::into_inner);
        let clear = || {
            for var in VARS {
                std::env::remove_var(var);
            }
        };
        clear();
        for (key, value) in env {
            std::env::set_var(key, value);
        }
        let parsed = Args::try_parse_from(std::iter::once("server").chain(args.iter().copied()));
        clear();
        Config::from_args(parsed.expect("test arguments are valid"))
    }

    fn toml_file(text: &str) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().expect("create temp file");
        file.write_all(text.as_bytes()).expect("write temp file");
        file
    }

    /// The error and all its causes, as `main` prints them.
    fn full_message(err: &dyn Error) -> String {
        let mut message = err.to_string();
        let mut source = err.source();
        while let Some(cause) = source {
            message += &format!(": {cause}");
            source = cause.source();
        }
        message
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let config = config_from(&[], &[]).unwrap();
        assert_eq!(config, Config::default());
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.dist, PathBuf::from("dist"));
        assert!(!config.dev);
        assert_eq!(config.dev_relay_port, 0);
    }

    #[test]
    fn dev_relay_port_comes_from_flag_environment_or_file() {
        let file = toml_file("dev_relay_port = 7001\n");
        let path = file.path().to_str().unwrap();
        let from_file = config_from(&["--config", path], &[]).unwrap();
        assert_eq!(from_file.dev_relay_port, 7001);
        let from_env =
            config_from(&["--config", path], &[("FLASH_DEV_RELAY_PORT", "7002")]).unwrap();
        assert_eq!(from_env.dev_relay_port, 7002);
        let from_flag = config_from(
            &["--config", path, "--dev-relay-port", "7003"],
            &[("FLASH_DEV_RELAY_PORT", "7002")],
        )
        .unwrap();
        assert_eq!(from_flag.dev_relay_port, 7003);
    }

    #[test]
    fn dev_public_comes_from_flag_environment_or_file() {
        assert!(!config_from(&[], &[]).unwrap().dev_public);
        let file = toml_file("dev_public = true\n");
        let path = file.path().to_str().unwrap();
        assert!(config_from(&["--config", path], &[]).unwrap().dev_public);
        let from_env = config_from(&["--config", path], &[("FLASH_DEV_PUBLIC", "false")]);
        assert!(!from_env.unwrap().dev_public);
        let from_flag = config_from(&["--dev-public"], &[("FLASH_DEV_PUBLIC", "false")]);
        assert!(from_flag.unwrap().dev_public);
    }

    #[test]
    fn file_beats_defaults() {
        let file = toml_file("listen = \"0.0.0.0:9000\"\ndev = true\n");
        let path = file.path().to_str().unwrap();
        let config = config_from(&["--config", path], &[]).unwrap();
        assert_eq!(config.listen.to_string(), "0.0.0.0:9000");
        assert!(config.dev);
        assert_eq!(config.dist, PathBuf::from("dist"));
    }

    #[test]
    fn environment_beats_file() {
        let file = toml_file("listen = \"0.0.0.0:9000\"\ndev = true\n");
        let path = file.path().to_str().unwrap();
        let config = config_from(
            &[],
            &[
                ("FLASH_CONFIG", path),
                ("FLASH_LISTEN", "127.0.0.1:9001"),
                ("FLASH_DEV", "false"),
            ],
        )
        .unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:9001");
        assert!(!config.dev);
    }

    #[test]
    fn flags_beat_environment_and_file() {
        let file = toml_file("listen = \"0.0.0.0:9000\"\ndist = \"/srv/file\"\n");
        let path = file.path().to_str().unwrap();
        let config = config_from(
            &[
                "--config",
                path,
                "--listen",
                "127.0.0.1:9002",
                "--dist",
                "/srv/flag",
                "--dev=false",
            ],
            &[
                ("FLASH_LISTEN", "127.0.0.1:9001"),
                ("FLASH_DIST", "/srv/env"),
                ("FLASH_DEV", "1"),
            ],
        )
        .unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:9002");
        assert_eq!(config.dist, PathBuf::from("/srv/flag"));
        assert!(!config.dev);
    }

    #[test]
    fn bare_dev_flag_turns_dev_on_without_taking_the_next_argument() {
        let config = config_from(&["--dev", "--listen", "127.0.0.1:9003"], &[]).unwrap();
        assert!(config.dev);
        assert_eq!(config.listen.to_string(), "127.0.0.1:9003");
    }

    #[test]
    fn relative_dist_in_file_is_relative_to_the_file() {
        let file = toml_file("dist = \"web/dist\"\n");
        let path = file.path().to_str().unwrap();
        let config = config_from(&["--config", path], &[]).unwrap();
        let dir = file.path().parent().unwrap();
        assert_eq!(config.dist, dir.join("web/dist"));
    }

    #[test]
    fn misspelt_key_is_a_clear_error() {
        let file = toml_file("lisen = \"127.0.0.1:9000\"\n");
        let path = file.path().to_str().unwrap();
        let err = config_from(&["--config", path], &[]).unwrap_err();
        assert!(matches!(err, ConfigError::Parse { .. }));
        let message = full_message(&err);
        assert!(
            message.contains(&format!("invalid config file {path}")),
            "{message}"
        );
        assert!(message.contains("unknown field `lisen`"), "{message}");
        assert!(message.contains("`listen`"), "{message}");
    }

    #[test]
    fn bad_value_in_file_is_a_clear_error() {
        let file = toml_file("listen = \"localhost\"\n");
        let path = file.path().to_str().unwrap();
        let err = config_from(&["--config", path], &[]).unwrap_err();
        let message = full_message(&err);
        assert!(message.contains("line 1"), "{message}");
        assert!(message.contains("invalid socket address"), "{message}");
    }

    #[test]
    fn lnd_is_configured_whole_or_not_at_all() {
        let file = toml_file(
            "lnd_url = \"https://127.0.0.1:10009\"\nlnd_macaroon = \"lnd/admin.macaroon\"\n",
        );
        let path = file.path().to_str().unwrap();
        let partial = config_from(&["--config", path], &[]).unwrap_err();
        assert!(matches!(partial, ConfigError::IncompleteLnd), "{partial}");
        let whole =
            config_from(&["--config", path, "--lnd-cert", "/etc/lnd/tls.cert"], &[]).unwrap();
        let lnd = whole.lnd.unwrap();
        assert_eq!(lnd.url, "https://127.0.0.1:10009");
        assert_eq!(
            lnd.macaroon,
            file.path().parent().unwrap().join("lnd/admin.macaroon")
        );
        assert_eq!(lnd.certificate, PathBuf::from("/etc/lnd/tls.cert"));
    }

    #[test]
    fn rate_limits_are_burst_slash_per_second() {
        let file = toml_file("account_rate = \"5/1\"\n");
        let path = file.path().to_str().unwrap();
        let config = config_from(&["--config", path, "--address-rate", "500/100"], &[]).unwrap();
        assert_eq!(
            (
                config.rates.per_account.burst,
                config.rates.per_account.per_second
            ),
            (5, 1)
        );
        assert_eq!(
            (
                config.rates.per_address.burst,
                config.rates.per_address.per_second
            ),
            (500, 100)
        );
        assert!("10".parse::<Rate>().is_err());
        assert!("0/5".parse::<Rate>().is_err());
    }

    #[test]
    fn the_request_timeout_and_concurrency_come_from_flag_environment_or_file() {
        let defaults = config_from(&[], &[]).unwrap();
        assert_eq!(defaults.request_timeout, Duration::from_secs(30));
        assert_eq!(defaults.max_concurrent_requests, 512);
        let file = toml_file("request_timeout = 7\nmax_concurrent_requests = 64\n");
        let path = file.path().to_str().unwrap();
        let from_file = config_from(&["--config", path], &[]).unwrap();
        assert_eq!(
            (from_file.request_timeout, from_file.max_concurrent_requests),
            (Duration::from_secs(7), 64)
        );
        let from_env = config_from(
            &["--config", path, "--max-concurrent-requests", "8"],
            &[("FLASH_REQUEST_TIMEOUT", "2")],
        )
        .unwrap();
        assert_eq!(
            (from_env.request_timeout, from_env.max_concurrent_requests),
            (Duration::from_secs(2), 8)
        );
        let zero = toml_file("request_timeout = 0\n");
        let err = config_from(&["--config", zero.path().to_str().unwrap()], &[]).unwrap_err();
        assert_eq!(err.to_string(), "request_timeout must be at least 1");
        assert!(Args::try_parse_from(["server", "--request-timeout", "0"]).is_err());
    }

    #[test]
    fn nwc_takes_a_key_file_and_relays_both_or_neither_but_dev_fills_in() {
        let file = toml_file("nwc_key_file = \"nwc.key\"\nnwc_relays = [\"wss://a.example\"]\n");
        let path = file.path().to_str().unwrap();
        let from_file = config_from(&["--config", path], &[]).unwrap();
        let dir = file.path().parent().unwrap();
        assert_eq!(from_file.nwc_key_file, Some(dir.join("nwc.key")));
        assert_eq!(from_file.nwc_relays, ["wss://a.example"]);
        let from_env = config_from(
            &["--config", path],
            &[("FLASH_NWC_RELAYS", "wss://b.example,wss://c.example")],
        )
        .unwrap();
        assert_eq!(from_env.nwc_relays, ["wss://b.example", "wss://c.example"]);
        let half = config_from(&["--nwc-relay", "wss://a.example"], &[]).unwrap_err();
        assert!(matches!(half, ConfigError::IncompleteNwc), "{half}");
        let dev = config_from(&["--dev", "--nwc-relay", "wss://a.example"], &[]).unwrap();
        assert_eq!(dev.nwc_key_file, None);
    }

    #[test]
    fn missing_file_names_the_file() {
        let err = config_from(&["--config", "/nonexistent/flash.toml"], &[]).unwrap_err();
        assert!(matches!(err, ConfigError::Read { .. }));
        assert!(err.to_string().contains("/nonexistent/flash.toml"), "{err}");
    }
}
