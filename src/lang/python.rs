//! Python front-end: a tree-sitter syntax tree lowered into [`FileIr`]. Comments are never
//! visited and strings (docstrings, prompts) stay strings.

use tree_sitter::Node;

use super::ir::{
    Arg, Entry, Expr, FileIr, Import, Lang, Param, ParamKind, MAX_ENTRIES, MAX_EXPR_DEPTH,
};
use super::lower::{self, line, parse_number, unquote, Builder, Ctx};
use super::sdks;
use super::typescript::{mark_passed, type_expr};

pub fn lower_file(path: &str, text: &str) -> Option<FileIr> {
    lower::lower_with(
        &tree_sitter_python::LANGUAGE.into(),
        path,
        text,
        Lang::Python,
        walk,
    )
}

fn walk(b: &mut Builder, root: Node) {
    let mut stack: Vec<(Node, Ctx)> = vec![(root, Ctx::default())];
    while let Some((node, ctx)) = stack.pop() {
        let mut child_ctx = ctx;
        match node.kind() {
            "comment" => continue,
            "import_statement" | "import_from_statement" => {
                import(b, node);
                continue;
            }
            "function_definition" | "lambda" => {
                let f = function(b, node, ctx);
                child_ctx = b.func_ctx(ctx, f);
                if let Some(body) = node.child_by_field_name("body") {
                    stack.push((body, child_ctx));
                }
                continue;
            }
            "class_definition" => {
                let name = node
                    .child_by_field_name("name")
                    .map(|n| b.text(n).to_string())
                    .unwrap_or_default();
                let bases = node
                    .child_by_field_name("superclasses")
                    .map(|list| {
                        let mut c = list.walk();
                        list.named_children(&mut c)
                            .filter(|n| matches!(n.kind(), "identifier" | "attribute"))
                            .map(|n| last_name(b.text(n)))
                            .collect()
                    })
                    .unwrap_or_default();
                let c = b.new_class(name, bases, node);
                child_ctx = Ctx {
                    class: Some(c),
                    ..ctx
                };
                if let Some(body) = node.child_by_field_name("body") {
                    stack.push((body, child_ctx));
                }
                continue;
            }
            "decorator" => {
                // Decorators are read with their function; calls in them still count as calls.
            }
            "try_statement" => {
                let mut c = node.walk();
                let children: Vec<Node> = node.named_children(&mut c).collect();
                let has_handler = children
                    .iter()
                    .any(|ch| matches!(ch.kind(), "except_clause" | "except_group_clause"));
                let (t, try_ctx) = b.enter_try(ctx, node, has_handler);
                for ch in children.into_iter().rev() {
                    match ch.kind() {
                        "block" => stack.push((ch, try_ctx)),
                        "except_clause" | "except_group_clause" => stack.push((
                            ch,
                            Ctx {
                                catch: Some(t),
                                ..ctx
                            },
                        )),
                        _ => stack.push((ch, ctx)),
                    }
                }
                continue;
            }
            "for_statement" | "while_statement" => child_ctx.in_loop = true,
            // A comparison inside the app's response (`status_code=429 if e.status_code == 429
            // else 500`) still inspects a status.
            "comparison_operator" => child_ctx.outbound = false,
            "call" => {
                call(b, node, ctx);
                // Statuses in the app's own response (`res.status(500)`) are not checks.
                let callee = node
                    .child_by_field_name("function")
                    .or_else(|| node.child_by_field_name("constructor"))
                    .map(|f| b.text(f))
                    .unwrap_or("");
                child_ctx.outbound |= lower::is_outbound(callee);
            }
            "assignment" => {
                if let (Some(l), Some(r)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) {
                    let name = b.text(l).to_string();
                    if l.kind() == "identifier"
                        || (l.kind() == "attribute" && name.starts_with("self."))
                    {
                        let mut value = expr(b, r, 0);
                        // `client: Mistral = entry.runtime_data`: an opaque value with a
                        // type annotation is read as the annotated type (as a parameter's).
                        if let Some(t) = node.child_by_field_name("type") {
                            if matches!(value, Expr::Member(..) | Expr::Name(_) | Expr::Index(..)) {
                                let ty = type_expr(b.text(t));
                                value = Expr::Other(
                                    b.text(node).chars().take(60).collect(),
                                    vec![value, ty],
                                );
                            }
                        }
                        // A class attribute (`base_url = "..."` in the class body) is
                        // also what `self.base_url` reads in its methods.
                        if ctx.func.is_none() && ctx.class.is_some() && l.kind() == "identifier" {
                            b.bind(ctx, format!("self.{name}"), value.clone(), node);
                        }
                        b.bind(ctx, name, value, node);
                    }
                }
            }
            "as_pattern" => {
                // `with Mistral(...) as client:` binds the context manager's value.
                if let (Some(value), Some(alias)) =
                    (node.named_child(0), node.child_by_field_name("alias"))
                {
                    let target = alias.named_child(0).unwrap_or(alias);
                    if target.kind() == "identifier" {
                        let name = b.text(target).to_string();
                        let v = expr(b, value, 0);
                        b.bind(ctx, name, v, node);
                    }
                }
            }
            "integer" | "float" => {
                if let Some(n) = parse_number(b.text(node)) {
                    b.note_number(ctx, n);
                }
                continue;
            }
            "identifier" => {
                let w = b.text(node);
                b.note_word(ctx, w);
                continue;
            }
            "string" => {
                let raw = b.text(node);
                if raw.len() < 40 {
                    let w = unquote(raw);
                    b.note_string(ctx, &w);
                }
                // Interpolations in f-strings are code.
            }
            "ERROR" => b.ir.syntax_errors = true,
            _ => {}
        }
        lower::push_children(&mut stack, b.src, node, child_ctx);
    }
}

