//! Reaching a PostgreSQL that runs in Kubernetes: find its pod, forward a local
//! port to it with kubectl, and the password (and URL) to log in with.

mod forward;
mod kubectl;
mod password;
mod pod;
mod url;

pub use forward::PortForward;
pub use kubectl::Kubectl;
pub use password::{resolve_password, Redacting};
pub use pod::{choose_pod, parse_pods};
pub use url::{
    encode as encode_component, forward_url, has_password, has_sslmode, require_tls, with_password,
};
