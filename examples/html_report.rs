//! Tools around the `html` report, for `scripts/bench.sh` and
//! `scripts/html-screenshots.sh`; they drive headless Chromium with the
//! tests' DevTools client (`tests/common/browser.rs`).
//!
//! ```text
//! html_report batch DIR COUNT                  a mixed folder of COUNT bundles
//! html_report screenshot PAGE OUT.png WIDTH HEIGHT [BUNDLE]
//!                                              the page at WIDTH x HEIGHT, with the
//!                                              details of the bundle whose name
//!                                              ends with BUNDLE open
//! html_report measure PAGE [--no-scripts]      one JSON line: load, filter, search,
//!                                              sort and open-details times (ms);
//!                                              with scripts off, load times only
//! ```

#[path = "../tests/common/browser.rs"]
#[allow(dead_code)]
mod browser;

use browser::{Browser, Page};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| -> Result<&str, Error> {
        args.get(i)
            .map(String::as_str)
            .ok_or_else(|| "usage: see examples/html_report.rs".into())
    };
    match arg(0)? {
        "batch" => {
            hivetriage::fixture::batch::write_mixed_batch(Path::new(arg(1)?), arg(2)?.parse()?)?
        }
        "screenshot" => {
            let mut browser = launch()?;
            let page_file = absolute(arg(1)?)?;
            let mut page = browser.open(&page_file, arg(3)?.parse()?, arg(4)?.parse()?, true);
            if let Ok(bundle) = arg(5) {
                page.eval(&format!(
                    "(() => {{ const tr = Array.from(document.querySelectorAll('#bundles tbody tr'))
                                 .find(tr => tr.cells[0].textContent.endsWith({bundle:?}));
                               tr.querySelector('button.open').click(); }})()"
                ));
            }
            std::fs::write(arg(2)?, page.screenshot_png(true))?;
        }
        "measure" => {
            let mut browser = launch()?;
            let page_file = absolute(arg(1)?)?;
            let scripts = args.get(2).map(String::as_str) != Some("--no-scripts");
            let mut page = browser.open(&page_file, 1280, 900, scripts);
            if scripts {
                println!("{}", measure(&mut page));
            } else {
                println!("{}", load_times(&mut page));
            }
        }
        other => return Err(format!("unknown command {other}").into()),
    }
    Ok(())
}

fn launch() -> Result<Browser, Error> {
    Browser::launch().ok_or_else(|| "needs chromium (apt-get install chromium)".into())
}

fn absolute(path: &str) -> Result<PathBuf, Error> {
    Ok(std::fs::canonicalize(path)?)
}

/// Milliseconds from navigation start to the end of the load event and
/// of DOMContentLoaded (with scripts off too: the tab's own evaluation
/// still runs).
fn load_times(page: &mut Page) -> Value {
    page.eval(
        "(() => { const n = performance.getEntriesByType('navigation')[0];
                  return {load: n.loadEventEnd, dom_content_loaded: n.domContentLoadedEventEnd}; })()",
    )
}

/// Milliseconds the page took to load (navigation start to the end of the
/// load event, the script's setup included) and to apply a filter, a
/// search, a sort and to open one bundle's details, each until the next
/// frame is drawn.
fn measure(page: &mut Page) -> Value {
    let timed = |page: &mut Page, action: &str| -> Value {
        page.eval(&format!(
            "(async () => {{ const start = performance.now(); {action};
                             document.body.offsetHeight;
                             await new Promise(done => requestAnimationFrame(() => setTimeout(done, 0)));
                             return performance.now() - start; }})()"
        ))
    };
    let load = load_times(page);
    let rows = page.eval("document.querySelectorAll('#bundles > tbody > tr').length");
    let filter = timed(
        page,
        "const c = document.getElementById('f-check'); c.value = String(c.options.length - 2);
         c.dispatchEvent(new Event('change'))",
    );
    let shown = page.eval("document.getElementById('shown').textContent");
    let reset = timed(page, "document.getElementById('filters').reset()");
    // The search waits 120 ms for typing to pause; that wait is left out.
    let search = timed(
        page,
        "const i = document.getElementById('f-text'); i.value = 'mail02';
         i.dispatchEvent(new Event('input'));
         await new Promise(done => setTimeout(done, 130))",
    );
    let search = json!(search.as_f64().unwrap_or(0.0) - 130.0);
    timed(page, "document.getElementById('filters').reset()");
    let sort = timed(
        page,
        "document.querySelectorAll('#bundles thead th button')[0].click()",
    );
    let details = timed(
        page,
        "document.querySelector('#bundles tbody button.open').click()",
    );
    json!({
        "rows": rows,
        "load_ms": load["load"],
        "dom_content_loaded_ms": load["dom_content_loaded"],
        "filter_by_check_ms": filter,
        "filter_shown": shown,
        "clear_filter_ms": reset,
        "search_ms": search,
        "sort_by_bundle_ms": sort,
        "open_details_ms": details,
        "problems": page.problems(),
    })
}
