//! Why a document could not become tools: every build-time problem, each
//! naming the operation it was found in.

use std::fmt;

/// Why an OpenAPI document could not be turned into MCP components.
///
/// Problems inside one operation name it as `GET /pets/{petId}
/// (operationId getPetById)`, so the message points at the line to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OpenApiError {
    /// The text is not JSON (or YAML), or its root is not an object.
    Malformed(String),
    /// Not an OpenAPI 3.0 or 3.1 document (Swagger 2.0, or no `openapi` field).
    UnsupportedVersion(String),
    /// Fetching or reading the document failed.
    Load(String),
    /// A problem inside one operation.
    Operation {
        /// `METHOD /path (operationId id)`.
        operation: String,
        /// What is wrong.
        problem: String,
    },
    /// Two operations ended up with the same tool or resource name.
    DuplicateName {
        /// The name after sanitising and renaming.
        name: String,
        /// The two operations.
        operations: [String; 2],
    },
    /// A route map's path pattern is not a valid regular expression.
    InvalidPattern(String),
    /// No backend was chosen (`in_process` or `http`), or the base URL is invalid.
    Backend(String),
}

impl OpenApiError {
    pub(crate) fn operation(operation: &str, problem: impl Into<String>) -> Self {
        Self::Operation { operation: operation.to_owned(), problem: problem.into() }
    }
}

impl fmt::Display for OpenApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(why) => write!(f, "malformed OpenAPI document: {why}"),
            Self::UnsupportedVersion(why) => write!(f, "unsupported OpenAPI document: {why}"),
            Self::Load(why) => write!(f, "cannot load the OpenAPI document: {why}"),
            Self::Operation { operation, problem } => write!(f, "{operation}: {problem}"),
            Self::DuplicateName { name, operations: [a, b] } => {
                write!(f, "{a} and {b} both become `{name}`; rename one (OpenApi::rename)")
            }
            Self::InvalidPattern(why) => write!(f, "invalid route map pattern: {why}"),
            Self::Backend(why) => write!(f, "OpenAPI backend: {why}"),
        }
    }
}

impl std::error::Error for OpenApiError {}
