//! The one way a re-run is set against the run before it: findings are matched by a key, and
//! those whose level differs (or that appeared or went) are the changes. Evaluations and reports
//! re-run this way, each keying and showing its own findings.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::analysis::findings::Level;

/// How a finding's level changed between two runs (absent: the finding appeared or went).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FindingChange {
    pub rule: String,
    /// The group, as the finding labels it.
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Level>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Level>,
}

/// The changes between two runs' findings, matched by `key`: `shown` gives a finding's rule,
/// group label and level.
pub fn finding_changes<T, K: Ord>(
    before: &[T],
    after: &[T],
    key: impl Fn(&T) -> K,
    shown: impl Fn(&T) -> (&str, &str, Level),
) -> Vec<FindingChange> {
    level_changes(before, after, key, |f| shown(f).2)
        .into_iter()
        .map(|change| {
            let (rule, label, _) = shown(
                change
                    .after
                    .or(change.before)
                    .expect("a change has a finding"),
            );
            FindingChange {
                rule: rule.to_owned(),
                label: label.to_owned(),
                before: change.before.map(|f| shown(f).2),
                after: change.after.map(|f| shown(f).2),
            }
        })
        .collect()
}

/// One finding whose level differs between two runs: the earlier and the later finding, either
/// absent where the finding appeared or went.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LevelChange<'a, T> {
    pub before: Option<&'a T>,
    pub after: Option<&'a T>,
}

/// The findings whose level differs between `before` and `after`, matched by `key`, in key
/// order.
fn level_changes<'a, T, K: Ord>(
    before: &'a [T],
    after: &'a [T],
    key: impl Fn(&T) -> K,
    level: impl Fn(&T) -> Level,
) -> Vec<LevelChange<'a, T>> {
    let mut matched: BTreeMap<K, LevelChange<'a, T>> = BTreeMap::new();
    for finding in before {
        matched
            .entry(key(finding))
            .or_insert(LevelChange {
                before: None,
                after: None,
            })
            .before = Some(finding);
    }
    for finding in after {
        matched
            .entry(key(finding))
            .or_insert(LevelChange {
                before: None,
                after: None,
            })
            .after = Some(finding);
    }
    matched
        .into_values()
        .filter(|c| c.before.map(&level) != c.after.map(&level))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_appeared_and_gone_findings_are_changes_and_the_same_level_is_not() {
        let before = [("a", Level::Red), ("b", Level::Watch), ("c", Level::Ok)];
        let after = [("d", Level::Watch), ("a", Level::Watch), ("c", Level::Ok)];
        let changes = level_changes(&before, &after, |f| f.0, |f| f.1);
        let seen: Vec<_> = changes
            .iter()
            .map(|c| (c.before.map(|f| f.1), c.after.map(|f| f.1)))
            .collect();
        assert_eq!(
            seen,
            [
                (Some(Level::Red), Some(Level::Watch)),
                (Some(Level::Watch), None),
                (None, Some(Level::Watch)),
            ]
        );
    }
}
