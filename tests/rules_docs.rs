//! Every rule and check is documented, in the layout `rules show` relies on,
//! and `hivetriage rules` / `rules show` print that documentation.

mod common;

use hivetriage::rules::{self, Rule};
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

/// The parts every check's section must have, each a bold lead-in followed
/// by text.
const CHECK_PARTS: [&str; 4] = ["What it checks.", "Why it matters.", "Evidence.", "Fix."];

/// A heading or a bold lead-in with the text that follows it, in order.
#[derive(Debug)]
enum Block {
    Heading(HeadingLevel, String),
    LeadIn(String, String),
}

/// Reads the documentation into headings and bold lead-ins (with the text
/// of the paragraph after each), and collects raw HTML, which the
/// documentation must not have (rustdoc and viewers would swallow it).
fn blocks(markdown: &str) -> (Vec<Block>, Vec<String>) {
    let mut blocks = Vec::new();
    let mut html = Vec::new();
    let mut heading: Option<(HeadingLevel, String)> = None;
    let mut strong: Option<String> = None;
    let mut after_strong: Option<(String, String)> = None;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => heading = Some((level, String::new())),
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, text)) = heading.take() {
                    blocks.push(Block::Heading(level, text));
                }
            }
            Event::Start(Tag::Strong) => {
                if let Some((label, text)) = after_strong.take() {
                    blocks.push(Block::LeadIn(label, text));
                }
                strong = Some(String::new());
            }
            Event::End(TagEnd::Strong) => {
                after_strong = strong.take().map(|label| (label, String::new()));
            }
            Event::End(TagEnd::Paragraph) => {
                if let Some((label, text)) = after_strong.take() {
                    blocks.push(Block::LeadIn(label, text));
                }
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some((_, heading_text)) = &mut heading {
                    heading_text.push_str(&text);
                } else if let Some(label) = &mut strong {
                    label.push_str(&text);
                } else if let Some((_, following)) = &mut after_strong {
                    following.push_str(&text);
                }
            }
            Event::SoftBreak => {
                if let Some((_, following)) = &mut after_strong {
                    following.push(' ');
                }
            }
            Event::Html(raw) | Event::InlineHtml(raw) => html.push(raw.to_string()),
            _ => {}
        }
    }
    (blocks, html)
}

fn check_documentation_is_complete(rule: &dyn Rule) {
    let doc = rule.documentation();
    let (blocks, html) = blocks(doc);
    assert!(
        html.is_empty(),
        "{}: raw HTML in the documentation: {html:?}",
        rule.article()
    );

    let Some(Block::Heading(HeadingLevel::H1, headline)) = blocks.first() else {
        panic!(
            "{}: the documentation must start with a # headline",
            rule.article()
        );
    };
    assert_eq!(
        headline,
        &format!("{}: {}", rule.article(), rule.title()),
        "the headline names the article and its title"
    );
    for section in ["Applies to", "Why it matters", "Checks"] {
        assert!(
            blocks
                .iter()
                .any(|b| matches!(b, Block::Heading(HeadingLevel::H2, t) if t == section)),
            "{}: no '## {section}' section",
            rule.article()
        );
    }

    // Every check has its section with each part, and every check section
    // belongs to a check that exists (a renamed check leaves no stale doc).
    let check_ids: Vec<&str> = rule.checks().iter().map(|c| c.id).collect();
    let mut documented = Vec::new();
    let mut current: Option<(&str, Vec<&str>)> = None;
    let finish = |current: &mut Option<(&str, Vec<&str>)>| {
        if let Some((id, parts)) = current.take() {
            for part in CHECK_PARTS {
                assert!(
                    parts.contains(&part),
                    "{id}: the documentation lacks a **{part}** paragraph with text"
                );
            }
        }
    };
    for block in &blocks {
        match block {
            Block::Heading(HeadingLevel::H3, id) => {
                finish(&mut current);
                assert!(
                    check_ids.contains(&id.as_str()),
                    "{}: a section for '{id}', which is not one of its checks {check_ids:?}",
                    rule.article()
                );
                documented.push(id.clone());
                let id = check_ids.iter().find(|c| **c == id.as_str()).unwrap();
                current = Some((id, Vec::new()));
            }
            Block::Heading(..) => finish(&mut current),
            Block::LeadIn(label, text) => {
                if let Some((id, parts)) = &mut current {
                    assert!(
                        text.trim().len() >= 20,
                        "{id}: **{label}** is followed by too little text: {text:?}"
                    );
                    if let Some(part) = CHECK_PARTS.iter().find(|p| **p == label.as_str()) {
                        parts.push(part);
                    }
                }
            }
        }
    }
    finish(&mut current);
    for check in rule.checks() {
        assert_eq!(
            documented.iter().filter(|d| *d == check.id).count(),
            1,
            "{}: exactly one '### {}' section",
            rule.article(),
            check.id
        );
        assert!(!check.title.trim().is_empty(), "{}: no title", check.id);
        assert!(!check.needs.trim().is_empty(), "{}: no needs", check.id);
        let section = rules::check_documentation(doc, check.id).expect("section found");
        assert!(section.contains("**Fix.**"), "{section}");
    }
}

