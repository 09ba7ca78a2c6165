//! Ctrl-C and SIGTERM during `verify` or `rollout`.
//!
//! The first signal sets a flag that every wait of the watch checks ([`Cancel::sleep`]
//! returns at once): the watch stops, the Deployment is left in a stated condition
//! (paused if the canary phase had begun, as it was otherwise), the report is written
//! and that condition is printed last. A second signal exits at once with status 1
//! (the deploy was not verified), after one line on stderr saying so.

use std::time::Duration;

use tokio::sync::watch;

/// The exit status of a run stopped by a second signal.
const SECOND_SIGNAL_EXIT: i32 = 1;

/// Whether a stop was asked for.
#[derive(Clone)]
pub struct Cancel(watch::Receiver<bool>);

impl Cancel {
    /// A flag nobody sets (tests, and runs with no signal handling).
    pub fn never() -> Cancel {
        let (tx, rx) = watch::channel(false);
        std::mem::forget(tx);
        Cancel(rx)
    }

    fn is_set(&self) -> bool {
        *self.0.borrow()
    }

    /// Sleeps `d`, or less if a stop is asked for; true when it was.
    pub async fn sleep(&self, d: Duration) -> bool {
        let mut rx = self.0.clone();
        if *rx.borrow() {
            return true;
        }
        tokio::select! {
            _ = tokio::time::sleep(d) => self.is_set(),
            _ = rx.wait_for(|set| *set) => true,
        }
    }
}

/// Installs the handlers (inside the runtime). The first SIGINT or SIGTERM sets the
/// flag; the second exits.
#[cfg(unix)]
pub fn install() -> std::io::Result<Cancel> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        let mut seen = 0;
        loop {
            tokio::select! {
                _ = int.recv() => {},
                _ = term.recv() => {},
            }
            seen += 1;
            if seen == 1 {
                eprintln!("mistral-gate: signal received: stopping the watch (a second signal exits at once)");
                let _ = tx.send(true);
            } else {
                eprintln!("mistral-gate: second signal: exiting now; the Deployment was not verified and may be paused");
                std::process::exit(SECOND_SIGNAL_EXIT);
            }
        }
    });
    Ok(Cancel(rx))
}

#[cfg(not(unix))]
pub fn install() -> std::io::Result<Cancel> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        let mut seen = 0;
        while tokio::signal::ctrl_c().await.is_ok() {
            seen += 1;
            if seen == 1 {
                let _ = tx.send(true);
            } else {
                std::process::exit(SECOND_SIGNAL_EXIT);
            }
        }
    });
    Ok(Cancel(rx))
}
