//! Network facts about a request that no single domain owns: who the client
//! is once reverse proxies are accounted for ([`client_ip`]).

pub mod client_ip;
