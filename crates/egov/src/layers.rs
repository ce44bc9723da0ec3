//! The module structure of every crate, checked (docs/architecture.md, "Crate skeleton").
//!
//! Reads each crate's `src/` as text and follows its `crate::` and `super::` paths. Fails when
//! - two sibling modules depend on each other, directly or through others (an import cycle);
//! - a file below `lib.rs` uses an item defined (or re-exported) in `lib.rs`: the crate root is the
//!   crate's face for other crates, not a shared drawer for its own modules;
//! - in a crate with the capability skeleton (a `model/` directory), a module depends on a higher
//!   layer: `model` → nothing else, `store` → `model`, `engine`, `query` and the adapters → `store`
//!   and `model`, `http` (and the demo) → anything.
//!
//! A plain test rather than `cargo modules` (not installable offline here, and slow to build): it
//! runs with the unit tests of the binary, in `scripts/test` and CI.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

type ModPath = Vec<String>;

struct Crate {
    name: String,
    /// Module path → source text (comments and strings blanked).
    modules: BTreeMap<ModPath, String>,
    /// Items the crate root defines or re-exports (not modules).
    root_items: BTreeSet<String>,
}

fn module_path(src: &Path, file: &Path) -> ModPath {
    let rel = file.strip_prefix(src).unwrap_or(file);
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap_or_default();
    match last.as_str() {
        "lib.rs" | "main.rs" | "mod.rs" => {}
        other => parts.push(other.trim_end_matches(".rs").to_owned()),
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Blank out comments, string and char literals so that paths in them are not read as code.
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
        } else if b[i] == b'r' && matches!(b.get(i + 1), Some(b'"' | b'#')) && !ident_before(b, i) {
            // A raw string r"…" or r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&b'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&b'"') {
                out.push('r');
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == b'"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&b'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if b[i] == b'\''
            && b.get(i + 2) == Some(&b'\'')
            && b.get(i + 1).is_some_and(|c| *c != b'\\')
        {
            // 'x' (a lifetime 'a has no closing quote two bytes on).
            i += 3;
            out.push_str("' '");
        } else {
            let ch = text[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// The code without its inline `#[cfg(test)] mod name { … }` blocks.
fn without_test_modules(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(i) = rest.find("#[cfg(test)]") {
        let after = rest[i + "#[cfg(test)]".len()..].trim_start();
        let is_mod = after.starts_with("mod ") || after.starts_with("pub(crate) mod ");
        let brace = after.find('{');
        let semi = after.find(';');
        match (is_mod, brace) {
            (true, Some(b)) if semi.is_none_or(|s| s > b) => {
                out.push_str(&rest[..i]);
                let start = rest.len() - after.len() + b;
                let mut depth = 0usize;
                let mut end = rest.len();
                for (k, c) in rest[start..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = start + k + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                rest = &rest[end..];
            }
            _ => {
                out.push_str(&rest[..i + "#[cfg(test)]".len()]);
                rest = &rest[i + "#[cfg(test)]".len()..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn ident_before(b: &[u8], i: usize) -> bool {
    i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')
}

fn ident_at(s: &str) -> Option<&str> {
    let end = s
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
        .map_or(s.len(), |(i, _)| i);
    (end > 0).then(|| &s[..end])
}

/// The paths of a `use` tree or an expression path after `crate::`/`super::`:
/// `a::b::{c, d::e}` → [a,b,c], [a,b,d,e].
fn paths_after(s: &str) -> Vec<Vec<String>> {
    fn walk(s: &str, prefix: &[String], out: &mut Vec<Vec<String>>) -> usize {
        let mut path = prefix.to_vec();
        let mut i = 0;
        loop {
            let rest = &s[i..];
            let trimmed = rest.trim_start();
            i += rest.len() - trimmed.len();
            if let Some(inner) = trimmed.strip_prefix('{') {
                i += 1;
                let mut consumed = 0;
                loop {
                    let part = &inner[consumed..];
                    let t = part.trim_start();
                    consumed += part.len() - t.len();
                    if t.starts_with('}') {
                        consumed += 1;
                        break;
                    }
                    if t.is_empty() {
                        break;
                    }
                    consumed += walk(&inner[consumed..], &path, out);
                    let t = inner[consumed..].trim_start();
                    let skipped = inner[consumed..].len() - t.len();
                    consumed += skipped;
                    if t.starts_with(',') {
                        consumed += 1;
                    }
                }
                return i + consumed;
            }
            match ident_at(trimmed) {
                Some(id) => {
                    path.push(id.to_owned());
                    i += id.len();
                    if s[i..].starts_with("::") {
                        i += 2;
                        continue;
                    }
                    out.push(path);
                    return i;
                }
                None => {
                    if !path.is_empty() && path.len() > prefix.len() {
                        out.push(path);
                    }
                    return i;
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(s, &[], &mut out);
    out
}

fn read_crate(dir: &Path) -> Crate {
    let src = dir.join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut modules = BTreeMap::new();
    for f in files {
        // Unit-test modules (`tests.rs`, `#[cfg(test)] mod … { }`) are not part of the built crate:
        // a test may reach across layers to set up what it checks.
        if f.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let text = fs::read_to_string(&f).unwrap_or_default();
        modules.insert(
            module_path(&src, &f),
            without_test_modules(&code_only(&text)),
        );
    }
    let mut root_items = BTreeSet::new();
    if let Some(root) = modules.get(&Vec::new()) {
        for line in root.lines() {
            // Top-level items only: no indentation.
            let l = line
                .trim_start_matches("pub(crate) ")
                .trim_start_matches("pub ");
            for kw in [
                "fn ",
                "async fn ",
                "struct ",
                "enum ",
                "const ",
                "static ",
                "type ",
                "trait ",
            ] {
                if let Some(rest) = l.strip_prefix(kw)
                    && let Some(id) = ident_at(rest)
                {
                    root_items.insert(id.to_owned());
                }
            }
            if let Some(rest) = l.strip_prefix("use ")
                && line.starts_with("pub")
            {
                for p in paths_after(rest) {
                    if let Some(last) = p.last() {
                        root_items.insert(last.clone());
                    }
                }
            }
        }
    }
    Crate {
        name: dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        modules,
        root_items,
    }
}

/// The longest known module path that prefixes `p`.
fn resolve(modules: &BTreeMap<ModPath, String>, p: &[String]) -> ModPath {
    (0..=p.len())
        .rev()
        .map(|n| p[..n].to_vec())
        .find(|m| modules.contains_key(m))
        .unwrap_or_default()
}

/// Every dependency of a module on another, by the module paths named in its code.
fn references(c: &Crate, from: &ModPath, code: &str) -> Vec<(ModPath, Vec<String>)> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::").or_else(|| rest.find("super::")) {
        // Whichever comes first.
        let (at, is_crate) = match (rest.find("crate::"), rest.find("super::")) {
            (Some(a), Some(b)) if b < a => (b, false),
            (Some(a), _) => (a, true),
            (None, Some(b)) => (b, false),
            (None, None) => (i, true),
        };
        let before_ok = at == 0 || !ident_before(rest.as_bytes(), at);
        let (base, tail_start) = if is_crate {
            (Vec::new(), at + "crate::".len())
        } else {
            // super::super::x
            let mut base = from.clone();
            let mut j = at;
            while rest[j..].starts_with("super::") {
                base.pop();
                j += "super::".len();
            }
            (base, j)
        };
        if before_ok {
            for p in paths_after(&rest[tail_start..]) {
                let mut full = base.clone();
                full.extend(p);
                out.push((resolve(&c.modules, &full), full));
            }
        }
        rest = &rest[tail_start..];
    }
    out
}

fn is_prefix(a: &[String], b: &[String]) -> bool {
    a.len() <= b.len() && a == &b[..a.len()]
}

/// The layer of a top-level module of a skeleton crate (higher may use lower and equal).
fn layer(top: &str) -> u8 {
    match top {
        "model" => 0,
        "store" => 1,
        "http" | "demo" => 3,
        _ => 2,
    }
}

fn problems(c: &Crate) -> Vec<String> {
    let mut problems = Vec::new();
    let skeleton = c.modules.contains_key(&vec!["model".to_owned()]);
    // parent module → sibling graph among its children.
    let mut graphs: BTreeMap<ModPath, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for (from, code) in &c.modules {
        for (to, named) in references(c, from, code) {
            if !from.is_empty()
                && to.is_empty()
                && named.len() == 1
                && c.root_items.contains(&named[0])
            {
                problems.push(format!(
                    "{}: {} uses crate::{} from the crate root",
                    c.name,
                    from.join("::"),
                    named[0]
                ));
            }
            if is_prefix(&to, from) || is_prefix(from, &to) {
                continue;
            }
            let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
            let (x, y) = (from[common].clone(), to[common].clone());
            if skeleton && common == 0 && layer(&x) < layer(&y) {
                problems.push(format!(
                    "{}: {} (layer {}) uses {} (layer {}): a lower layer depends on a higher one",
                    c.name,
                    from.join("::"),
                    layer(&x),
                    to.join("::"),
                    layer(&y)
                ));
            }
            graphs
                .entry(from[..common].to_vec())
                .or_default()
                .entry(x)
                .or_default()
                .insert(y);
        }
    }
    for (parent, graph) in &graphs {
        if let Some(cycle) = find_cycle(graph) {
            let at = if parent.is_empty() {
                "crate".to_owned()
            } else {
                parent.join("::")
            };
            problems.push(format!(
                "{}: import cycle in {at}: {}",
                c.name,
                cycle.join(" → ")
            ));
        }
    }
    problems
}

fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_owned(), 1);
        stack.push(n.to_owned());
        for m in graph.get(n).into_iter().flatten() {
            match state.get(m.as_str()) {
                Some(1) => {
                    let start = stack.iter().position(|s| s == m).unwrap_or(0);
                    let mut cycle = stack[start..].to_vec();
                    cycle.push(m.clone());
                    return Some(cycle);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(m, graph, state, stack) {
                        return Some(c);
                    }
                }
            }
        }
        stack.pop();
        state.insert(n.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in graph.keys() {
        if !state.contains_key(n.as_str()) {
            let mut stack = Vec::new();
            if let Some(c) = visit(n, graph, &mut state, &mut stack) {
                return Some(c);
            }
        }
    }
    None
}

fn workspace_crates() -> Vec<PathBuf> {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut dirs: Vec<PathBuf> = fs::read_dir(&crates)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.join("src").is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

#[test]
fn every_crate_is_layered_without_cycles() {
    let crates = workspace_crates();
    assert!(crates.len() >= 4, "found {crates:?}");
    let found: Vec<String> = crates
        .iter()
        .flat_map(|d| problems(&read_crate(d)))
        .collect();
    assert!(found.is_empty(), "\n{}", found.join("\n"));
}

#[cfg(test)]
mod checks {
    use super::*;

    fn krate(files: &[(&str, &str)]) -> Crate {
        let modules: BTreeMap<ModPath, String> = files
            .iter()
            .map(|(p, t)| {
                (
                    module_path(Path::new("src"), &Path::new("src").join(p)),
                    code_only(t),
                )
            })
            .collect();
        let mut c = Crate {
            name: "t".into(),
            modules,
            root_items: BTreeSet::new(),
        };
        c.root_items.insert("helper".into());
        c
    }

    #[test]
    fn use_trees_are_read_as_paths() {
        assert_eq!(
            paths_after("a::b::{c, d::{e, f}}, g;"),
            vec![
                vec!["a", "b", "c"],
                vec!["a", "b", "d", "e"],
                vec!["a", "b", "d", "f"]
            ]
        );
        assert_eq!(paths_after("x::Y::new()"), vec![vec!["x", "Y", "new"]]);
    }

    #[test]
    fn a_cycle_between_siblings_is_found() {
        let c = krate(&[
            ("lib.rs", "mod a; mod b;"),
            ("a.rs", "use crate::b::f;"),
            ("b.rs", "fn g() { super::a::h() }"),
        ]);
        let p = problems(&c);
        assert!(p.iter().any(|p| p.contains("import cycle")), "{p:?}");
    }

    #[test]
    fn parent_and_child_may_use_each_other_and_comments_do_not_count() {
        let c = krate(&[
            ("lib.rs", "mod a; mod b;"),
            ("a/mod.rs", "mod x; pub use x::f; // crate::b::z"),
            ("a/x.rs", "use super::T; use crate::b::g;"),
            ("b.rs", "const S: &str = \"crate::a::f\";"),
        ]);
        assert_eq!(problems(&c), Vec::<String>::new());
    }

    #[test]
    fn test_modules_do_not_count() {
        let c = krate(&[
            ("lib.rs", "mod a; mod b;"),
            ("a.rs", "use crate::b::f;"),
            (
                "b.rs",
                "fn g() {}\n#[cfg(test)]\nmod tests { use crate::a::x; fn t() { if true { } } }",
            ),
        ]);
        let mut c = c;
        c.modules = c
            .modules
            .into_iter()
            .map(|(k, v)| (k, without_test_modules(&v)))
            .collect();
        assert_eq!(problems(&c), Vec::<String>::new());
    }

    #[test]
    fn root_items_and_upward_layers_are_refused() {
        let c = krate(&[
            ("lib.rs", "mod model; mod http; fn helper() {}"),
            ("model/mod.rs", "use crate::http::Page;"),
            ("http.rs", "fn h() { crate::helper() }"),
        ]);
        let p = problems(&c);
        assert!(p.iter().any(|p| p.contains("from the crate root")), "{p:?}");
        assert!(p.iter().any(|p| p.contains("lower layer")), "{p:?}");
    }
}
