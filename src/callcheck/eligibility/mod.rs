//! Eligibility exclusion: which groups of firms a call's eligibility rules leave out, estimated
//! from a firm population (counts of firms by sector, legal form, size, turnover and place, per
//! group) before the call is published.
//!
//! For each group the analysis compares its share of all firms with its share of the firms the
//! rules leave eligible: the disparity index (DI) is `100 * share_eligible / share_all`, so 100
//! means the rules keep the group's share and 50 that they halve it (below 80 is a "substantial
//! disparity" in disparity studies). It does so for all assessable rules together and for each
//! rule alone, so the check can name the rule that does the excluding.
//!
//! How cells are counted:
//! - A cell is counted by the share of it inside the rules: 1 fully inside, 0 outside, and for a
//!   band partly inside a rule's range (employees 1-9 against "at least 2 employees", turnover
//!   1-5 MSEK against "at least 3 MSEK") the share of the band inside, assuming the firms spread
//!   evenly over it (employees as whole numbers, turnover in whole SEK). A cell partly inside
//!   several rules counts by the product of the shares; rules on the same band (two size rules)
//!   are intersected first, so they are not counted twice.
//! - An open-ended band ("250 or more") partly inside a range cannot be split evenly: it counts
//!   as half inside and the result is marked `approximate`.
//! - Sectors match SNI codes by prefix with dots ignored ("62.010" matches "62" and "620"). A
//!   cell coarser than a rule's code (cell "62", rule "62.01") is partly inside: it is counted
//!   inside (or, for an exclusion, not excluded) and the result is marked `approximate`.
//! - County rules use the cell's county, else the county of its municipality, else the
//!   population's region when that is a county.
//! - A rule is *not assessed*, and left out of the estimate, when some cell does not carry the
//!   fact it tests (the reason says which data would let it be assessed), and always for
//!   co-financing, which firm counts say nothing about.
//!
//! Shares are taken within one dimension set: cells keyed by the same dimensions (say gender, or
//! gender x background) are one tabulation of the population. When cells carry several
//! dimensions, the single-dimension marginals are added too, unless a tabulation by that
//! dimension alone is given. Totals are those of the tabulation with the most firms. Groups are
//! sorted by dimension set (single dimensions first), then by value. `worst` is the group with
//! the lowest DI, leaving out groups whose value is `unknown` (nobody can be reached as
//! "unknown").
//!
//! The population comes from [`PopulationUpload`]: cells given directly, or a JSON-stat 2.0
//! table (as Statistics Sweden exports) with a [`PopulationMapping`]. In both, band strings are
//! inclusive at both ends as statistics tables print them: "1-9", "3000000-9999999", "250-" or
//! "250+" (open-ended), "0"; a band may also be given as `{"from": 3000000, "to": 10000000}`,
//! from inclusive, to exclusive, which is how [`Band`] stores every band.

mod analysis;
mod codes;
mod population;
mod rules;
mod upload;

#[cfg(test)]
mod tests;

pub use analysis::{ExclusionAnalysis, GroupShare, NotAssessed, RuleEffect, analyse};
pub use population::{Band, Population, PopulationCell};
pub use rules::{EligibilityRule, FirmFact};
pub use upload::{BandInput, CellInput, MappedFact, PopulationMapping, PopulationUpload};
