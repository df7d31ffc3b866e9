//! A real Cashu mint for development and tests only.
//!
//! The mint is cdk's own [`Mint`], served by cdk-axum and kept in a SQLite
//! database: every Cashu operation (NUT-03 swap, NUT-04 mint, NUT-05 melt,
//! NUT-07 state check, NUT-09 restore, NUT-11 P2PK, NUT-12 DLEQ, NUT-17
//! websockets) is the real thing. Its Lightning node is one of two
//! stand-ins, and its ecash is worthless either way. Never run this in
//! production.
//!
//! - [`DevMint::on_network`]: a node of the dev Lightning network
//!   ([`lightning::NodeBackend`]). Its mint quotes are real regtest
//!   invoices of that node, paid only when another node pays them; its melts
//!   are payments across the network, with the network's fee, and stay
//!   pending while the payee holds them. Only the network is simulated.
//! - [`DevMint::new`]: cdk-fake-wallet, whose invoices pay themselves at once
//!   and which "pays" any invoice it is asked to, so a wallet can mint and
//!   melt with nothing else running.
//!
//! `server --dev` puts the mint on its dev network and nests
//! [`DevMint::router`] under its own origin; other crates' tests call
//! [`DevMint::spawn_standalone`] for a fake-Lightning mint of their own, and
//! pay it with [`fake_invoice`]s.

pub mod lightning;

use std::{
    fs,
    future::IntoFuture,
    io,
    net::{Ipv4Addr, SocketAddr},
    path::Path,
    str::FromStr,
    sync::Arc,
};

use cdk::{
    cdk_database,
    cdk_payment::DynMintPayment,
    mint::{MintBuilder, MintMeltLimits},
    mint_url::MintUrl,
    nuts::{nut17::SupportedMethods, ContactInfo, CurrencyUnit, MintVersion, PaymentMethod},
    types::FeeReserve,
    Mint,
};
use cdk_fake_wallet::FakeWallet;
use cdk_sqlite::mint::MintSqliteDatabase;
use tokio::{net::TcpListener, task::JoinHandle};

use self::lightning::{NodeBackend, FEE_RESERVE_MIN_SAT, FEE_RESERVE_PERCENT};
use crate::lightning::Node;

/// The name wallets show for this mint (`GET /v1/info`).
pub const NAME: &str = "Flash dev mint";

/// Mints and melts outside these bounds (in sats) are refused, as a real mint
/// would; wide enough for any test.
const MIN_SAT: u64 = 1;
const MAX_SAT: u64 = 1_000_000;

/// The mint's secret seed, kept beside its database so a work directory can be
/// reopened with the same keys.
const SEED_FILE: &str = "seed";
const SEED_LEN: usize = 64;
const DATABASE_FILE: &str = "mint.sqlite";

