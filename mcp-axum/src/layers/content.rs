//! Content negotiation of the endpoint: a POST must accept both JSON and
//! SSE answers and carry a JSON body; a GET (where the endpoint has one)
//! must accept SSE.

use super::RequestCheck;
use crate::accept::{accepts, accepts_all, is_json};
use crate::endpoint::has_session_methods;
use crate::reply;
use axum::response::Response;
use http::{Method, Request, StatusCode};
use quickmcp::protocol::jsonrpc::code;

/// Answers 406 for a missing `Accept` and 415 for a non-JSON body.
#[derive(Debug, Clone, Copy)]
pub struct ContentCheck {
    keeps_sessions: bool,
}

impl ContentCheck {
    /// The check of an endpoint with sessions (`keeps_sessions`: it serves
    /// GET streams) or without (GET is 405 there, whatever it accepts).
    pub fn new(keeps_sessions: bool) -> Self {
        Self { keeps_sessions }
    }
}

#[allow(clippy::result_large_err)]
impl RequestCheck for ContentCheck {
    fn check<B>(&self, request: &Request<B>) -> Result<(), Response> {
        self.negotiate(request).map_err(|response| reply::rejected(response, "content_type"))
    }
}

impl ContentCheck {
    #[allow(clippy::result_large_err)]
    fn negotiate<B>(&self, request: &Request<B>) -> Result<(), Response> {
        let (method, headers) = (request.method(), request.headers());
        if *method == Method::POST {
            if !accepts_all(headers, &["application/json", "text/event-stream"]) {
                return Err(reply::refuse(
                    StatusCode::NOT_ACCEPTABLE,
                    code::SESSION_ERROR,
                    "Not Acceptable: Accept must list application/json and text/event-stream",
                ));
            }
            if !is_json(headers) {
                return Err(reply::refuse(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    code::SESSION_ERROR,
                    "Unsupported Media Type: Content-Type must be application/json",
                ));
            }
        } else if *method == Method::GET
            && has_session_methods(self.keeps_sessions, headers)
            && !accepts(headers, "text/event-stream")
        {
            return Err(reply::refuse(
                StatusCode::NOT_ACCEPTABLE,
                code::SESSION_ERROR,
                "Not Acceptable: Accept must list text/event-stream",
            ));
        }
        Ok(())
    }
}
