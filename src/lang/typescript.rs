//! TypeScript, TSX, JavaScript and JSX front-end: a tree-sitter syntax tree lowered into
//! [`FileIr`]. The TypeScript grammar extends the JavaScript one, so one lowering serves
//! both. Comments are never visited; strings stay strings, so code written inside a
//! comment or a prompt string is not code.

use tree_sitter::Node;

use super::ir::{
    Arg, Entry, Expr, FileIr, Import, Lang, Param, ParamKind, MAX_ENTRIES, MAX_EXPR_DEPTH,
};
use super::lower::{self, line, parse_number, unquote, Builder, Ctx};

pub fn lower_file(path: &str, text: &str, tsx: bool, lang: Lang) -> Option<FileIr> {
    let language: tree_sitter::Language = match (lang, tsx) {
        (Lang::TypeScript, false) => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        (Lang::TypeScript, true) => tree_sitter_typescript::LANGUAGE_TSX.into(),
        _ => tree_sitter_javascript::LANGUAGE.into(),
    };
    lower::lower_with(&language, path, text, lang, walk)
}

fn walk(b: &mut Builder, root: Node) {
    let mut stack: Vec<(Node, Ctx)> = vec![(root, Ctx::default())];
    while let Some((node, ctx)) = stack.pop() {
        let mut child_ctx = ctx;
        match node.kind() {
            "comment" => continue,
            "import_statement" => {
                import(b, node);
                continue;
            }
            "function_declaration"
            | "generator_function_declaration"
            | "function_expression"
            | "function"
            | "arrow_function"
            | "method_definition"
            | "generator_function" => {
                let f = function(b, node, ctx);
                child_ctx = b.func_ctx(ctx, f);
                // Parameters hold default values only; the body is what runs.
                if let Some(body) = node.child_by_field_name("body") {
                    stack.push((body, child_ctx));
                }
                continue;
            }
            "class_declaration" | "class" | "abstract_class_declaration" => {
                let name = node
                    .child_by_field_name("name")
                    .map(|n| b.text(n).to_string())
                    .unwrap_or_default();
                let bases = class_bases(b, node);
                let c = b.new_class(name, bases, node);
                child_ctx = Ctx {
                    class: Some(c),
                    ..ctx
                };
            }
            "try_statement" => {
                let handler = node.child_by_field_name("handler");
                let (t, try_ctx) = b.enter_try(ctx, node, handler.is_some());
                if let Some(body) = node.child_by_field_name("body") {
                    stack.push((body, try_ctx));
                }
                if let Some(h) = handler {
                    stack.push((
                        h,
                        Ctx {
                            catch: Some(t),
                            ..ctx
                        },
                    ));
                }
                if let Some(f) = node.child_by_field_name("finalizer") {
                    stack.push((f, ctx));
                }
                continue;
            }
            // A comparison inside the app's response (`res.status(e.status === 429 ? 429
            // : 502)`) still inspects a status.
            "binary_expression"
                if node.child_by_field_name("operator").is_some_and(|o| {
                    matches!(
                        b.text(o),
                        "===" | "==" | "!==" | "!=" | "<" | ">" | "<=" | ">="
                    )
                }) =>
            {
                child_ctx.outbound = false;
            }
            "for_statement" | "for_in_statement" | "while_statement" | "do_statement" => {
                child_ctx.in_loop = true
            }
            "call_expression" | "new_expression" => {
                call(b, node, ctx);
                // Statuses in the app's own response (`res.status(500)`) are not checks.
                let callee = node
                    .child_by_field_name("function")
                    .or_else(|| node.child_by_field_name("constructor"))
                    .map(|f| b.text(f))
                    .unwrap_or("");
                child_ctx.outbound |= lower::is_outbound(callee);
            }
            "variable_declarator" => declarator(b, node, ctx),
            "assignment_expression" => {
                if let (Some(l), Some(r)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) {
                    let name = b.text(l).to_string();
                    if l.kind() == "identifier" || name.starts_with("this.") {
                        let value = expr(b, r, 0);
                        b.bind(ctx, name, value, node);
                    }
                }
            }
            "public_field_definition" | "field_definition" => {
                let name = node
                    .child_by_field_name("name")
                    .or_else(|| node.child_by_field_name("property"));
                if let (Some(n), Some(v)) = (name, node.child_by_field_name("value")) {
                    let name = format!("this.{}", b.text(n));
                    let value = expr(b, v, 0);
                    b.bind(ctx, name, value, node);
                }
            }
            "number" => {
                if let Some(n) = parse_number(b.text(node)) {
                    b.note_number(ctx, n);
                }
                continue;
            }
            "identifier"
            | "property_identifier"
            | "type_identifier"
            | "shorthand_property_identifier" => {
                let w = b.text(node);
                b.note_word(ctx, w);
                continue;
            }
            "string" => {
                let w = unquote(b.text(node));
                if w.len() < 32 {
                    b.note_string(ctx, &w);
                }
                continue;
            }
            "ERROR" => b.ir.syntax_errors = true,
            _ => {}
        }
        lower::push_children(&mut stack, b.src, node, child_ctx);
    }
}

