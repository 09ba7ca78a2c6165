//! Operations front-end: CI workflows, deploy manifests, alert rules and runbooks.
//!
//! Placeholder for the front-end that reads them; until it lands no file is claimed and
//! every check that depends on it reports `skip` ("not implemented in this version").

use crate::walk::SourceFile;

#[derive(Debug, Clone)]
pub struct OpsFile;

pub fn analyze_file(_file: &SourceFile) -> Option<OpsFile> {
    None
}

#[derive(Debug, Clone, Default)]
pub struct OpsFacts;

impl OpsFacts {
    pub fn assemble(_files: Vec<OpsFile>) -> OpsFacts {
        OpsFacts
    }
}
