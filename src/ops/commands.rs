//! What a shell command does, as far as the checklist cares: type check, tests, deploy,
//! canary or pause, health check, smoke request, rollback, or a call to something
//! defined elsewhere in the repository (a package script, a Makefile target, a tox env,
//! a nox session, a project task, a shell script), which the facts resolve later.
//!
//! This describes commands; it decides nothing. It reads words, not a shell grammar:
//! a line is split on `&&`, `||`, `;` and `|`, environment assignments and wrappers
//! (`npx`, `poetry run`, `python -m`, `sudo`, ...) are peeled off, and the first word
//! left names the tool.

use std::sync::LazyLock;

use regex::Regex;

/// One thing a command does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Runs a type checker; the tool's name.
    TypeCheck(String),
    /// Runs a test runner; the tool's name.
    Test(String),
    Deploy,
    /// A canary or pause stage: traffic shifted gradually, a rollout paused to watch it.
    Canary,
    HealthCheck,
    Smoke,
    Rollback,
    Call(Call),
}

/// A reference to commands written elsewhere in the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// `npm run NAME`, `yarn NAME`, `pnpm NAME`, `bun run NAME`, `npm test`.
    PackageScript(String),
    /// `make TARGET` (`None`: the default target); the directory given with `-C`.
    Make {
        target: Option<String>,
        dir: Option<String>,
    },
    /// `tox` (`None`: every env of the envlist) or `tox -e a,b`.
    Tox(Option<Vec<String>>),
    /// `nox` (`None`: every session) or `nox -s a b`.
    Nox(Option<Vec<String>>),
    /// `poe NAME`, `pdm run NAME`, `hatch run NAME`, `task NAME` (pyproject.toml tasks).
    ProjectTask(String),
    /// `bash scripts/deploy.sh`, `./deploy.sh`: the path as written.
    Shell(String),
    /// `pre-commit run [HOOK]` (`None`: every hook of .pre-commit-config.yaml).
    PreCommit(Option<String>),
    /// `just [RECIPE]` (`None`: the default recipe).
    Just(Option<String>),
    /// Package scripts matching a pattern (`npm-run-all lint:*`, `run-s test`,
    /// `concurrently npm:test`): `*` matches within a `:`-separated part, `**` anything.
    PackageScripts(String),
    /// The package script of that name in every workspace package (`turbo run test`,
    /// `nx run-many -t test`, `lerna run test`, `pnpm -r test`, `npm test --workspaces`).
    EveryWorkspace(String),
    /// A reusable workflow (`uses: ./.github/workflows/x.yml` on a job) or a composite
    /// action of the repository (`uses: ./.github/actions/setup`), with its `with:`
    /// inputs: the callee's `${{ inputs.NAME }}` are replaced by them.
    Local {
        path: String,
        inputs: Vec<(String, String)>,
    },
}

const TYPE_CHECKERS: &[&str] = &[
    "tsc",
    "vue-tsc",
    "svelte-check",
    "mypy",
    "dmypy",
    "pyright",
    "basedpyright",
    "pytype",
    "pyre",
];
const TEST_RUNNERS: &[&str] = &[
    "jest",
    "vitest",
    "mocha",
    "ava",
    "tap",
    "pytest",
    "py.test",
    "unittest",
    "nose2",
    "ward",
    "playwright",
    "cypress",
    "rspec",
    "phpunit",
    "karma",
    "jasmine",
    "uvu",
    "c8",
    "nyc",
];
/// Package-manager subcommands that are not script names (`yarn install`, `pnpm add`).
const PM_BUILTINS: &[&str] = &[
    "install",
    "i",
    "ci",
    "add",
    "remove",
    "rm",
    "uninstall",
    "update",
    "up",
    "upgrade",
    "init",
    "create",
    "why",
    "dlx",
    "exec",
    "config",
    "cache",
    "set",
    "info",
    "audit",
    "pack",
    "publish",
    "version",
    "link",
    "unlink",
    "global",
    "bin",
    "import",
    "outdated",
    "list",
    "ls",
    "licenses",
    "login",
    "logout",
    "dedupe",
    "prune",
    "rebuild",
    "store",
    "setup",
    "env",
    "fetch",
    "patch",
    "plugin",
    "node",
    "x",
    "help",
    "whoami",
    "start",
    "deploy",
];
/// Words that wrap another command.
const WRAPPERS: &[&str] = &[
    "sudo",
    "time",
    "exec",
    "env",
    "nice",
    "npx",
    "bunx",
    "uvx",
    "pipx",
    "xvfb-run",
    "dotenv",
    "cross-env",
    "command",
];

static ASSIGNMENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z_][A-Za-z0-9_]*=").unwrap());
static REQUEST_BODY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(^|\s)(-X\s*POST|--request\s+POST|-d|--data(-raw|-binary)?|--json|-F|--form)(\s|=|$)",
    )
    .unwrap()
});
static SMOKE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)smoke").unwrap());
static ROLLBACK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\broll[-_ ]?back\b|rollout\s+undo|\bundo\b.*\brollout|rollouts\s+(undo|abort)")
        .unwrap()
});
static CANARY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)canary|rollout\s+pause|argo\s+rollouts|update-traffic|--no-traffic|--to-revisions|traffic-split|--strategy[= ]+(canary|bluegreen|blue-green)")
        .unwrap()
});

/// Rolling back data, not a release: `knex migrate:rollback`, `rails db:rollback`.
static DATA_ROLLBACK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)migrat\w*[:_ -]*(roll[-_ ]?back|undo|down)|\bdb[-_:]?roll[-_ ]?back|\brollback\(\)|\balembic\s+downgrade|\btransaction")
        .unwrap()
});

/// Everything `line` does, in order. `line` is one logical shell line.
pub fn classify(line: &str) -> Vec<Action> {
    let line = strip_comment(line);
    let mut out: Vec<Action> = Vec::new();
    for simple in split_commands(line) {
        for a in classify_simple(&simple) {
            if !out.contains(&a) {
                out.push(a);
            }
        }
    }
    let whole = |a: Action, out: &mut Vec<Action>| {
        if !out.contains(&a) {
            out.push(a);
        }
    };
    if ROLLBACK.is_match(line) && !DATA_ROLLBACK.is_match(line) {
        whole(Action::Rollback, &mut out);
    }
    if CANARY.is_match(line) {
        whole(Action::Canary, &mut out);
    }
    if SMOKE.is_match(line) {
        whole(Action::Smoke, &mut out);
    }
    out
}

/// What a GitHub Action (`uses: owner/name@ref`) does, from its name and inputs.
pub fn classify_action(uses: &str, inputs: &[(String, String)]) -> Vec<Action> {
    let mut out = Vec::new();
    if let Some(local) = uses.strip_prefix("./") {
        out.push(Action::Call(Call::Local {
            path: local.trim_end_matches('/').to_string(),
            inputs: inputs.to_vec(),
        }));
        return out;
    }
    let name = uses.split('@').next().unwrap_or(uses).to_ascii_lowercase();
    if name == "pre-commit/action" {
        out.push(Action::Call(Call::PreCommit(None)));
    }
    if name.contains("pyright") {
        out.push(Action::TypeCheck("pyright".into()));
    } else if name.contains("mypy") {
        out.push(Action::TypeCheck("mypy".into()));
    }
    // GitHub Pages deploys publish documentation, not the application.
    let ssh = name.contains("ssh");
    let app_deploy = (name.contains("deploy") && !name.contains("pages"))
        || name.ends_with("/helm")
        || name.contains("flyctl")
        || name.contains("wrangler-action")
        || name.contains("lambda")
        || (name.contains("vercel-action")
            && inputs
                .iter()
                .any(|(k, v)| k == "vercel-args" && v.contains("--prod")))
        || (ssh
            && inputs
                .iter()
                .any(|(k, v)| k == "script" && classify_remote(v).contains(&Action::Deploy)));
    if app_deploy {
        out.push(Action::Deploy);
        if inputs.iter().any(|(k, v)| {
            k == "strategy"
                && matches!(
                    v.to_ascii_lowercase().as_str(),
                    "canary" | "blue-green" | "bluegreen"
                )
        }) {
            out.push(Action::Canary);
        }
    }
    if name.contains("health-check") || name.contains("healthcheck") {
        out.push(Action::HealthCheck);
    }
    for (_, v) in inputs {
        for a in classify(v) {
            if matches!(a, Action::HealthCheck | Action::Smoke | Action::Rollback)
                && !out.contains(&a)
            {
                out.push(a);
            }
        }
    }
    out
}

