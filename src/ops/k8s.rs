//! Kubernetes manifests: Deployments, StatefulSets and Argo Rollouts with what decides
//! a gradual rollout and a rollback (readiness probe, update strategy, revision history),
//! Flagger canaries, and hook Jobs that run after a deploy (Helm `post-install`/
//! `post-upgrade`/`test` hooks, Argo CD `PostSync`).
//!
//! Helm templates are read after [`super::yaml::blank_templates`]; a value that came
//! from a template is kept as [`Setting::Template`], "not visible statically".

use serde_yaml::Value;

use super::procedures::{Command, Procedure, ProcedureKind};
use super::yaml::{self, dig, get, scalar, Doc, LineFinder};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
    /// argoproj.io Rollout.
    Rollout,
}

impl WorkloadKind {
    pub fn name(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::Rollout => "Rollout",
        }
    }
}

/// A text field as written in a manifest: literal, or (in part) filled in by a Helm
/// template, which the gate cannot see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    Literal(String),
    /// `shown` writes each template part as `{{…}}` (`{{…}}-worker`).
    Templated {
        shown: String,
    },
}

impl Text {
    /// `templated`: the file is a Helm template, whose actions were blanked to the mark.
    fn of(s: String, templated: bool) -> Text {
        if templated && s.contains(yaml::TEMPLATE_MARK) {
            Text::Templated {
                shown: s.replace(yaml::TEMPLATE_MARK, "{{…}}"),
            }
        } else {
            Text::Literal(s)
        }
    }

    /// The text for people: the literal, or the templated text with `{{…}}`.
    pub fn shown(&self) -> &str {
        match self {
            Text::Literal(s) | Text::Templated { shown: s } => s,
        }
    }
}

/// A field's value as written: a number, a percentage, or a template expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    Number(i64),
    Percent(i64),
    Template,
    Other(String),
}

impl Setting {
    fn of(value: &Value) -> Setting {
        let Some(s) = scalar(value) else {
            return Setting::Other(format!("{value:?}"));
        };
        if s.contains(yaml::TEMPLATE_MARK) {
            return Setting::Template;
        }
        if let Ok(n) = s.trim().parse::<i64>() {
            return Setting::Number(n);
        }
        if let Some(p) = s
            .trim()
            .strip_suffix('%')
            .and_then(|p| p.trim().parse::<i64>().ok())
        {
            return Setting::Percent(p);
        }
        Setting::Other(s)
    }

    /// True when the value is zero (`0` or `0%`).
    pub fn is_zero(&self) -> bool {
        matches!(self, Setting::Number(0) | Setting::Percent(0))
    }

    pub fn show(&self) -> String {
        match self {
            Setting::Number(n) => n.to_string(),
            Setting::Percent(p) => format!("{p}%"),
            Setting::Template => "a template value".to_string(),
            Setting::Other(s) => s.clone(),
        }
    }
}

/// How the workload replaces its pods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Strategy {
    /// Deployment RollingUpdate; `None` fields take Kubernetes' defaults (25%).
    RollingUpdate {
        max_unavailable: Option<Setting>,
        max_surge: Option<Setting>,
    },
    Recreate,
    /// Argo Rollouts canary (`steps` count) or a StatefulSet partition.
    Canary {
        steps: usize,
    },
    BlueGreen,
    /// StatefulSet RollingUpdate with `partition` (a staged rollout when above 0).
    Partitioned(Setting),
    OnDelete,
    /// A strategy the template fills in.
    Template,
}

/// A readiness probe of one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub container: String,
    pub line: u32,
    /// `httpGet.path`, when the probe is an HTTP GET.
    pub http_path: Option<Text>,
    /// `httpGet`, `exec`, `tcpSocket` or `grpc`.
    pub handler: String,
}

/// A Deployment, StatefulSet or Rollout, as written in one document.
#[derive(Debug, Clone)]
pub struct Workload {
    pub kind: WorkloadKind,
    pub name: Text,
    pub path: String,
    /// The line of the document's `kind:`.
    pub line: u32,
    /// The document's first line (where an inline `mistral-gate: ignore` sits above).
    pub start: u32,
    /// Whether the document sets `spec.strategy` / `spec.updateStrategy` at all.
    pub strategy: Option<(Strategy, u32)>,
    pub readiness: Vec<Probe>,
    /// Containers in the pod template (0 for a patch that has none).
    pub containers: usize,
    pub revision_history_limit: Option<(Setting, u32)>,
    /// From a Helm chart's templates (values may be [`Setting::Template`]).
    pub templated: bool,
    /// From a Kustomize overlay directory (`overlays/`), which wins over a base.
    pub overlay: bool,
}

