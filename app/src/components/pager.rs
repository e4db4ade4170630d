//! «Показаны записи 1-20 из 57.» with previous / next buttons, under a paged table.

use leptos::prelude::*;

use crate::i18n::{use_strings, Strings};

/// "Показаны записи 1-4 из 4."
pub fn shown_text(s: &Strings, offset: i64, count: usize, total: i64) -> String {
    if total == 0 {
        return s.users_none.to_string();
    }
    s.users_shown
        .replace("{a}", &(offset + 1).to_string())
        .replace("{b}", &(offset + count as i64).to_string())
        .replace("{n}", &total.to_string())
}

/// `count` rows shown of `total` from `offset`; the buttons move `offset` by `page`.
#[component]
pub fn Pager(offset: RwSignal<i64>, total: i64, count: usize, page: i64) -> impl IntoView {
    let s = use_strings();
    let at = offset.get_untracked();
    view! {
        <div class="pager">
            <span class="muted" data-testid="shown">{move || shown_text(s(), at, count, total)}</span>
            <span class="spacer"></span>
            <button class="ghost" disabled={at == 0} on:click=move |_| offset.set((at - page).max(0))>
                {move || s().prev}
            </button>
            <button class="ghost" disabled={at + (count as i64) >= total} on:click=move |_| offset.set(at + page)>
                {move || s().next}
            </button>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, RU};

    #[test]
    fn shown_counts_from_one() {
        assert_eq!(shown_text(&RU, 0, 4, 4), "Показаны записи 1-4 из 4.");
        assert_eq!(shown_text(&EN, 20, 5, 25), "Showing 21-25 of 25.");
        assert_eq!(shown_text(&EN, 0, 0, 0), "Nothing found");
    }
}
