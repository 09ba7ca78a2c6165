//! Operations front-end: CI workflows and the scripts they call, deploy manifests,
//! alert rules and runbooks, as facts for the CI, rollout, alert and documentation
//! checks.
//!
//! Each file is read once, in parallel, by [`analyze_file`]; [`OpsFacts::assemble`]
//! then indexes procedures by name so that a CI step `npm run typecheck` can be
//! followed into package.json, a `make test` into the Makefile, a `./deploy.sh` into
//! the script ([`OpsFacts::expand`]). Nothing here decides pass or fail.
//!
//! A YAML file the parser rejects is a [`Problem`] with the parser's message, filed
//! under the area its path or content suggests; YAML that is none of ours (a
//! `mkdocs.yml`) is not a problem of ours either.

pub mod alerts;
pub mod commands;
pub mod docs;
pub mod k8s;
pub mod procedures;
pub mod yaml;

use std::collections::HashMap;

use crate::walk::SourceFile;
use alerts::AlertRule;
use commands::{Action, Call};
use docs::Section;
use k8s::{Resource, Workload};
use procedures::{Procedure, ProcedureKind};

/// Which checks a problem with a file matters to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Ci,
    Deploy,
    Alerts,
}

/// A file that could not be read as what it is (malformed YAML, JSON or TOML).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub line: u32,
    pub message: String,
    pub area: Area,
}

impl Problem {
    pub fn yaml(path: &str, area: Area, e: yaml::YamlError) -> Problem {
        Problem {
            path: path.to_string(),
            line: e.line,
            message: format!("YAML not parsed: {}", e.message),
            area,
        }
    }
}

/// A file that makes the repository a deployed one although nothing in it was read as a
/// workload: a Helm `Chart.yaml`, a `kustomization.yaml`, an unparsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployMarker {
    pub path: String,
    pub what: &'static str,
}

/// What one file contributes.
#[derive(Debug, Clone, Default)]
pub struct OpsFile {
    pub procedures: Vec<Procedure>,
    pub resources: Vec<Resource>,
    pub markers: Vec<DeployMarker>,
    pub alerts: Vec<AlertRule>,
    pub sections: Vec<Section>,
    pub problems: Vec<Problem>,
    /// This file is a test file (by [`crate::file_kind`]).
    pub test_file: Option<String>,
}

impl OpsFile {
    fn is_empty(&self) -> bool {
        self.procedures.is_empty()
            && self.resources.is_empty()
            && self.markers.is_empty()
            && self.alerts.is_empty()
            && self.sections.is_empty()
            && self.problems.is_empty()
            && self.test_file.is_none()
    }
}

pub fn analyze_file(file: &SourceFile) -> Option<OpsFile> {
    let path = file.path;
    let text = file.text;
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    let mut out = OpsFile::default();
    if crate::file_kind::is_test(path) {
        out.test_file = Some(path.to_string());
    }
    if procedures::is_ci_file(path) {
        match procedures::workflow(path, text) {
            Ok(p) => out.procedures.push(p),
            Err(problem) => out.problems.push(problem),
        }
    } else if procedures::is_action_file(path) {
        match procedures::composite_action(path, text) {
            Ok(p) => out.procedures.extend(p),
            Err(problem) => out.problems.push(problem),
        }
    } else if matches!(lower.as_str(), "justfile" | ".justfile") || lower.ends_with(".just") {
        out.procedures = procedures::just_recipes(path, text);
    } else if name == ".pre-commit-config.yaml" {
        match procedures::pre_commit_hooks(path, text) {
            Ok(p) => out.procedures = p,
            Err(problem) => out.problems.push(problem),
        }
    } else if name == "package.json" {
        match procedures::package_scripts(path, text) {
            Ok(p) => out.procedures = p,
            Err(problem) => out.problems.push(problem),
        }
    } else if matches!(name, "Makefile" | "makefile" | "GNUmakefile") || lower.ends_with(".mk") {
        out.procedures = procedures::make_targets(path, text);
    } else if name == "tox.ini" {
        out.procedures = procedures::tox_envs(path, text);
    } else if name == "noxfile.py" {
        out.procedures = procedures::nox_sessions(path, text);
    } else if name == "pyproject.toml" {
        match procedures::pyproject_tasks(path, text) {
            Ok(p) => out.procedures = p,
            Err(problem) => out.problems.push(problem),
        }
    } else if lower.ends_with(".sh") || lower.ends_with(".bash") {
        out.procedures.push(procedures::shell_script(path, text));
    } else if procedures::is_yaml(path) {
        yaml_file(path, text, &mut out);
    } else if lower.ends_with(".json") && !lower.ends_with("package-lock.json") {
        out.alerts = alerts::datadog_json(path, text);
    } else if lower.ends_with(".tf") {
        out.alerts = alerts::datadog_terraform(path, text);
    } else if docs::is_markdown(path) {
        out.sections = docs::sections(path, text);
    }
    (!out.is_empty()).then_some(out)
}