#[test]
fn every_rule_and_check_is_documented() {
    let all = rules::all();
    assert!(!all.is_empty());
    for rule in all {
        check_documentation_is_complete(rule);
    }
}

#[test]
fn an_incomplete_documentation_is_caught() {
    // The checker itself must fail on the gaps it exists to find.
    struct Undocumented(&'static str);
    impl Rule for Undocumented {
        fn article(&self) -> &'static str {
            "Q306957"
        }
        fn title(&self) -> &'static str {
            rules::find_rule("Q306957").unwrap().title()
        }
        fn checks(&self) -> &'static [rules::CheckInfo] {
            rules::find_rule("Q306957").unwrap().checks()
        }
        fn documentation(&self) -> &'static str {
            self.0
        }
        fn collection(&self) -> &'static rules::CollectionNeeds {
            rules::find_rule("Q306957").unwrap().collection()
        }
        fn evaluate(&self, _: &rules::Views) -> Vec<rules::CheckResult> {
            Vec::new()
        }
        fn version(&self) -> &'static str {
            "0"
        }
    }
    let full = rules::find_rule("Q306957").unwrap().documentation();
    let without_a_fix: &'static str = Box::leak(
        full.replacen("**Fix.** Without the service", "Without the service", 1)
            .into_boxed_str(),
    );
    let without_a_check: &'static str = Box::leak(
        full.replacen("### Q306957.imc-rootdir", "### Q306957.imc-root-dir", 1)
            .into_boxed_str(),
    );
    for broken in [without_a_fix, without_a_check, "# Q306957: x\n"] {
        let caught =
            std::panic::catch_unwind(|| check_documentation_is_complete(&Undocumented(broken)));
        assert!(caught.is_err(), "not caught: {broken}");
    }
}

fn hivetriage(args: &[&str]) -> (i32, String, String) {
    common::hivetriage(args).run()
}

#[test]
fn rules_show_prints_the_module_documentation() {
    let (status, stdout, _) = hivetriage(&["rules", "show", "q306957"]);
    assert_eq!(status, 0);
    assert_eq!(stdout, rules::find_rule("Q306957").unwrap().documentation());
    insta::assert_snapshot!("rules_show_Q306957", stdout);

    let (status, stdout, _) = hivetriage(&["rules", "show", "Q306957.pickup-acl"]);
    assert_eq!(status, 0);
    assert!(stdout.starts_with("### Q306957.pickup-acl\n"), "{stdout}");
    assert!(
        stdout.contains("**Needs from a bundle.** an ACL snapshot"),
        "{stdout}"
    );
    assert!(!stdout.contains("### Q306957.imc-rootdir"), "{stdout}");
    insta::assert_snapshot!("rules_show_pickup_acl", stdout);
}

#[test]
fn rules_lists_every_check_with_article_title_and_needs() {
    let (status, stdout, _) = hivetriage(&["rules"]);
    assert_eq!(status, 0);
    for rule in rules::all() {
        assert!(stdout.contains(rule.title()), "{stdout}");
        for check in rule.checks() {
            assert!(stdout.contains(check.id), "{stdout}");
        }
    }
    insta::assert_snapshot!("rules_list", stdout);

    let (status, json, _) = hivetriage(&["rules", "list", "--format", "json"]);
    assert_eq!(status, 0);
    let listing: serde_json::Value = serde_json::from_str(&json).unwrap();
    let ids: Vec<&str> = listing[0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "Q306957.active-messaging",
            "Q306957.imc-rootdir",
            "Q306957.pickup-acl"
        ]
    );
    assert_eq!(listing[0]["article"], "Q306957");
}

#[test]
fn an_unknown_id_is_bad_usage_naming_the_known_ones() {
    let (status, stdout, stderr) = hivetriage(&["rules", "show", "Q999999"]);
    assert_eq!(status, 2);
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("Q999999") && stderr.contains("Q306957.pickup-acl"),
        "{stderr}"
    );
}
