//! The tracked edits of a draft: a line diff between two versions (longest common subsequence),
//! bounded so that a huge draft never costs more than `MAX_CELLS` comparisons (beyond, the whole
//! old text is shown deleted and the new one inserted — still correct, just coarser).

/// One line of the comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    Same(String),
    Deleted(String),
    Inserted(String),
}

/// Largest table the comparison builds (lines × lines).
pub const MAX_CELLS: usize = 4_000_000;

pub fn lines(old: &str, new: &str) -> Vec<Edit> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    if a.len().saturating_mul(b.len()) > MAX_CELLS {
        return a
            .iter()
            .map(|l| Edit::Deleted((*l).to_owned()))
            .chain(b.iter().map(|l| Edit::Inserted((*l).to_owned())))
            .collect();
    }
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
    let w = b.len() + 1;
    let mut lcs = vec![0u32; (a.len() + 1) * w];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i * w + j] = if a[i] == b[j] {
                lcs[(i + 1) * w + j + 1] + 1
            } else {
                lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::with_capacity(a.len() + b.len()));
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push(Edit::Same(a[i].to_owned()));
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i * w + j + 1] >= lcs[(i + 1) * w + j]) {
            out.push(Edit::Inserted(b[j].to_owned()));
            j += 1;
        } else {
            out.push(Edit::Deleted(a[i].to_owned()));
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_changed_line_is_deleted_and_inserted() {
        let d = lines(
            "Điều 1.\nĐiều 2 cũ.\nĐiều 3.",
            "Điều 1.\nĐiều 2 mới.\nĐiều 3.",
        );
        assert_eq!(
            d,
            vec![
                Edit::Same("Điều 1.".into()),
                Edit::Inserted("Điều 2 mới.".into()),
                Edit::Deleted("Điều 2 cũ.".into()),
                Edit::Same("Điều 3.".into()),
            ]
        );
    }

    proptest! {
        /// Replaying the edits gives back both versions.
        #[test]
        fn edits_rebuild_both_texts(a in proptest::collection::vec("[abc]{0,2}", 0..12), b in proptest::collection::vec("[abc]{0,2}", 0..12)) {
            let (old, new) = (a.join("\n"), b.join("\n"));
            let d = lines(&old, &new);
            let back_old: Vec<&str> = d.iter().filter_map(|e| match e { Edit::Same(s) | Edit::Deleted(s) => Some(s.as_str()), _ => None }).collect();
            let back_new: Vec<&str> = d.iter().filter_map(|e| match e { Edit::Same(s) | Edit::Inserted(s) => Some(s.as_str()), _ => None }).collect();
            prop_assert_eq!(back_old, old.lines().collect::<Vec<_>>());
            prop_assert_eq!(back_new, new.lines().collect::<Vec<_>>());
        }
    }
}