fn import(b: &mut Builder, node: Node) {
    let Some(source) = node.child_by_field_name("source") else {
        return;
    };
    let module = unquote(b.text(source));
    let ln = line(node);
    let mut cursor = node.walk();
    for clause in node.named_children(&mut cursor) {
        if clause.kind() != "import_clause" {
            continue;
        }
        let mut c2 = clause.walk();
        for part in clause.named_children(&mut c2) {
            match part.kind() {
                "identifier" => b.ir.imports.push(Import {
                    local: b.text(part).into(),
                    module: module.clone(),
                    name: Some("default".into()),
                    line: ln,
                }),
                "namespace_import" => {
                    if let Some(id) = part.named_child(0) {
                        b.ir.imports.push(Import {
                            local: b.text(id).into(),
                            module: module.clone(),
                            name: None,
                            line: ln,
                        });
                    }
                }
                "named_imports" => {
                    let mut c3 = part.walk();
                    for spec in part.named_children(&mut c3) {
                        if spec.kind() != "import_specifier" {
                            continue;
                        }
                        let Some(name) = spec.child_by_field_name("name") else {
                            continue;
                        };
                        let local = spec.child_by_field_name("alias").unwrap_or(name);
                        b.ir.imports.push(Import {
                            local: b.text(local).into(),
                            module: module.clone(),
                            name: Some(unquote(b.text(name))),
                            line: ln,
                        });
                    }
                }
                _ => {}
            }
        }
    }
}

fn declarator(b: &mut Builder, node: Node, ctx: Ctx) {
    let (Some(name), Some(value)) = (
        node.child_by_field_name("name"),
        node.child_by_field_name("value"),
    ) else {
        return;
    };
    // `require("m")`
    if value.kind() == "call_expression" {
        let callee = value.child_by_field_name("function").map(|f| b.text(f));
        if callee == Some("require") {
            let module = value
                .child_by_field_name("arguments")
                .and_then(|a| a.named_child(0))
                .filter(|a| a.kind() == "string")
                .map(|a| unquote(b.text(a)));
            if let Some(module) = module {
                let ln = line(node);
                match name.kind() {
                    "identifier" => b.ir.imports.push(Import {
                        local: b.text(name).into(),
                        module,
                        name: None,
                        line: ln,
                    }),
                    "object_pattern" => {
                        for (key, local) in pattern_names(b, name) {
                            b.ir.imports.push(Import {
                                local,
                                module: module.clone(),
                                name: Some(key),
                                line: ln,
                            });
                        }
                    }
                    _ => {}
                }
                return;
            }
        }
    }
    let value_expr = expr(b, value, 0);
    match name.kind() {
        "identifier" => {
            let n = b.text(name).to_string();
            b.bind(ctx, n, value_expr, node);
        }
        "object_pattern" => {
            for (key, local) in pattern_names(b, name) {
                b.bind(
                    ctx,
                    local,
                    Expr::Member(Box::new(value_expr.clone()), key),
                    node,
                );
            }
        }
        _ => {}
    }
}

