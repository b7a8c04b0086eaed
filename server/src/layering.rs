//! The layering of the crate's top-level modules, checked by reading their
//! source: every `crate::…` path names the module it depends on, and the
//! graph of those edges must have no cycle and none of the paths listed in
//! [`FORBIDDEN`]. Shared pieces move down (`state`, `retry`, `config`)
//! instead of being reached through the module that happened to hold them.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::Path,
};

/// Import paths that must not exist, directly or through other modules.
const FORBIDDEN: &[(&str, &str, &str)] = &[
    ("ingest", "api", "ingest must not wait on the dashboard API"),
    ("ingest", "startup", "handlers reach the state through `state`, not the builder"),
    ("mail", "alerts", "mail is used by alerts, never the other way"),
    ("config", "mail", "config is parsed below every subsystem"),
    ("config", "alerts", "config is parsed below every subsystem"),
    ("state", "api", "the state is below the routes that use it"),
    ("retry", "alerts", "retry timing is shared, not the outbox's"),
];

/// Returns each top-level module's dependencies on the others.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).expect("src is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(&src).expect("under src");
            let first = relative.components().next().expect("a path").as_os_str().to_string_lossy();
            let module = first.trim_end_matches(".rs").to_string();
            // This file's own test fixtures name modules it does not use.
            if module == "lib" || module == "main" || module == "layering" {
                continue;
            }
            let text = fs::read_to_string(&path).expect("a readable source file");
            let used = edges.entry(module.clone()).or_default();
            used.extend(dependencies(&text).into_iter().filter(|m| *m != module && m != "self"));
        }
    }
    edges
}

/// Returns the top-level modules named by `crate::…` paths in `source`,
/// grouped imports (`use crate::{a::b, c}`) included; comments are skipped.
fn dependencies(source: &str) -> BTreeSet<String> {
    let code: String = source.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
    let mut found = BTreeSet::new();
    let ident = |s: &str| s.trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        let Some(group) = rest.strip_prefix('{') else {
            found.insert(ident(rest));
            continue;
        };
        // The top-level items of the group, split at commas outside nested braces.
        let (mut depth, mut item) = (0usize, String::new());
        for c in group.chars() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    found.insert(ident(&item));
                    item.clear();
                    continue;
                }
                _ => {}
            }
            item.push(c);
        }
        found.insert(ident(&item));
    }
    found.remove("");
    found
}

/// Returns every module reachable from `from`, with the path that reaches it.
fn reachable(edges: &BTreeMap<String, BTreeSet<String>>, from: &str) -> BTreeMap<String, Vec<String>> {
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut queue = vec![vec![from.to_string()]];
    while let Some(path) = queue.pop() {
        let last = path.last().expect("a path is never empty");
        for next in edges.get(last).into_iter().flatten() {
            if !seen.contains_key(next) {
                let mut longer = path.clone();
                longer.push(next.clone());
                seen.insert(next.clone(), longer.clone());
                queue.push(longer);
            }
        }
    }
    seen
}

#[test]
fn the_parser_finds_plain_and_grouped_imports() {
    let source =
        "use crate::{\n    api::{a, b},\n    startup::AppState, // crate::ignored\n};\nfn f() { crate::mail::send() }";
    let found: Vec<String> = dependencies(source).into_iter().collect();
    assert_eq!(found, ["api", "mail", "startup"]);
}

#[test]
fn no_forbidden_import_path_exists() {
    let edges = graph();
    assert!(edges.contains_key("ingest") && edges.contains_key("api"), "the source tree was read: {edges:?}");
    for (from, to, why) in FORBIDDEN {
        if let Some(path) = reachable(&edges, from).get(*to) {
            panic!("{from} reaches {to} through {}: {why}", path.join(" -> "));
        }
    }
}

#[test]
fn the_top_level_modules_have_no_import_cycle() {
    let edges = graph();
    for module in edges.keys() {
        if let Some(path) = reachable(&edges, module).get(module) {
            panic!("import cycle: {}", path.join(" -> "));
        }
    }
}