fn strip_comment(line: &str) -> &str {
    let t = line.trim();
    if t.starts_with('#') {
        return "";
    }
    match t.find(" #") {
        Some(i) => &t[..i],
        None => t,
    }
}

/// Splits on `&&`, `||`, `;`, `|` and newlines, outside quotes.
fn split_commands(line: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut chars = line.chars().peekable();
    let flush_word = |word: &mut String, words: &mut Vec<String>| {
        if !word.is_empty() {
            words.push(std::mem::take(word));
        }
    };
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => quote = Some(c),
            (None, '\\') => {
                if let Some(n) = chars.next() {
                    if n != '\n' {
                        word.push(n);
                    }
                }
            }
            (None, ';' | '|' | '&' | '\n' | '(' | ')' | '`') => {
                flush_word(&mut word, &mut words);
                if !words.is_empty() {
                    out.push(std::mem::take(&mut words));
                }
            }
            (None, c) if c.is_whitespace() => flush_word(&mut word, &mut words),
            (None, c) => word.push(c),
        }
    }
    flush_word(&mut word, &mut words);
    if !words.is_empty() {
        out.push(words);
    }
    out
}

fn classify_simple(words: &[String]) -> Vec<Action> {
    let mut w: Vec<&str> = words.iter().map(String::as_str).collect();
    // Peel assignments and wrappers.
    loop {
        match w.first() {
            Some(first) if ASSIGNMENT.is_match(first) => {
                w.remove(0);
            }
            Some(&"--") => {
                w.remove(0);
            }
            Some(first) if WRAPPERS.contains(first) => {
                // `pipx run nox`: the `run` belongs to the wrapper.
                if matches!(*first, "pipx") && w.get(1) == Some(&"run") {
                    w.remove(0);
                }
                w.remove(0);
                while w.first().is_some_and(|x| x.starts_with('-') && *x != "--") {
                    w.remove(0);
                }
            }
            Some(&("poetry" | "uv" | "pipenv" | "rye" | "pipx")) if w.get(1) == Some(&"run") => {
                w.drain(..2);
                while w.first().is_some_and(|x| x.starts_with('-')) {
                    w.remove(0);
                }
            }
            Some(&("pnpm" | "yarn" | "npm"))
                if matches!(w.get(1), Some(&("exec" | "dlx" | "x"))) =>
            {
                w.drain(..2);
            }
            Some(first) if is_python(first) && w.get(1) == Some(&"-m") => {
                w.drain(..2);
            }
            _ => break,
        }
    }
    let Some(&tool) = w.first() else {
        return Vec::new();
    };
    let tool = tool.rsplit('/').next().unwrap_or(tool);
    let args = &w[1..];
    let mut out = Vec::new();
    let positional = || args.iter().copied().filter(|a| !a.starts_with('-'));
    match tool {
        t if TYPE_CHECKERS.contains(&t)
            && (t != "pyre" || args.first().is_none_or(|a| *a == "check")) =>
        {
            out.push(Action::TypeCheck(t.to_string()));
        }
        "deno" if args.first() == Some(&"check") => {
            out.push(Action::TypeCheck("deno check".into()))
        }
        "deno" if args.first() == Some(&"test") => out.push(Action::Test("deno test".into())),
        "bun" if args.first() == Some(&"test") => out.push(Action::Test("bun test".into())),
        "node" if args.contains(&"--test") => out.push(Action::Test("node --test".into())),
        "go" if args.first() == Some(&"test") => out.push(Action::Test("go test".into())),
        "cargo" if matches!(args.first(), Some(&("test" | "nextest"))) => {
            out.push(Action::Test("cargo test".into()))
        }
        t if TEST_RUNNERS.contains(&t) => {
            let bench_only = matches!(
                args.first(),
                Some(&("bench" | "--version" | "--help" | "install"))
            );
            if !bench_only {
                out.push(Action::Test(t.to_string()));
            }
        }
        "npm" => {
            let rest = without_options(args);
            let every = args
                .iter()
                .any(|a| matches!(*a, "--workspaces" | "-ws" | "--ws"));
            let script = match rest.first().copied() {
                Some("test" | "t" | "tst") => Some("test".to_string()),
                Some("run" | "run-script") => rest.get(1).map(|n| n.to_string()),
                _ => None,
            };
            if let Some(name) = script {
                out.push(Action::Call(if every {
                    Call::EveryWorkspace(name)
                } else {
                    Call::PackageScript(name)
                }));
            }
        }
        "yarn" | "pnpm" | "bun" => {
            // `pnpm --filter web test`, `yarn workspace web test`, `yarn run test`,
            // `pnpm -r test`, `yarn workspaces foreach -A run test`.
            let rest = without_options(args);
            let mut it = rest.iter().copied().peekable();
            let mut every = args
                .iter()
                .any(|a| matches!(*a, "-r" | "--recursive" | "--workspaces"));
            match it.peek() {
                Some(&"workspace") => {
                    it.next();
                    it.next();
                }
                Some(&"workspaces") => {
                    every = true;
                    it.next();
                    if it.peek() == Some(&"foreach") {
                        it.next();
                    }
                }
                _ => {}
            }
            let explicit_run = matches!(it.peek(), Some(&"run"));
            if explicit_run {
                it.next();
            }
            if let Some(name) = it.next() {
                if every {
                    out.push(Action::Call(Call::EveryWorkspace(name.to_string())));
                } else if !PM_BUILTINS.contains(&name) || explicit_run {
                    out.push(Action::Call(Call::PackageScript(name.to_string())));
                    // Without a script of that name, yarn and pnpm run the binary
                    // (`pnpm tsc --noEmit`): say what the binary would do too.
                    let words: Vec<String> = std::iter::once(name)
                        .chain(it)
                        .map(str::to_string)
                        .collect();
                    out.extend(
                        // A task runner run as a binary (`pnpm turbo run test`) keeps
                        // its calls; a binary's own script calls do not repeat.
                        classify_simple(&words).into_iter().filter(|a| {
                            !matches!(
                                a,
                                Action::Call(
                                    Call::PackageScript(_) | Call::Make { .. } | Call::Shell(_)
                                )
                            )
                        }),
                    );
                }
            }
        }
        "npm-run-all" | "npm-run-all2" | "run-s" | "run-p" => {
            for name in
                positional_skipping(args, &["--npm-path", "--max-parallel", "-l", "--label"])
            {
                out.push(Action::Call(Call::PackageScripts(name.to_string())));
            }
        }
        "concurrently" => {
            // Each argument is a command, or `npm:NAME` for a package script.
            const VALUED: &[&str] = &[
                "-n",
                "--names",
                "-c",
                "--prefix-colors",
                "-p",
                "--prefix",
                "-s",
                "--success",
                "-k",
                "--kill-others-on-fail",
                "--max-processes",
                "-m",
                "--default-input-target",
                "--handle-input",
                "--timings",
                "--restart-tries",
                "--restart-after",
                "-P",
            ];
            for arg in positional_skipping(args, VALUED) {
                match arg.split_once(':') {
                    Some(("npm" | "yarn" | "pnpm" | "bun", name)) => {
                        out.push(Action::Call(Call::PackageScripts(name.to_string())))
                    }
                    _ => out.extend(classify(arg)),
                }
            }
        }
        "turbo" => {
            let rest = without_options(args);
            let tasks = match rest.first() {
                Some(&"run") => &rest[1..],
                Some(&("prune" | "login" | "link" | "unlink" | "gen" | "daemon" | "telemetry")) => {
                    &[][..]
                }
                _ => &rest[..],
            };
            for t in tasks {
                out.push(Action::Call(Call::EveryWorkspace(t.to_string())));
            }
        }
        "nx" => {
            let rest = without_options(args);
            match rest.first().copied() {
                Some("run-many" | "affected") => {
                    let targets = option_list(args, &["-t", "--target", "--targets"]);
                    out.extend(
                        targets
                            .into_iter()
                            .map(|t| Action::Call(Call::EveryWorkspace(t))),
                    );
                }
                // `nx run app:test`, `nx test app`.
                Some("run") => {
                    if let Some(target) = rest.get(1).and_then(|t| t.split(':').nth(1)) {
                        out.push(Action::Call(Call::EveryWorkspace(target.to_string())));
                    }
                }
                Some(t)
                    if !matches!(
                        t,
                        "graph"
                            | "reset"
                            | "init"
                            | "add"
                            | "generate"
                            | "g"
                            | "migrate"
                            | "format"
                            | "show"
                    ) =>
                {
                    out.push(Action::Call(Call::EveryWorkspace(t.to_string())))
                }
                _ => {}
            }
        }
        "lerna" if args.first() == Some(&"run") => {
            if let Some(t) = without_options(&args[1..]).first() {
                out.push(Action::Call(Call::EveryWorkspace(t.to_string())));
            }
        }
        "just" => {
            let rest = positional_skipping(
                args,
                &["-f", "--justfile", "-d", "--working-directory", "--set"],
            );
            let recipe = rest
                .iter()
                .find(|a| !a.contains('='))
                .map(|r| r.to_string());
            out.push(Action::Call(Call::Just(recipe)));
        }
        "pre-commit" | "prek" if matches!(args.first(), Some(&"run")) => {
            let hook = without_options(&args[1..]).first().map(|h| h.to_string());
            out.push(Action::Call(Call::PreCommit(hook)));
        }
        "make" | "gmake" => {
            let mut dir = None;
            let mut target = None;
            let mut i = 0;
            while i < args.len() {
                let a = args[i];
                if a == "-C" || a == "--directory" {
                    dir = args.get(i + 1).map(|d| d.to_string());
                    i += 2;
                    continue;
                }
                if let Some(d) = a.strip_prefix("--directory=") {
                    dir = Some(d.to_string());
                } else if a == "-f" || a == "-j" {
                    i += 1;
                } else if !a.starts_with('-') && !a.contains('=') && target.is_none() {
                    target = Some(a.to_string());
                }
                i += 1;
            }
            out.push(Action::Call(Call::Make { target, dir }));
        }
        "tox" => {
            let envs = option_values(args, &["-e", "--env"])
                .map(|v| v.split(',').map(str::to_string).collect());
            out.push(Action::Call(Call::Tox(envs)));
        }
        "nox" => {
            let sessions: Vec<String> = option_list(args, &["-s", "--session", "--sessions"]);
            out.push(Action::Call(Call::Nox(
                (!sessions.is_empty()).then_some(sessions),
            )));
        }
        "poe" | "task" => {
            if let Some(name) = positional().next() {
                out.push(Action::Call(Call::ProjectTask(name.to_string())));
            }
        }
        "pdm" | "hatch" if args.first() == Some(&"run") => {
            if let Some(name) = args[1..].iter().find(|a| !a.starts_with('-')) {
                let name = name.rsplit(':').next().unwrap_or(name);
                let inner: Vec<String> = args[1..].iter().map(|s| s.to_string()).collect();
                let direct = classify_simple(&inner);
                if direct.is_empty() {
                    out.push(Action::Call(Call::ProjectTask(name.to_string())));
                }
                out.extend(direct);
            }
        }
        "bash" | "sh" | "zsh" | "source" | "." => {
            if let Some(script) = positional()
                .next()
                .filter(|s| s.ends_with(".sh") || s.ends_with(".bash"))
            {
                out.push(Action::Call(Call::Shell(script.to_string())));
            }
        }
        _ if w[0].ends_with(".sh") || w[0].ends_with(".bash") => {
            out.push(Action::Call(Call::Shell(w[0].to_string())))
        }
        // `ssh host 'cd app && git pull && sudo systemctl restart app'`: the remote
        // command is what runs. `docker compose up` counts as a deploy only there (locally
        // it starts services for tests).
        "ssh" => {
            let remote = positional_skipping(
                args,
                &[
                    "-i", "-p", "-o", "-l", "-F", "-J", "-L", "-R", "-D", "-E", "-S", "-W", "-b",
                    "-c", "-m", "-O", "-Q", "-w",
                ],
            );
            let command = remote.get(1..).map(|r| r.join(" ")).unwrap_or_default();
            for a in classify_remote(&command) {
                if !out.contains(&a) {
                    out.push(a);
                }
            }
        }
        // `helm test` runs the chart's test hooks: requests against the release.
        "helm" if args.first() == Some(&"test") => out.push(Action::Smoke),
        "curl" | "wget" | "http" | "https" | "xh" | "hurl" | "httpie" => {
            let joined = args.join(" ");
            let health = args.iter().any(|a| {
                !a.starts_with('-')
                    && (a.contains('/') || a.contains("://"))
                    && crate::health_path::is_health_path(a)
            });
            if health {
                out.push(Action::HealthCheck);
            } else if REQUEST_BODY.is_match(&format!(" {joined}"))
                || matches!(args.first(), Some(&("POST" | "post")))
            {
                out.push(Action::Smoke);
            }
        }
        _ => {}
    }
    if is_deploy(tool, args) {
        out.push(Action::Deploy);
    }
    out
}

