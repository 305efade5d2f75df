//! [`SessionState<T>`]: typed per-session state kept by the session store,
//! so that with a shared store every replica sees and updates the same.

use crate::Context;
use crate::handler::{ExtractError, Extractor, ToolError};
use crate::protocol::jsonrpc::RpcError;
use crate::session::{Session, Swap};
use crate::store::StoreError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;
use std::marker::PhantomData;

/// How many times [`SessionState::update`] retries when other requests of
/// the session keep writing the value first.
const MAX_ATTEMPTS: usize = 64;

/// The session's value of type `T`, an extractor: stored as JSON by the
/// session store under `T`'s type name, `T::default()` until first
/// written, and gone when the session ends. With a shared store (Redis),
/// requests of one session on different replicas see the same value, and
/// [`update`](Self::update) is atomic: concurrent updates are retried,
/// never lost.
///
/// It needs a session: in stateless mode the extractor fails (-32603).
///
/// ```
/// use quickmcp::context::SessionState;
/// use quickmcp::prelude::*;
///
/// #[derive(Default, serde::Serialize, serde::Deserialize)]
/// struct Cart { items: Vec<String> }
///
/// /// Adds an item to this session's cart; returns how many it holds.
/// #[tool]
/// async fn add_item(cart: SessionState<Cart>, item: String) -> Result<String, quickmcp::context::StateError> {
///     let count = cart.update(|cart| { cart.items.push(item.clone()); cart.items.len() }).await?;
///     Ok(count.to_string())
/// }
///
/// let server = Server::builder("shop", "1.0.0").tools(tools![add_item]).build();
/// # let _ = server;
/// ```
pub struct SessionState<T> {
    session: Session,
    /// Most bytes of JSON the value may take ([`Server::max_session_state`](crate::Server::max_session_state)).
    max_bytes: usize,
    kind: PhantomData<fn() -> T>,
}

impl<T: Serialize + DeserializeOwned + Default> SessionState<T> {
    /// The state's key in the store.
    fn key() -> &'static str {
        std::any::type_name::<T>()
    }

    /// The stored value and its JSON text (`None` when never written).
    async fn read(&self) -> Result<(T, Option<String>), StateError> {
        let store = self.session.store();
        let text = store.load_value(self.session.id(), Self::key()).await?;
        let value = match &text {
            Some(text) => serde_json::from_str(text).map_err(|e| StateError::Decode(e.to_string()))?,
            None => T::default(),
        };
        Ok((value, text))
    }

    /// The current value.
    pub async fn get(&self) -> Result<T, StateError> {
        Ok(self.read().await?.0)
    }

    /// Applies `change` to the value and stores it; returns what `change`
    /// returned. When another request wrote the value meanwhile, `change`
    /// runs again on the newer value, so it may run more than once. A value
    /// whose JSON is larger than the server's bound (`MCP_MAX_SESSION_STATE`,
    /// default 1 MiB) is not stored: [`StateError::TooLarge`], and the
    /// stored value stays as it was.
    pub async fn update<R>(&self, mut change: impl FnMut(&mut T) -> R) -> Result<R, StateError> {
        let store = self.session.store();
        for _ in 0..MAX_ATTEMPTS {
            let (mut value, read) = self.read().await?;
            let result = change(&mut value);
            let written = serde_json::to_string(&value).map_err(|e| StateError::Decode(e.to_string()))?;
            // Bounded before the store sees it: every update rewrites and
            // compares the whole value (in Redis too).
            if written.len() > self.max_bytes {
                return Err(StateError::TooLarge { bytes: written.len(), max: self.max_bytes });
            }
            match store.swap_value(self.session.id(), Self::key(), read.as_deref(), &written).await? {
                Swap::Done => return Ok(result),
                Swap::Changed => continue,
                Swap::Gone => return Err(StateError::SessionEnded),
            }
        }
        Err(StateError::Contended)
    }

    /// Replaces the value.
    pub async fn set(&self, value: T) -> Result<(), StateError> {
        let mut value = Some(value);
        self.update(|current| {
            if let Some(value) = value.take() {
                *current = value;
            }
        })
        .await
    }
}

impl<T> Extractor for SessionState<T> {
    fn extract(ctx: &Context) -> Result<Self, ExtractError> {
        let session = ctx.live_session().ok_or_else(|| {
            ExtractError::new(format!(
                "`SessionState<{}>` needs a session, and this server runs stateless",
                std::any::type_name::<T>()
            ))
        })?;
        Ok(Self { session: session.clone(), max_bytes: ctx.server().max_session_state(), kind: PhantomData })
    }
}

impl<T> fmt::Debug for SessionState<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionState").field("session", &self.session.id()).finish_non_exhaustive()
    }
}

/// Why a [`SessionState`] could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StateError {
    /// The session store failed or is unreachable.
    Store(StoreError),
    /// The stored JSON does not decode as the state's type (or the value
    /// does not encode).
    Decode(String),
    /// The session ended while the value was being updated.
    SessionEnded,
    /// Other requests kept writing first; the update gave up.
    Contended,
    /// The value's JSON (`bytes`) is larger than the server lets one state
    /// value hold (`max`, `MCP_MAX_SESSION_STATE`); nothing was stored.
    TooLarge {
        /// The size of the value's JSON.
        bytes: usize,
        /// The bound.
        max: usize,
    },
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateError::Store(error) => write!(f, "session state: {error}"),
            StateError::Decode(error) => write!(f, "session state does not decode: {error}"),
            StateError::SessionEnded => f.write_str("the session ended"),
            StateError::Contended => {
                write!(f, "session state changed {MAX_ATTEMPTS} times while being updated; try again")
            }
            StateError::TooLarge { bytes, max } => write!(
                f,
                "session state of {bytes} bytes is over the limit of {max} bytes per value (MCP_MAX_SESSION_STATE); \
                 nothing was stored"
            ),
        }
    }
}

impl std::error::Error for StateError {}

impl From<StoreError> for StateError {
    fn from(error: StoreError) -> Self {
        StateError::Store(error)
    }
}

impl From<StateError> for ToolError {
    fn from(error: StateError) -> Self {
        ToolError(error.to_string())
    }
}

impl From<StateError> for RpcError {
    fn from(error: StateError) -> Self {
        RpcError::internal(error.to_string())
    }
}