fn import(b: &mut Builder, node: Node) {
    let ln = line(node);
    let mut c = node.walk();
    if node.kind() == "import_statement" {
        // `import a.b` binds `a` to the package; `import a.b as c` binds `c` to `a.b`.
        for n in node.children_by_field_name("name", &mut c) {
            let (module, local) = match n.kind() {
                "aliased_import" => {
                    let m = n
                        .child_by_field_name("name")
                        .map(|x| b.text(x).to_string())
                        .unwrap_or_default();
                    let a = n
                        .child_by_field_name("alias")
                        .map(|x| b.text(x).to_string())
                        .unwrap_or_default();
                    (m, a)
                }
                _ => {
                    let m = b.text(n).to_string();
                    let first = m.split('.').next().unwrap_or("").to_string();
                    (
                        if n.kind() == "dotted_name" && m.contains('.') {
                            first.clone()
                        } else {
                            m
                        },
                        first,
                    )
                }
            };
            b.ir.imports.push(Import {
                local,
                module,
                name: None,
                line: ln,
            });
        }
        return;
    }
    let module = node
        .child_by_field_name("module_name")
        .map(|m| b.text(m).to_string())
        .unwrap_or_default();
    for n in node.children_by_field_name("name", &mut c) {
        let (name, local) = match n.kind() {
            "aliased_import" => (
                n.child_by_field_name("name")
                    .map(|x| b.text(x).to_string())
                    .unwrap_or_default(),
                n.child_by_field_name("alias")
                    .map(|x| b.text(x).to_string())
                    .unwrap_or_default(),
            ),
            _ => (b.text(n).to_string(), b.text(n).to_string()),
        };
        b.ir.imports.push(Import {
            local,
            module: module.clone(),
            name: Some(name),
            line: ln,
        });
    }
}

