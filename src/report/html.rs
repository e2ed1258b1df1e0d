//! The `html` format: one self-contained page for one bundle or a batch, to
//! mail as an attachment or leave on a share. Its style and script are
//! inline (`html/page.css`, `html/page.js`), and a Content-Security-Policy
//! allows those two by their SHA-256 and nothing else (`default-src
//! 'none'`), so the page loads nothing and sends nothing anywhere.
//!
//! It streams like `jsonl`: [`HtmlPage::start`] writes the head, the run's
//! details and the table's header; [`HtmlPage::add`] writes each bundle's
//! row, and its whole report as inline JSON (`<script
//! type="application/json">`, never run) that the script turns into the
//! bundle's details only when they are opened; [`HtmlPage::finish`] writes
//! the summary, whose totals are known only then, and the script. So the
//! writer keeps only counters, never a report, and the page is about the
//! size of the JSON Lines plus one table row per bundle. The summary comes
//! after the table in the file; the stylesheet shows it above the table
//! (flexbox `order`), so it is on top with scripts off too. With scripts
//! on, the rows are put in input order (they are written in completion
//! order), can be sorted and filtered, and the counts and the chart follow
//! the filter.
//!
//! Everything from a bundle is escaped: as HTML text in the rows, and in
//! the inline JSON every `<` is written `\u003c`, so no bundle data can end
//! its script element. The script builds the details with DOM calls
//! (`textContent`), never by parsing HTML. Control characters, and the
//! bidirectional controls that could make a name read as another, are
//! shown as visible symbols, the same way by this module and the script.

use super::BundleReport;
use super::fix_files::{FixFiles, fix_files};
use super::remediation::AclTool;
use crate::registry::windows_version::WindowsVersion;
use crate::rules::{self, CheckResult, Verdict};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::{self, Write};
use std::time::{SystemTime, UNIX_EPOCH};

const STYLE: &str = include_str!("html/page.css");
const SCRIPT: &str = include_str!("html/page.js");
/// Run as the head is read: marks the page as scripted before any row is
/// laid out, so the stylesheet can keep the written rows out of layout
/// (the main script shows them a page at a time).
const HEAD_SCRIPT: &str = "document.documentElement.className = \"js\";";

/// What the page says about the run that made it.
#[derive(Clone, Debug)]
pub struct RunInfo {
    pub generated_at: SystemTime,
    /// hivetriage's version.
    pub tool_version: String,
    pub rules: Vec<RuleInfo>,
    /// The inputs as given on the command line.
    pub inputs: Vec<String>,
    /// The options in effect, as (flag, value).
    pub options: Vec<(String, String)>,
}

/// One rule the run evaluated.
#[derive(Clone, Debug)]
pub struct RuleInfo {
    pub article: String,
    pub title: String,
    /// The rule's own version (`Rule::version`): it changes when what its
    /// checks decide changes.
    pub version: Option<String>,
}

impl RunInfo {
    /// The run now, with this build's version and every rule.
    pub fn new(inputs: Vec<String>, options: Vec<(String, String)>) -> RunInfo {
        RunInfo {
            generated_at: SystemTime::now(),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            rules: rules::all()
                .into_iter()
                .map(|rule| RuleInfo {
                    article: rule.article().to_string(),
                    title: rule.title().to_string(),
                    version: Some(rule.version().to_string()),
                })
                .collect(),
            inputs,
            options,
        }
    }
}

/// Verdicts in the order the page counts them: what needs attention first.
const VERDICTS: [Verdict; 5] = [
    Verdict::Fail,
    Verdict::Unknown,
    Verdict::Error,
    Verdict::Pass,
    Verdict::NotApplicable,
];

fn verdict_index(verdict: Verdict) -> usize {
    VERDICTS
        .iter()
        .position(|v| *v == verdict)
        .expect("every verdict is listed")
}

/// A verdict as people read it.
fn verdict_words(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::NotApplicable => "not applicable",
        other => other.as_str(),
    }
}

/// A page being written: what the summary at the end needs, and nothing
/// of the reports themselves.
#[derive(Debug)]
pub struct HtmlPage {
    /// The check columns, from the rules.
    checks: Vec<String>,
    bundles: usize,
    by_verdict: [usize; 5],
    /// Per check column: bundles failing it, bundles where it is unknown.
    per_check: Vec<[usize; 2]>,
}