/// A progressive-delivery object: what it is, not how its `kind:` is spelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgressiveKind {
    /// flagger.app `Canary`.
    FlaggerCanary,
    /// argoproj.io `AnalysisTemplate` or `ClusterAnalysisTemplate` (the kind as written).
    AnalysisTemplate { kind: String },
}

/// What else a Kubernetes document tells about rollouts.
#[derive(Debug, Clone)]
pub enum Resource {
    Workload(Workload),
    /// A Flagger Canary (flagger.app) or an Argo Rollouts AnalysisTemplate.
    Progressive {
        kind: ProgressiveKind,
        name: String,
        path: String,
        line: u32,
    },
    /// A Job or Pod run after a deploy by a Helm or Argo CD hook: its commands.
    Hook(Procedure),
    /// Any other object with apiVersion and kind (counted as a manifest).
    Other {
        kind: String,
        path: String,
        line: u32,
    },
}

/// True when the path is a Helm chart template.
pub fn is_helm_template(path: &str, text: &str) -> bool {
    (path.contains("/templates/") || path.starts_with("templates/")) && text.contains("{{")
}

/// The Kubernetes resources of a YAML file's documents.
pub fn resources(path: &str, text: &str, docs: &[Doc], templated: bool) -> Vec<Resource> {
    let mut finder = LineFinder::new(text);
    let file = FileContext {
        path,
        templated,
        overlay: path.split('/').any(|seg| seg == "overlays"),
    };
    let mut out = Vec::new();
    for doc in docs {
        for item in items(&doc.value) {
            let (Some(api), Some(kind)) = (
                get(item, "apiVersion").and_then(scalar),
                get(item, "kind").and_then(scalar),
            ) else {
                continue;
            };
            finder.seek(doc.line);
            let line = finder.find(&format!("kind: {kind}"), doc.line);
            let name = dig(item, &["metadata", "name"])
                .and_then(scalar)
                .unwrap_or_default();
            let workload_kind = match (kind.as_str(), api.as_str()) {
                ("Deployment", _) => Some(WorkloadKind::Deployment),
                ("StatefulSet", _) => Some(WorkloadKind::StatefulSet),
                ("Rollout", a) if a.starts_with("argoproj.io") => Some(WorkloadKind::Rollout),
                _ => None,
            };
            if let Some(wk) = workload_kind {
                out.push(Resource::Workload(workload(
                    item,
                    wk,
                    name,
                    &file,
                    (doc.line, line),
                    &mut finder,
                )));
            } else if kind == "Canary" && api.starts_with("flagger.app") {
                out.push(Resource::Progressive {
                    kind: ProgressiveKind::FlaggerCanary,
                    name,
                    path: path.to_string(),
                    line,
                });
            } else if kind.ends_with("AnalysisTemplate") && api.starts_with("argoproj.io") {
                out.push(Resource::Progressive {
                    kind: ProgressiveKind::AnalysisTemplate { kind },
                    name,
                    path: path.to_string(),
                    line,
                });
            } else if let Some(hook) = hook(item, &kind, &name, path, line, &mut finder) {
                out.push(Resource::Hook(hook));
            } else {
                out.push(Resource::Other {
                    kind,
                    path: path.to_string(),
                    line,
                });
            }
        }
    }
    out
}

/// A document, or each item of a `kind: List`.
fn items(value: &Value) -> Vec<&Value> {
    match get(value, "items").and_then(Value::as_sequence) {
        Some(items)
            if get(value, "kind")
                .and_then(scalar)
                .is_some_and(|k| k.ends_with("List")) =>
        {
            items.iter().collect()
        }
        _ => vec![value],
    }
}

/// What every document of a file shares.
struct FileContext<'p> {
    path: &'p str,
    templated: bool,
    overlay: bool,
}

