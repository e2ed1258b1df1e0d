//! Q306957 — XADM: Mail Sent to Exchange Server with CDONTS ASP Not Delivered.

use super::{CheckInfo, CheckResult, Rule, Views};

pub struct Q306957;

pub static RULE: Q306957 = Q306957;

const CHECKS: &[CheckInfo] = &[];

impl Rule for Q306957 {
    fn article(&self) -> &'static str {
        "Q306957"
    }
    fn title(&self) -> &'static str {
        "XADM: Mail Sent to Exchange Server with CDONTS ASP Not Delivered"
    }
    fn checks(&self) -> &'static [CheckInfo] {
        CHECKS
    }
    fn evaluate(&self, views: &Views) -> Vec<CheckResult> {
        let _ = views;
        Vec::new()
    }
}