/// Runners whose tests sit in the source files themselves (Rust's `#[test]`): there is
/// no test file to look for.
pub fn tests_live_in_code(tool: &str) -> bool {
    tool == "cargo test"
}

/// Where a test command looks for tests: the path arguments after the runner
/// (`node --test dist/`, `pytest tests/unit`, `jest src/api`). Empty: the runner's own
/// default (the whole project). Words that are not paths (`-k name`, `run`) are left out.
pub fn test_targets(text: &str, tool: &str) -> Vec<String> {
    let runner = tool.split_whitespace().next().unwrap_or(tool);
    let words: Vec<&str> = text.split_whitespace().collect();
    let Some(at) = words
        .iter()
        .position(|w| w.rsplit('/').next() == Some(runner))
    else {
        return Vec::new();
    };
    const DIRS: &[&str] = &[
        "test",
        "tests",
        "spec",
        "specs",
        "src",
        "dist",
        "build",
        "out",
        "lib",
        "e2e",
        "__tests__",
        "integration",
        "unit",
    ];
    let mut out = Vec::new();
    let mut skip = false;
    for w in &words[at + 1..] {
        if matches!(*w, "&&" | "||" | "|" | ";") {
            break;
        }
        if skip {
            skip = false;
            continue;
        }
        if w.starts_with('-') {
            // Options that take a separate value.
            skip = matches!(
                *w,
                "-k" | "-m"
                    | "-c"
                    | "-p"
                    | "-n"
                    | "-t"
                    | "--config"
                    | "--reporter"
                    | "--project"
                    | "--testNamePattern"
                    | "-r"
                    | "--require"
                    | "--cov"
                    | "--rootdir"
            );
            continue;
        }
        let w = w.trim_matches(|c| c == '"' || c == '\'');
        let path_like = w.contains('/')
            || DIRS.contains(&w)
            || [".py", ".js", ".mjs", ".cjs", ".ts", ".mts", ".tsx", ".jsx"]
                .iter()
                .any(|e| w.ends_with(e));
        if path_like && !w.starts_with("./...") && !w.contains("://") {
            out.push(w.trim_start_matches("./").to_string());
        }
    }
    out
}