impl HtmlPage {
    /// Writes the page's head, the run's details and the table's header.
    pub fn start(out: &mut dyn Write, run: &RunInfo) -> io::Result<HtmlPage> {
        let checks: Vec<String> = rules::all()
            .into_iter()
            .flat_map(|rule| rule.checks().iter().map(|check| check.id.to_string()))
            .collect();
        let generated = utc_text(run.generated_at);
        let labels = check_labels_style(&checks);
        write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\" class=\"nojs\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta name=\"referrer\" content=\"no-referrer\">\n\
             <title>hivetriage report, {}</title>\n<style>{STYLE}</style>\n<style>{labels}</style>\n\
             <script>{HEAD_SCRIPT}</script>\n</head>\n\
             <body>\n<main id=\"page\">\n",
            content_security_policy(&labels),
            escape(&generated)
        )?;
        writeln!(out, "<header id=\"run\">\n<h1>hivetriage report</h1>\n<dl>")?;
        writeln!(
            out,
            "<dt>Generated</dt><dd><time datetime=\"{0}\">{0}</time></dd>",
            escape(&generated)
        )?;
        writeln!(
            out,
            "<dt>Tool</dt><dd>hivetriage {}</dd>",
            escape(&run.tool_version)
        )?;
        let rules: Vec<String> = run
            .rules
            .iter()
            .map(|rule| {
                let version = rule
                    .version
                    .as_ref()
                    .map_or_else(String::new, |v| format!(" (version {})", escape(v)));
                format!(
                    "<b>{}</b>{version}: {}",
                    escape(&rule.article),
                    escape(&rule.title)
                )
            })
            .collect();
        writeln!(out, "<dt>Rules</dt><dd>{}</dd>", rules.join("<br>"))?;
        let inputs: Vec<String> = run.inputs.iter().map(|i| code(i)).collect();
        writeln!(out, "<dt>Inputs</dt><dd>{}</dd>", inputs.join(" "))?;
        let options: Vec<String> = run
            .options
            .iter()
            .map(|(flag, value)| format!("{} {}", code(flag), escape(value)))
            .collect();
        writeln!(out, "<dt>Options</dt><dd>{}</dd>", options.join("<br>"))?;
        writeln!(out, "</dl>\n</header>")?;

