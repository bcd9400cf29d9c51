//! Renders [`StoredMetrics`] through the same [`FamilyDef`]s as the
//! in-memory set, so both variants expose the same text.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, NoLabelSet};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;

use crate::exposition::{Exposition, ExpositionError, ExpositionFormat};
use crate::metrics::{
    ACTIVE_REQUESTS, BUILD_INFO, DURATION_BUCKETS, FamilyDef, REQUEST_DURATION, STORE_ERRORS,
};
use crate::stored::StoredMetrics;

impl StoredMetrics {
    pub fn into_registry(self) -> Registry {
        let mut registry = Registry::default();
        registry.register_collector(Box::new(self));
        registry
    }
}

impl Collector for StoredMetrics {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        // Registry::register appends a full stop to help texts; match it.
        let help = |def: &FamilyDef| format!("{}.", def.help);

        // A family without series is left out entirely, as prometheus-client
        // does for an empty `Family`: both variants then expose the same text.
        if !self.requests.is_empty() {
            let text = help(&REQUEST_DURATION);
            let mut family = REQUEST_DURATION.encode_descriptor(&mut encoder, &text)?;
            let mut bounds: Vec<(f64, u64)> = DURATION_BUCKETS
                .iter()
                .copied()
                .chain([f64::INFINITY])
                .map(|bound| (bound, 0))
                .collect();
            for (labels, histogram) in &self.requests {
                for (slot, count) in bounds.iter_mut().zip(histogram.buckets) {
                    slot.1 = count;
                }
                family
                    .encode_family(labels)?
                    .encode_histogram::<NoLabelSet>(
                        histogram.sum_seconds(),
                        histogram.count(),
                        &bounds,
                        None,
                    )?;
            }
        }

        if !self.active.is_empty() {
            let text = help(&ACTIVE_REQUESTS);
            let mut family = ACTIVE_REQUESTS.encode_descriptor(&mut encoder, &text)?;
            for (labels, value) in &self.active {
                ConstGauge::new(*value).encode(family.encode_family(labels)?)?;
            }
        }

        let text = help(&BUILD_INFO);
        let mut family = BUILD_INFO.encode_descriptor(&mut encoder, &text)?;
        ConstGauge::new(1i64).encode(family.encode_family(&self.build)?)?;

        let text = help(&STORE_ERRORS);
        let family = STORE_ERRORS.encode_descriptor(&mut encoder, &text)?;
        ConstCounter::new(self.store_errors).encode(family)?;
        Ok(())
    }
}

impl Exposition for StoredMetrics {
    fn encode(&self, format: ExpositionFormat, out: &mut String) -> Result<(), ExpositionError> {
        self.clone().into_registry().encode(format, out)
    }
}
