//! Model configuration: pinned, live models with max-tokens and temperature set.

pub(crate) use super::not_implemented as model_pinned;
pub(crate) use super::not_implemented as model_lifecycle;
pub(crate) use super::not_implemented as max_tokens_set;
pub(crate) use super::not_implemented as temperature_set;