        // Filters: of use only with the script, which shows them.
        writeln!(
            out,
            "<form id=\"filters\" hidden>\n<label>Verdict <select id=\"f-verdict\">\
             <option value=\"\">any</option>{}</select></label>\n\
             <label>Check <select id=\"f-check\"><option value=\"\">any check</option>{}</select></label>\n\
             <label>is <select id=\"f-check-verdict\">{}</select></label>\n\
             <label>Bundle or computer <input id=\"f-text\" type=\"search\" placeholder=\"part of a name\" autocomplete=\"off\"></label>\n\
             <button type=\"reset\" id=\"f-clear\">Clear</button>\n</form>",
            VERDICTS
                .iter()
                .map(|v| format!("<option value=\"{}\">{}</option>", v, verdict_words(*v)))
                .collect::<String>(),
            checks
                .iter()
                .enumerate()
                .map(|(i, id)| format!("<option value=\"{i}\">{}</option>", escape(id)))
                .collect::<String>(),
            [
                Verdict::Fail,
                Verdict::Unknown,
                Verdict::Pass,
                Verdict::NotApplicable
            ]
            .iter()
            .map(|v| format!("<option value=\"{}\">{}</option>", v, verdict_words(*v)))
            .collect::<String>(),
        )?;
        writeln!(
            out,
            "<noscript><p class=\"note\">With scripts on, the table can be sorted and filtered, \
             and each bundle's details (evidence, fixes, sources) open from its row. \
             <code>--format json</code> and <code>--format markdown</code> hold the same details.\
             </p></noscript>"
        )?;
        write!(
            out,
            "<div id=\"table\" class=\"wrap\">\n<table id=\"bundles\">\n<thead><tr>\
             <th scope=\"col\" data-sort=\"text\">Bundle</th>\
             <th scope=\"col\" data-sort=\"text\">Computer</th>\
             <th scope=\"col\" data-sort=\"text\">Windows</th>\
             <th scope=\"col\" data-sort=\"verdict\">Verdict</th>"
        )?;
        for id in &checks {
            let (article, name) = id.split_once('.').unwrap_or(("", id));
            write!(
                out,
                "<th scope=\"col\" data-sort=\"verdict\" data-check=\"{}\" title=\"{}\">\
                 <small>{}</small> {}</th>",
                escape(id),
                escape(id),
                escape(article),
                escape(name)
            )?;
        }
        writeln!(out, "</tr></thead>\n<tbody id=\"rows\">")?;
        Ok(HtmlPage {
            per_check: vec![[0, 0]; checks.len()],
            checks,
            bundles: 0,
            by_verdict: [0; 5],
        })
    }

    /// Writes one bundle: its table row and its report as inline JSON.
    /// `position` is its place in the input order.
    pub fn add(
        &mut self,
        out: &mut dyn Write,
        position: usize,
        report: &BundleReport,
    ) -> io::Result<()> {
        self.bundles += 1;
        self.by_verdict[verdict_index(report.verdict)] += 1;
        // End tags of cells are left out where HTML allows it, and
        // attribute values unquoted where they are single words: a
        // batch's page has a row per bundle.
        write!(
            out,
            "<tr data-pos={position} data-v={}><td class=name>\
             <button class=open aria-label=details></button>{}<td>{}<td class=os>{}\
             <td class=\"v {}\">{}",
            report.verdict,
            bundle_name_html(&report.bundle),
            escape(report.computer_name.as_deref().unwrap_or("")),
            escape(
                &report
                    .windows
                    .as_ref()
                    .map(windows_short)
                    .unwrap_or_default()
            ),
            report.verdict,
            verdict_words(report.verdict)
        )?;
        for (column, id) in self.checks.iter().enumerate() {
            match report.checks.iter().find(|check| &check.id == id) {
                Some(check) => {
                    match check.verdict {
                        Verdict::Fail => self.per_check[column][0] += 1,
                        Verdict::Unknown => self.per_check[column][1] += 1,
                        _ => {}
                    }
                    write!(
                        out,
                        "<td class=\"v {}\">{}",
                        check.verdict,
                        verdict_words(check.verdict)
                    )?;
                }
                None => write!(out, "<td class=\"v none\">—")?,
            }
        }
        writeln!(out, "</tr>")?;
        writeln!(
            out,
            "<script type=application/json id=d{position}>{}</script>",
            bundle_json(report)?
        )
    }

    /// Closes the table, writes the summary and the script.
    pub fn finish(self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "</tbody>\n</table>")?;
        if self.bundles == 0 {
            writeln!(out, "<p class=\"note\">No bundles.</p>")?;
        }
        writeln!(out, "</div>")?;
        self.write_summary(out)?;
        writeln!(out, "</main>\n<script>{SCRIPT}</script>\n</body>\n</html>")
    }

    fn write_summary(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "<section id=\"summary\" aria-label=\"Summary\">\n<p id=\"shown\">{}</p>\n<ul id=\"counts\">",
            bundles_text(self.bundles)
        )?;
        for (verdict, count) in VERDICTS.iter().zip(self.by_verdict) {
            writeln!(
                out,
                "<li data-v=\"{verdict}\"><b>{count}</b> <span class=\"v {verdict}\">{}</span></li>",
                verdict_words(*verdict)
            )?;
        }
        writeln!(out, "</ul>")?;
        self.write_chart(out)?;
        writeln!(out, "</section>")
    }

    /// The bar chart: per check, how many bundles fail it and how many
    /// leave it unknown. Bars are drawn to scale of all bundles; the
    /// numbers and words are written beside them, and failing bars are
    /// solid, unknown ones hatched, so it reads without colour.
    fn write_chart(&self, out: &mut dyn Write) -> io::Result<()> {
        const ROW: usize = 22;
        const GROUP: usize = ROW * 3 + 10;
        let height = GROUP * self.checks.len().max(1);
        writeln!(
            out,
            "<figure id=\"chart\"><figcaption>Bundles failing each check, or where it is unknown \
             (bars to scale of {})</figcaption>\n\
             <svg width=\"100%\" height=\"{height}\" role=\"img\" aria-labelledby=\"chart-title\">\
             <title id=\"chart-title\">Bundles failing or unknown, per check</title>\
             <defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" \
             patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" class=\"hatch-bg\"/>\
             <line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" class=\"hatch-line\"/></pattern></defs>",
            bundles_text(self.bundles)
        )?;
        for (column, id) in self.checks.iter().enumerate() {
            let top = column * GROUP;
            writeln!(
                out,
                "<g data-check=\"{column}\"><text x=\"0\" y=\"{}\" class=\"label\">{}</text>",
                top + 15,
                escape(id)
            )?;
            for (bar, verdict) in [Verdict::Fail, Verdict::Unknown].iter().enumerate() {
                let count = self.per_check[column][bar];
                let y = top + ROW * (bar + 1);
                let width = bar_percent(count, self.bundles);
                writeln!(
                    out,
                    "<g class=\"bar {verdict}\" data-v=\"{verdict}\"><rect x=\"0\" y=\"{y}\" \
                     height=\"16\" width=\"{width}%\"/><text x=\"{width}%\" dx=\"6\" y=\"{}\">\
                     {count} {verdict}</text></g>",
                    y + 13
                )?;
            }
            writeln!(out, "</g>")?;
        }
        writeln!(out, "</svg></figure>")
    }
}

