//! Thin entry point: parse arguments, run the command, own the exit code.
//!
//! Exit codes (CHECKS.md): 0 the gate passed, 1 the gate failed, 2 usage or
//! configuration error (including a report file that cannot be written).

use std::process::ExitCode;

use clap::Parser;
use mistral_gate::cli::{self, Cli, Command};
use mistral_gate::report::Verdict;
use mistral_gate::{command, command_verify};

fn main() -> ExitCode {
    mistral_gate::heap::limit_arenas();
    let cli = match Cli::try_parse_from(cli::without_empty_options(std::env::args_os())) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // --help and --version are not errors.
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let outcome = match cli.command {
        Command::Check(args) => command::check(&args),
        Command::Verify(args) => command_verify::verify(&args),
        Command::Rollout(args) => command_verify::rollout(&args),
    };
    match outcome {
        Ok(Verdict::Pass) => ExitCode::SUCCESS,
        Ok(Verdict::Fail) => ExitCode::from(1),
        Err(e) => {
            eprintln!("mistral-gate: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