/// Kubernetes manifests, Helm templates, Kustomize files and Prometheus rules.
fn yaml_file(path: &str, text: &str, out: &mut OpsFile) {
    let name = path.rsplit('/').next().unwrap_or(path);
    if name == "Chart.yaml" {
        out.markers.push(DeployMarker {
            path: path.to_string(),
            what: "Helm chart",
        });
        return;
    }
    if matches!(
        name,
        "kustomization.yaml" | "kustomization.yml" | "Kustomization"
    ) {
        out.markers.push(DeployMarker {
            path: path.to_string(),
            what: "Kustomize kustomization",
        });
        return;
    }
    let templated = k8s::is_helm_template(path, text);
    let blanked;
    let source = if templated {
        blanked = yaml::blank_templates(text);
        blanked.as_str()
    } else {
        text
    };
    match yaml::load_all(source) {
        Ok(docs) => {
            for doc in &docs {
                if alerts::is_rule_doc(&doc.value) {
                    out.alerts
                        .extend(alerts::prometheus(path, source, std::slice::from_ref(doc)));
                }
            }
            let resources = k8s::resources(path, source, &docs, templated);
            if resources.is_empty() && out.alerts.is_empty() {
                out.procedures
                    .extend(procedures::gitlab_include(path, source, &docs));
            }
            if templated && resources.is_empty() {
                out.markers.push(DeployMarker {
                    path: path.to_string(),
                    what: "Helm template",
                });
            }
            out.resources = resources;
        }
        // Template syntax the blanking could not tame: best effort, not a finding.
        Err(_) if templated => out.markers.push(DeployMarker {
            path: path.to_string(),
            what: "Helm template (not readable as YAML)",
        }),
        Err(e) => {
            if let Some(area) = guess_area(path, text) {
                out.problems.push(Problem::yaml(path, area, e));
            }
        }
    }
}

/// What a YAML file that does not parse was meant to be, from its path and words.
fn guess_area(path: &str, text: &str) -> Option<Area> {
    let head: String = text.chars().take(64 * 1024).collect();
    if head.contains("groups:") && (head.contains("expr:") || head.contains("alert:"))
        || head.contains("PrometheusRule")
    {
        Some(Area::Alerts)
    } else if (head.contains("apiVersion:") && head.contains("kind:"))
        || path.contains("k8s/")
        || path.contains("kubernetes/")
        || path.contains("manifests/")
        || path.contains("deploy/")
    {
        Some(Area::Deploy)
    } else {
        None
    }
}

/// One command reached from a procedure, with the chain of calls that led to it.
#[derive(Debug, Clone)]
pub struct Step<'a> {
    pub path: &'a str,
    pub line: u32,
    pub text: &'a str,
    pub action: &'a Action,
    /// What holds the command: a workflow's commands run at the repository root, a
    /// package script's in its package's folder.
    pub kind: ProcedureKind,
    /// The calls followed to get here, outermost first: ("npm run typecheck", path, line).
    pub via: Vec<(&'a str, &'a str, u32)>,
}

