//! Facts about who imports whom inside `src/`, so the layering of the README (input → model →
//! infer → emit) is checked, not hoped for.
//!
//! Every `src/**/*.rs` file is read; its `crate::`, `super::` and `self::` paths (in `use` trees,
//! grouped or not, and fully qualified in code) are resolved to the source file of the module they
//! name. `#[cfg(test)] mod tests { … }` blocks are left out: a unit test may reach across layers
//! without the program doing so. Two facts are asserted:
//!
//! - layers: a file of `input`, `infer` or `emit` imports only its own layer and `model`; `model`
//!   imports none of the three. So a target's quotas (`emit/aws_quotas.rs`) are read by its
//!   emitter alone, and a reader or pass that needs an input bound has one of i2kit's own;
//! - no cycle: the file import graph has no strongly connected component of two or more files.
//!
//! What is wrong today is listed below with its reason. The test fails on a violation that is not
//! listed and on a listed one that is gone, so the lists can only shrink and always say the truth.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// `(importing file, imported file, why it is still allowed)`.
const LAYER_EXCEPTIONS: &[(&str, &str, &str)] = &[];

/// The files of one import cycle, sorted, joined by `" "`, and why it is still allowed.
const CYCLE_EXCEPTIONS: &[(&str, &str)] = &[];

/// The top-level modules of one import cycle, sorted, joined by `" "`, and why it is still allowed.
const MODULE_CYCLE_EXCEPTIONS: &[(&str, &str)] = &[];

const LAYERS: &[&str] = &["input", "model", "infer", "emit"];

#[test]
fn layers_import_only_downstream_of_the_model() {
    let graph = import_graph();
    let mut found = BTreeSet::new();
    for (from, targets) in &graph.edges {
        let Some(from_layer) = layer_of(from) else {
            continue;
        };
        for to in targets {
            let Some(to_layer) = layer_of(to) else {
                continue;
            };
            if !layer_may_import(from_layer, to_layer) {
                found.insert((from.clone(), to.clone()));
            }
        }
    }
    let allowed: BTreeSet<(String, String)> = LAYER_EXCEPTIONS
        .iter()
        .map(|(from, to, _)| (from.to_string(), to.to_string()))
        .collect();
    assert_eq!(
        allowed.len(),
        LAYER_EXCEPTIONS.len(),
        "LAYER_EXCEPTIONS lists a pair twice"
    );
    let new: Vec<_> = found.difference(&allowed).collect();
    let gone: Vec<_> = allowed.difference(&found).collect();
    assert!(
        new.is_empty() && gone.is_empty(),
        "layer imports differ from LAYER_EXCEPTIONS in tests/architecture.rs\n\
         new (input, infer and emit import only themselves and model; model none of them): {new:#?}\n\
         no longer true (remove from the list): {gone:#?}"
    );
}

#[test]
fn no_import_cycle_between_files() {
    let graph = import_graph();
    let found: BTreeSet<String> = strongly_connected_components(&graph.edges)
        .into_iter()
        .filter(|component| component.len() > 1)
        .map(|component| component.into_iter().collect::<Vec<_>>().join(" "))
        .collect();
    let allowed: BTreeSet<String> = CYCLE_EXCEPTIONS
        .iter()
        .map(|(files, _)| files.to_string())
        .collect();
    assert_eq!(
        allowed.len(),
        CYCLE_EXCEPTIONS.len(),
        "CYCLE_EXCEPTIONS lists a cycle twice"
    );
    let new: Vec<_> = found.difference(&allowed).collect();
    let gone: Vec<_> = allowed.difference(&found).collect();
    assert!(
        new.is_empty() && gone.is_empty(),
        "import cycles differ from CYCLE_EXCEPTIONS in tests/architecture.rs\n\
         new cycles (files that import each other, directly or round a loop): {new:#?}\n\
         no longer true (remove from the list): {gone:#?}"
    );
}

#[test]
fn no_import_cycle_between_top_level_modules() {
    let graph = import_graph();
    let mut modules: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, targets) in &graph.edges {
        let Some(from_module) = top_level_module(from) else {
            continue;
        };
        let entry = modules.entry(from_module.clone()).or_default();
        entry.extend(
            targets
                .iter()
                .filter_map(|to| top_level_module(to))
                .filter(|to| *to != from_module),
        );
    }
    let found: BTreeSet<String> = strongly_connected_components(&modules)
        .into_iter()
        .filter(|component| component.len() > 1)
        .map(|component| component.into_iter().collect::<Vec<_>>().join(" "))
        .collect();
    let allowed: BTreeSet<String> = MODULE_CYCLE_EXCEPTIONS
        .iter()
        .map(|(modules, _)| modules.to_string())
        .collect();
    let new: Vec<_> = found.difference(&allowed).collect();
    let gone: Vec<_> = allowed.difference(&found).collect();
    assert!(
        new.is_empty() && gone.is_empty(),
        "cycles between top-level modules differ from MODULE_CYCLE_EXCEPTIONS in tests/architecture.rs\n\
         new cycles: {new:#?}\n\
         no longer true (remove from the list): {gone:#?}"
    );
}

