//! OTLP/protobuf encoding: each record once, at record time, into the journal; requests are
//! assembled around those bytes. See `records.rs` (messages) and `request.rs` (envelopes).

mod records;
mod request;
mod wire;

pub(crate) use records::{
    event_into, log_attribute_fields, log_record_into, nanos, resource, scope,
    span_attribute_fields, span_into,
};
pub(crate) use request::{request, ScopeGroup};
