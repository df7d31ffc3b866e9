//! The dev Lightning network as `server --dev` runs it: the server's own
//! node, which the server reaches as it reaches LND in production (its LND
//! client against the node's LND stand-in), the dev mint's node, and a node
//! for the rest of the world, whose invoices a newcomer pays from an account
//! or melts eCash to, and which pays the account's invoices
//! (`/api/dev/lightning/*`). Money moves between all three: an account pays
//! the mint's invoice to mint eCash, a melt pays an account's invoice.

use bitcoin::hex::FromHex;
use flash_dev::lightning::{LndStandIn, LndStandInError, Network, NetworkError, Node};

use crate::lightning::LndConfig;

/// Why the dev network could not start.
#[derive(Debug, thiserror::Error)]
pub enum DevLightningError {
    #[error("could not create the dev Lightning nodes")]
    Network(#[from] NetworkError),
    #[error("could not start the dev node's LND stand-in")]
    StandIn(#[from] LndStandInError),
}

/// The running dev network.
#[derive(Debug)]
pub struct DevLightning {
    mint: Node,
    outside: Node,
    stand_in: LndStandIn,
}

impl DevLightning {
    pub async fn start() -> Result<Self, DevLightningError> {
        let network = Network::new();
        let server = network.add_node("server")?;
        let mint = network.add_node("mint")?;
        let outside = network.add_node("outside")?;
        let stand_in = LndStandIn::spawn(server).await?;
        Ok(Self {
            mint,
            outside,
            stand_in,
        })
    }

    /// How the server's LND client reaches its node.
    pub fn lnd_config(&self) -> LndConfig {
        LndConfig {
            url: self.stand_in.url().to_owned(),
            macaroon: Vec::from_hex(self.stand_in.macaroon_hex()).unwrap_or_default(),
            certificate: self.stand_in.certificate_pem().into_bytes(),
        }
    }

    /// The dev mint's node.
    pub fn mint(&self) -> &Node {
        &self.mint
    }

    /// The rest of the world.
    pub fn outside(&self) -> &Node {
        &self.outside
    }
}