/// `(start, line)`: the document's first line and its `kind:` line.
fn workload(
    item: &Value,
    kind: WorkloadKind,
    name: String,
    file: &FileContext,
    (start, line): (u32, u32),
    finder: &mut LineFinder,
) -> Workload {
    let templated = file.templated;
    let spec = get(item, "spec");
    let at = |finder: &mut LineFinder, needle: &str| {
        finder.seek(line);
        finder.find(needle, line)
    };
    let strategy = match kind {
        WorkloadKind::Deployment => spec.and_then(|s| get(s, "strategy")).map(|s| {
            let l = at(finder, "strategy:");
            let st = match get(s, "type").and_then(scalar).as_deref() {
                // `strategy: {{- toYaml .Values.strategy | nindent 4 }}` blanks to nothing.
                _ if templated && matches!(s, Value::Null) => Strategy::Template,
                Some("Recreate") => Strategy::Recreate,
                Some(t) if t.contains(yaml::TEMPLATE_MARK) => Strategy::Template,
                _ if matches!(s, Value::String(t) if t.contains(yaml::TEMPLATE_MARK)) => {
                    Strategy::Template
                }
                _ => Strategy::RollingUpdate {
                    max_unavailable: dig(s, &["rollingUpdate", "maxUnavailable"]).map(Setting::of),
                    max_surge: dig(s, &["rollingUpdate", "maxSurge"]).map(Setting::of),
                },
            };
            (st, l)
        }),
        WorkloadKind::Rollout => spec.and_then(|s| get(s, "strategy")).map(|s| {
            let l = at(finder, "strategy:");
            let st = if templated && matches!(s, Value::Null) {
                Strategy::Template
            } else if let Some(c) = get(s, "canary") {
                Strategy::Canary {
                    steps: get(c, "steps")
                        .and_then(Value::as_sequence)
                        .map_or(0, Vec::len),
                }
            } else if get(s, "blueGreen").is_some() {
                Strategy::BlueGreen
            } else {
                Strategy::Template
            };
            (st, l)
        }),
        WorkloadKind::StatefulSet => spec.and_then(|s| get(s, "updateStrategy")).map(|s| {
            let l = at(finder, "updateStrategy:");
            let st = match get(s, "type").and_then(scalar).as_deref() {
                Some("OnDelete") => Strategy::OnDelete,
                _ => match dig(s, &["rollingUpdate", "partition"]) {
                    Some(p) => Strategy::Partitioned(Setting::of(p)),
                    None => Strategy::RollingUpdate {
                        max_unavailable: dig(s, &["rollingUpdate", "maxUnavailable"])
                            .map(Setting::of),
                        max_surge: None,
                    },
                },
            };
            (st, l)
        }),
    };
    let revision_history_limit = spec
        .and_then(|s| get(s, "revisionHistoryLimit"))
        .map(|v| (Setting::of(v), at(finder, "revisionHistoryLimit")));
    let containers = spec
        .and_then(|s| dig(s, &["template", "spec", "containers"]))
        .and_then(Value::as_sequence);
    let mut readiness = Vec::new();
    for c in containers.into_iter().flatten() {
        let cname = get(c, "name").and_then(scalar).unwrap_or_default();
        let Some(probe) = get(c, "readinessProbe") else {
            continue;
        };
        finder.seek(line);
        finder.find(&format!("name: {cname}"), line);
        let pline = finder.find("readinessProbe", line);
        let handler = ["httpGet", "exec", "tcpSocket", "grpc"]
            .into_iter()
            .find(|h| get(probe, h).is_some())
            .unwrap_or("unknown")
            .to_string();
        let http_path = dig(probe, &["httpGet", "path"])
            .and_then(scalar)
            .map(|p| Text::of(p, templated));
        readiness.push(Probe {
            container: cname,
            line: pline,
            http_path,
            handler,
        });
    }
    Workload {
        kind,
        name: Text::of(name, templated),
        path: file.path.to_string(),
        line,
        start,
        strategy,
        readiness,
        containers: containers.map_or(0, Vec::len),
        revision_history_limit,
        templated,
        overlay: file.overlay,
    }
}