fn function(b: &mut Builder, node: Node, ctx: Ctx) -> usize {
    let f = b.func_id(node);
    let name = node
        .child_by_field_name("name")
        .map(|n| b.text(n).to_string());
    let mut params = Vec::new();
    if let Some(plist) = node.child_by_field_name("parameters") {
        let mut c = plist.walk();
        let items: Vec<Node> = plist.named_children(&mut c).collect();
        for p in items {
            let ty = p.child_by_field_name("type").map(|t| type_expr(b.text(t)));
            let (name, kind) = match p.kind() {
                "identifier" => (b.text(p).to_string(), ParamKind::Normal),
                "default_parameter" | "typed_default_parameter" => (
                    p.child_by_field_name("name")
                        .map(|n| b.text(n).to_string())
                        .unwrap_or_default(),
                    ParamKind::Normal,
                ),
                "typed_parameter" => {
                    let inner = p.named_child(0);
                    match inner.map(|i| i.kind()) {
                        Some("list_splat_pattern") => (
                            b.text(inner.unwrap()).trim_start_matches('*').to_string(),
                            ParamKind::Rest,
                        ),
                        Some("dictionary_splat_pattern") => (
                            b.text(inner.unwrap()).trim_start_matches('*').to_string(),
                            ParamKind::KwRest,
                        ),
                        _ => (
                            inner.map(|i| b.text(i).to_string()).unwrap_or_default(),
                            ParamKind::Normal,
                        ),
                    }
                }
                "list_splat_pattern" => (
                    b.text(p).trim_start_matches('*').to_string(),
                    ParamKind::Rest,
                ),
                "dictionary_splat_pattern" => (
                    b.text(p).trim_start_matches('*').to_string(),
                    ParamKind::KwRest,
                ),
                _ => continue,
            };
            let default = matches!(p.kind(), "default_parameter" | "typed_default_parameter")
                .then(|| p.child_by_field_name("value"))
                .flatten()
                .map(|v| expr(b, v, 1));
            params.push(Param {
                name,
                kind,
                ty,
                default,
                slot: params.len(),
                field: None,
            });
        }
    }
    let mut decorators = Vec::new();
    let mut accessor = false;
    if let Some(parent) = node.parent().filter(|p| p.kind() == "decorated_definition") {
        let mut c = parent.walk();
        let decs: Vec<Node> = parent
            .named_children(&mut c)
            .filter(|d| d.kind() == "decorator")
            .collect();
        for d in decs {
            if let Some(e) = d.named_child(0) {
                accessor |= sdks::PROPERTY_DECORATORS.contains(&b.text(e));
                decorators.push(expr(b, e, 1));
            }
        }
    }
    let class = ctx.class.map(|c| b.ir.classes[c].name.clone());
    if let Some(c) = ctx.class {
        if ctx.func.is_none() && node.kind() == "function_definition" {
            b.ir.classes[c].methods.push(f);
        }
    }
    let func = &mut b.ir.funcs[f];
    func.name = name;
    func.params = params;
    func.parent = ctx.func;
    func.class = class;
    func.decorators = decorators;
    func.accessor = accessor;
    f
}

fn call(b: &mut Builder, node: Node, ctx: Ctx) {
    let id = b.call_id(node);
    let callee_node = node.child_by_field_name("function");
    let callee = callee_node.map(|c| expr(b, c, 1)).unwrap_or(Expr::Null);
    let mut args = Vec::new();
    if let Some(list) = node.child_by_field_name("arguments") {
        let mut c = list.walk();
        let items: Vec<Node> = list
            .named_children(&mut c)
            .filter(|n| n.kind() != "comment")
            .take(MAX_ENTRIES)
            .collect();
        for a in items {
            match a.kind() {
                "keyword_argument" => {
                    let k = a
                        .child_by_field_name("name")
                        .map(|n| b.text(n).to_string())
                        .unwrap_or_default();
                    let v = a
                        .child_by_field_name("value")
                        .map(|v| expr(b, v, 1))
                        .unwrap_or(Expr::Null);
                    args.push(Arg::Kw(k, v));
                }
                "list_splat" => args.push(Arg::Spread(
                    a.named_child(0)
                        .map(|x| expr(b, x, 1))
                        .unwrap_or(Expr::Null),
                )),
                "dictionary_splat" => args.push(Arg::KwSpread(
                    a.named_child(0)
                        .map(|x| expr(b, x, 1))
                        .unwrap_or(Expr::Null),
                )),
                _ => args.push(Arg::Pos(expr(b, a, 1))),
            }
        }
    }
    mark_passed(b, &args, id);
    let text = callee_node.map(|c| b.text(c)).unwrap_or("");
    if text.ends_with("sleep") {
        let first = node
            .child_by_field_name("arguments")
            .and_then(|l| l.named_child(0))
            .filter(|a| a.kind() != "keyword_argument");
        let delay = lower::sleep_delay(b, node, first);
        b.note_sleep(ctx, delay);
    }
    b.fill_call(id, ctx, callee, args, false, text);
}

