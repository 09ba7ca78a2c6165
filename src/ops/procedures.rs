//! Procedures: named lists of commands, from CI workflows and from what they call.
//!
//! A CI workflow (GitHub Actions, GitLab CI, and on a best-effort basis CircleCI,
//! Bitbucket, Azure Pipelines and Jenkinsfiles) is a procedure; so is each package.json
//! script, Makefile target, tox env, nox session, pyproject task and shell script.
//! Each command line carries what it does ([`Action`]) and the line it is on; calls from
//! one procedure to another are resolved by [`super::OpsFacts`].

use serde_yaml::Value;

use super::commands::{self, Action};
use super::yaml::{self, LineFinder};
use super::{Area, Problem};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProcedureKind {
    CiWorkflow,
    PackageScript,
    MakeTarget,
    ToxEnv,
    NoxSession,
    ProjectTask,
    ShellScript,
    PreCommitHook,
    JustRecipe,
    /// A composite action of the repository (`.github/actions/x/action.yml`).
    CompositeAction,
    /// A reusable workflow or composite action with one caller's inputs filled in.
    WithInputs,
}

impl ProcedureKind {
    pub fn describe(self) -> &'static str {
        match self {
            ProcedureKind::CiWorkflow => "CI workflow",
            ProcedureKind::PackageScript => "package.json script",
            ProcedureKind::MakeTarget => "Makefile target",
            ProcedureKind::ToxEnv => "tox env",
            ProcedureKind::NoxSession => "nox session",
            ProcedureKind::ProjectTask => "pyproject task",
            ProcedureKind::ShellScript => "shell script",
            ProcedureKind::PreCommitHook => "pre-commit hook",
            ProcedureKind::JustRecipe => "just recipe",
            ProcedureKind::CompositeAction => "composite action",
            ProcedureKind::WithInputs => "reusable workflow",
        }
    }
}

/// One command line of a procedure.
#[derive(Debug, Clone)]
pub struct Command {
    pub line: u32,
    /// The command as written (first 200 characters).
    pub text: String,
    pub actions: Vec<Action>,
    /// `working-directory` of a CI step, for resolving package scripts.
    pub dir: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Procedure {
    pub kind: ProcedureKind,
    pub path: String,
    /// Script, target, env, session or task name; the file name for workflows and scripts.
    pub name: String,
    pub line: u32,
    pub commands: Vec<Command>,
    /// Other names this procedure depends on and runs first (Makefile prerequisites,
    /// tox `depends`), or `pre`/`post` package scripts.
    pub runs_also: Vec<String>,
    /// Declared inputs with their defaults (a reusable workflow's `workflow_call`
    /// inputs, a composite action's `inputs`): `${{ inputs.NAME }}` in its commands.
    pub inputs: Vec<(String, String)>,
}

/// The directory part of a path ("" at the root).
pub fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

fn command(line: u32, text: &str, dir: Option<String>) -> Option<Command> {
    let actions = commands::classify(text);
    let shown: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(200)
        .collect();
    (!shown.is_empty()).then_some(Command {
        line,
        text: shown,
        actions,
        dir,
    })
}

/// Commands of a multi-line shell script held in a YAML string, with their lines.
fn script_commands(
    script: &str,
    finder: &mut LineFinder,
    fallback: u32,
    dir: &Option<String>,
) -> Vec<Command> {
    let mut out = Vec::new();
    let mut pending = String::new();
    let mut first_line = 0;
    for raw in script.lines() {
        let line = finder.find(raw, fallback);
        if pending.is_empty() {
            first_line = line;
        }
        // Join continuation lines (`\` at the end) into one logical command.
        if let Some(head) = raw.trim_end().strip_suffix('\\') {
            pending.push_str(head);
            pending.push(' ');
            continue;
        }
        pending.push_str(raw);
        out.extend(command(first_line, &pending, dir.clone()));
        pending.clear();
    }
    if !pending.is_empty() {
        out.extend(command(first_line, &pending, dir.clone()));
    }
    out
}

fn is_github_workflow(path: &str) -> bool {
    (path.starts_with(".github/workflows/") || path.contains("/.github/workflows/"))
        && is_yaml(path)
}

pub fn is_yaml(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".yml") || lower.ends_with(".yaml")
}

