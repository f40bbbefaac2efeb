//! The layers of ARCHITECTURE.md, checked on the source: which module
//! imports which (`use crate::…`, `use super::…` and paths written out in
//! code), outside tests. Fails on a new import that breaks a rule, naming
//! it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Modules that make up the storage layer: they import only each other,
/// the plain data types and leases.
const STORAGE: &str = "db";
const STORAGE_MAY_IMPORT: [&str; 3] = ["db", "model", "lease"];

/// The HTTP edges, the UI and the wiring: nothing below them imports them.
const ABOVE_THE_DOMAIN: [&str; 8] = [
    "web",
    "functions",
    "pages",
    "components",
    "app",
    "server",
    "state",
    "config",
];

#[test]
fn storage_imports_nothing_from_the_domain() {
    let graph = import_graph();
    let wrong: Vec<String> = edges(&graph)
        .filter(|(from, to)| top(from) == STORAGE && !STORAGE_MAY_IMPORT.contains(&top(to)))
        .map(|(from, to)| format!("{from} -> {to}"))
        .collect();
    assert!(wrong.is_empty(), "db imports the domain: {wrong:#?}");
}

#[test]
fn the_domain_imports_no_edge_ui_or_wiring() {
    let graph = import_graph();
    let wrong: Vec<String> = edges(&graph)
        .filter(|(from, to)| {
            !ABOVE_THE_DOMAIN.contains(&top(from))
                && !from.is_empty()
                && ABOVE_THE_DOMAIN.contains(&top(to))
        })
        .map(|(from, to)| format!("{from} -> {to}"))
        .collect();
    assert!(wrong.is_empty(), "the domain reaches up: {wrong:#?}");
}

#[test]
fn modules_import_each_other_in_no_circle() {
    let graph = import_graph();
    let circles = circles(&graph);
    assert!(circles.is_empty(), "import circles: {circles:#?}");
}

#[test]
fn the_checker_sees_imports_and_circles() {
    // The parsing this file relies on, on a small made-up crate.
    let mut sources = BTreeMap::new();
    sources.insert(
        "a".into(),
        "use crate::b::{\n self,\n x::Y as Z,\n};".into(),
    );
    sources.insert("b".into(), "fn f() { super::a::g(); }".into());
    sources.insert("b::x".into(), "use super::super::c;".into());
    sources.insert(
        "c".into(),
        "// use crate::a;\n#[cfg(test)]\nmod tests { use crate::a; }".into(),
    );
    let graph = graph_of(&sources);
    assert_eq!(
        graph["a"],
        BTreeSet::from(["b".to_owned(), "b::x".to_owned()])
    );
    assert_eq!(graph["b"], BTreeSet::from(["a".to_owned()]));
    assert_eq!(graph["b::x"], BTreeSet::from(["c".to_owned()]));
    assert!(graph["c"].is_empty());
    assert_eq!(circles(&graph), [vec!["a".to_owned(), "b".to_owned()]]);
}

/// Module path → the modules it imports.
type Graph = BTreeMap<String, BTreeSet<String>>;

fn top(module: &str) -> &str {
    module.split("::").next().unwrap_or_default()
}

fn edges(graph: &Graph) -> impl Iterator<Item = (&String, &String)> {
    graph
        .iter()
        .flat_map(|(from, tos)| tos.iter().map(move |to| (from, to)))
}

/// The crate's import graph (binaries left out).
fn import_graph() -> Graph {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut sources = BTreeMap::new();
    read_modules(&root, &root, &mut sources);
    assert!(sources.len() > 50, "too few modules found under src/");
    graph_of(&sources)
}

/// Module path → its source.
fn read_modules(root: &Path, dir: &Path, sources: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        let relative = path.strip_prefix(root).expect("under src");
        if relative.starts_with("bin") {
            continue;
        }
        if path.is_dir() {
            read_modules(root, &path, sources);
            continue;
        }
        if path.extension().is_none_or(|ext| ext != "rs") {
            continue;
        }
        let mut parts: Vec<String> = relative
            .with_extension("")
            .iter()
            .map(|part| part.to_string_lossy().into_owned())
            .collect();
        if parts.last().is_some_and(|last| last == "mod") {
            parts.pop();
        }
        if parts == ["lib"] || parts == ["main"] {
            parts.clear();
        }
        let text = std::fs::read_to_string(&path).expect("read module");
        sources.insert(parts.join("::"), text);
    }
}

fn graph_of(sources: &BTreeMap<String, String>) -> Graph {
    let modules: BTreeSet<&str> = sources.keys().map(String::as_str).collect();
    let mut graph = Graph::new();
    for (module, text) in sources {
        let code = without_comments(without_tests(text));
        let mut targets = BTreeSet::new();
        for path in imported_paths(&code) {
            if let Some(target) = resolve(module, &path, &modules)
                && target != module.as_str()
            {
                targets.insert(target.to_owned());
            }
        }
        graph.insert(module.clone(), targets);
    }
    graph
}