/// What a command run on a server does (over SSH, or in an SSH action's script).
fn classify_remote(command: &str) -> Vec<Action> {
    let mut out = classify(command);
    let restarts = split_commands(strip_comment(command)).iter().any(|w| {
        let w: Vec<&str> = w.iter().map(String::as_str).collect();
        let w: &[&str] = if w.first() == Some(&"sudo") {
            &w[1..]
        } else {
            &w
        };
        match w.first() {
            Some(&("docker-compose" | "podman-compose")) => w.contains(&"up"),
            Some(&"docker") => w.get(1) == Some(&"compose") && w.contains(&"up"),
            _ => false,
        }
    });
    if restarts && !out.contains(&Action::Deploy) {
        out.push(Action::Deploy);
    }
    out
}

fn is_python(word: &str) -> bool {
    let name = word.rsplit('/').next().unwrap_or(word);
    name == "python" || name.starts_with("python3") || name == "py"
}

/// Package-manager options that take a value (`-w web`, `--filter web`).
const VALUE_OPTIONS: &[&str] = &[
    "-w",
    "--workspace",
    "--prefix",
    "--cwd",
    "--filter",
    "-F",
    "-C",
    "--dir",
];

/// The words that are not options nor the values of options.
fn without_options<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut skip = false;
    for a in args {
        if skip {
            skip = false;
        } else if VALUE_OPTIONS.contains(a) {
            skip = true;
        } else if !a.starts_with('-') {
            out.push(*a);
        }
    }
    out
}

