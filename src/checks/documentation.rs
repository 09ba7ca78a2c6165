//! Documentation requirements: runbook, key rotation, rollback, escalation, usage limits.

pub(crate) use super::not_implemented as incident_runbook;
pub(crate) use super::not_implemented as key_rotation_doc;
pub(crate) use super::not_implemented as rollback_doc;
pub(crate) use super::not_implemented as escalation_doc;
pub(crate) use super::not_implemented as usage_limits_doc;