/// The source before its test module.
fn without_tests(text: &str) -> &str {
    text.find("#[cfg(test)]\nmod ")
        .map_or(text, |at| &text[..at])
}

fn without_comments(text: &str) -> String {
    text.lines()
        .map(|line| line.find("//").map_or(line, |at| &line[..at]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `crate::`, `super::` and `self::` path: those of `use` trees
/// (expanded) and those written out in code.
fn imported_paths(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut rest = String::new();
    let mut at = 0;
    while let Some(found) = find_use(code, at) {
        rest.push_str(&code[at..found]);
        let end = code[found..].find(';').map_or(code.len(), |e| found + e);
        let tree = tidy(&code[found + 4..end]);
        paths.extend(expand(&tree));
        at = (end + 1).min(code.len());
    }
    rest.push_str(&code[at..]);
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(offset) = rest[from..].find(start) {
            let begin = from + offset;
            from = begin + start.len();
            let before = rest[..begin].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let path: String = rest[begin..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            paths.push(path.trim_end_matches(':').to_owned());
        }
    }
    paths
}

/// Where the next `use crate::`, `use super::` or `use self::` starts.
fn find_use(code: &str, from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(offset) = code[at..].find("use ") {
        let start = at + offset;
        at = start + 4;
        let word_start =
            start == 0 || !code[..start].ends_with(|c: char| c.is_alphanumeric() || c == '_');
        let tree = code[start + 4..].trim_start();
        if word_start
            && ["crate::", "super::", "self::"]
                .iter()
                .any(|p| tree.starts_with(p))
        {
            return Some(start);
        }
    }
    None
}

/// A `use` tree with single spaces, and none around `::`, braces and commas.
fn tidy(tree: &str) -> String {
    let spaced = tree.split_whitespace().collect::<Vec<_>>().join(" ");
    ["::", "{", "}", ","].iter().fold(spaced, |text, token| {
        text.replace(&format!(" {token}"), token)
            .replace(&format!("{token} "), token)
    })
}

/// `a::{b, c::{d, self}, e as f}` as `a::b`, `a::c::d`, `a::c`, `a::e`.
fn expand(tree: &str) -> Vec<String> {
    let Some(open) = tree.find('{') else {
        return vec![tree.split(" as ").next().unwrap_or(tree).to_owned()];
    };
    let prefix = &tree[..open];
    let close = tree.rfind('}').unwrap_or(tree.len());
    let inner = &tree[open + 1..close];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|part| !part.is_empty())
        .flat_map(expand)
        .map(|part| {
            if part == "self" {
                prefix.trim_end_matches(':').to_owned()
            } else {
                format!("{prefix}{part}")
            }
        })
        .collect()
}

/// The module a path names (its longest prefix that is a module).
fn resolve<'a>(module: &str, path: &str, modules: &BTreeSet<&'a str>) -> Option<&'a str> {
    let mut segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let mut base: Vec<&str> = module.split("::").filter(|s| !s.is_empty()).collect();
    match segments.first().copied() {
        Some("crate") => base.clear(),
        Some("self") => {}
        Some("super") => {
            base.pop();
            while segments.get(1) == Some(&"super") {
                segments.remove(0);
                base.pop();
            }
        }
        _ => return None,
    }
    segments.remove(0);
    (0..=segments.len()).rev().find_map(|take| {
        let candidate: Vec<&str> = base.iter().chain(&segments[..take]).copied().collect();
        modules.get(candidate.join("::").as_str()).copied()
    })
}

/// The circles of the graph (strongly connected components of more than
/// one module), each sorted.
fn circles(graph: &Graph) -> Vec<Vec<String>> {
    struct Tarjan<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        found: Vec<Vec<String>>,
    }
    impl<'g> Tarjan<'g> {
        fn visit(&mut self, node: &'g str) {
            let n = self.index.len();
            self.index.insert(node, n);
            self.low.insert(node, n);
            self.stack.push(node);
            self.on_stack.insert(node);
            for next in self.graph.get(node).into_iter().flatten() {
                let next = next.as_str();
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[node].min(self.low[next]);
                    self.low.insert(node, low);
                } else if self.on_stack.contains(next) {
                    let low = self.low[node].min(self.index[next]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let mut component = Vec::new();
                while let Some(top) = self.stack.pop() {
                    self.on_stack.remove(top);
                    component.push(top.to_owned());
                    if top == node {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut tarjan = Tarjan {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for node in graph.keys() {
        if !tarjan.index.contains_key(node.as_str()) {
            tarjan.visit(node);
        }
    }
    tarjan.found
}