/// `src/input/kubernetes/mod.rs` → `input`; `src/lib.rs` → none.
fn top_level_module(file: &str) -> Option<String> {
    module_path(file)?.into_iter().next()
}

#[test]
fn the_parser_sees_every_kind_of_import() {
    let text = r##"
        use crate::a::b;
        pub(crate) use crate::{c, d::{e, f as g}, h::*};
        use super::sibling::Thing;
        use super::super::uncle;
        use self::child::X;
        // use crate::in_a_comment;
        /* use crate::in_a_block /* nested */ comment; */
        const S: &str = "crate::in_a_string";
        const R: &str = r#"crate::in_a_raw "string""#;
        const C: char = '"';
        fn f<'a>(x: &'a str) { crate::j::k::call(x); super::l::m(); }
        #[cfg(test)]
        mod tests { use crate::only_in_tests; }
    "##;
    let module: Vec<String> = ["p", "q"].iter().map(|s| s.to_string()).collect();
    let paths: BTreeSet<String> = imported_paths(text, &module)
        .into_iter()
        .map(|path| path.join("::"))
        .collect();
    let expected: BTreeSet<String> = [
        "a::b",
        "c",
        "d::e",
        "d::f",
        "h",
        "p::sibling::Thing",
        "uncle",
        "p::q::child::X",
        "j::k::call",
        "p::l::m",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(paths, expected);
}

struct Graph {
    /// Importing file → imported files, both relative to the crate root (`src/input/mod.rs`).
    edges: BTreeMap<String, BTreeSet<String>>,
}

fn import_graph() -> Graph {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    collect_rust_files(&root.join("src"), &mut files);
    let modules: BTreeMap<Vec<String>, String> = files
        .iter()
        .filter_map(|file| {
            let relative = file
                .strip_prefix(root)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            Some((module_path(&relative)?, relative))
        })
        .collect();
    assert!(
        modules.len() > 50,
        "found only {} modules under src/",
        modules.len()
    );
    let mut edges = BTreeMap::new();
    for (module, file) in &modules {
        let text =
            std::fs::read_to_string(root.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let mut targets = BTreeSet::new();
        for path in imported_paths(&text, module) {
            // The longest prefix of the path that names a module is the file it comes from.
            let target = (0..=path.len()).rev().find_map(|n| modules.get(&path[..n]));
            if let Some(target) = target.filter(|target| *target != file) {
                targets.insert(target.clone());
            }
        }
        edges.insert(file.clone(), targets);
    }
    Graph { edges }
}

fn collect_rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_rust_files(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
}

/// `src/input/kubernetes/mod.rs` → `[input, kubernetes]`; `src/lib.rs` → `[]`. `src/main.rs` is
/// another crate and has no module path here.
fn module_path(relative: &str) -> Option<Vec<String>> {
    let inside = relative.strip_prefix("src/")?.strip_suffix(".rs")?;
    if inside == "main" {
        return None;
    }
    let mut segments: Vec<String> = inside.split('/').map(str::to_string).collect();
    if matches!(segments.last().map(String::as_str), Some("mod" | "lib")) {
        segments.pop();
    }
    Some(segments)
}

fn layer_of(file: &str) -> Option<&'static str> {
    let first = module_path(file)?.into_iter().next()?;
    LAYERS.iter().copied().find(|layer| *layer == first)
}

fn layer_may_import(from: &str, to: &str) -> bool {
    match from {
        "model" => to == "model",
        _ => to == from || to == "model",
    }
}

/// The crate-absolute module paths `text` (the source of `module`) refers to.
fn imported_paths(text: &str, module: &[String]) -> Vec<Vec<String>> {
    let tokens = tokens(&without_test_modules(&code_only(text)));
    let mut paths = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i] == "use" {
            let end = tokens[i..]
                .iter()
                .position(|t| t == ";")
                .map_or(tokens.len(), |p| i + p);
            let mut prefixes = Vec::new();
            use_tree(&tokens[i + 1..end], &mut Vec::new(), &mut prefixes);
            paths.extend(
                prefixes
                    .into_iter()
                    .filter_map(|path| resolve(&path, module)),
            );
            i = end;
        } else if matches!(tokens[i].as_str(), "crate" | "super" | "self")
            && tokens.get(i + 1).is_some_and(|t| t == "::")
            && (i == 0 || tokens[i - 1] != "::")
        {
            let mut path = vec![tokens[i].clone()];
            let mut j = i + 1;
            while tokens.get(j).is_some_and(|t| t == "::")
                && tokens.get(j + 1).is_some_and(|t| is_identifier(t))
            {
                path.push(tokens[j + 1].clone());
                j += 2;
            }
            paths.extend(resolve(&path, module));
            i = j;
        } else {
            i += 1;
        }
    }
    paths
}

