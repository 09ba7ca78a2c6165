//! Gradual rollout, post-deploy verification, rollback readiness.

pub(crate) use super::not_implemented as gradual_rollout;
pub(crate) use super::not_implemented as post_deploy_verification;
pub(crate) use super::not_implemented as rollback_ready;