impl Step<'_> {
    /// `path:line` of the first command in the chain: where the CI runs it.
    pub fn origin(&self) -> (&str, u32) {
        self.via
            .first()
            .map_or((self.path, self.line), |(_, p, l)| (*p, *l))
    }
}

/// Whether a test command has test files where it looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestFiles {
    Found,
    /// The runner's tests live in the code (`cargo test`): nothing to look for.
    InTheCode,
    /// It looks everywhere and the repository has no test file.
    NoneInRepository,
    /// It looks in these paths and none holds a test file.
    NoneIn(Vec<String>),
}

/// Build output folders: tests compiled there come from test sources elsewhere.
const BUILD_DIRS: &[&str] = &["dist", "build", "out", "lib", ".build", "target"];

/// Every operations fact of the repository.
#[derive(Debug, Clone, Default)]
pub struct OpsFacts {
    pub procedures: Vec<Procedure>,
    pub workloads: Vec<Workload>,
    /// Flagger canaries and Argo analysis templates: (kind, name, path, line).
    pub progressive: Vec<(k8s::ProgressiveKind, String, String, u32)>,
    /// Post-deploy hook Jobs (Helm, Argo CD), as procedures that run after a deploy.
    pub hooks: Vec<Procedure>,
    /// Kubernetes objects that are not workloads (Services, ConfigMaps, ...): (kind, path, line).
    pub other_manifests: Vec<(String, String, u32)>,
    pub markers: Vec<DeployMarker>,
    pub alerts: Vec<AlertRule>,
    pub sections: Vec<Section>,
    pub problems: Vec<Problem>,
    /// Test files of the repository (where a test command's target is checked).
    pub test_files: Vec<String>,
    /// (kind, name) → indexes into `procedures`.
    by_name: HashMap<(ProcedureKind, String), Vec<usize>>,
    /// (callee path, caller's inputs) → the callee with those inputs, in `procedures`.
    local: HashMap<(String, Vec<(String, String)>), usize>,
}

/// How deep calls are followed (a script calling a target calling a script ...).
const MAX_CALL_DEPTH: usize = 6;

impl OpsFacts {
    pub fn assemble(files: Vec<OpsFile>) -> OpsFacts {
        let mut facts = OpsFacts::default();
        for f in files {
            facts.procedures.extend(f.procedures);
            for r in f.resources {
                match r {
                    Resource::Workload(w) => facts.workloads.push(w),
                    Resource::Progressive {
                        kind,
                        name,
                        path,
                        line,
                    } => facts.progressive.push((kind, name, path, line)),
                    Resource::Hook(p) => facts.hooks.push(p),
                    Resource::Other { kind, path, line } => {
                        facts.other_manifests.push((kind, path, line))
                    }
                }
            }
            facts.markers.extend(f.markers);
            facts.alerts.extend(f.alerts);
            facts.sections.extend(f.sections);
            facts.problems.extend(f.problems);
            facts.test_files.extend(f.test_file);
        }
        // Each call of a reusable workflow or composite action with inputs gets its own
        // copy of the callee with those inputs filled in.
        let mut instances = Vec::new();
        for caller in &facts.procedures {
            for cmd in &caller.commands {
                for action in &cmd.actions {
                    let Action::Call(Call::Local { path, inputs }) = action else {
                        continue;
                    };
                    if facts.local.contains_key(&(path.clone(), inputs.clone())) {
                        continue;
                    }
                    if let Some(callee) = facts.local_callee(path) {
                        instances.push((
                            (path.clone(), inputs.clone()),
                            procedures::with_caller_inputs(callee, inputs),
                        ));
                        let n = facts.procedures.len() + instances.len() - 1;
                        facts.local.insert((path.clone(), inputs.clone()), n);
                    }
                }
            }
        }
        facts
            .procedures
            .extend(instances.into_iter().map(|(_, p)| p));
        for (i, p) in facts.procedures.iter().enumerate() {
            facts
                .by_name
                .entry((p.kind, p.name.clone()))
                .or_default()
                .push(i);
        }
        facts
    }