fn expr(b: &mut Builder, node: Node, depth: usize) -> Expr {
    if depth > MAX_EXPR_DEPTH {
        return Expr::Other(super::ir::snippet(b.text(node)), Vec::new());
    }
    let d = depth + 1;
    match node.kind() {
        // `a if cond else b`: the value is one of the branches; the condition never flows.
        "conditional_expression" => Expr::Other(
            super::ir::snippet(b.text(node)),
            [0, 2]
                .iter()
                .filter_map(|&i| node.named_child(i))
                .map(|x| expr(b, x, d))
                .collect(),
        ),
        "string" => {
            let mut parts = Vec::new();
            let mut c = node.walk();
            for ch in node.named_children(&mut c).take(MAX_ENTRIES) {
                match ch.kind() {
                    "string_content" | "escape_sequence" => {
                        parts.push(Expr::Str(b.text(ch).to_string()))
                    }
                    "interpolation" => {
                        parts.push(
                            ch.named_child(0)
                                .map(|x| expr(b, x, d))
                                .unwrap_or(Expr::Null),
                        );
                    }
                    _ => {}
                }
            }
            lower::joined(parts)
        }
        "concatenated_string" => {
            let mut c = node.walk();
            let items: Vec<Node> = node.named_children(&mut c).take(MAX_ENTRIES).collect();
            let parts: Vec<Expr> = items.into_iter().map(|x| expr(b, x, d)).collect();
            lower::joined(parts)
        }
        "integer" | "float" => parse_number(b.text(node))
            .map(Expr::Num)
            .unwrap_or_else(|| Expr::Other(b.text(node).into(), Vec::new())),
        "true" => Expr::Bool(true),
        "false" => Expr::Bool(false),
        "none" => Expr::Null,
        "identifier" => Expr::Name(b.text(node).to_string()),
        "attribute" => lower::access(b, node, ("object", "attribute"), d, expr),
        "subscript" => lower::access(b, node, ("value", "subscript"), d, expr),
        "call" => Expr::Call(b.call_id(node)),
        "await" | "parenthesized_expression" => lower::inner(b, node, d, expr),
        "dictionary" => lower::object(b, node, d, dict_entry),
        "list" | "tuple" | "set" => Expr::List(lower::children(b, node, MAX_ENTRIES, d, expr)),
        "lambda" => Expr::Func(b.func_id(node)),
        "binary_operator"
            if node.child_by_field_name("operator").map(|o| b.text(o)) == Some("+") =>
        {
            lower::plus(b, node, d, expr)
        }
        "boolean_operator"
            if node.child_by_field_name("operator").map(|o| b.text(o)) == Some("or") =>
        {
            lower::fallback(b, node, d, expr)
        }
        "unary_operator" => lower::unary_node(b, node, d, expr),
        _ => lower::other(b, node, d, expr),
    }
}

/// One entry of a dict literal.
fn dict_entry(b: &mut Builder, e: Node, d: usize) -> Option<Entry> {
    match e.kind() {
        "pair" => lower::pair(b, e, d, expr),
        "dictionary_splat" => Some(Entry::Spread(lower::inner(b, e, d, expr))),
        _ => None,
    }
}

/// `base.HttpProvider` → `HttpProvider`.
fn last_name(text: &str) -> String {
    text.rsplit('.').next().unwrap_or(text).trim().to_string()
}