/// Positional arguments, skipping options and the values of the options in `valued`.
fn positional_skipping<'a>(args: &[&'a str], valued: &[&str]) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut skip = false;
    for a in args {
        if skip {
            skip = false;
        } else if valued.contains(a) {
            skip = true;
        } else if !a.starts_with('-') {
            out.push(*a);
        }
    }
    out
}

/// The value of the first of `flags` (`-e a,b`, `-ea`, `--env=a`).
fn option_values<'a>(args: &[&'a str], flags: &[&str]) -> Option<&'a str> {
    for (i, a) in args.iter().enumerate() {
        for f in flags {
            if a == f {
                return args.get(i + 1).copied();
            }
            if let Some(v) = a.strip_prefix(&format!("{f}=")) {
                return Some(v);
            }
        }
    }
    None
}

/// Every value after one of `flags`, up to the next option (`nox -s lint tests`).
fn option_list(args: &[&str], flags: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut taking = false;
    for a in args {
        if flags.contains(a) {
            taking = true;
        } else if a.starts_with('-') {
            taking = false;
            if let Some(v) = flags.iter().find_map(|f| a.strip_prefix(&format!("{f}="))) {
                out.extend(v.split(',').map(str::to_string));
            }
        } else if taking {
            out.extend(a.split(',').map(str::to_string));
        }
    }
    out
}

