//! Code quality of the Mistral call sites: errors handled, retries with backoff, and
//! message content and keys kept out of the logs.

pub(crate) use super::not_implemented as error_handling;
pub(crate) use super::not_implemented as retry_backoff;
pub(crate) use super::not_implemented as log_hygiene;
