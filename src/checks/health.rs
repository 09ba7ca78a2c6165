//! Health check endpoint that probes Mistral.

pub(crate) use super::not_implemented as health_endpoint;