/// True for the CI files this front-end reads as workflows: the CI class of
/// [`crate::file_kind`], except composite actions (read as what a workflow calls).
pub fn is_ci_file(path: &str) -> bool {
    crate::file_kind::is_ci(path) && !is_action_file(path)
}

/// A CI workflow file as one procedure. `Err` is the parser's complaint.
pub fn workflow(path: &str, text: &str) -> Result<Procedure, Problem> {
    let name = path.rsplit('/').next().unwrap_or(path).to_string();
    let mut proc = Procedure {
        kind: ProcedureKind::CiWorkflow,
        path: path.to_string(),
        name,
        line: 1,
        commands: Vec::new(),
        runs_also: Vec::new(),
        inputs: Vec::new(),
    };
    if path.ends_with("Jenkinsfile") {
        proc.commands = jenkins_commands(text);
        return Ok(proc);
    }
    let docs = yaml::load_all(text).map_err(|e| Problem::yaml(path, Area::Ci, e))?;
    let mut finder = LineFinder::new(text);
    for doc in &docs {
        // `on: workflow_call: inputs:` (the key `on` may load as the boolean true).
        let on = yaml::get(&doc.value, "on").or_else(|| {
            doc.value
                .as_mapping()
                .and_then(|m| m.get(Value::Bool(true)))
        });
        if let Some(inputs) = on
            .and_then(|o| yaml::dig(o, &["workflow_call", "inputs"]))
            .and_then(Value::as_mapping)
        {
            proc.inputs.extend(declared_inputs(inputs));
        }
        if is_github_workflow(path) {
            github_commands(&doc.value, &mut finder, &mut proc.commands);
        } else {
            generic_commands(&doc.value, &mut finder, None, &mut proc.commands);
        }
    }
    Ok(proc)
}

/// Input names and their defaults ("" without one).
fn declared_inputs(inputs: &serde_yaml::Mapping) -> Vec<(String, String)> {
    inputs
        .iter()
        .filter_map(|(k, v)| {
            let name = yaml::scalar(k)?;
            let default = yaml::get(v, "default")
                .and_then(yaml::scalar)
                .unwrap_or_default();
            Some((name, default))
        })
        .collect()
}

/// True for a composite action's metadata file in the repository.
pub fn is_action_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(name, "action.yml" | "action.yaml")
}

/// A composite action (`runs: using: composite`): its steps, like a job's. `None` for
/// JavaScript and Docker actions, which run no shell commands of the repository.
pub fn composite_action(path: &str, text: &str) -> Result<Option<Procedure>, Problem> {
    let docs = yaml::load_all(text).map_err(|e| Problem::yaml(path, Area::Ci, e))?;
    let Some(doc) = docs.first() else {
        return Ok(None);
    };
    let composite = yaml::dig(&doc.value, &["runs", "using"])
        .and_then(yaml::scalar)
        .is_some_and(|u| u == "composite");
    if !composite {
        return Ok(None);
    }
    let mut proc = Procedure {
        kind: ProcedureKind::CompositeAction,
        path: path.to_string(),
        name: dir_of(path).to_string(),
        line: 1,
        commands: Vec::new(),
        runs_also: Vec::new(),
        inputs: yaml::get(&doc.value, "inputs")
            .and_then(Value::as_mapping)
            .map(declared_inputs)
            .unwrap_or_default(),
    };
    let mut finder = LineFinder::new(text);
    if let Some(steps) = yaml::dig(&doc.value, &["runs", "steps"]).and_then(Value::as_sequence) {
        github_steps(steps, &mut finder, 1, None, &mut proc.commands);
    }
    Ok(Some(proc))
}