/// A Job or Pod run after a deploy: Helm `post-install`/`post-upgrade`/`test` hooks and
/// Argo CD `PostSync` hooks. Its container commands become a procedure.
fn hook(
    item: &Value,
    kind: &str,
    name: &str,
    path: &str,
    line: u32,
    finder: &mut LineFinder,
) -> Option<Procedure> {
    if kind != "Job" && kind != "Pod" {
        return None;
    }
    let annotations = dig(item, &["metadata", "annotations"])?;
    let helm = get(annotations, "helm.sh/hook")
        .and_then(scalar)
        .unwrap_or_default();
    let argo = get(annotations, "argocd.argoproj.io/hook")
        .and_then(scalar)
        .unwrap_or_default();
    let after_deploy = helm.split(',').any(|h| {
        matches!(
            h.trim(),
            "post-install" | "post-upgrade" | "test" | "test-success"
        )
    }) || argo == "PostSync";
    if !after_deploy {
        return None;
    }
    let pod = if kind == "Job" {
        dig(item, &["spec", "template", "spec"])?
    } else {
        get(item, "spec")?
    };
    let mut commands = Vec::new();
    for c in get(pod, "containers")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
        let words: Vec<String> = ["command", "args"]
            .iter()
            .filter_map(|k| get(c, k))
            .flat_map(yaml::strings)
            .collect();
        // `sh -c "script"` holds the script in one word: classify it line by line.
        for part in words
            .iter()
            .filter(|w| w.contains(' ') || w.contains('\n'))
            .map(String::as_str)
            .chain(std::iter::once(words.join(" ").as_str()))
        {
            for l in part.lines() {
                finder.seek(line);
                let at = finder.find(l, line);
                let actions = super::commands::classify(l);
                if !actions.is_empty() && !commands.iter().any(|c: &Command| c.text == l.trim()) {
                    commands.push(Command {
                        line: at,
                        text: l.trim().chars().take(200).collect(),
                        actions,
                        dir: None,
                    });
                }
            }
        }
    }
    Some(Procedure {
        kind: ProcedureKind::ShellScript,
        path: path.to_string(),
        name: format!("{kind} {name} (post-deploy hook)"),
        line,
        commands,
        runs_also: Vec::new(),
        inputs: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(path: &str, text: &str) -> Vec<Resource> {
        let templated = is_helm_template(path, text);
        let src = if templated {
            yaml::blank_templates(text)
        } else {
            text.to_string()
        };
        let docs = yaml::load_all(&src).unwrap();
        resources(path, &src, &docs, templated)
    }

    #[test]
    fn deployment_fields_and_lines() {
        let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: app\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  revisionHistoryLimit: 5\n  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxUnavailable: 0\n      maxSurge: 1\n  template:\n    spec:\n      containers:\n        - name: web\n          readinessProbe:\n            httpGet:\n              path: /health\n              port: 8080\n";
        let r = parse("k8s/app.yaml", text);
        let Resource::Workload(w) = &r[1] else {
            panic!("{r:?}")
        };
        assert_eq!(
            (w.kind, &w.name, w.line),
            (WorkloadKind::Deployment, &Text::Literal("app".into()), 7)
        );
        assert_eq!(w.revision_history_limit, Some((Setting::Number(5), 11)));
        assert_eq!(
            w.strategy,
            Some((
                Strategy::RollingUpdate {
                    max_unavailable: Some(Setting::Number(0)),
                    max_surge: Some(Setting::Number(1))
                },
                12
            ))
        );
        assert_eq!(
            w.readiness[0].http_path,
            Some(Text::Literal("/health".into()))
        );
        assert_eq!(w.readiness[0].line, 21);
    }

    #[test]
    fn helm_template_values_are_not_visible() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"app.fullname\" . }}\nspec:\n  revisionHistoryLimit: {{ .Values.history }}\n  template:\n    spec:\n      containers:\n        - name: app\n          {{- with .Values.probe }}\n          readinessProbe:\n            httpGet:\n              path: {{ .path }}\n          {{- end }}\n";
        let r = parse("chart/templates/deployment.yaml", text);
        let Resource::Workload(w) = &r[0] else {
            panic!("{r:?}")
        };
        assert!(w.templated);
        assert_eq!(
            w.revision_history_limit.as_ref().map(|r| &r.0),
            Some(&Setting::Template)
        );
        assert_eq!(
            w.readiness[0].http_path,
            Some(Text::Templated {
                shown: "{{…}}".into()
            })
        );
        assert_eq!(
            w.name,
            Text::Templated {
                shown: "{{…}}".into()
            }
        );
    }

    #[test]
    fn the_template_mark_in_a_plain_manifest_is_literal_text() {
        let text = format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {m}-app\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          readinessProbe:\n            httpGet:\n              path: /{m}/health\n", m = yaml::TEMPLATE_MARK);
        let r = parse("k8s/app.yaml", &text);
        let Resource::Workload(w) = &r[0] else {
            panic!("{r:?}")
        };
        assert_eq!(
            w.name,
            Text::Literal(format!("{}-app", yaml::TEMPLATE_MARK))
        );
        assert_eq!(
            w.readiness[0].http_path,
            Some(Text::Literal(format!("/{}/health", yaml::TEMPLATE_MARK)))
        );
    }

    #[test]
    fn argo_canary_and_post_sync_hook() {
        let text = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: app\nspec:\n  strategy:\n    canary:\n      steps:\n        - setWeight: 10\n        - pause: {duration: 10m}\n---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: smoke\n  annotations:\n    argocd.argoproj.io/hook: PostSync\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: smoke\n          image: curlimages/curl:8.10.1\n          command: [\"sh\", \"-c\"]\n          args:\n            - |\n              curl -sf http://app/health\n              curl -sf -X POST http://app/api/chat -d '{}'\n";
        let r = parse("deploy/rollout.yaml", text);
        let Resource::Workload(w) = &r[0] else {
            panic!()
        };
        assert_eq!(
            w.strategy.as_ref().map(|s| &s.0),
            Some(&Strategy::Canary { steps: 2 })
        );
        let Resource::Hook(h) = &r[1] else {
            panic!("{r:?}")
        };
        assert_eq!(h.commands.len(), 2, "{:?}", h.commands);
        assert_eq!(h.commands[0].line, 28);
    }
}
