//! `connect.protocol` (Java's `ConnectProtocolCompatibility`): which group
//! protocols a worker offers, in Java's order of preference, and their
//! names and versions.

use std::fmt;
use std::str::FromStr;

use super::protocol::{CONNECT_PROTOCOL_V0, CONNECT_PROTOCOL_V1, CONNECT_PROTOCOL_V2};

/// `connect.protocol`: which protocols a worker offers (Java's
/// `ConnectProtocolCompatibility`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConnectProtocolCompatibility {
    /// Protocol "default", v0: every rebalance revokes everything.
    Eager,
    /// Protocol "compatible", v1: incremental cooperative rebalancing.
    Compatible,
    /// Protocol "sessioned", v2: v1 plus signed internal requests.
    Sessioned,
}

impl ConnectProtocolCompatibility {
    /// The protocol name in JoinGroup.
    pub fn protocol(self) -> &'static str {
        match self {
            ConnectProtocolCompatibility::Eager => "default",
            ConnectProtocolCompatibility::Compatible => "compatible",
            ConnectProtocolCompatibility::Sessioned => "sessioned",
        }
    }

    pub fn protocol_version(self) -> i16 {
        match self {
            ConnectProtocolCompatibility::Eager => CONNECT_PROTOCOL_V0,
            ConnectProtocolCompatibility::Compatible => CONNECT_PROTOCOL_V1,
            ConnectProtocolCompatibility::Sessioned => CONNECT_PROTOCOL_V2,
        }
    }

    /// The `connect.protocol` value, case-insensitive (`compatibility(name)`).
    pub fn from_config(name: &str) -> Option<ConnectProtocolCompatibility> {
        [Self::Eager, Self::Compatible, Self::Sessioned]
            .into_iter()
            .find(|m| m.to_string().eq_ignore_ascii_case(name))
    }

    /// The mode of a protocol name the group chose, case-insensitive
    /// (`fromProtocol`).
    pub fn from_protocol(protocol: &str) -> Option<ConnectProtocolCompatibility> {
        [Self::Eager, Self::Compatible, Self::Sessioned]
            .into_iter()
            .find(|m| m.protocol().eq_ignore_ascii_case(protocol))
    }

    pub fn from_protocol_version(version: i16) -> Option<ConnectProtocolCompatibility> {
        match version {
            CONNECT_PROTOCOL_V0 => Some(Self::Eager),
            CONNECT_PROTOCOL_V1 => Some(Self::Compatible),
            CONNECT_PROTOCOL_V2 => Some(Self::Sessioned),
            _ => None,
        }
    }

    /// The protocols a worker in this mode offers, most preferred first.
    pub fn offered(self) -> &'static [ConnectProtocolCompatibility] {
        match self {
            ConnectProtocolCompatibility::Eager => &[Self::Eager],
            ConnectProtocolCompatibility::Compatible => &[Self::Compatible, Self::Eager],
            ConnectProtocolCompatibility::Sessioned => {
                &[Self::Sessioned, Self::Compatible, Self::Eager]
            }
        }
    }
}

impl fmt::Display for ConnectProtocolCompatibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConnectProtocolCompatibility::Eager => "eager",
            ConnectProtocolCompatibility::Compatible => "compatible",
            ConnectProtocolCompatibility::Sessioned => "sessioned",
        })
    }
}

impl FromStr for ConnectProtocolCompatibility {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Self::from_config(s)
            .ok_or_else(|| format!("Unknown Connect protocol compatibility mode: {s}"))
    }
}