/// justfile recipes with their dependencies and bodies. The first recipe (or one named
/// `default`) is also registered under `""`, the default recipe.
pub fn just_recipes(path: &str, text: &str) -> Vec<Procedure> {
    let mut out: Vec<Procedure> = Vec::new();
    let mut current: Option<usize> = None;
    for (i, line) in text.lines().enumerate() {
        let n = i as u32 + 1;
        if line.starts_with(' ') || line.starts_with('\t') {
            if let Some(idx) = current {
                let body = line.trim().trim_start_matches(['@', '-']);
                if !body.starts_with("#!") {
                    out[idx].commands.extend(command(n, body, None));
                }
            }
            continue;
        }
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with('[') {
            continue;
        }
        current = None;
        let Some((head, deps)) = t.split_once(':') else {
            continue;
        };
        if deps.starts_with('=')
            || head.starts_with("set ")
            || head.starts_with("alias ")
            || head.starts_with("export ")
            || head.starts_with("import ")
            || head.starts_with("mod ")
        {
            continue; // an assignment, a setting, an alias
        }
        let name = head
            .trim_start_matches('@')
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_string();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        {
            continue;
        }
        // Dependencies: `test: build (lint "x")`; `&&` separates the ones run after.
        let deps: Vec<String> = deps
            .split_whitespace()
            .map(|d| d.trim_start_matches('(').to_string())
            .filter(|d| {
                !d.is_empty()
                    && d.chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
            })
            .collect();
        if out.is_empty() || name == "default" {
            out.retain(|p| !p.name.is_empty());
            out.insert(0, just_recipe(path, "", n, vec![name.clone()]));
        }
        out.push(just_recipe(path, &name, n, deps));
        current = Some(out.len() - 1);
    }
    out
}

fn just_recipe(path: &str, name: &str, line: u32, runs_also: Vec<String>) -> Procedure {
    Procedure {
        kind: ProcedureKind::JustRecipe,
        path: path.to_string(),
        name: name.to_string(),
        line,
        commands: Vec::new(),
        runs_also,
        inputs: Vec::new(),
    }
}

/// A YAML file of GitLab CI jobs outside `.gitlab-ci.yml` (an `include:` target such as
/// `ci/test.yml`): some top-level key maps to a job with a `script` and a job keyword.
pub fn gitlab_include(path: &str, text: &str, docs: &[yaml::Doc]) -> Option<Procedure> {
    const JOB_KEYS: &[&str] = &[
        "stage",
        "image",
        "extends",
        "rules",
        "only",
        "needs",
        "before_script",
        "variables",
    ];
    let is_job = |job: &Value| {
        yaml::get(job, "script").is_some() && JOB_KEYS.iter().any(|k| yaml::get(job, k).is_some())
    };
    let jobs = |doc: &Value| doc.as_mapping().is_some_and(|m| m.values().any(is_job));
    if !docs.iter().any(|d| jobs(&d.value)) {
        return None;
    }
    let name = path.rsplit('/').next().unwrap_or(path).to_string();
    let mut proc = Procedure {
        kind: ProcedureKind::CiWorkflow,
        path: path.to_string(),
        name,
        line: 1,
        commands: Vec::new(),
        runs_also: Vec::new(),
        inputs: Vec::new(),
    };
    let mut finder = LineFinder::new(text);
    for doc in docs {
        generic_commands(&doc.value, &mut finder, None, &mut proc.commands);
    }
    Some(proc)
}

/// GitHub Actions: `jobs.<id>.steps[]` with `run`, `uses`/`with`, `working-directory`.
fn github_commands(doc: &Value, finder: &mut LineFinder, out: &mut Vec<Command>) {
    let Some(jobs) = yaml::get(doc, "jobs").and_then(Value::as_mapping) else {
        return;
    };
    let default_dir =
        yaml::dig(doc, &["defaults", "run", "working-directory"]).and_then(yaml::scalar);
    for (job_id, job) in jobs {
        let job_id = yaml::scalar(job_id).unwrap_or_default();
        let job_line = finder.find(&format!("{job_id}:"), 1);
        let job_dir = yaml::dig(job, &["defaults", "run", "working-directory"])
            .and_then(yaml::scalar)
            .or(default_dir.clone());
        // A reusable workflow call is a step of its own kind, with its `with:` inputs.
        if let Some(uses) = yaml::get(job, "uses").and_then(yaml::scalar) {
            let line = finder.find(&uses, job_line);
            out.push(Command {
                line,
                text: format!("uses: {uses}"),
                actions: commands::classify_action(&uses, &with_inputs(job)),
                dir: None,
            });
        }
        let Some(steps) = yaml::get(job, "steps").and_then(Value::as_sequence) else {
            continue;
        };
        github_steps(steps, finder, job_line, job_dir, out);
    }
}