/// `{ a, b: c }` → [(a, a), (b, c)]
fn pattern_names(b: &Builder, pattern: Node) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut cursor = pattern.walk();
    for p in pattern.named_children(&mut cursor) {
        match p.kind() {
            "shorthand_property_identifier_pattern" => {
                out.push((b.text(p).to_string(), b.text(p).to_string()))
            }
            "pair_pattern" => {
                if let (Some(k), Some(v)) =
                    (p.child_by_field_name("key"), p.child_by_field_name("value"))
                {
                    if v.kind() == "identifier" {
                        out.push((unquote(b.text(k)), b.text(v).to_string()));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn function(b: &mut Builder, node: Node, ctx: Ctx) -> usize {
    let f = b.func_id(node);
    let name = node
        .child_by_field_name("name")
        .map(|n| b.text(n).to_string())
        .or_else(|| {
            let parent = node.parent()?;
            let named = match parent.kind() {
                "variable_declarator" | "public_field_definition" => {
                    parent.child_by_field_name("name")
                }
                "pair" => parent.child_by_field_name("key"),
                "assignment_expression" => parent.child_by_field_name("left"),
                _ => None,
            }?;
            Some(unquote(b.text(named)))
        });
    let mut params = Vec::new();
    let mut class_bindings = Vec::new();
    let plist = node
        .child_by_field_name("parameters")
        .or_else(|| node.child_by_field_name("parameter"));
    if let Some(plist) = plist {
        let items: Vec<Node> = if plist.kind() == "identifier" {
            vec![plist]
        } else {
            let mut c = plist.walk();
            plist.named_children(&mut c).collect()
        };
        for (slot, p) in items.into_iter().enumerate() {
            let (pat, ty) = match p.kind() {
                "required_parameter" | "optional_parameter" => (
                    p.child_by_field_name("pattern"),
                    p.child_by_field_name("type"),
                ),
                _ => (Some(p), None),
            };
            let Some(pat) = pat else { continue };
            // `x = 5` (TypeScript's `value` field, JavaScript's assignment pattern).
            let (pat, default) = match (pat.kind(), p.child_by_field_name("value")) {
                ("assignment_pattern", _) => (
                    pat.child_by_field_name("left").unwrap_or(pat),
                    pat.child_by_field_name("right").map(|v| expr(b, v, 1)),
                ),
                (_, Some(v)) => (pat, Some(expr(b, v, 1))),
                _ => (pat, None),
            };
            if pat.kind() == "object_pattern" {
                params.extend(destructured(b, pat, slot));
                continue;
            }
            let (name, kind) = match pat.kind() {
                "identifier" => (b.text(pat).to_string(), ParamKind::Normal),
                "rest_pattern" => (
                    pat.named_child(0)
                        .map(|l| b.text(l).to_string())
                        .unwrap_or_default(),
                    ParamKind::Rest,
                ),
                _ => continue,
            };
            let ty = ty
                .and_then(|t| t.named_child(0))
                .map(|t| type_expr(b.text(t)));
            // `constructor(private client: Mistral)` is also a field.
            let mut c = p.walk();
            if p.named_children(&mut c)
                .any(|ch| ch.kind() == "accessibility_modifier")
            {
                class_bindings.push(format!("this.{name}"));
            }
            params.push(Param {
                name,
                kind,
                ty,
                default,
                slot,
                field: None,
            });
        }
    }
    let class = ctx.class.map(|c| b.ir.classes[c].name.clone());
    let getter = node.kind() == "method_definition" && {
        let mut c = node.walk();
        let found = node.children(&mut c).any(|ch| ch.kind() == "get");
        found
    };
    if let Some(c) = ctx.class {
        if node.kind() == "method_definition" {
            b.ir.classes[c].methods.push(f);
        }
    }
    for field in class_bindings {
        let local = field.trim_start_matches("this.").to_string();
        b.ir.bindings.push(super::ir::Binding {
            name: field,
            value: Expr::Name(local),
            func: Some(f),
            class: class.clone(),
            line: line(node),
        });
    }
    let func = &mut b.ir.funcs[f];
    func.name = name;
    func.params = params;
    func.parent = ctx.func;
    func.class = class;
    func.accessor = getter;
    f
}

/// `mistral.Mistral<T>` → Member(Name(mistral), Mistral)
pub fn type_expr(text: &str) -> Expr {
    let base = text.split('<').next().unwrap_or(text).trim();
    let mut parts = base.split('.');
    let mut e = Expr::Name(parts.next().unwrap_or("").to_string());
    for p in parts {
        e = Expr::Member(Box::new(e), p.to_string());
    }
    e
}

fn call(b: &mut Builder, node: Node, ctx: Ctx) {
    let id = b.call_id(node);
    let new = node.kind() == "new_expression";
    let callee_node = node.child_by_field_name(if new { "constructor" } else { "function" });
    let callee = callee_node.map(|c| expr(b, c, 1)).unwrap_or(Expr::Null);
    let mut args = Vec::new();
    if let Some(list) = node.child_by_field_name("arguments") {
        if list.kind() == "template_string" {
            args.push(Arg::Pos(expr(b, list, 1)));
        } else {
            let mut c = list.walk();
            let items: Vec<Node> = list
                .named_children(&mut c)
                .filter(|n| n.kind() != "comment")
                .take(MAX_ENTRIES)
                .collect();
            for a in items {
                if a.kind() == "spread_element" {
                    let inner = a
                        .named_child(0)
                        .map(|x| expr(b, x, 1))
                        .unwrap_or(Expr::Null);
                    args.push(Arg::Spread(inner));
                } else {
                    args.push(Arg::Pos(expr(b, a, 1)));
                }
            }
        }
    }
    mark_passed(b, &args, id);
    let text = callee_node.map(|c| b.text(c)).unwrap_or("");
    if text.ends_with("sleep") || text.ends_with("setTimeout") || text.ends_with("delay") {
        // `setTimeout(resolve, ms)` waits for its second argument; `sleep(ms)` its first.
        let at = usize::from(text.ends_with("setTimeout"));
        let arg = node.child_by_field_name("arguments").and_then(|l| {
            let mut c = l.walk();
            let found = l
                .named_children(&mut c)
                .filter(|n| n.kind() != "comment")
                .nth(at);
            found
        });
        let delay = lower::sleep_delay(b, node, arg);
        b.note_sleep(ctx, delay);
    }
    b.fill_call(id, ctx, callee, args, new, text);
}

/// Function literals given to a call (directly or as an option value) run on its behalf.
pub fn mark_passed(b: &mut Builder, args: &[Arg], call: usize) {
    for a in args {
        let e = match a {
            Arg::Pos(e) | Arg::Kw(_, e) => e,
            _ => continue,
        };
        match e {
            Expr::Func(f) => b.ir.funcs[*f].passed_to = Some(call),
            Expr::Obj(entries) => {
                for en in entries {
                    if let Entry::Pair(_, Expr::Func(f)) = en {
                        b.ir.funcs[*f].passed_to = Some(call);
                    }
                }
            }
            _ => {}
        }
    }
}

fn expr(b: &mut Builder, node: Node, depth: usize) -> Expr {
    if depth > MAX_EXPR_DEPTH {
        return Expr::Other(super::ir::snippet(b.text(node)), Vec::new());
    }
    let d = depth + 1;
    match node.kind() {
        // `cond ? a : b`: the value is one of the branches; the condition never flows
        // (a log of `key ? "set" : "missing"` does not print the key).
        "ternary_expression" => Expr::Other(
            super::ir::snippet(b.text(node)),
            ["consequence", "alternative"]
                .iter()
                .filter_map(|f| node.child_by_field_name(f))
                .map(|x| expr(b, x, d))
                .collect(),
        ),
        "string" => Expr::Str(string_value(b, node)),
        "template_string" => {
            let mut parts = Vec::new();
            let mut c = node.walk();
            for ch in node.named_children(&mut c).take(MAX_ENTRIES) {
                match ch.kind() {
                    "string_fragment" | "escape_sequence" => {
                        parts.push(Expr::Str(b.text(ch).to_string()))
                    }
                    "template_substitution" => parts.push(
                        ch.named_child(0)
                            .map(|x| expr(b, x, d))
                            .unwrap_or(Expr::Null),
                    ),
                    _ => {}
                }
            }
            lower::joined(parts)
        }
        "number" => parse_number(b.text(node))
            .map(Expr::Num)
            .unwrap_or_else(|| Expr::Other(b.text(node).into(), Vec::new())),
        "true" => Expr::Bool(true),
        "false" => Expr::Bool(false),
        "null" | "undefined" => Expr::Null,
        "identifier" if b.text(node) == "undefined" => Expr::Null,
        "identifier" | "shorthand_property_identifier" | "this" | "super" => {
            Expr::Name(b.text(node).to_string())
        }
        "member_expression" => lower::access(b, node, ("object", "property"), d, expr),
        "subscript_expression" => lower::access(b, node, ("object", "index"), d, expr),
        "call_expression" | "new_expression" => Expr::Call(b.call_id(node)),
        "await_expression"
        | "parenthesized_expression"
        | "as_expression"
        | "satisfies_expression"
        | "non_null_expression"
        | "type_assertion" => lower::inner(b, node, d, expr),
        "object" => lower::object(b, node, d, object_entry),
        "array" => Expr::List(lower::children(b, node, MAX_ENTRIES, d, expr)),
        "arrow_function" | "function_expression" | "function" | "generator_function" => {
            Expr::Func(b.func_id(node))
        }
        "binary_expression"
            if node.child_by_field_name("operator").map(|o| b.text(o)) == Some("+") =>
        {
            lower::plus(b, node, d, expr)
        }
        "binary_expression"
            if matches!(
                node.child_by_field_name("operator").map(|o| b.text(o)),
                Some("??" | "||")
            ) =>
        {
            lower::fallback(b, node, d, expr)
        }
        "unary_expression" => lower::unary_node(b, node, d, expr),
        _ => lower::other(b, node, d, expr),
    }
}

/// One entry of an object literal.
fn object_entry(b: &mut Builder, e: Node, d: usize) -> Option<Entry> {
    match e.kind() {
        "pair" => lower::pair(b, e, d, expr),
        "shorthand_property_identifier" => {
            let n = b.text(e).to_string();
            Some(Entry::Pair(
                n.clone(),
                if n == "undefined" {
                    Expr::Null
                } else {
                    Expr::Name(n)
                },
            ))
        }
        "spread_element" => Some(Entry::Spread(lower::inner(b, e, d, expr))),
        "method_definition" => {
            let key = e
                .child_by_field_name("name")
                .map(|k| unquote(b.text(k)))
                .unwrap_or_default();
            Some(Entry::Pair(key, Expr::Func(b.func_id(e))))
        }
        _ => None,
    }
}

fn string_value(b: &Builder, node: Node) -> String {
    let mut out = String::new();
    let mut c = node.walk();
    for ch in node.named_children(&mut c) {
        out.push_str(b.text(ch));
    }
    out
}

/// The class a declaration extends (`class A extends base.B<T>` gives `B`): TypeScript
/// puts it in an `extends_clause` of the `class_heritage`, JavaScript directly there.
fn class_bases(b: &Builder, node: Node) -> Vec<String> {
    let mut c = node.walk();
    let Some(heritage) = node
        .named_children(&mut c)
        .find(|n| n.kind() == "class_heritage")
    else {
        return Vec::new();
    };
    let mut hc = heritage.walk();
    let first = heritage.named_children(&mut hc).next();
    let value = match first {
        Some(ext) if ext.kind() == "extends_clause" => ext.named_child(0),
        Some(n) if n.kind() != "implements_clause" => Some(n),
        _ => None,
    };
    value
        .map(|v| {
            let text = b.text(v);
            let text = text.split('<').next().unwrap_or(text);
            vec![text.rsplit('.').next().unwrap_or(text).trim().to_string()]
        })
        .unwrap_or_default()
}

/// The parameters an object pattern destructures from argument `slot`:
/// `{ model = "mistral-small-2506", maxTokens: limit = 256, messages }`.
fn destructured(b: &mut Builder, pat: Node, slot: usize) -> Vec<Param> {
    let mut out = Vec::new();
    let mut c = pat.walk();
    let items: Vec<Node> = pat.named_children(&mut c).collect();
    for item in items {
        let (key, local, default) = match item.kind() {
            "shorthand_property_identifier_pattern" => {
                let k = b.text(item).to_string();
                (k.clone(), k, None)
            }
            "object_assignment_pattern" => {
                let Some(left) = item.child_by_field_name("left") else {
                    continue;
                };
                let k = b.text(left).to_string();
                let d = item.child_by_field_name("right").map(|r| expr(b, r, 1));
                (k.clone(), k, d)
            }
            "pair_pattern" => {
                let (Some(k), Some(v)) = (
                    item.child_by_field_name("key"),
                    item.child_by_field_name("value"),
                ) else {
                    continue;
                };
                let (v, d) = if v.kind() == "assignment_pattern" {
                    (
                        v.child_by_field_name("left").unwrap_or(v),
                        v.child_by_field_name("right").map(|r| expr(b, r, 1)),
                    )
                } else {
                    (v, None)
                };
                if v.kind() != "identifier" {
                    continue;
                }
                (unquote(b.text(k)), b.text(v).to_string(), d)
            }
            _ => continue,
        };
        out.push(Param {
            name: local,
            kind: ParamKind::Normal,
            ty: None,
            default,
            slot,
            field: Some(key),
        });
    }
    out
}
