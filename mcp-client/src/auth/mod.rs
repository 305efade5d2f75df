//! OAuth for the client.
//!
//! - [`dpop`]: proof-of-possession proofs (RFC 9449);
//! - [`assertion`]: JWT client authentication (`private_key_jwt`);
//! - [`grants`]: tokens without a user: client credentials, workload
//!   identity (JWT bearer), enterprise-managed authorization.

pub mod assertion;
pub mod dpop;
pub mod grants;

pub use assertion::ClientAssertion;
pub use dpop::{Dpop, DpopKey};
pub use grants::{Assertion, ClientAuth, IdentityProvider, MachineGrant, TokenResponse, TokenTarget};