/// A step's or a job's `with:` inputs, as text.
fn with_inputs(step: &Value) -> Vec<(String, String)> {
    yaml::get(step, "with")
        .and_then(Value::as_mapping)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((yaml::scalar(k)?, yaml::scalar(v)?)))
                .collect()
        })
        .unwrap_or_default()
}

/// The steps of a GitHub job or of a composite action.
fn github_steps(
    steps: &[Value],
    finder: &mut LineFinder,
    job_line: u32,
    job_dir: Option<String>,
    out: &mut Vec<Command>,
) {
    for step in steps {
        let dir = yaml::get(step, "working-directory")
            .and_then(yaml::scalar)
            .or(job_dir.clone());
        let step_name = yaml::get(step, "name").and_then(yaml::scalar);
        let step_line = step_name
            .as_deref()
            .map_or(job_line, |n| finder.find(n, job_line));
        if let Some(uses) = yaml::get(step, "uses").and_then(yaml::scalar) {
            let line = finder.find(&uses, step_line);
            out.push(Command {
                line,
                text: format!("uses: {uses}"),
                actions: commands::classify_action(&uses, &with_inputs(step)),
                dir: dir.clone(),
            });
        }
        if let Some(run) = yaml::get(step, "run").and_then(yaml::scalar) {
            // The finder's cursor is past this step's name or the previous step, so
            // the same command in an earlier step is not found again.
            let mut cmds = script_commands(&run, finder, step_line, &dir);
            // A step named "Rollback" whose commands do something is a rollback step.
            if step_name
                .as_deref()
                .is_some_and(|n| n.to_ascii_lowercase().contains("rollback"))
            {
                if let Some(c) = cmds.first_mut() {
                    c.actions.push(Action::Rollback);
                }
            }
            out.extend(cmds);
        }
    }
}

/// A copy of `callee` (a reusable workflow or composite action) with `${{ inputs.X }}`
/// in its commands replaced by the caller's value or the input's default, each command
/// read again. Unknown inputs stay as written (not visible statically).
pub fn with_caller_inputs(callee: &Procedure, inputs: &[(String, String)]) -> Procedure {
    let value = |name: &str| -> Option<&str> {
        inputs
            .iter()
            .find(|(k, _)| k == name)
            .or_else(|| callee.inputs.iter().find(|(k, _)| k == name))
            .map(|(_, v)| v.as_str())
    };
    let commands = callee
        .commands
        .iter()
        .map(|c| {
            if !c.text.contains("inputs.") {
                return c.clone();
            }
            let text = INPUT_REF.replace_all(&c.text, |caps: &regex::Captures| {
                value(&caps[1]).map_or_else(|| caps[0].to_string(), str::to_string)
            });
            command(c.line, &text, c.dir.clone()).unwrap_or_else(|| c.clone())
        })
        .collect();
    Procedure {
        kind: ProcedureKind::WithInputs,
        commands,
        ..callee.clone()
    }
}

static INPUT_REF: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}").unwrap()
});

/// Any other CI YAML: every string under a key that holds commands.
fn generic_commands(
    value: &Value,
    finder: &mut LineFinder,
    dir: Option<String>,
    out: &mut Vec<Command>,
) {
    const COMMAND_KEYS: &[&str] = &[
        "script",
        "before_script",
        "after_script",
        "run",
        "command",
        "commands",
        "bash",
        "inline",
        "pwsh",
    ];
    match value {
        Value::Mapping(m) => {
            for (k, v) in m {
                let key = yaml::scalar(k).unwrap_or_default();
                if COMMAND_KEYS.contains(&key.as_str()) && !matches!(v, Value::Mapping(_)) {
                    for s in yaml::strings(v) {
                        let line = finder.find(s.lines().next().unwrap_or(""), 1);
                        finder.seek(line);
                        out.extend(script_commands(&s, finder, line, &dir));
                    }
                } else {
                    generic_commands(v, finder, dir.clone(), out);
                }
            }
        }
        Value::Sequence(s) => s
            .iter()
            .for_each(|v| generic_commands(v, finder, dir.clone(), out)),
        Value::Tagged(t) => generic_commands(&t.value, finder, dir, out),
        _ => {}
    }
}

