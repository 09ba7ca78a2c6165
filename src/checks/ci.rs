//! CI gates of the checklist: the type check and the tests run in CI.
//!
//! A CI workflow counts when one of its commands, followed through the package.json
//! scripts, Makefile targets, tox envs, nox sessions, pyproject tasks and shell scripts
//! it calls, runs a type checker (or a test runner). `npm test` over a `test` script that
//! only echoes runs nothing. A call into a script the repository does not show is
//! "not visible statically": `warn`, never a pass.

use std::sync::LazyLock;

use regex::Regex;

use super::util::{dedup, evidence_for, plural, with_problems, EVIDENCE_LIMIT};
use super::{CheckDecl, Ctx, Outcome, Scope};
use crate::ops::commands::{Action, Call};
use crate::ops::procedures::Procedure;
use crate::ops::{OpsFacts, Problem, Step as CiStep, TestFiles};
use crate::vocab::{CheckId, Evidence, EvidenceStatus, Severity, Step};

/// A CI workflow (or a script it calls) runs a type checker: type errors caught before
/// the deploy are the cheapest Mistral integration bugs (wrong parameter names).
pub static TYPECHECK_IN_CI: CheckDecl = CheckDecl {
    id: CheckId::TypecheckInCi,
    step: Step::CodeQuality,
    title: "Type check passes in CI",
    severity: Severity::Warning,
    scope: Scope::MistralUsage,
    remediation: "Add a CI step that runs the type checker (tsc --noEmit, npm run typecheck, mypy or pyright)",
    run: typecheck_in_ci,
};

/// A CI workflow runs the test suite, followed through make, package scripts, tox/nox
/// and shell scripts to the real tool: `npm test` over an `echo` runs nothing.
pub static TESTS_IN_CI: CheckDecl = CheckDecl {
    id: CheckId::TestsInCi,
    step: Step::CodeQuality,
    title: "Tests pass in CI (unit + integration)",
    severity: Severity::Warning,
    scope: Scope::MistralUsage,
    remediation: "Add a CI step that runs the test suite (npm test, pytest, ...)",
    run: tests_in_ci,
};

static TYPECHECK_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)type|tsc|mypy|pyright").unwrap());
static TEST_NAME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)test|spec").unwrap());

/// What a CI gate looks for: the tool an action runs, if it is the wanted kind.
type Wanted = fn(&Action) -> Option<&str>;

fn typecheck_in_ci(ctx: &Ctx) -> Outcome {
    fn type_checker(a: &Action) -> Option<&str> {
        match a {
            Action::TypeCheck(tool) => Some(tool),
            _ => None,
        }
    }
    ci_gate(ctx, "a type check", type_checker, false, |c| {
        named(c, &TYPECHECK_NAME)
    })
}

fn tests_in_ci(ctx: &Ctx) -> Outcome {
    fn test_runner(a: &Action) -> Option<&str> {
        match a {
            Action::Test(tool) => Some(tool),
            _ => None,
        }
    }
    ci_gate(ctx, "the test suite", test_runner, true, |c| {
        matches!(c, Call::Tox(_) | Call::Nox(_)) || named(c, &TEST_NAME)
    })
}

/// Why a test command has nothing to run, or `None` (see [`OpsFacts::test_files_for`]).
fn no_tests_in_target(ops: &OpsFacts, step: &CiStep) -> Option<String> {
    match ops.test_files_for(step) {
        TestFiles::Found | TestFiles::InTheCode => None,
        TestFiles::NoneInRepository => Some("but the repository holds no test file".to_string()),
        TestFiles::NoneIn(targets) => Some(format!(
            "on `{}`, where the repository holds no test file",
            targets.join(" ")
        )),
    }
}

/// True when a call's name suggests what is looked for (`npm run typecheck`).
fn named(call: &Call, re: &Regex) -> bool {
    match call {
        Call::PackageScript(n)
        | Call::ProjectTask(n)
        | Call::Shell(n)
        | Call::PreCommit(Some(n)) => re.is_match(n),
        Call::Make {
            target: Some(n), ..
        } => re.is_match(n),
        Call::Just(Some(n)) | Call::PackageScripts(n) | Call::EveryWorkspace(n) => re.is_match(n),
        Call::Local { path, .. } => re.is_match(path),
        _ => false,
    }
}

