//! «FreeSWITCH»: server, ports, credentials (write-only), paths; «Проверить подключение» runs
//! `status` on FreeSWITCH with the saved settings.

use leptos::prelude::*;

use super::registry::{Check, RegistryBlock};
use crate::api::CheckFreeswitch;

#[component]
pub fn FreeswitchBlock() -> impl IntoView {
    let check = Check::of(CheckFreeswitch {});
    view! { <RegistryBlock block="freeswitch" title=|_| "FreeSWITCH" check /> }
}