/// `sh 'cmd'` / `sh "cmd"` / `sh """..."""` steps of a Jenkinsfile, one line each.
fn jenkins_commands(text: &str) -> Vec<Command> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        let Some(rest) = t.strip_prefix("sh ").or_else(|| t.strip_prefix("sh(")) else {
            continue;
        };
        let inner = rest.trim_matches(|c: char| {
            c == '\'' || c == '"' || c == '(' || c == ')' || c.is_whitespace()
        });
        out.extend(command(i as u32 + 1, inner, None));
    }
    out
}

/// package.json `scripts`, one procedure each.
pub fn package_scripts(path: &str, text: &str) -> Result<Vec<Procedure>, Problem> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| Problem {
        path: path.to_string(),
        line: e.line() as u32,
        message: format!("invalid JSON: {e}"),
        area: Area::Ci,
    })?;
    let Some(scripts) = json.get("scripts").and_then(|s| s.as_object()) else {
        return Ok(Vec::new());
    };
    let mut finder = LineFinder::new(text);
    let mut out = Vec::new();
    for (name, body) in scripts {
        let Some(body) = body.as_str() else { continue };
        let line = finder.find(&format!("\"{name}\""), 1);
        let mut runs_also = Vec::new();
        if !name.starts_with("pre") && !name.starts_with("post") {
            runs_also.push(format!("pre{name}"));
            runs_also.push(format!("post{name}"));
        }
        out.push(Procedure {
            kind: ProcedureKind::PackageScript,
            path: path.to_string(),
            name: name.clone(),
            line,
            commands: command(line, body, None).into_iter().collect(),
            runs_also,
            inputs: Vec::new(),
        });
    }
    Ok(out)
}

/// Makefile targets with their recipes and prerequisites. The first target is also
/// registered under the name `""`, the default goal.
pub fn make_targets(path: &str, text: &str) -> Vec<Procedure> {
    let mut out: Vec<Procedure> = Vec::new();
    let mut current: Option<usize> = None;
    for (i, line) in text.lines().enumerate() {
        let n = i as u32 + 1;
        if let Some(recipe) = line.strip_prefix('\t') {
            if let Some(idx) = current {
                let recipe = recipe.trim_start_matches(['@', '-', '+']);
                out[idx].commands.extend(command(n, recipe, None));
            }
            continue;
        }
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        current = None;
        let Some((head, deps)) = line.split_once(':') else {
            continue;
        };
        if deps.starts_with('=')
            || head.contains('=')
            || head.trim().starts_with('.')
            || head.contains('$')
        {
            continue; // a variable assignment, a special target, a computed target
        }
        let (deps, inline) = deps
            .split_once(';')
            .map_or((deps, None), |(d, r)| (d, Some(r)));
        let prerequisites: Vec<String> = deps.split_whitespace().map(str::to_string).collect();
        for target in head.split_whitespace() {
            if out.is_empty() {
                out.push(make_target(path, "", n, vec![target.to_string()]));
            }
            out.push(make_target(path, target, n, prerequisites.clone()));
            current = Some(out.len() - 1);
            if let Some(r) = inline {
                out.last_mut().unwrap().commands.extend(command(n, r, None));
            }
        }
    }
    out
}

fn make_target(path: &str, name: &str, line: u32, runs_also: Vec<String>) -> Procedure {
    Procedure {
        kind: ProcedureKind::MakeTarget,
        path: path.to_string(),
        name: name.to_string(),
        line,
        commands: Vec::new(),
        runs_also,
        inputs: Vec::new(),
    }
}

