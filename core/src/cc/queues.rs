//! Contact center over FreeSWITCH mod_callcenter: queues, one queue, tiers, one tier.
//! Service functions take the FreeSWITCH client of the current settings ([`crate::freeswitch::hub::FsHub`]).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::cc::CcError;
use crate::freeswitch::client::FsClient;
use crate::freeswitch::reply::{classify, error_of, FsError, Reply};
use crate::freeswitch::table::{self, get, Row};

/// A queue or agent name as mod_callcenter takes it: 1–128 of `A-Z a-z 0-9 . _ @ -`. Anything
/// else could smuggle words into the command line, so it is refused.
pub fn parse_name(field: &'static str, s: &str) -> Result<String, CcError> {
    let s = s.trim();
    if s.is_empty()
        || s.len() > 128
        || !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'@' | b'-'))
    {
        return Err(CcError::invalid(
            field,
            "expected 1 to 128 characters from A-Z a-z 0-9 . _ @ -",
        ));
    }
    Ok(s.to_string())
}

async fn cc_table(client: &FsClient, args: &str) -> Result<Vec<Row>, CcError> {
    let text = client.api("callcenter_config", args).await?;
    match classify(&text) {
        Reply::Err(reason) => Err(match error_of(&reason) {
            FsError::QueueNotFound => CcError::QueueNotFound,
            FsError::AgentNotFound => CcError::AgentNotFound,
            FsError::TierNotFound => CcError::TierNotFound,
            _ => CcError::Upstream(format!("callcenter_config {args}: -ERR")),
        }),
        Reply::InvalidCommand => Err(CcError::Upstream("mod_callcenter is not loaded".into())),
        Reply::Usage(_) | Reply::NoReply => Err(CcError::Upstream(format!(
            "callcenter_config {args}: no table"
        ))),
        Reply::Ok(_) => table::parse(&text).map_err(|e| CcError::Upstream(e.to_string())),
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentCounts {
    pub total: u64,
    /// By status (`Available`, `On Break`, `Logged Out`, …).
    pub by_status: BTreeMap<String, u64>,
    /// By state (`Waiting`, `In a queue call`, …).
    pub by_state: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Queue {
    pub name: String,
    pub strategy: String,
    pub moh_sound: String,
    pub record_template: String,
    pub max_wait_time: u64,
    pub calls_answered: u64,
    pub calls_abandoned: u64,
    /// Every column as FreeSWITCH reported it (columns differ between versions).
    pub fields: BTreeMap<String, String>,
    pub agents: AgentCounts,
    pub tiers: u64,
    pub waiting_members: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Agent {
    pub name: String,
    pub status: String,
    pub state: String,
    pub contact: String,
    pub r#type: String,
    pub calls_answered: u64,
    pub talk_time: u64,
    pub no_answer_count: u64,
    pub last_status_change: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tier {
    pub queue: String,
    pub agent: String,
    pub state: String,
    pub level: u64,
    pub position: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    pub uuid: String,
    pub session_uuid: String,
    pub cid_number: String,
    pub cid_name: String,
    pub state: String,
    pub joined_epoch: u64,
    pub serving_agent: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueDetail {
    #[serde(flatten)]
    pub queue: Queue,
    pub agent_list: Vec<Agent>,
    pub tier_list: Vec<Tier>,
    pub members: Vec<Member>,
}

fn n(r: &Row, k: &str) -> u64 {
    r.get(k).and_then(|v| v.parse().ok()).unwrap_or(0)
}
fn s(r: &Row, k: &str) -> String {
    r.get(k).cloned().unwrap_or_default()
}

fn agent_of(r: &Row) -> Agent {
    Agent {
        name: s(r, "name"),
        status: s(r, "status"),
        state: s(r, "state"),
        contact: s(r, "contact"),
        r#type: s(r, "type"),
        calls_answered: n(r, "calls_answered"),
        talk_time: n(r, "talk_time"),
        no_answer_count: n(r, "no_answer_count"),
        last_status_change: n(r, "last_status_change"),
    }
}

fn tier_of(r: &Row) -> Tier {
    Tier {
        queue: s(r, "queue"),
        agent: s(r, "agent"),
        state: s(r, "state"),
        level: n(r, "level"),
        position: n(r, "position"),
    }
}

fn member_of(r: &Row) -> Member {
    Member {
        uuid: s(r, "uuid"),
        session_uuid: s(r, "session_uuid"),
        cid_number: s(r, "cid_number"),
        cid_name: s(r, "cid_name"),
        state: s(r, "state"),
        joined_epoch: n(r, "joined_epoch"),
        serving_agent: s(r, "serving_agent"),
    }
}

fn queue_of(
    r: &Row,
    agents: &[(String, Agent)],
    tiers: &[Tier],
    members: &[(String, Member)],
) -> Queue {
    let name = s(r, "name");
    let in_queue: Vec<&Agent> = tiers
        .iter()
        .filter(|t| t.queue == name)
        .filter_map(|t| agents.iter().find(|(n, _)| *n == t.agent).map(|(_, a)| a))
        .collect();
    let mut counts = AgentCounts {
        total: in_queue.len() as u64,
        by_status: BTreeMap::new(),
        by_state: BTreeMap::new(),
    };
    for a in in_queue {
        *counts.by_status.entry(a.status.clone()).or_default() += 1;
        *counts.by_state.entry(a.state.clone()).or_default() += 1;
    }
    Queue {
        strategy: s(r, "strategy"),
        moh_sound: s(r, "moh_sound"),
        record_template: s(r, "record_template"),
        max_wait_time: n(r, "max_wait_time"),
        calls_answered: n(r, "calls_answered"),
        calls_abandoned: n(r, "calls_abandoned"),
        fields: r.clone(),
        agents: counts,
        tiers: tiers.iter().filter(|t| t.queue == name).count() as u64,
        waiting_members: members
            .iter()
            .filter(|(q, m)| *q == name && (m.state == "Waiting" || m.state == "Trying"))
            .count() as u64,
        name,
    }
}

async fn everything(
    client: &FsClient,
) -> Result<
    (
        Vec<Row>,
        Vec<(String, Agent)>,
        Vec<Tier>,
        Vec<(String, Member)>,
    ),
    CcError,
> {
    // Four listings, asked at once (pipelined on the ESL connection, parallel over mod_xml_rpc);
    // `queue list members` without a queue lists the waiting members of every queue.
    let (queues, agents, tiers, members) = tokio::try_join!(
        cc_table(client, "queue list"),
        cc_table(client, "agent list"),
        cc_table(client, "tier list"),
        cc_table(client, "queue list members"),
    )?;
    let agents = agents.iter().map(|r| (s(r, "name"), agent_of(r))).collect();
    let tiers = tiers.iter().map(tier_of).collect();
    let members = members
        .iter()
        .map(|r| (s(r, "queue"), member_of(r)))
        .collect();
    Ok((queues, agents, tiers, members))
}

/// Every queue's name, agent, tier and member in one set of the four listings (what the online
/// statistics read, see `crate::stats::live`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Listing {
    /// Queue names, sorted.
    pub queues: Vec<String>,
    pub agents: Vec<Agent>,
    pub tiers: Vec<Tier>,
    /// `(queue, member)`: members of every queue.
    pub members: Vec<(String, Member)>,
}

/// The four listings at once, parsed.
pub async fn listing(client: &FsClient) -> Result<Listing, CcError> {
    let (queues, agents, tiers, members) = everything(client).await?;
    let mut queues: Vec<String> = queues.iter().map(|r| s(r, "name")).collect();
    queues.sort();
    Ok(Listing {
        queues,
        agents: agents.into_iter().map(|(_, a)| a).collect(),
        tiers,
        members,
    })
}

/// All queues with counts, sorted by name.
pub async fn queues(client: &FsClient) -> Result<Vec<Queue>, CcError> {
    let (queues, agents, tiers, members) = everything(client).await?;
    let mut out: Vec<Queue> = queues
        .iter()
        .map(|r| queue_of(r, &agents, &tiers, &members))
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

pub async fn queue(client: &FsClient, name: &str) -> Result<QueueDetail, CcError> {
    let name = parse_name("name", name)?;
    let (agents_cmd, tiers_cmd, members_cmd) = (
        format!("queue list agents {name}"),
        format!("queue list tiers {name}"),
        format!("queue list members {name}"),
    );
    let (queues, agent_rows, tier_rows, member_rows) = tokio::try_join!(
        cc_table(client, "queue list"),
        cc_table(client, &agents_cmd),
        cc_table(client, &tiers_cmd),
        cc_table(client, &members_cmd),
    )?;
    let Some(row) = queues.iter().find(|r| get(r, &["name"]) == name) else {
        return Err(CcError::QueueNotFound);
    };
    let agents: Vec<(String, Agent)> = agent_rows
        .iter()
        .map(|r| (s(r, "name"), agent_of(r)))
        .collect();
    let tiers: Vec<Tier> = tier_rows.iter().map(tier_of).collect();
    let members: Vec<(String, Member)> = member_rows
        .iter()
        .map(|r| (name.clone(), member_of(r)))
        .collect();
    Ok(QueueDetail {
        queue: queue_of(row, &agents, &tiers, &members),
        agent_list: agents.into_iter().map(|(_, a)| a).collect(),
        tier_list: tiers,
        members: members.into_iter().map(|(_, m)| m).collect(),
    })
}

/// Tiers, optionally only of one queue and/or one agent.
pub async fn tiers(
    client: &FsClient,
    queue: Option<&str>,
    agent: Option<&str>,
) -> Result<Vec<Tier>, CcError> {
    let queue = queue.map(|q| parse_name("queue", q)).transpose()?;
    let agent = agent.map(|a| parse_name("agent", a)).transpose()?;
    Ok(cc_table(client, "tier list")
        .await?
        .iter()
        .map(tier_of)
        .filter(|t| queue.as_ref().is_none_or(|q| &t.queue == q))
        .filter(|t| agent.as_ref().is_none_or(|a| &t.agent == a))
        .collect())
}

pub async fn tier(client: &FsClient, queue: &str, agent: &str) -> Result<Tier, CcError> {
    let found = tiers(client, Some(queue), Some(agent)).await?;
    found.into_iter().next().ok_or(CcError::TierNotFound)
}

/// Check the connection: FreeSWITCH's `status` first line (version) or the error.
pub async fn check(client: &FsClient) -> Result<String, CcError> {
    let text = client.api("status", "").await?;
    match classify(&text) {
        Reply::Ok(t) => Ok(t
            .lines()
            .find(|l| l.contains("FreeSWITCH"))
            .unwrap_or(t.lines().next().unwrap_or(""))
            .trim()
            .to_string()),
        other => Err(CcError::Upstream(format!("status: {other:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_refuse_command_injection() {
        assert_eq!(
            parse_name("queue", "support@default").unwrap(),
            "support@default"
        );
        for bad in ["", "a b", "q'x", "x;y", "a\nb", "{x}", &"a".repeat(129)] {
            assert!(parse_name("queue", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn queue_counts_from_capture_tables() {
        let rows = |t: &str| table::parse(t).unwrap();
        let q = rows("name|strategy|calls_answered\nsupport@default|longest-idle-agent|3\nsales@default|ring-all|0\n+OK\n");
        let a: Vec<(String, Agent)> = rows("name|status|state\n1000@default|Available|Waiting\n1001@default|On Break|Waiting\n+OK\n")
            .iter()
            .map(|r| (s(r, "name"), agent_of(r)))
            .collect();
        let t: Vec<Tier> = rows("queue|agent|state|level|position\nsupport@default|1000@default|Ready|1|1\nsupport@default|1001@default|Ready|2|1\nsales@default|1001@default|Ready|1|1\n+OK\n")
            .iter()
            .map(tier_of)
            .collect();
        let support = queue_of(&q[0], &a, &t, &[]);
        assert_eq!(support.agents.total, 2);
        assert_eq!(support.agents.by_status["Available"], 1);
        assert_eq!(support.agents.by_status["On Break"], 1);
        assert_eq!(support.tiers, 2);
        assert_eq!(support.calls_answered, 3);
        let sales = queue_of(&q[1], &a, &t, &[]);
        assert_eq!(sales.agents.total, 1);
    }
}
