//! A broken rule, as every decision function reports it.

use std::fmt;

/// One broken rule: which rule said no, where it is written, and why (in Finnish and English).
///
/// Decision functions return *all* violations at once, never only the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The rule id from `RULES.md`, e.g. `"PROV-DOCS"`; see [`crate::rule_ids`].
    pub rule: &'static str,
    /// The rulebook sections the rule comes from, e.g. `"KTT 1.2, SK 2.3"`.
    pub section: &'static str,
    /// Explanation in Finnish (the county's staff read Finnish).
    pub message_fi: String,
    /// Explanation in English.
    pub message_en: String,
}

impl Violation {
    /// A violation with an explicit section.
    pub fn new(
        rule: &'static str,
        section: &'static str,
        message_fi: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        Self {
            rule,
            section,
            message_fi: message_fi.into(),
            message_en: message_en.into(),
        }
    }

    /// A violation whose section is the rule's default section from [`crate::rule_ids::ALL`].
    pub fn of(
        rule: &'static str,
        message_fi: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        Self::new(rule, crate::rule_ids::section(rule), message_fi, message_en)
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.rule, self.section, self.message_en)
    }
}

/// Whether any of `violations` is for `rule`.
pub fn has_rule(violations: &[Violation], rule: &str) -> bool {
    violations.iter().any(|v| v.rule == rule)
}
