//! Who may read national aggregates: the decision, without HTTP (the refusal is mapped to the
//! error envelope in `http::access`).

use platform::identity::access::{Permission, Target};
use platform::web::Principal;

use super::indicator::Indicator;

/// May `principal` read national aggregates of `ind`? Public indicators' national totals are
/// open data. Those of internal indicators are for officials holding a grant of national scope
/// (any role: every role may view data): a province's or a ministry's officials read their own
/// units' and reports' figures, not the whole country's.
pub fn may_view_national(principal: Option<&Principal>, ind: &Indicator) -> bool {
    ind.is_public
        || principal.is_some_and(|p| {
            p.is_complete() && p.allowed(Permission::ViewData, &Target::national())
        })
}

/// The codes of the indicators in `indicators` whose national aggregates `principal` may not
/// read, in their order (empty: every one may be read).
pub fn hidden_national<'a>(
    principal: Option<&Principal>,
    indicators: &'a [Indicator],
) -> Vec<&'a str> {
    indicators
        .iter()
        .filter(|i| !may_view_national(principal, i))
        .map(|i| i.code.as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_indicators_are_hidden_from_an_anonymous_reader() {
        let all = [
            Indicator {
                code: "OPEN".into(),
                is_public: true,
                ..Default::default()
            },
            Indicator {
                code: "INTERNAL".into(),
                is_public: false,
                ..Default::default()
            },
        ];
        assert_eq!(hidden_national(None, &all), ["INTERNAL"]);
        assert!(hidden_national(None, &all[..1]).is_empty());
    }
}