/// Every report on one page, in the order given.
pub fn write_html(out: &mut dyn Write, reports: &[BundleReport], run: &RunInfo) -> io::Result<()> {
    let mut page = HtmlPage::start(out, run)?;
    for (position, report) in reports.iter().enumerate() {
        page.add(out, position, report)?;
    }
    page.finish(out)
}

/// `1 bundle`, `200 bundles`.
fn bundles_text(count: usize) -> String {
    if count == 1 {
        "1 bundle".to_string()
    } else {
        format!("{count} bundles")
    }
}

/// A bar's width in percent of the chart: 80 % stands for every bundle
/// (room is left for the number), and a bar that stands for any bundle
/// at all is never too thin to see. The script computes the same.
fn bar_percent(count: usize, of: usize) -> String {
    if count == 0 || of == 0 {
        return "0".to_string();
    }
    let percent = (count as f64 / of as f64 * 80.0).max(0.5);
    format!("{percent:.1}")
}

/// The policy: nothing may load or run but this page's own styles
/// (the fixed one and `labels`) and script, named by their SHA-256; no
/// form may send, no base URL change.
fn content_security_policy(labels: &str) -> String {
    format!(
        "default-src 'none'; style-src '{}' '{}'; script-src '{}' '{}'; base-uri 'none'; \
         form-action 'none'",
        sha256_source(STYLE),
        sha256_source(labels),
        sha256_source(HEAD_SCRIPT),
        sha256_source(SCRIPT)
    )
}

/// The style naming each check's cell when narrow screens show a bundle
/// as a card (the check columns' headers are not beside the cells then).
/// The names are the rules' check ids, not bundle data; quoted for CSS
/// all the same.
fn check_labels_style(checks: &[String]) -> String {
    let mut style = String::from("@media (max-width: 700px) {");
    for (column, id) in checks.iter().enumerate() {
        let name = id.split_once('.').map_or(id.as_str(), |(_, name)| name);
        let quoted: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || " .-_".contains(c) {
                    c.to_string()
                } else {
                    format!("\\{:x} ", c as u32)
                }
            })
            .collect();
        style.push_str(&format!(
            " #bundles > tbody > tr > td.v:nth-child({}):after {{ content: \"{quoted}\"; }}",
            column + 5
        ));
    }
    style.push_str(" }");
    style
}

/// A CSP hash source: `sha256-` and the base64 of the text's SHA-256.
fn sha256_source(text: &str) -> String {
    format!("sha256-{}", base64(&Sha256::digest(text.as_bytes())))
}

/// Standard base64 with padding (RFC 4648, section 4).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut text = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                text.push(ALPHABET[(n >> shift & 63) as usize] as char);
            } else {
                text.push('=');
            }
        }
    }
    text
}

/// A character shown as a visible stand-in: control characters as their
/// Unicode control pictures (ESC as ␛), C1 controls and bidirectional
/// formatting characters as `⟨U+202E⟩`. `None` for everything else. The
/// script's `visible` does the same.
fn stand_in(c: char) -> Option<String> {
    match c {
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).map(String::from),
        '\u{7f}' => Some("\u{2421}".to_string()),
        '\u{80}'..='\u{9f}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}' => Some(format!("\u{27e8}U+{:04X}\u{27e9}", c as u32)),
        _ => None,
    }
}

/// Text for HTML element content or a double-quoted attribute: markup
/// characters as references, invisible controls as visible stand-ins.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => match stand_in(other) {
                Some(shown) => out.push_str(&shown),
                None => out.push(other),
            },
        }
    }
    out
}

/// A bundle's name with its folder part dimmed, so the names of a batch
/// (which share their folder) read at a glance; the text is the name as
/// the report has it.
fn bundle_name_html(bundle: &str) -> String {
    match bundle.rfind(['/', '\\']) {
        Some(at) if at + 1 < bundle.len() => format!(
            "<span class=dir>{}</span>{}",
            escape(&bundle[..=at]),
            escape(&bundle[at + 1..])
        ),
        _ => escape(bundle),
    }
}