/// Why the dev mint could not start.
#[derive(Debug, thiserror::Error)]
pub enum DevMintError {
    #[error("invalid dev mint URL {0:?}")]
    Url(String),
    #[error("dev mint work directory path {0:?} is not UTF-8")]
    NonUtf8Path(std::path::PathBuf),
    #[error("could not read or write the dev mint's files")]
    Io(#[from] io::Error),
    #[error("could not get randomness for the dev mint's seed")]
    Random(#[from] getrandom::Error),
    #[error("could not open the dev mint's database")]
    Database(#[from] cdk_database::Error),
    #[error("could not build the dev mint")]
    Mint(#[from] cdk::Error),
    #[error("could not build the dev mint's HTTP routes")]
    Router(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// A running dev mint: the cdk mint with its background task started, and
/// its HTTP routes.
///
/// Keep it alive while its router is served: dropping it stops the task that
/// marks quotes paid as soon as its node settles them.
#[derive(Debug)]
pub struct DevMint {
    url: MintUrl,
    mint: Arc<Mint>,
    router: axum::Router,
}

impl DevMint {
    /// Builds and starts a mint whose public URL is `url`, with its database
    /// and seed in `work_dir` (created if missing; reused if it holds a
    /// previous run's mint), and fake Lightning: its invoices pay themselves
    /// and it "pays" any invoice.
    ///
    /// `url` must be the URL wallets use, including any path the router is
    /// nested under (e.g. `http://127.0.0.1:8080/mint`): it is what the mint
    /// advertises and what its tokens name. Must run inside a tokio runtime.
    pub async fn new(url: &str, work_dir: &Path) -> Result<Self, DevMintError> {
        // The fake node always spends 1 sat in fees, so a melt gets change
        // back (NUT-08) like on a real node.
        let lightning = FakeWallet::new(
            FeeReserve {
                min_fee_reserve: FEE_RESERVE_MIN_SAT.into(),
                percent_fee_reserve: FEE_RESERVE_PERCENT,
            },
            // No payment is preset to fail or stay pending.
            Default::default(),
            Default::default(),
            // Seconds before an invoice pays itself (and before a melt's
            // payment returns): none, so tests need not wait.
            0,
            CurrencyUnit::Sat,
        );
        let about = About {
            description: "Development mint of Flash Web: real Cashu, fake Lightning.",
            long_description: "Invoices pay themselves and every melt succeeds, so its ecash \
                               is worthless. It lives only as long as `server --dev`.",
        };
        Self::build(url, work_dir, Arc::new(lightning), about).await
    }

    /// As [`DevMint::new`], with `node` of a dev Lightning network as the
    /// mint's node: its invoices are paid when another node pays them, and
    /// melts pay through the network.
    pub async fn on_network(url: &str, work_dir: &Path, node: Node) -> Result<Self, DevMintError> {
        let about = About {
            description: "Development mint of Flash Web: real Cashu on a simulated \
                          Lightning network.",
            long_description: "Its node is on the dev Lightning network (regtest invoices): \
                               pay its invoices from another dev node to mint. Its ecash is \
                               worthless. It lives only as long as `server --dev`.",
        };
        Self::build(url, work_dir, Arc::new(NodeBackend::new(node)), about).await
    }

    async fn build(
        url: &str,
        work_dir: &Path,
        lightning: DynMintPayment,
        about: About,
    ) -> Result<Self, DevMintError> {
        let url = MintUrl::from_str(url).map_err(|_| DevMintError::Url(url.to_owned()))?;
        fs::create_dir_all(work_dir)?;
        let seed = load_or_create_seed(&work_dir.join(SEED_FILE))?;
        let database_path = work_dir.join(DATABASE_FILE);
        let database_path = database_path
            .to_str()
            .ok_or_else(|| DevMintError::NonUtf8Path(database_path.clone()))?;
        let database = Arc::new(MintSqliteDatabase::new(database_path).await?);

        let mut builder = MintBuilder::new(database.clone())
            .with_name(NAME.to_owned())
            .with_description(about.description.to_owned())
            .with_long_description(about.long_description.to_owned())
            .with_contact_info(ContactInfo::new(
                "email".to_owned(),
                "dev-mint@flash.invalid".to_owned(),
            ))
            .with_version(MintVersion::new(
                "flash-dev-mint".to_owned(),
                env!("CARGO_PKG_VERSION").to_owned(),
            ))
            .with_urls(vec![url.to_string()])
            .with_supported_websockets(SupportedMethods::default_bolt11(CurrencyUnit::Sat));
        // NUT-04 and NUT-05 for bolt11 in sats; NUT-07, 09, 11 and 12 are on
        // by default in cdk's builder.
        builder
            .add_payment_processor(
                CurrencyUnit::Sat,
                PaymentMethod::BOLT11,
                MintMeltLimits::new(MIN_SAT, MAX_SAT),
                lightning,
            )
            .await?;
        let mint = Arc::new(builder.build_with_seed(database, &seed).await?);
        // Listens to its node's payments, so paid quotes become mintable.
        mint.start().await?;

        let router = cdk_axum::create_mint_router(mint.clone(), vec!["bolt11".to_owned()])
            .await
            .map_err(|err| DevMintError::Router(err.into()))?;
        tracing::info!(%url, "dev mint running");
        Ok(Self { url, mint, router })
    }

    /// Retires the active sat keyset for a fresh one (keyset rotation, as
    /// mints do): proofs of the old keyset stay spendable, new ones are
    /// signed with the new keys. Amounts are the powers of two a wallet
    /// uses, up to [`MAX_SAT`].
    pub async fn rotate_keyset(&self) -> Result<(), DevMintError> {
        let amounts = (0..u64::BITS)
            .map(|power| 1u64 << power)
            .take_while(|amount| *amount <= MAX_SAT)
            .collect();
        self.mint
            .rotate_keyset(CurrencyUnit::Sat, amounts, 0, true, None)
            .await?;
        Ok(())
    }

    /// The URL wallets use, as given to [`DevMint::new`] (normalised: no
    /// trailing slash).
    pub fn url(&self) -> &MintUrl {
        &self.url
    }

    /// The mint's HTTP API (`/v1/...`), to serve at the root of
    /// [`DevMint::url`]: e.g. `Router::nest("/mint", dev_mint.router())` for
    /// `http://host/mint`.
    pub fn router(&self) -> axum::Router {
        self.router.clone()
    }

    /// Starts a fake-Lightning mint ([`DevMint::new`]) in a fresh temporary
    /// directory and serves it on an ephemeral port of 127.0.0.1, at
    /// `http://127.0.0.1:<port>`, for tests. It stops serving, and its
    /// directory is removed, when the returned [`RunningMint`] is dropped.
    pub async fn spawn_standalone() -> Result<RunningMint, DevMintError> {
        Self::spawn(None).await
    }

    /// As [`DevMint::spawn_standalone`], with `node` of a dev Lightning
    /// network as the mint's node ([`DevMint::on_network`]).
    pub async fn spawn_on_network(node: Node) -> Result<RunningMint, DevMintError> {
        Self::spawn(Some(node)).await
    }

    async fn spawn(node: Option<Node>) -> Result<RunningMint, DevMintError> {
        let dir = tempfile::tempdir()?;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let url = format!("http://{addr}");
        let mint = match node {
            Some(node) => Self::on_network(&url, dir.path(), node).await?,
            None => Self::new(&url, dir.path()).await?,
        };

        let server = tokio::spawn(axum::serve(listener, mint.router()).into_future());
        Ok(RunningMint {
            addr,
            mint,
            server,
            _dir: dir,
        })
    }
}

impl Drop for DevMint {
    fn drop(&mut self) {
        // The mint's background task holds its own handle on the mint and
        // would outlive this one: stop it, if a runtime is left to run that.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let mint = self.mint.clone();
            runtime.spawn(async move { mint.stop().await });
        }
    }
}

/// What the mint says of itself (`GET /v1/info`).
struct About {
    description: &'static str,
    long_description: &'static str,
}

/// A dev mint served on its own port, from [`DevMint::spawn_standalone`].
#[derive(Debug)]
pub struct RunningMint {
    addr: SocketAddr,
    mint: DevMint,
    server: JoinHandle<io::Result<()>>,
    // Dropped last, once nothing uses the database in it.
    _dir: tempfile::TempDir,
}

impl RunningMint {
    /// The mint's URL, `http://127.0.0.1:<port>`.
    pub fn url(&self) -> &MintUrl {
        self.mint.url()
    }

    /// See [`DevMint::rotate_keyset`].
    pub async fn rotate_keyset(&self) -> Result<(), DevMintError> {
        self.mint.rotate_keyset().await
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for RunningMint {
    fn drop(&mut self) {
        // Closes the listener. A graceful shutdown would wait for open
        // connections, and a wallet's websocket can stay open.
        self.server.abort();
    }
}

/// A bolt11 invoice of `amount_sat` that no one will pay, for melting: the
/// dev mint's fake Lightning node "pays" it at once.
pub fn fake_invoice(amount_sat: u64) -> String {
    cdk_fake_wallet::create_fake_invoice(
        amount_sat.saturating_mul(1000),
        "Flash dev mint: fake payment".to_owned(),
    )
    .to_string()
}

/// Reads the seed at `path`, or writes a fresh random one there.
fn load_or_create_seed(path: &Path) -> Result<[u8; SEED_LEN], DevMintError> {
    match fs::read(path) {
        Ok(bytes) => bytes.try_into().map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{} is not a {SEED_LEN}-byte seed", path.display()),
            )
            .into()
        }),
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            let mut seed = [0; SEED_LEN];
            getrandom::fill(&mut seed)?;
            fs::write(path, seed)?;
            Ok(seed)
        }
        Err(err) => Err(err.into()),
    }
}