/// Expands a `use` tree (`a::{b, c::d as e}`) into its paths, `prefix` first.
fn use_tree(tokens: &[String], prefix: &mut Vec<String>, paths: &mut Vec<Vec<String>>) {
    let mut i = 0;
    let depth = prefix.len();
    while i < tokens.len() {
        match tokens[i].as_str() {
            "::" | "*" => i += 1,
            "as" => i += 2,
            "{" => {
                let close = matching_brace(tokens, i);
                for item in split_top_level_commas(&tokens[i + 1..close]) {
                    use_tree(item, prefix, paths);
                }
                prefix.truncate(depth);
                return;
            }
            identifier if is_identifier(identifier) => {
                prefix.push(identifier.to_string());
                i += 1;
            }
            _ => i += 1,
        }
    }
    if prefix.len() > depth {
        paths.push(prefix.clone());
    }
    prefix.truncate(depth);
}

fn matching_brace(tokens: &[String], open: usize) -> usize {
    let mut depth = 0;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        match token.as_str() {
            "{" => depth += 1,
            "}" if depth == 1 => return i,
            "}" => depth -= 1,
            _ => {}
        }
    }
    tokens.len()
}

fn split_top_level_commas(tokens: &[String]) -> Vec<&[String]> {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, token) in tokens.iter().enumerate() {
        match token.as_str() {
            "{" => depth += 1,
            "}" => depth -= 1,
            "," if depth == 0 => {
                items.push(&tokens[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&tokens[start..]);
    items
}

/// `crate::a` → `[a]`; `super::b` in module `[x, y]` → `[x, b]`. Other roots (std, external crates,
/// a child module named without `self::`) are not `crate::` paths and give `None`.
fn resolve(path: &[String], module: &[String]) -> Option<Vec<String>> {
    let mut resolved: Vec<String> = match path.first()?.as_str() {
        "crate" => Vec::new(),
        "self" | "super" => module.to_vec(),
        _ => return None,
    };
    let mut rest = if path[0] == "crate" || path[0] == "self" {
        &path[1..]
    } else {
        path
    };
    while rest.first().is_some_and(|first| first == "super") {
        resolved.pop()?;
        rest = &rest[1..];
    }
    resolved.extend(rest.iter().filter(|segment| *segment != "self").cloned());
    Some(resolved)
}

fn is_identifier(token: &str) -> bool {
    token
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && token.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// The text with comments removed and string and character literals emptied, so neither can be
/// taken for a path.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == 'r' && matches!(next, Some('"' | '#')) && !ends_identifier(&out) {
            let hashes = chars[i + 1..].iter().take_while(|c| **c == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            i += hashes + 2;
            let closing: Vec<char> = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            while i < chars.len() && !chars[i..].starts_with(&closing) {
                i += 1;
            }
            i += closing.len();
            out.push_str("\"\"");
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' && next == Some('\\') {
            i += 2;
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            i += 1;
            out.push_str("' '");
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            i += 3;
            out.push_str("' '");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ends_identifier(text: &str) -> bool {
    text.chars()
        .last()
        .is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// Removes each `#[cfg(test)] mod NAME { … }` (the text is already free of comments and strings).
fn without_test_modules(code: &str) -> String {
    let mut out = String::new();
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let Some(open) = after.find('{') else {
            rest = "";
            break;
        };
        let mut depth = 0;
        let mut end = after.len();
        for (i, c) in after[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Identifiers, `::`, and single punctuation characters.
fn tokens(code: &str) -> Vec<String> {
    let chars: Vec<char> = code.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(chars[start..i].iter().collect());
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            tokens.push("::".to_string());
            i += 2;
        } else {
            tokens.push(c.to_string());
            i += 1;
        }
    }
    tokens
}

/// Tarjan's algorithm; each component's files come sorted.
fn strongly_connected_components(
    edges: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<BTreeSet<String>> {
    struct State<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        components: Vec<BTreeSet<String>>,
    }
    fn visit<'a>(state: &mut State<'a>, node: &'a str) {
        let n = state.index.len();
        state.index.insert(node, n);
        state.low.insert(node, n);
        state.stack.push(node);
        state.on_stack.insert(node);
        for next in state.edges.get(node).into_iter().flatten() {
            let next = next.as_str();
            if !state.index.contains_key(next) {
                visit(state, next);
                let low = state.low[node].min(state.low[next]);
                state.low.insert(node, low);
            } else if state.on_stack.contains(next) {
                let low = state.low[node].min(state.index[next]);
                state.low.insert(node, low);
            }
        }
        if state.low[node] == state.index[node] {
            let mut component = BTreeSet::new();
            while let Some(member) = state.stack.pop() {
                state.on_stack.remove(member);
                component.insert(member.to_string());
                if member == node {
                    break;
                }
            }
            state.components.push(component);
        }
    }
    let mut state = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        components: Vec::new(),
    };
    for node in edges.keys() {
        if !state.index.contains_key(node.as_str()) {
            visit(&mut state, node);
        }
    }
    state.components
}
