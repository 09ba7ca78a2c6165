//! mistral-gate: executes the Mistral AI production checklist on a repository.
//!
//! One pipeline (see `gate`): walk → front-ends → facts → checks → report → renderers.

pub mod baseline;
pub mod checks;
pub mod cli;
pub mod command;
pub mod command_verify;
pub mod config;
pub mod deploy;
pub mod diff;
pub mod facts;
pub mod file_kind;
pub mod gate;
pub mod git_tree;
pub mod github;
pub mod health_path;
pub mod heap;
pub mod lang;
pub mod live;
pub mod ops;
pub mod repo_fs;
pub mod repo_root;
pub mod report;
pub mod report_file;
pub mod secrets;
pub mod suppressions;
pub mod vocab;
pub mod walk;
