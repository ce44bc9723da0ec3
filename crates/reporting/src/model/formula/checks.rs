//! Checks over a whole catalogue of formulas: each parses, and none uses itself.

use std::collections::BTreeMap;

use super::{Formula, FormulaError};

/// Parse the formulas of a catalogue, `(indicator code, formula)`; blank formulas (indicators
/// that are reported, not derived) are skipped. The first formula refused is returned with its
/// indicator code.
pub fn parse_catalogue(
    defs: impl IntoIterator<Item = (String, String)>,
) -> Result<BTreeMap<String, Formula>, (String, FormulaError)> {
    let mut out = BTreeMap::new();
    for (code, src) in defs {
        if src.trim().is_empty() {
            continue;
        }
        match Formula::parse(&src) {
            Ok(f) => {
                out.insert(code, f);
            }
            Err(e) => return Err((code, e)),
        }
    }
    Ok(out)
}

/// Order derived indicators so that each comes after the derived indicators its formula uses
/// (codes absent from `defs` are reported indicators and impose no order). A formula that uses
/// itself, in any period, or a loop `A → B → … → A` is refused with the loop as a path that
/// starts and ends with the same code (`["A", "B", "A"]`).
pub fn check_cycles(defs: &BTreeMap<String, Formula>) -> Result<Vec<String>, Vec<String>> {
    // The derived indicators each definition uses, in code order.
    let deps: BTreeMap<&str, Vec<&str>> = defs
        .iter()
        .map(|(code, f)| {
            let used = f
                .references()
                .iter()
                .filter_map(|r| defs.get_key_value(r).map(|(k, _)| k.as_str()))
                .collect();
            (code.as_str(), used)
        })
        .collect();
    // Absent: not visited; false: on the current path; true: done.
    let mut done: BTreeMap<&str, bool> = BTreeMap::new();
    let mut order = Vec::with_capacity(defs.len());
    for &root in deps.keys() {
        if done.contains_key(root) {
            continue;
        }
        done.insert(root, false);
        let mut stack: Vec<(&str, usize)> = vec![(root, 0)];
        while let Some(&(code, i)) = stack.last() {
            let Some(&next) = deps[code].get(i) else {
                done.insert(code, true);
                order.push(code.to_owned());
                stack.pop();
                continue;
            };
            if let Some(top) = stack.last_mut() {
                top.1 += 1;
            }
            match done.get(next) {
                Some(true) => {}
                Some(false) => {
                    let start = stack.iter().position(|(c, _)| *c == next).unwrap_or(0);
                    let mut path: Vec<String> = stack[start..]
                        .iter()
                        .map(|(c, _)| (*c).to_owned())
                        .collect();
                    path.push(next.to_owned());
                    return Err(path);
                }
                None => {
                    done.insert(next, false);
                    stack.push((next, 0));
                }
            }
        }
    }
    Ok(order)
}