fn is_deploy(tool: &str, args: &[&str]) -> bool {
    let first = args.first().copied().unwrap_or("");
    let has = |w: &str| args.contains(&w);
    match tool {
        "kubectl" | "oc" => {
            matches!(first, "apply" | "replace" | "set")
                || (first == "create"
                    && (has("-f") || has("-k") || args.iter().any(|a| a.starts_with("--filename"))))
                || (first == "rollout" && has("restart"))
                || (first == "argo" && has("rollouts") && (has("set") || has("promote")))
        }
        "helm" => matches!(first, "upgrade" | "install"),
        "helmfile" => has("apply") || has("sync"),
        "kustomize" => false, // `kustomize build | kubectl apply` is the kubectl part
        "argocd" => first == "app" && has("sync"),
        "skaffold" => matches!(first, "run" | "deploy"),
        "flyctl" | "fly" => first == "deploy",
        "gcloud" => has("deploy") || (has("run") && has("update")),
        "az" => {
            has("deploy") || (has("containerapp") && has("update")) || (has("webapp") && has("up"))
        }
        "aws" => {
            (has("ecs") && has("update-service"))
                || (has("deploy") && has("create-deployment"))
                || (has("lambda")
                    && (has("update-function-code") || has("update-function-configuration")))
                || (has("cloudformation") && (has("deploy") || has("update-stack")))
                || (has("apprunner") && has("start-deployment"))
                || (has("elasticbeanstalk") && has("update-environment"))
        }
        // On the host a workflow reached over SSH (or a self-hosted runner): restarting
        // the service is the deploy.
        "systemctl" => matches!(
            first,
            "restart" | "reload" | "reload-or-restart" | "try-restart"
        ),
        "pm2" => {
            matches!(first, "restart" | "reload" | "deploy") || (first == "start" && args.len() > 1)
        }
        "supervisorctl" => matches!(first, "restart" | "update"),
        "eb" => first == "deploy",
        "func" => has("publish"),
        "ecs-deploy" | "kamal" | "copilot" | "cdk" | "sam" | "serverless" | "sls" | "netlify" => {
            has("deploy")
        }
        "vercel" => has("--prod") || has("deploy"),
        "wrangler" => matches!(first, "deploy" | "publish"),
        "railway" => first == "up",
        "heroku" => first.starts_with("container:release") || first == "releases:promote",
        "git" => {
            first == "push"
                && args
                    .iter()
                    .any(|a| a.contains("heroku") || a.contains("dokku"))
        }
        "docker" => first == "stack" && has("deploy"),
        "cap" | "capistrano" => has("deploy"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(line: &str) -> Vec<Call> {
        classify(line)
            .into_iter()
            .filter_map(|a| {
                if let Action::Call(c) = a {
                    Some(c)
                } else {
                    None
                }
            })
            .collect()
    }

    #[test]
    fn type_checkers_and_test_runners() {
        assert_eq!(
            classify("npx tsc --noEmit"),
            vec![Action::TypeCheck("tsc".into())]
        );
        assert_eq!(
            classify("poetry run mypy src"),
            vec![Action::TypeCheck("mypy".into())]
        );
        assert_eq!(
            classify("python -m pytest -q"),
            vec![Action::Test("pytest".into())]
        );
        assert_eq!(
            classify("CI=1 ./node_modules/.bin/vitest run"),
            vec![Action::Test("vitest".into())]
        );
        assert!(classify("echo \"Error: no test specified\" && exit 1").is_empty());
        assert!(classify("echo tsc").is_empty());
        assert!(classify("npm ci").is_empty());
    }

    #[test]
    fn calls_to_scripts_targets_envs_sessions() {
        assert_eq!(
            calls("npm run typecheck"),
            vec![Call::PackageScript("typecheck".into())]
        );
        assert_eq!(calls("npm test"), vec![Call::PackageScript("test".into())]);
        assert_eq!(
            calls("yarn test --coverage"),
            vec![Call::PackageScript("test".into())]
        );
        assert_eq!(
            calls("pnpm run lint"),
            vec![Call::PackageScript("lint".into())]
        );
        assert!(calls("pnpm install --frozen-lockfile").is_empty());
        assert_eq!(
            calls("npm run -w web test"),
            vec![Call::PackageScript("test".into())]
        );
        assert_eq!(
            calls("pnpm --filter api run typecheck"),
            vec![Call::PackageScript("typecheck".into())]
        );
        assert!(classify("pnpm tsc --noEmit").contains(&Action::TypeCheck("tsc".into())));
        assert_eq!(
            classify("npm exec -- vitest run"),
            vec![Action::Test("vitest".into())]
        );
        assert_eq!(
            calls("pre-commit run --all-files"),
            vec![Call::PreCommit(None)]
        );
        assert_eq!(
            calls("pre-commit run mypy --all-files"),
            vec![Call::PreCommit(Some("mypy".into()))]
        );
        assert_eq!(
            calls("make -C api test"),
            vec![Call::Make {
                target: Some("test".into()),
                dir: Some("api".into())
            }]
        );
        assert_eq!(
            calls("tox -e py311,type"),
            vec![Call::Tox(Some(vec!["py311".into(), "type".into()]))]
        );
        assert_eq!(
            calls("nox -s tests lint"),
            vec![Call::Nox(Some(vec!["tests".into(), "lint".into()]))]
        );
        assert_eq!(
            calls("bash scripts/deploy.sh prod"),
            vec![Call::Shell("scripts/deploy.sh".into())]
        );
        assert_eq!(
            calls("./scripts/smoke.sh"),
            vec![Call::Shell("./scripts/smoke.sh".into())]
        );
    }

    #[test]
    fn deploy_canary_health_smoke_rollback() {
        assert!(
            classify("kubectl set image deployment/mistral-app app=mistral-app:v2")
                .contains(&Action::Deploy)
        );
        assert!(classify("kubectl rollout pause deployment/mistral-app").contains(&Action::Canary));
        assert_eq!(
            classify("curl -sf https://yourapp.com/health | jq '.'"),
            vec![Action::HealthCheck]
        );
        assert!(classify(
            "curl -X POST https://yourapp.com/api/chat -H 'Content-Type: application/json' -d '{}'"
        )
        .contains(&Action::Smoke));
        assert!(classify("kubectl rollout undo deployment/mistral-app").contains(&Action::Rollback));
        assert!(classify("helm rollback app 0").contains(&Action::Rollback));
        assert!(classify("helm upgrade --install app ./chart").contains(&Action::Deploy));
        assert!(!classify("kubectl rollout status deployment/app").contains(&Action::Deploy));
        assert!(!classify("kubectl create namespace staging").contains(&Action::Deploy));
        assert!(classify_action(
            "azure/k8s-deploy@v5",
            &[("strategy".into(), "canary".into())]
        )
        .contains(&Action::Canary));
        assert!(classify_action("JamesIves/github-pages-deploy-action@v4", &[]).is_empty());
        assert!(classify("curl -s https://example.com/").is_empty());
    }
}
