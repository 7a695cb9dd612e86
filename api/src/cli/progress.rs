//! Progress for long commands: a spinner with the current step on a terminal, plain log lines
//! otherwise (CI, containers, pipes).

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// A long operation's progress.
pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// Starts showing `step`.
    pub fn start(step: &str) -> Self {
        if !std::io::stderr().is_terminal() {
            tracing::info!("{step}");
            return Self(None);
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(100));
        bar.set_message(step.to_owned());
        Self(Some(bar))
    }

    /// Moves on to `step`.
    pub fn step(&self, step: &str) {
        match &self.0 {
            Some(bar) => bar.set_message(step.to_owned()),
            None => tracing::info!("{step}"),
        }
    }

    /// Ends with `message`.
    pub fn finish(self, message: &str) {
        match self.0 {
            Some(bar) => bar.finish_with_message(message.to_owned()),
            None => tracing::info!("{message}"),
        }
    }
}