fn code(text: &str) -> String {
    format!("<code>{}</code>", escape(text))
}

/// The server's Windows in a table cell: `Windows NT 4.0, Service Pack 6`.
fn windows_short(windows: &WindowsVersion) -> String {
    match &windows.service_pack {
        Some(service_pack) => format!("{}, {service_pack}", windows.name()),
        None => windows.name(),
    }
}

/// A fix as the page shows it: a file's content to copy, with a label
/// saying what it is and for which Windows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FixBlock {
    pub label: String,
    pub text: String,
}

/// The fix of one check for the server's Windows version, as the fix
/// files (`--fix-dir`) render it for that check alone; empty unless the
/// check fails with a fix. This is where structured remediation per
/// Windows version plugs in.
pub fn check_fix_blocks(report: &BundleReport, check: &CheckResult) -> Vec<FixBlock> {
    if check.verdict != Verdict::Fail || check.fix.is_empty() {
        return Vec::new();
    }
    let mut alone = report.clone();
    alone.checks = vec![check.clone()];
    let Some(FixFiles { reg, cmd }) = fix_files(&alone) else {
        return Vec::new();
    };
    let windows = report.windows.as_ref().map_or_else(
        || "a server whose Windows version the bundle does not give".to_string(),
        windows_short,
    );
    let tool = match AclTool::for_version(report.windows.as_ref()) {
        Some(AclTool::Icacls) => "icacls",
        Some(AclTool::CaclsWithWrite) => "cacls",
        Some(AclTool::CaclsWithoutWrite) => {
            "cacls, or the article's Explorer steps where cacls cannot"
        }
        None => "icacls where the server has it, else the article's Explorer steps",
    };
    let mut blocks = Vec::new();
    if let Some(text) = reg {
        blocks.push(FixBlock {
            label: format!("fix.reg for {windows}; import it with regedit as an administrator"),
            text,
        });
    }
    if let Some(text) = cmd {
        blocks.push(FixBlock {
            label: format!("fix.cmd for {windows}, using {tool}; run it as an administrator"),
            text,
        });
    }
    blocks
}

/// A bundle's report as the page embeds it: the JSON report, plus per
/// check its `fix_blocks` and the Windows version in words
/// (`windows_text`); safe inside a script element.
fn bundle_json(report: &BundleReport) -> io::Result<String> {
    let mut value = serde_json::to_value(report)?;
    if let Some(checks) = value.get_mut("checks").and_then(|c| c.as_array_mut()) {
        for (shown, check) in checks.iter_mut().zip(&report.checks) {
            let blocks = check_fix_blocks(report, check);
            if let Some(object) = shown.as_object_mut()
                && !blocks.is_empty()
            {
                object.insert("fix_blocks".to_string(), serde_json::to_value(blocks)?);
            }
        }
    }
    if let (Some(object), Some(windows)) = (value.as_object_mut(), &report.windows) {
        object.insert("windows_text".to_string(), windows.describe().into());
    }
    Ok(script_safe_json(&serde_json::to_string(&value)?))
}

/// JSON that cannot end the script element holding it: `<` appears in
/// JSON only inside strings, where `\u003c` means the same.
fn script_safe_json(json: &str) -> String {
    json.replace('<', "\\u003c")
}

/// `2024-05-17 09:30 UTC`.
fn utc_text(time: SystemTime) -> String {
    let seconds = time
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let (year, month, day) = civil_from_days((seconds / 86_400) as i64);
    let of_day = seconds % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        of_day / 3600,
        of_day % 3600 / 60
    )
}