    /// The reusable workflow (`.github/workflows/x.yml`) or composite action
    /// (`.github/actions/x`, its `action.yml`) a local `uses:` names.
    fn local_callee(&self, path: &str) -> Option<&Procedure> {
        let path = path.trim_start_matches("./");
        self.procedures.iter().find(|p| match p.kind {
            ProcedureKind::CiWorkflow => p.path == path,
            ProcedureKind::CompositeAction => {
                p.path == format!("{path}/action.yml") || p.path == format!("{path}/action.yaml")
            }
            _ => false,
        })
    }

    /// Where the test runner of `step` looks, and whether test files are there. Paths
    /// are relative to the file holding the command (a package script runs in its
    /// package's folder; a workflow at the root); a build folder (`dist/`) counts when
    /// the repository has test sources under that base.
    pub fn test_files_for(&self, step: &Step) -> TestFiles {
        let Action::Test(tool) = step.action else {
            return TestFiles::Found;
        };
        if commands::tests_live_in_code(tool) {
            return TestFiles::InTheCode;
        }
        let base = match step.kind {
            ProcedureKind::CiWorkflow
            | ProcedureKind::WithInputs
            | ProcedureKind::CompositeAction
            | ProcedureKind::PreCommitHook => "",
            _ => procedures::dir_of(step.path),
        };
        let under = |dir: &str| -> bool {
            let dir = dir.trim_end_matches('/');
            let prefix = match (base.is_empty(), dir.is_empty()) {
                (true, true) => String::new(),
                (true, false) => format!("{dir}/"),
                (false, true) => format!("{base}/"),
                (false, false) => format!("{base}/{dir}/"),
            };
            self.test_files
                .iter()
                .any(|t| t.starts_with(&prefix) || *t == prefix.trim_end_matches('/'))
        };
        let targets = commands::test_targets(step.text, tool);
        if targets.is_empty() {
            return if under("") {
                TestFiles::Found
            } else {
                TestFiles::NoneInRepository
            };
        }
        let found = targets.iter().any(|t| {
            let first = t.split('/').next().unwrap_or(t);
            if t.contains('*') {
                // `src/**/*.test.ts`: the folder before the first wildcard.
                let dir: Vec<&str> = t.split('/').take_while(|p| !p.contains('*')).collect();
                under(&dir.join("/"))
            } else if BUILD_DIRS.contains(&first) {
                under("")
            } else {
                under(t)
            }
        });
        if found {
            TestFiles::Found
        } else {
            TestFiles::NoneIn(targets)
        }
    }

    /// The CI workflows.
    pub fn workflows(&self) -> impl Iterator<Item = &Procedure> {
        self.procedures
            .iter()
            .filter(|p| p.kind == ProcedureKind::CiWorkflow)
    }

