//! The operations center's domain, without I/O: which indicators are key, how a figure stands
//! against its target, the geometry of a sparkline, the map's layout and colour classes, alert
//! rules and the daily brief.

pub mod alerts;
pub mod availability;
pub mod bars;
pub mod brief;
pub mod choropleth;
pub mod conference;
pub mod dashboard;
pub mod health;
pub mod hls;
pub mod key;
pub mod relay;
pub mod site;
pub mod site_layer;
pub mod sites_csv;
pub mod spark;
pub mod target;
pub mod tilegrid;
