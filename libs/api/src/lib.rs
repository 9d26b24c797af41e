//! Generated gRPC contracts of Seteli.
//!
//! Every context's package from `proto/seteli/<context>/v1` is a module here
//! (`seteli_api::providers::v1`, …), with prost messages and tonic clients and servers.
//! [`FILE_DESCRIPTOR_SET`] is the encoded descriptor set that server reflection serves.
//! Every RPC's request is an [`RpcRequest`], and every request that changes something (it has a
//! `request_id`) a [`Mutation`]: the build script writes those impls, and refuses to build a
//! request with a `request_id` but without `bool validate_only` (Google AIP-163).
//! Nothing here is written by hand but these module declarations and the two traits.

#![allow(missing_docs, clippy::all, clippy::pedantic)]

/// Encoded `FileDescriptorSet` of every contract, for gRPC server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/seteli_descriptor.bin"));

/// The request message of a Seteli RPC (every one: the build script writes the impls).
pub trait RpcRequest: prost::Message {
    /// Whether the caller asks only to validate the change (Google AIP-163: answer as the call
    /// would, change nothing); always `false` for a request that changes nothing.
    fn validate_only(&self) -> bool {
        false
    }
}

/// A request that changes something: it carries the client-chosen idempotency key and
/// `validate_only` ([`RpcRequest::validate_only`]). Implemented by the build script for every
/// RPC request with a `request_id`, each of which must have `bool validate_only` too; the
/// platform's change primitive takes only a `Mutation`, so no change can forget either.
pub trait Mutation: RpcRequest {
    /// The client-chosen idempotency key (`request_id`).
    fn request_id(&self) -> &str;
}

include!(concat!(env!("OUT_DIR"), "/seteli_requests.rs"));

/// `seteli.common.v1`: types shared by every context.
pub mod common {
    /// Version 1.
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/seteli.common.v1.rs"));
    }
}

/// `seteli.audit.v1`: the audit log of personal-data access.
pub mod audit {
    /// Version 1.
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/seteli.audit.v1.rs"));
    }
}

/// `seteli.catalogue.v1`: the public comparison of providers (no token).
pub mod catalogue {
    /// Version 1.
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/seteli.catalogue.v1.rs"));
    }
}

/// `seteli.providers.v1`: the provider registry.
pub mod providers {
    /// Version 1.
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/seteli.providers.v1.rs"));
    }
}

/// `seteli.vouchers.v1`: clients, ceiling prices, service decisions and vouchers.
pub mod vouchers {
    /// Version 1.
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/seteli.vouchers.v1.rs"));
    }
}

/// `seteli.attendance.v1`: sessions, cancellations, absences, alerts and billable items.
pub mod attendance {
    /// Version 1.
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/seteli.attendance.v1.rs"));
    }
}

/// `seteli.billing.v1`: invoices, their approval, the financial system's pull and e-invoices.
pub mod billing {
    /// Version 1.
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/seteli.billing.v1.rs"));
    }
}

/// `seteli.reporting.v1`: report obligations, interim and final reports.
pub mod reporting {
    /// Version 1.
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/seteli.reporting.v1.rs"));
    }
}
