//! Unit tests: the checker's `callcenter_config` sequence against the captures, and NULL rendering.

use super::*;

const CAPS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/freeswitch/");

/// Body of a captured ESL api/response frame, or None when the captures are absent.
fn capture_body(name: &str) -> Option<String> {
    let data = std::fs::read(format!("{CAPS}{name}")).expect("the captures in testdata/freeswitch");
    let text = String::from_utf8(data).unwrap();
    let (head, rest) = text.split_once("\n\n").unwrap();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .unwrap()
        .parse()
        .unwrap();
    Some(rest[..len].to_string())
}

/// The queues of the box the captures were taken from (the `capture` scenario).
fn capture_state() -> Callcenter {
    crate::scenario::Scenario::Capture.callcenter()
}

/// Replays the checker's sequence and compares every body with the capture byte for byte,
/// except the agent rows' last_status_change epoch, which is normalised.
#[test]
fn esl_sequence_matches_captures() {
    if capture_body("esl_cc_01_queue_unload_support.raw").is_none() {
        eprintln!("captures not found, skipping");
        return;
    }
    let seq: &[(&str, &str)] = &[
        (
            "esl_cc_01_queue_unload_support.raw",
            "queue unload support@default",
        ),
        (
            "esl_cc_02_queue_unload_sales.raw",
            "queue unload sales@default",
        ),
        ("esl_cc_03_queue_list_0_queues.raw", "queue list"),
        ("esl_cc_04_queue_count_0_queues.raw", "queue count"),
        ("esl_cc_05_agent_list_empty.raw", "agent list"),
        ("esl_cc_06_tier_list_empty.raw", "tier list"),
        (
            "esl_cc_07_queue_load_support.raw",
            "queue load support@default",
        ),
        ("esl_cc_08_queue_load_sales.raw", "queue load sales@default"),
        (
            "esl_cc_09_queue_load_nosuch.raw",
            "queue load nosuch@default",
        ),
        ("esl_cc_10_queue_list_2_queues.raw", "queue list"),
        ("esl_cc_11_queue_count_2_queues.raw", "queue count"),
        (
            "esl_cc_12_queue_list_tiers_support_empty.raw",
            "queue list tiers support@default",
        ),
        (
            "esl_cc_13_queue_list_members_support_empty.raw",
            "queue list members support@default",
        ),
        (
            "esl_cc_14_agent_add_1000.raw",
            "agent add 1000@default callback",
        ),
        (
            "esl_cc_15_agent_add_1000_again.raw",
            "agent add 1000@default callback",
        ),
        (
            "esl_cc_16_agent_add_badtype.raw",
            "agent add 1009@default badtype",
        ),
        (
            "esl_cc_17_agent_set_contact_1000.raw",
            "agent set contact 1000@default {leg_timeout=10}loopback/1000/default",
        ),
        (
            "esl_cc_18_agent_set_status_1000_available.raw",
            "agent set status 1000@default Available",
        ),
        (
            "esl_cc_19_agent_add_1001.raw",
            "agent add 1001@default callback",
        ),
        (
            "esl_cc_20_agent_set_contact_1001.raw",
            "agent set contact 1001@default loopback/1001/default",
        ),
        (
            "esl_cc_21_agent_set_status_1001_onbreak.raw",
            "agent set status 1001@default 'On Break'",
        ),
        (
            "esl_cc_22_agent_set_status_bad.raw",
            "agent set status 1001@default Bogus",
        ),
        (
            "esl_cc_23_agent_set_status_nosuch_agent.raw",
            "agent set status nosuch@default Available",
        ),
        (
            "esl_cc_24_tier_add_support_1000.raw",
            "tier add support@default 1000@default 1 1",
        ),
        (
            "esl_cc_25_tier_add_support_1001.raw",
            "tier add support@default 1001@default 2 1",
        ),
        (
            "esl_cc_26_tier_add_sales_1001.raw",
            "tier add sales@default 1001@default 1 1",
        ),
        (
            "esl_cc_27_tier_add_nosuch_queue.raw",
            "tier add nosuch@default 1000@default 1 1",
        ),
        ("esl_cc_28_agent_list.raw", "agent list"),
        ("esl_cc_29_agent_list_one.raw", "agent list 1000@default"),
        ("esl_cc_30_tier_list.raw", "tier list"),
        (
            "esl_cc_31_queue_list_tiers_support.raw",
            "queue list tiers support@default",
        ),
        (
            "esl_cc_32_queue_list_agents_support.raw",
            "queue list agents support@default",
        ),
        (
            "esl_cc_33_queue_list_members_support_empty.raw",
            "queue list members support@default",
        ),
        (
            "esl_cc_34_queue_count_agents_support.raw",
            "queue count agents support@default",
        ),
        (
            "esl_cc_35_queue_count_tiers_support.raw",
            "queue count tiers support@default",
        ),
        (
            "esl_cc_36_queue_count_members_support.raw",
            "queue count members support@default",
        ),
        (
            "esl_cc_37_agent_get_status_1000.raw",
            "agent get status 1000@default",
        ),
        (
            "esl_cc_38_agent_get_state_1000.raw",
            "agent get state 1000@default",
        ),
        (
            "esl_cc_39_agent_get_status_nosuch.raw",
            "agent get status nosuch@default",
        ),
        ("esl_cc_40_agent_del_nosuch.raw", "agent del nosuch"),
        (
            "esl_cc_41_tier_del_nosuch.raw",
            "tier del support@default nosuch",
        ),
        ("esl_cc_42_unknown_target_foo.raw", "foo"),
        ("esl_cc_43_no_args_usage.raw", ""),
        (
            "esl_cc_45_queue_list_bad_sub.raw",
            "queue list foo support@default",
        ),
        (
            "esl_cc_46_agent_list_nosuch.raw",
            "agent list nosuch@default",
        ),
        (
            "esl_cc_47_queue_list_tiers_nosuch_queue.raw",
            "queue list tiers nosuch@default",
        ),
    ];
    let mut cc = capture_state();
    // The capture's agents changed status at epoch 1795607052.
    let now = 1_795_607_052;
    for (file, args) in seq {
        let want = capture_body(file).unwrap();
        let got = cc.config_api(args, Render::Esl, now);
        assert_eq!(got, want, "{file}: callcenter_config {args}");
    }
    // `queue foo` writes nothing (ESL turns that into "-ERR no reply").
    assert_eq!(cc.config_api("queue foo", Render::Esl, now), "");
}

#[test]
fn http_renders_null_as_literal() {
    let mut cc = capture_state();
    cc.config_api("agent add 1001@default callback", Render::Http, 5);
    let list = cc.config_api("agent list", Render::Http, 5);
    assert!(list.contains("1001@default|single_box|(null)|callback|(null)|Logged Out"));
    let q = cc.queue_list(Render::Http);
    assert!(q.contains("|5|(null)|0|0|0|true|On Break\n"));
}