/// The proleptic Gregorian date of a day counted from 1970-01-01
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn run() -> RunInfo {
        RunInfo {
            generated_at: UNIX_EPOCH + Duration::from_secs(1_709_210_096),
            tool_version: "9.9.9".to_string(),
            rules: vec![RuleInfo {
                article: "Q306957".to_string(),
                title: "XADM: <CDONTS>".to_string(),
                version: Some("2".to_string()),
            }],
            inputs: vec!["in<put>".to_string()],
            options: vec![("--jobs".to_string(), "2".to_string())],
        }
    }

    #[test]
    fn each_bundle_is_written_as_it_comes_and_the_summary_last() {
        let mut out = Vec::new();
        let mut page = HtmlPage::start(&mut out, &run()).unwrap();
        let head = String::from_utf8(out.clone()).unwrap();
        assert!(head.contains("2024-02-29 12:34 UTC"), "{head}");
        assert!(head.contains("hivetriage 9.9.9"));
        assert!(head.contains("<b>Q306957</b> (version 2): XADM: &lt;CDONTS&gt;"));
        assert!(head.contains("<code>in&lt;put&gt;</code>"));
        assert!(head.ends_with("<tbody id=\"rows\">\n"), "{head}");

        let report = BundleReport::unreadable("cases/<b>x.zip", "not a zip");
        page.add(&mut out, 7, &report).unwrap();
        let row = String::from_utf8(out[head.len()..].to_vec()).unwrap();
        // The row and the data are out before the batch ends; no summary yet.
        assert!(row.starts_with("<tr data-pos=7 data-v=error>"), "{row}");
        assert!(row.contains("<span class=dir>cases/</span>&lt;b&gt;x.zip"));
        assert!(row.contains("<script type=application/json id=d7>"));
        assert!(row.contains(r#""bundle":"cases/\u003cb>x.zip""#), "{row}");
        assert!(!row.contains("id=\"summary\""));

        page.finish(&mut out).unwrap();
        let page = String::from_utf8(out).unwrap();
        let summary = &page[page.find("<section id=\"summary\"").unwrap()..];
        assert!(summary.contains("<p id=\"shown\">1 bundle</p>"));
        assert!(summary.contains("<li data-v=\"error\"><b>1</b>"));
        assert!(summary.contains("<li data-v=\"fail\"><b>0</b>"));
        assert!(page.ends_with("</html>\n"));
    }

    #[test]
    fn the_policy_names_exactly_the_pages_own_styles_and_scripts() {
        let mut out = Vec::new();
        write_html(&mut out, &[], &run()).unwrap();
        let page = String::from_utf8(out).unwrap();
        let policy_at = page.find("content=\"default-src 'none'").unwrap();
        let policy = &page[policy_at..page[policy_at..].find('>').unwrap() + policy_at];
        let mut inline = Vec::new();
        for (open, close) in [("<style>", "</style>"), ("<script>", "</script>")] {
            let mut rest = page.as_str();
            while let Some(at) = rest.find(open) {
                let body = &rest[at + open.len()..];
                let end = body.find(close).unwrap();
                inline.push(sha256_source(&body[..end]));
                rest = &body[end..];
            }
        }
        assert_eq!(inline.len(), 4, "two styles, two scripts");
        for hash in &inline {
            assert!(policy.contains(hash.as_str()), "{hash} not in {policy}");
        }
        assert_eq!(policy.matches("sha256-").count(), 4, "{policy}");
    }

    #[test]
    fn markup_and_controls_are_escaped() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(escape("a\u{1b}[31mb\nc"), "a\u{241b}[31mb\u{240a}c");
        assert_eq!(
            escape("evil\u{202e}piz.exe"),
            "evil\u{27e8}U+202E\u{27e9}piz.exe"
        );
        assert_eq!(escape("EXCH01 café"), "EXCH01 café");
    }

    #[test]
    fn inline_json_cannot_close_its_script() {
        let json = serde_json::to_string(&serde_json::json!({"b": "</script><!--x"})).unwrap();
        let safe = script_safe_json(&json);
        assert!(!safe.contains('<'), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["b"], "</script><!--x");
    }

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        // RFC 4648, section 10.
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn csp_hash_of_a_known_text() {
        // `printf 'alert(1)' | openssl dgst -sha256 -binary | base64`
        assert_eq!(
            sha256_source("alert(1)"),
            "sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI="
        );
    }

    #[test]
    fn dates_are_utc_civil_dates() {
        // `date -u -d @SECONDS '+%Y-%m-%d %H:%M'`
        for (seconds, text) in [
            (0, "1970-01-01 00:00 UTC"),
            (951_782_400, "2000-02-29 00:00 UTC"),
            (1_709_210_096, "2024-02-29 12:34 UTC"),
            (4_102_444_799, "2099-12-31 23:59 UTC"),
        ] {
            assert_eq!(utc_text(UNIX_EPOCH + Duration::from_secs(seconds)), text);
        }
    }

    #[test]
    fn bars_are_to_scale_and_never_invisible() {
        assert_eq!(bar_percent(0, 10), "0");
        assert_eq!(bar_percent(10, 10), "80.0");
        assert_eq!(bar_percent(5, 10), "40.0");
        assert_eq!(bar_percent(1, 100_000), "0.5");
        assert_eq!(bar_percent(3, 0), "0");
    }
}
