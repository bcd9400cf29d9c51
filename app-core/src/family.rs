//! The bridge from the definitions in [`crate::metrics`] to
//! `prometheus-client`: its unit and type for ours, and registering or
//! describing a family by its [`FamilyDef`].

use prometheus_client::encoding::{
    DescriptorEncoder, EncodeLabelValue, LabelValueEncoder, MetricEncoder,
};
use prometheus_client::registry::{Metric, Registry};

use crate::metrics::{FamilyDef, MetricType, Unit, Variant};

/// Borrowed for as long as the encoder that describes the family lives,
/// hence `'static`.
fn their_unit(unit: Unit) -> &'static prometheus_client::registry::Unit {
    match unit {
        Unit::Seconds => &prometheus_client::registry::Unit::Seconds,
    }
}

impl From<MetricType> for prometheus_client::metrics::MetricType {
    fn from(metric_type: MetricType) -> Self {
        use prometheus_client::metrics::MetricType as Theirs;
        match metric_type {
            MetricType::Counter => Theirs::Counter,
            MetricType::Gauge => Theirs::Gauge,
            MetricType::Histogram => Theirs::Histogram,
        }
    }
}

impl FamilyDef {
    pub(crate) fn register(&self, registry: &mut Registry, metric: impl Metric) {
        match self.unit {
            Some(unit) => {
                registry.register_with_unit(self.name, self.help, their_unit(unit).clone(), metric)
            }
            None => registry.register(self.name, self.help, metric),
        }
    }

    pub(crate) fn encode_descriptor<'a>(
        &'a self,
        encoder: &'a mut DescriptorEncoder,
        help: &'a str,
    ) -> Result<MetricEncoder<'a>, std::fmt::Error> {
        let unit = self.unit.map(their_unit);
        encoder.encode_descriptor(self.name, help, unit, self.metric_type.into())
    }
}

impl EncodeLabelValue for Variant {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        std::fmt::Write::write_str(encoder, self.as_str())
    }
}