/// tox.ini envs (`[testenv]` and `[testenv:name]`): their `commands`. The envlist is
/// registered under `""`, running every env it names.
pub fn tox_envs(path: &str, text: &str) -> Vec<Procedure> {
    ini_sections(path, text, "testenv", ProcedureKind::ToxEnv)
}

/// `[section]` / `[section:name]` blocks of an ini file with a `commands =` key.
fn ini_sections(path: &str, text: &str, prefix: &str, kind: ProcedureKind) -> Vec<Procedure> {
    let mut out: Vec<Procedure> = Vec::new();
    let mut envlist = Procedure {
        kind,
        path: path.to_string(),
        name: String::new(),
        line: 1,
        commands: Vec::new(),
        runs_also: Vec::new(),
        inputs: Vec::new(),
    };
    let mut section: Option<usize> = None;
    let mut in_commands = false;
    let mut in_envlist = false;
    for (i, line) in text.lines().enumerate() {
        let n = i as u32 + 1;
        let t = line.trim();
        if t.starts_with('[') && t.ends_with(']') {
            let name = &t[1..t.len() - 1];
            in_commands = false;
            in_envlist = false;
            section = if name == prefix || name.starts_with(&format!("{prefix}:")) {
                // The base section, whose commands every env without its own inherits.
                let env = name
                    .split_once(':')
                    .map_or_else(|| format!("[{prefix}]"), |(_, e)| e.to_string());
                out.push(Procedure {
                    kind,
                    path: path.to_string(),
                    name: env,
                    line: n,
                    commands: Vec::new(),
                    runs_also: Vec::new(),
                    inputs: Vec::new(),
                });
                Some(out.len() - 1)
            } else {
                None
            };
            continue;
        }
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
            continue;
        }
        let continuation = line.starts_with(' ') || line.starts_with('\t');
        if !continuation {
            in_commands = false;
            in_envlist = false;
            if let Some((k, v)) = t.split_once('=') {
                match k.trim() {
                    "commands" if section.is_some() => {
                        in_commands = true;
                        if let Some(c) = command(n, v, None) {
                            out[section.unwrap()].commands.push(c);
                        }
                    }
                    "envlist" | "env_list" => {
                        in_envlist = true;
                        envlist.runs_also.extend(
                            v.split(',')
                                .map(|e| e.trim().to_string())
                                .filter(|e| !e.is_empty()),
                        );
                    }
                    _ => {}
                }
            }
        } else if in_commands {
            if let Some(idx) = section {
                out[idx].commands.extend(command(n, t, None));
            }
        } else if in_envlist {
            envlist.runs_also.extend(
                t.split(',')
                    .map(|e| e.trim().to_string())
                    .filter(|e| !e.is_empty()),
            );
        }
    }
    out.push(envlist);
    out
}

/// noxfile.py sessions: `@nox.session` functions and the `session.run(...)` calls in them.
pub fn nox_sessions(path: &str, text: &str) -> Vec<Procedure> {
    let mut out: Vec<Procedure> = Vec::new();
    let mut decorated = false;
    let mut current: Option<usize> = None;
    for (i, line) in text.lines().enumerate() {
        let n = i as u32 + 1;
        let t = line.trim();
        if t.starts_with("@nox.session") || t.starts_with("@session") {
            decorated = true;
            continue;
        }
        if let Some(rest) = t.strip_prefix("def ") {
            if !line.starts_with(' ') {
                current = None;
            }
            if decorated {
                let name = rest.split('(').next().unwrap_or("").trim().to_string();
                out.push(Procedure {
                    kind: ProcedureKind::NoxSession,
                    path: path.to_string(),
                    name,
                    line: n,
                    commands: Vec::new(),
                    runs_also: Vec::new(),
                    inputs: Vec::new(),
                });
                current = Some(out.len() - 1);
            }
            decorated = false;
            continue;
        }
        if let (Some(idx), Some(at)) = (current, t.find("session.run(")) {
            // session.run("pytest", "-q", *session.posargs) → pytest -q
            let args = &t[at + "session.run(".len()..];
            let words: Vec<&str> = args
                .split(',')
                .map(|a| a.trim().trim_matches(|c| c == '"' || c == '\'' || c == ')'))
                .filter(|a| !a.is_empty() && !a.contains('=') && !a.starts_with('*'))
                .collect();
            out[idx].commands.extend(command(n, &words.join(" "), None));
        }
    }
    out
}

