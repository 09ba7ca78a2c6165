//! Live key validation against the Mistral API.
//!
//! Placeholder: the live checks report `skip` until key validation lands.

#[derive(Debug, Clone, Default)]
pub struct LiveFacts;
