//! Live key validation against the Mistral API.
//!
//! Placeholder: the live checks report `skip` until key validation lands. The types
//! below are the interface other checks read (model-lifecycle uses `deprecation`).

/// One entry of `GET /v1/models` as the key sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveModel {
    pub id: String,
    pub aliases: Vec<String>,
    /// RFC 3339 timestamp: deprecated until then, retired after.
    pub deprecation: Option<String>,
    pub deprecation_replacement_model: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct LiveFacts {
    models: Option<Vec<LiveModel>>,
}

impl LiveFacts {
    /// The primary key's model list, when it was fetched.
    pub fn models(&self) -> Option<&[LiveModel]> {
        self.models.as_deref()
    }
}