/// `check_targets`: a command found must have test files where it looks (tests only).
fn ci_gate(
    ctx: &Ctx,
    what: &str,
    wanted: Wanted,
    check_targets: bool,
    looks_like: impl Fn(&Call) -> bool,
) -> Outcome {
    let ops = &ctx.facts.ops;
    let workflows: Vec<_> = ops
        .workflows()
        .filter(|w| !ctx.config.check(ctx.id.as_str()).ignores_path(&w.path))
        .collect();
    let problems: Vec<&Problem> = ops.problems_in(crate::ops::Area::Ci).collect();
    if workflows.is_empty()
        && !problems
            .iter()
            .any(|p| crate::ops::procedures::is_ci_file(&p.path))
    {
        // The checklist asks for the gate to run in CI: no CI is a failure, not a skip.
        return Outcome::fail("no CI configuration found (GitHub Actions, GitLab CI, CircleCI, Bitbucket, Azure Pipelines, Jenkinsfile, Drone, Woodpecker, Buildkite)");
    }
    let mut found = Vec::new();
    let mut empty_targets = Vec::new();
    let mut unresolved = Vec::new();
    for wf in &workflows {
        for step in ops.expand(wf) {
            if let Some(tool) = wanted(step.action) {
                match no_tests_in_target(ops, &step) {
                    Some(why) if check_targets => empty_targets.push(evidence_for(
                        EvidenceStatus::Warn,
                        &step,
                        &format!("runs {tool} {why}"),
                    )),
                    _ => found.push(evidence_for(
                        EvidenceStatus::Pass,
                        &step,
                        &format!("runs {tool}"),
                    )),
                }
            } else if let Action::Call(call) = step.action {
                if looks_like(call) {
                    unresolved.push(evidence_for(EvidenceStatus::Warn, &step, &format!("calls `{}`, defined nowhere in the repository: value not visible statically", step.text)));
                }
            }
        }
    }
    dedup(&mut found);
    if !found.is_empty() {
        let n = found.len();
        found.truncate(EVIDENCE_LIMIT);
        return with_problems(
            Outcome::pass(format!("CI runs {what} ({n} step{})", plural(n))).with_evidence(found),
            &problems,
        );
    }
    dedup(&mut empty_targets);
    if !empty_targets.is_empty() {
        empty_targets.truncate(EVIDENCE_LIMIT);
        return with_problems(
            Outcome::warn(format!(
                "CI runs {what}, but where it looks the repository holds no test file"
            ))
            .with_evidence(empty_targets),
            &problems,
        );
    }
    let mut evidence = echo_only(ops, &workflows, what, wanted, &looks_like);
    if !unresolved.is_empty() {
        unresolved.extend(evidence);
        return with_problems(
            Outcome::warn(format!(
                "CI calls a script that may run {what}, but the script is not in the repository"
            ))
            .with_evidence(unresolved),
            &problems,
        );
    }
    evidence.extend(workflows.iter().map(|w| {
        Evidence::fail(&w.path, None, format!("has no step that runs {what}"))
            .about(format!("no step runs {what}"))
    }));
    with_problems(
        Outcome::fail(format!("no CI step runs {what}")).with_evidence(evidence),
        &problems,
    )
}

/// Calls that look like the wanted step but run something else (`"test": "echo ..."`).
fn echo_only(
    ops: &OpsFacts,
    workflows: &[&Procedure],
    what: &str,
    wanted: Wanted,
    looks_like: &impl Fn(&Call) -> bool,
) -> Vec<Evidence> {
    let mut out = Vec::new();
    for wf in workflows {
        for cmd in &wf.commands {
            for action in &cmd.actions {
                let Action::Call(call) = action else { continue };
                if !looks_like(call) {
                    continue;
                }
                for target in ops.resolve(call, &wf.path, cmd.dir.as_deref()) {
                    let runs = ops.expand(target);
                    if runs.iter().all(|s| wanted(s.action).is_none()) {
                        let body: Vec<&str> =
                            target.commands.iter().map(|c| c.text.as_str()).collect();
                        out.push(
                            Evidence::fail(
                                &wf.path,
                                cmd.line,
                                format!(
                                    "`{}` calls {} `{}` in {}, which runs `{}`, not {what}",
                                    cmd.text,
                                    target.kind.describe(),
                                    target.name,
                                    target.path,
                                    body.join("; "),
                                ),
                            )
                            .about(format!(
                                "`{}` calls {} `{}`",
                                cmd.text,
                                target.kind.describe(),
                                target.name
                            ))
                            .related(target.path.as_str(), target.line),
                        );
                    }
                }
            }
        }
    }
    out
}
