//! The operations center's read models, composed from reporting's query API and kept in the
//! node's read cache (`platform::cache`): one computation per data version serves every wall and
//! reader who may see the same indicators.

mod health;
mod indicator;
mod map;
mod overview;
mod province;
mod widgets;

pub use health::{HealthBoard, Outage, SiteHealth, health, outages};
pub use indicator::{Figure, IndicatorSeries, Lateness, YearToDate, series};
pub use map::{MapData, MapProvince, map};
pub use overview::{
    Board, BoardUnit, KeyFigure, MAX_BOARD_UNITS, Overview, Ranked, Ranking, SeriesPoint, overview,
};
pub use province::{ProvinceFigure, ProvinceView, RECORD_MONTHS, province};
pub use widgets::{MonthFigure, MonthSeries, national_months};
