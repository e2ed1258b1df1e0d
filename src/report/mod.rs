//! Reports: one per bundle, rendered as table, JSON, JSONL, CSV or Markdown.