    /// Problems with files of `area`.
    pub fn problems_in(&self, area: Area) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(move |p| p.area == area)
    }

    /// Every command `proc` runs, in order, with calls to other procedures of the
    /// repository replaced by their commands. A call that cannot be followed stays as
    /// the [`Action::Call`] itself.
    pub fn expand<'a>(&'a self, proc: &'a Procedure) -> Vec<Step<'a>> {
        let mut out = Vec::new();
        self.expand_into(proc, &mut Vec::new(), &mut Vec::new(), &mut out);
        out
    }

    /// `seen` holds the procedures on the current call path, so that a cycle is cut.
    fn expand_into<'a>(
        &'a self,
        proc: &'a Procedure,
        via: &mut Vec<(&'a str, &'a str, u32)>,
        seen: &mut Vec<&'a Procedure>,
        out: &mut Vec<Step<'a>>,
    ) {
        if seen.iter().any(|p| std::ptr::eq(*p, proc)) || via.len() > MAX_CALL_DEPTH {
            return;
        }
        seen.push(proc);
        // package.json runs `preX` before and `postX` after `X`; Makefile prerequisites
        // and the envlist's envs run before.
        let is_post =
            |n: &String| proc.kind == ProcedureKind::PackageScript && n.starts_with("post");
        for name in proc.runs_also.iter().filter(|n| !is_post(n)) {
            for p in self.lookup(proc.kind, name, &proc.path) {
                self.expand_into(p, via, seen, out);
            }
        }
        for cmd in &proc.commands {
            for action in &cmd.actions {
                let targets = match action {
                    Action::Call(call) => self.resolve(call, &proc.path, cmd.dir.as_deref()),
                    _ => Vec::new(),
                };
                if targets.is_empty() {
                    out.push(Step {
                        path: &proc.path,
                        line: cmd.line,
                        text: &cmd.text,
                        action,
                        kind: proc.kind,
                        via: via.clone(),
                    });
                }
                for t in targets {
                    via.push((&cmd.text, &proc.path, cmd.line));
                    self.expand_into(t, via, seen, out);
                    via.pop();
                }
            }
        }
        for name in proc.runs_also.iter().filter(|n| is_post(n)) {
            for p in self.lookup(proc.kind, name, &proc.path) {
                self.expand_into(p, via, seen, out);
            }
        }
        seen.pop();
    }

    /// Procedures of `kind` named `name`, preferring the one in `from`'s own file.
    fn lookup(&self, kind: ProcedureKind, name: &str, from: &str) -> Vec<&Procedure> {
        let found: Vec<&Procedure> = self
            .by_name
            .get(&(kind, name.to_string()))
            .into_iter()
            .flatten()
            .map(|&i| &self.procedures[i])
            .collect();
        match found.iter().find(|p| p.path == from) {
            Some(same) => vec![*same],
            None => found,
        }
    }

    /// The procedures a call refers to. `from` is the calling file; `dir` a CI step's
    /// working directory.
    pub fn resolve(&self, call: &Call, from: &str, dir: Option<&str>) -> Vec<&Procedure> {
        let in_dir =
            |kind: ProcedureKind, name: &str, file: &str, dir: Option<&str>| -> Vec<&Procedure> {
                let Some(all) = self.by_name.get(&(kind, name.to_string())) else {
                    return Vec::new();
                };
                let all: Vec<&Procedure> = all.iter().map(|&i| &self.procedures[i]).collect();
                // The file in the step's directory, then at the root (or beside the caller
                // for calls from scripts), then any.
                let base = dir
                    .map(|d| d.trim_start_matches("./").trim_end_matches('/').to_string())
                    .unwrap_or_else(|| {
                        if from.contains("/.github/")
                            || from.starts_with(".github/")
                            || from.ends_with(".gitlab-ci.yml")
                        {
                            String::new()
                        } else {
                            procedures::dir_of(from).to_string()
                        }
                    });
                let want = if base.is_empty() {
                    file.to_string()
                } else {
                    format!("{base}/{file}")
                };
                if let Some(p) = all.iter().find(|p| p.path == want) {
                    return vec![*p];
                }
                all
            };
        match call {
            Call::PackageScript(name) => {
                in_dir(ProcedureKind::PackageScript, name, "package.json", dir)
            }
            Call::Make {
                target,
                dir: make_dir,
            } => {
                let d = make_dir.as_deref().or(dir);
                let name = target.clone().unwrap_or_default();
                let mut found = in_dir(ProcedureKind::MakeTarget, &name, "Makefile", d);
                if found.len() > 1 {
                    found.truncate(1);
                }
                found
            }
            Call::Tox(envs) => {
                let names: Vec<String> = match envs {
                    Some(e) => e.clone(),
                    None => self
                        .by_name
                        .get(&(ProcedureKind::ToxEnv, String::new()))
                        .and_then(|v| v.first())
                        .map_or_else(Vec::new, |&i| self.procedures[i].runs_also.clone()),
                };
                names
                    .iter()
                    .flat_map(|n| {
                        let own = in_dir(ProcedureKind::ToxEnv, n, "tox.ini", dir);
                        if own.is_empty() {
                            in_dir(ProcedureKind::ToxEnv, "[testenv]", "tox.ini", dir)
                        } else {
                            own
                        }
                    })
                    .collect()
            }
            Call::Nox(sessions) => match sessions {
                Some(s) => s
                    .iter()
                    .flat_map(|n| in_dir(ProcedureKind::NoxSession, n, "noxfile.py", dir))
                    .collect(),
                None => self
                    .procedures
                    .iter()
                    .filter(|p| p.kind == ProcedureKind::NoxSession)
                    .collect(),
            },
            Call::ProjectTask(name) => {
                in_dir(ProcedureKind::ProjectTask, name, "pyproject.toml", dir)
            }
            Call::PreCommit(Some(hook)) => in_dir(
                ProcedureKind::PreCommitHook,
                hook,
                ".pre-commit-config.yaml",
                dir,
            ),
            Call::PreCommit(None) => self
                .procedures
                .iter()
                .filter(|p| p.kind == ProcedureKind::PreCommitHook)
                .collect(),
            Call::Just(recipe) => {
                let name = recipe.clone().unwrap_or_default();
                let mut found = in_dir(ProcedureKind::JustRecipe, &name, "justfile", dir);
                if found.len() > 1 {
                    found.retain(|p| !p.path.contains('/'));
                    found.truncate(1);
                }
                found
            }
            Call::PackageScripts(pattern) => {
                if !pattern.contains('*') {
                    return in_dir(ProcedureKind::PackageScript, pattern, "package.json", dir);
                }
                let re = script_glob(pattern);
                let base = dir.map_or(String::new(), |d| {
                    d.trim_start_matches("./").trim_end_matches('/').to_string()
                });
                let own = if base.is_empty() {
                    "package.json".to_string()
                } else {
                    format!("{base}/package.json")
                };
                self.procedures
                    .iter()
                    .filter(|p| {
                        p.kind == ProcedureKind::PackageScript
                            && p.path == own
                            && re.is_match(&p.name)
                    })
                    .collect()
            }
            Call::EveryWorkspace(name) => self
                .by_name
                .get(&(ProcedureKind::PackageScript, name.clone()))
                .into_iter()
                .flatten()
                .map(|&i| &self.procedures[i])
                .collect(),
            Call::Local { path, inputs } => self
                .local
                .get(&(path.clone(), inputs.clone()))
                .map(|&i| &self.procedures[i])
                .into_iter()
                .collect(),
            Call::Shell(script) => {
                let rel = script.trim_start_matches("./");
                let base = dir
                    .map(|d| d.trim_start_matches("./").trim_end_matches('/'))
                    .unwrap_or("");
                let candidates = [
                    if base.is_empty() {
                        rel.to_string()
                    } else {
                        format!("{base}/{rel}")
                    },
                    rel.to_string(),
                ];
                self.procedures
                    .iter()
                    .filter(|p| {
                        p.kind == ProcedureKind::ShellScript
                            && candidates.iter().any(|c| {
                                p.path == *c
                                    || (!c.contains('/') && p.path.ends_with(&format!("/{c}")))
                            })
                    })
                    .take(1)
                    .collect()
            }
        }
    }
}

/// npm-run-all's pattern: `*` within a `:`-separated part, `**` across parts.
fn script_glob(pattern: &str) -> regex::Regex {
    let mut re = String::from("^");
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '*' {
            if chars.peek() == Some(&'*') {
                chars.next();
                re.push_str(".*");
            } else {
                re.push_str("[^:]*");
            }
        } else {
            re.push_str(&regex::escape(&c.to_string()));
        }
    }
    re.push('$');
    regex::Regex::new(&re).unwrap_or_else(|_| regex::Regex::new("$^").expect("empty regex"))
}