/// pyproject.toml tasks: `[tool.poe.tasks]`, `[tool.pdm.scripts]`, `[tool.taskipy.tasks]`,
/// `[tool.hatch.envs.*.scripts]`, and a legacy tox config in `[tool.tox]`.
pub fn pyproject_tasks(path: &str, text: &str) -> Result<Vec<Procedure>, Problem> {
    let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| Problem {
        path: path.to_string(),
        line: e.span().map_or(0, |s| {
            text[..s.start.min(text.len())].lines().count() as u32
        }),
        message: format!("invalid TOML: {}", e.message()),
        area: Area::Ci,
    })?;
    let tool = doc.get("tool").and_then(|t| t.as_table());
    let mut tables: Vec<&toml::Table> = Vec::new();
    if let Some(tool) = tool {
        for key in [["poe", "tasks"], ["pdm", "scripts"], ["taskipy", "tasks"]] {
            if let Some(t) = tool
                .get(key[0])
                .and_then(|t| t.get(key[1]))
                .and_then(|t| t.as_table())
            {
                tables.push(t);
            }
        }
        if let Some(envs) = tool
            .get("hatch")
            .and_then(|h| h.get("envs"))
            .and_then(|e| e.as_table())
        {
            tables.extend(
                envs.values()
                    .filter_map(|e| e.get("scripts").and_then(|s| s.as_table())),
            );
        }
    }
    let mut finder = LineFinder::new(text);
    let mut out = Vec::new();
    for table in tables {
        for (name, task) in table {
            let bodies: Vec<String> = match task {
                toml::Value::String(s) => vec![s.clone()],
                toml::Value::Array(a) => a
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                toml::Value::Table(t) => ["cmd", "shell", "script", "call"]
                    .iter()
                    .filter_map(|k| t.get(*k).and_then(|v| v.as_str()).map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            };
            let line = finder.find(&format!("{name} ="), 1);
            let commands = bodies
                .iter()
                .filter_map(|b| command(line, b, None))
                .collect();
            out.push(Procedure {
                kind: ProcedureKind::ProjectTask,
                path: path.to_string(),
                name: name.clone(),
                line,
                commands,
                runs_also: Vec::new(),
                inputs: Vec::new(),
            });
        }
    }
    if let Some(ini) = tool
        .and_then(|t| t.get("tox"))
        .and_then(|t| t.get("legacy_tox_ini"))
        .and_then(|v| v.as_str())
    {
        let offset = finder.find("legacy_tox_ini", 1);
        for mut p in tox_envs(path, ini) {
            p.line += offset;
            p.commands.iter_mut().for_each(|c| c.line += offset);
            out.push(p);
        }
    }
    Ok(out)
}

/// .pre-commit-config.yaml hooks, one procedure each, named by id. A hook runs its
/// tool: the id of a published hook (`mypy`, `pyright`) or a local hook's `entry`.
pub fn pre_commit_hooks(path: &str, text: &str) -> Result<Vec<Procedure>, Problem> {
    let docs = yaml::load_all(text).map_err(|e| Problem::yaml(path, Area::Ci, e))?;
    let mut finder = LineFinder::new(text);
    let mut out = Vec::new();
    for doc in &docs {
        for repo in yaml::get(&doc.value, "repos")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            for hook in yaml::get(repo, "hooks")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
            {
                let Some(id) = yaml::get(hook, "id").and_then(yaml::scalar) else {
                    continue;
                };
                let line = finder.find(&format!("id: {id}"), 1);
                let entry = yaml::get(hook, "entry")
                    .and_then(yaml::scalar)
                    .unwrap_or_else(|| id.clone());
                let args = yaml::get(hook, "args")
                    .map(yaml::strings)
                    .unwrap_or_default()
                    .join(" ");
                let commands = command(line, &format!("{entry} {args}"), None)
                    .into_iter()
                    .collect();
                out.push(Procedure {
                    kind: ProcedureKind::PreCommitHook,
                    path: path.to_string(),
                    name: id,
                    line,
                    commands,
                    runs_also: Vec::new(),
                    inputs: Vec::new(),
                });
            }
        }
    }
    Ok(out)
}

