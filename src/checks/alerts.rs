//! Alerts: the checklist's alert table, and the token budget alert.

pub(crate) use super::not_implemented as alert_rules;
pub(crate) use super::not_implemented as budget_alerts;
