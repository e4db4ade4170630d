//! The manual's prose chapters (`app/manual/{ru,en}/*.md`), compiled into the server and rendered
//! from Markdown here, on the server only: the browser bundle carries none of the text.
//!
//! Raw HTML in a chapter is shown as text, never passed through; every heading gets an anchor
//! (`id`) made from its text, and the chapter's table of contents lists them.

pub mod reference;

use pulldown_cmark::{html, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::api::docs::{Chapter, TocEntry};

/// Every prose chapter in both languages: (name, Russian text, English text).
const SOURCES: &[(&str, &str, &str)] = &[
    (
        "panel",
        include_str!("../../manual/ru/panel.md"),
        include_str!("../../manual/en/panel.md"),
    ),
    (
        "connect",
        include_str!("../../manual/ru/connect.md"),
        include_str!("../../manual/en/connect.md"),
    ),
    (
        "install",
        include_str!("../../manual/ru/install.md"),
        include_str!("../../manual/en/install.md"),
    ),
];

/// The Markdown source of chapter `name` in `lang` (`ru` | `en`).
pub fn source(name: &str, lang: &str) -> Option<&'static str> {
    let (_, ru, en) = SOURCES.iter().find(|(n, _, _)| *n == name)?;
    match lang {
        "ru" => Some(ru),
        "en" => Some(en),
        _ => None,
    }
}

/// Every (name, language, source), for the consistency tests.
pub fn all_sources() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    SOURCES
        .iter()
        .flat_map(|(n, ru, en)| [(*n, "ru", *ru), (*n, "en", *en)])
}

/// Chapter `name` in `lang`, rendered.
pub fn chapter(name: &str, lang: &str) -> Option<Chapter> {
    source(name, lang).map(render)
}

/// An anchor for a heading: lower-case letters and digits of any script, words joined by `-`.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for ch in text.chars().flat_map(char::to_lowercase) {
        if ch.is_alphanumeric() || ch == '_' {
            out.push(ch);
        } else if (ch.is_whitespace() || ch == '-') && !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        out.push_str("section");
    }
    out
}

/// Render Markdown to HTML with heading anchors and the table of contents.
pub fn render(markdown: &str) -> Chapter {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events: Vec<Event> = Parser::new_ext(markdown, options).collect();
    let mut out: Vec<Event> = Vec::with_capacity(events.len());
    let mut toc = Vec::new();
    let mut title = String::new();
    let mut seen = std::collections::HashMap::<String, usize>::new();
    let mut i = 0;
    while i < events.len() {
        match &events[i] {
            Event::Start(Tag::Heading { level, .. }) => {
                let level = *level;
                // The heading's text, up to its end.
                let mut j = i + 1;
                let mut text = String::new();
                while j < events.len() && !matches!(events[j], Event::End(TagEnd::Heading(_))) {
                    if let Event::Text(t) | Event::Code(t) = &events[j] {
                        text.push_str(t);
                    }
                    j += 1;
                }
                let base = slug(&text);
                let n = seen.entry(base.clone()).or_insert(0);
                *n += 1;
                let id = if *n == 1 { base } else { format!("{base}-{n}") };
                let depth = heading_depth(level);
                if depth == 1 && title.is_empty() {
                    title = text.clone();
                } else if depth <= 3 {
                    toc.push(TocEntry {
                        level: depth,
                        id: id.clone(),
                        text: text.clone(),
                    });
                }
                out.push(Event::Html(
                    format!("<h{depth} id=\"{}\">", escape(&id)).into(),
                ));
                out.extend(events[i + 1..j].iter().cloned().map(no_raw_html));
                out.push(Event::Html(format!("</h{depth}>\n").into()));
                i = j + 1;
                continue;
            }
            e => out.push(no_raw_html(e.clone())),
        }
        i += 1;
    }
    let mut body = String::new();
    html::push_html(&mut body, out.into_iter());
    Chapter {
        title,
        html: body,
        toc,
    }
}

fn heading_depth(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// Raw HTML in the source is shown as text.
fn no_raw_html(e: Event) -> Event {
    match e {
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
        e => e,
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_get_anchors_and_a_table_of_contents() {
        let c = render(
            "# Руководство\n\n## Ключи API\n\ntext\n\n## Ключи API\n\n### `X-API-Key` header\n",
        );
        assert_eq!(c.title, "Руководство");
        assert!(
            c.html.contains("<h2 id=\"ключи-api\">Ключи API</h2>"),
            "{}",
            c.html
        );
        assert!(c.html.contains("<h2 id=\"ключи-api-2\">"), "{}", c.html);
        let ids: Vec<&str> = c.toc.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["ключи-api", "ключи-api-2", "x-api-key-header"]);
        assert_eq!(c.toc[2].level, 3);
    }

    #[test]
    fn raw_html_is_text() {
        let c = render("a <script>alert(1)</script> b\n\n<div onclick=x>block</div>\n");
        assert!(!c.html.contains("<script>"), "{}", c.html);
        assert!(!c.html.contains("<div onclick"), "{}", c.html);
        assert!(c.html.contains("&lt;script&gt;"), "{}", c.html);
    }

    #[test]
    fn tables_render() {
        let c = render("| a | b |\n|---|---|\n| 1 | 2 |\n");
        assert!(c.html.contains("<table>"), "{}", c.html);
    }

    /// Every link and image of every chapter: links inside the manual name a chapter (and an
    /// error code where they point into «Ошибки»), images exist under `public/`.
    #[test]
    fn links_and_images_point_at_what_exists() {
        use ccgate_catalogue::errors::ErrorCode;
        let public = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../public");
        let chapters = ["", "panel", "connect", "api", "errors", "install", "key"];
        for (name, lang, src) in all_sources() {
            let at = format!("{lang}/{name}.md");
            let mut images = 0;
            for e in Parser::new_ext(src, Options::ENABLE_TABLES) {
                match e {
                    Event::Start(Tag::Image { dest_url, .. }) => {
                        images += 1;
                        let file = public.join(dest_url.trim_start_matches('/'));
                        assert!(file.is_file(), "{at}: image {dest_url} is not in public/");
                        assert!(
                            dest_url.starts_with(&format!("/manual/{lang}/")),
                            "{at}: image {dest_url} of another language"
                        );
                    }
                    Event::Start(Tag::Link { dest_url, .. }) => {
                        let Some(rest) = dest_url.strip_prefix("/docs") else {
                            continue;
                        };
                        let (path, anchor) = rest.split_once('#').unwrap_or((rest, ""));
                        let chapter = path.trim_start_matches('/');
                        assert!(chapters.contains(&chapter), "{at}: no chapter {dest_url}");
                        if chapter == "errors" && !anchor.is_empty() {
                            assert!(
                                ErrorCode::ALL.iter().any(|c| c.as_str() == anchor),
                                "{at}: no error code {anchor}"
                            );
                        }
                    }
                    _ => {}
                }
            }
            if name == "panel" {
                assert!(images >= 7, "{at}: the panel chapter shows every page");
            }
        }
    }

    #[test]
    fn every_chapter_exists_in_both_languages_with_a_title() {
        for (name, lang, src) in all_sources() {
            let c = render(src);
            assert!(!c.title.is_empty(), "{lang}/{name}.md has no # title");
            assert!(
                c.toc.len() >= 3,
                "{lang}/{name}.md has fewer than 3 sections"
            );
        }
    }
}