/// A shell script: every line a command.
pub fn shell_script(path: &str, text: &str) -> Procedure {
    let mut finder = LineFinder::new(text);
    let name = path.rsplit('/').next().unwrap_or(path).to_string();
    let commands = script_commands(text, &mut finder, 1, &None);
    Procedure {
        kind: ProcedureKind::ShellScript,
        path: path.to_string(),
        name,
        line: 1,
        commands,
        runs_also: Vec::new(),
        inputs: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_steps_with_lines() {
        let text = "name: ci\non: [push]\njobs:\n  check:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - name: Types\n        run: npm run typecheck\n      - name: Tests\n        working-directory: api\n        run: |\n          npm ci\n          npm test\n";
        let p = workflow(".github/workflows/ci.yml", text).unwrap();
        let lines: Vec<(u32, &str)> = p
            .commands
            .iter()
            .map(|c| (c.line, c.text.as_str()))
            .collect();
        assert_eq!(
            lines,
            vec![
                (7, "uses: actions/checkout@v4"),
                (9, "npm run typecheck"),
                (13, "npm ci"),
                (14, "npm test")
            ]
        );
        assert_eq!(p.commands[3].dir.as_deref(), Some("api"));
    }

    #[test]
    fn repeated_commands_get_their_own_lines() {
        let text = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm ci\n      - uses: actions/setup-node@v4\n      - run: npm ci\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm ci\n";
        let p = workflow(".github/workflows/ci.yml", text).unwrap();
        let lines: Vec<u32> = p
            .commands
            .iter()
            .filter(|c| c.text == "npm ci")
            .map(|c| c.line)
            .collect();
        assert_eq!(lines, vec![6, 8, 12]);
    }

    #[test]
    fn gitlab_scripts_and_anchors() {
        let text = ".setup: &setup\n  - pip install -e .\ntest:\n  stage: test\n  before_script: *setup\n  script:\n    - pytest -q\ntypes:\n  script: mypy src\n";
        let p = workflow(".gitlab-ci.yml", text).unwrap();
        let texts: Vec<&str> = p.commands.iter().map(|c| c.text.as_str()).collect();
        assert!(
            texts.contains(&"pytest -q") && texts.contains(&"mypy src"),
            "{texts:?}"
        );
        assert_eq!(
            p.commands
                .iter()
                .find(|c| c.text == "mypy src")
                .unwrap()
                .line,
            9
        );
    }

    #[test]
    fn makefile_targets_and_default_goal() {
        let text = "VERSION := 1\n.PHONY: all test\nall: lint test\n\ntest:\n\t@pytest -q\nlint: ; ruff check .\n";
        let t = make_targets("Makefile", text);
        let names: Vec<&str> = t.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, vec!["", "all", "test", "lint"]);
        assert_eq!(t[0].runs_also, vec!["all"]);
        assert_eq!(t[2].commands[0].line, 6);
        assert_eq!(t[2].commands[0].text, "pytest -q");
    }

    #[test]
    fn tox_and_nox() {
        let tox = tox_envs("tox.ini", "[tox]\nenvlist = py311, type\n\n[testenv]\ncommands =\n    pytest {posargs}\n\n[testenv:type]\ncommands = mypy src\n");
        let type_env = tox.iter().find(|p| p.name == "type").unwrap();
        assert_eq!(type_env.commands[0].line, 9);
        assert_eq!(tox.last().unwrap().runs_also, vec!["py311", "type"]);
        let nox = nox_sessions("noxfile.py", "import nox\n\n@nox.session(python=\"3.12\")\ndef tests(session):\n    session.install(\".\")\n    session.run(\"pytest\", \"-q\", *session.posargs)\n");
        assert_eq!(nox[0].name, "tests");
        assert_eq!(nox[0].commands[0].text, "pytest -q");
    }
}
