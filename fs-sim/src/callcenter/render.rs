//! How the tables print: pipe-separated rows under FreeSWITCH's column headers, NULL as ESL or
//! mod_xml_rpc shows it, and the `+OK` rules of SQL-backed lists.

use super::model::{Agent, Callcenter, Member, Tier};

/// How a NULL column is rendered: ESL prints an empty field, mod_xml_rpc prints `(null)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Render {
    /// Event Socket: NULL is an empty field.
    Esl,
    /// mod_xml_rpc HTTP: NULL is the literal `(null)`.
    Http,
}

const QUEUE_HEADER: &str = "name|strategy|moh_sound|time_base_score|tier_rules_apply|tier_rule_wait_second|tier_rule_wait_multiply_level|tier_rule_no_agent_no_wait|discard_abandoned_after|abandoned_resume_allowed|max_wait_time|max_wait_time_with_no_agent|max_wait_time_with_no_agent_time_reached|record_template|calls_answered|calls_abandoned|ring_progressively_delay|skip_agents_with_external_calls|agent_no_answer_status";
pub(super) const AGENT_HEADER: &str = "name|instance_id|uuid|type|contact|status|state|max_no_answer|wrap_up_time|reject_delay_time|busy_delay_time|no_answer_delay_time|last_bridge_start|last_bridge_end|last_offered_call|last_status_change|no_answer_count|calls_answered|talk_time|ready_time|external_calls_count";
pub(super) const TIER_HEADER: &str = "queue|agent|state|level|position";
pub(super) const MEMBER_HEADER: &str = "queue|instance_id|uuid|session_uuid|cid_number|cid_name|system_epoch|joined_epoch|rejoined_epoch|bridge_epoch|abandoned_epoch|base_score|skill_score|serving_agent|serving_system|state|score";

fn null(v: &Option<String>, r: Render) -> String {
    match (v, r) {
        (Some(s), _) => s.clone(),
        (None, Render::Esl) => String::new(),
        (None, Render::Http) => "(null)".to_string(),
    }
}

/// An SQL-backed list: nothing but `+OK` when empty, else header, rows and `+OK`.
pub(super) fn sql_table(header: &str, rows: Vec<String>) -> String {
    if rows.is_empty() {
        return "+OK\n".to_string();
    }
    let mut out = String::from(header);
    out.push('\n');
    for r in rows {
        out.push_str(&r);
        out.push('\n');
    }
    out.push_str("+OK\n");
    out
}

fn b(v: bool) -> &'static str {
    if v {
        "true"
    } else {
        "false"
    }
}

impl Agent {
    /// The row under `AGENT_HEADER`.
    pub(super) fn row(&self, r: Render) -> String {
        [
            self.name.clone(),
            self.instance_id.clone(),
            null(&self.uuid, r),
            self.agent_type.clone(),
            null(&self.contact, r),
            self.status.clone(),
            self.state.clone(),
            self.max_no_answer.to_string(),
            self.wrap_up_time.to_string(),
            self.reject_delay_time.to_string(),
            self.busy_delay_time.to_string(),
            self.no_answer_delay_time.to_string(),
            self.last_bridge_start.to_string(),
            self.last_bridge_end.to_string(),
            self.last_offered_call.to_string(),
            self.last_status_change.to_string(),
            self.no_answer_count.to_string(),
            self.calls_answered.to_string(),
            self.talk_time.to_string(),
            self.ready_time.to_string(),
            self.external_calls_count.to_string(),
        ]
        .join("|")
    }
}

impl Tier {
    /// The row under `TIER_HEADER`.
    pub(super) fn row(&self) -> String {
        format!(
            "{}|{}|{}|{}|{}",
            self.queue, self.agent, self.state, self.level, self.position
        )
    }
}

impl Member {
    /// The row under `MEMBER_HEADER`; the score as of `now`.
    pub(super) fn row(&self, now: u64) -> String {
        format!(
            "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
            self.queue,
            self.instance_id,
            self.uuid,
            self.session_uuid,
            self.cid_number,
            self.cid_name,
            self.system_epoch,
            self.joined_epoch,
            self.rejoined_epoch,
            self.bridge_epoch,
            self.abandoned_epoch,
            self.base_score,
            self.skill_score,
            self.serving_agent,
            self.serving_system,
            self.state,
            self.score(now)
        )
    }
}

impl Callcenter {
    /// Render `queue list` (header always printed).
    pub fn queue_list(&self, r: Render) -> String {
        let mut out = String::from(QUEUE_HEADER);
        out.push('\n');
        for q in self.loaded.values() {
            let c = &q.cfg;
            let row = [
                c.name.clone(),
                c.strategy.clone(),
                c.moh_sound.clone(),
                c.time_base_score.clone(),
                b(c.tier_rules_apply).into(),
                c.tier_rule_wait_second.to_string(),
                b(c.tier_rule_wait_multiply_level).into(),
                b(c.tier_rule_no_agent_no_wait).into(),
                c.discard_abandoned_after.to_string(),
                b(c.abandoned_resume_allowed).into(),
                c.max_wait_time.to_string(),
                c.max_wait_time_with_no_agent.to_string(),
                c.max_wait_time_with_no_agent_time_reached.to_string(),
                null(&c.record_template, r),
                q.calls_answered.to_string(),
                q.calls_abandoned.to_string(),
                c.ring_progressively_delay.to_string(),
                b(c.skip_agents_with_external_calls).into(),
                c.agent_no_answer_status.clone(),
            ];
            out.push_str(&row.join("|"));
            out.push('\n');
        }
        out.push_str("+OK\n");
        out
    }
}
