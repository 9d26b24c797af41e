//! Generated gRPC contracts of Seteli.
//!
//! Every context's package from `proto/seteli/<context>/v1` is a module here
//! (`seteli_api::providers::v1`, …), with prost messages and tonic clients and servers.
//! [`FILE_DESCRIPTOR_SET`] is the encoded descriptor set that server reflection serves.
//! Nothing here is written by hand but these module declarations.

#![allow(missing_docs, clippy::all, clippy::pedantic)]

/// Encoded `FileDescriptorSet` of every contract, for gRPC server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/seteli_descriptor.bin"));

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
