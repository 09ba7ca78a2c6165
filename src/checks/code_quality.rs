//! Code quality: CI runs the type check and tests; Mistral calls handle errors, retry
//! with backoff, and keep message content and keys out of the logs.

pub(crate) use super::not_implemented as typecheck_in_ci;
pub(crate) use super::not_implemented as tests_in_ci;
pub(crate) use super::not_implemented as error_handling;
pub(crate) use super::not_implemented as retry_backoff;
pub(crate) use super::not_implemented as log_hygiene;
