//! The tile-grid map of the 34 provinces (since 1 July 2025): one equal square cell per
//! province, laid out roughly as the country is — the north at the top, the S-shape down the
//! coast to the Mekong delta — so a choropleth needs no boundary data.

/// Province statistical code → (column, row), the top-left cell being (0, 0).
pub const TILES: &[(&str, u8, u8)] = &[
    // The northern mountains.
    ("12", 1, 0), // Lai Châu
    ("15", 2, 0), // Lào Cai
    ("08", 3, 0), // Tuyên Quang
    ("04", 4, 0), // Cao Bằng
    ("11", 0, 1), // Điện Biên
    ("14", 1, 1), // Sơn La
    ("25", 2, 1), // Phú Thọ
    ("19", 3, 1), // Thái Nguyên
    ("20", 4, 1), // Lạng Sơn
    // The Red River delta.
    ("01", 2, 2), // Hà Nội
    ("24", 3, 2), // Bắc Ninh
    ("22", 4, 2), // Quảng Ninh
    ("37", 2, 3), // Ninh Bình
    ("33", 3, 3), // Hưng Yên
    ("31", 4, 3), // Hải Phòng
    // The north-central and central coast.
    ("38", 2, 4),  // Thanh Hóa
    ("40", 2, 5),  // Nghệ An
    ("42", 3, 6),  // Hà Tĩnh
    ("44", 3, 7),  // Quảng Trị
    ("46", 4, 8),  // Huế
    ("48", 4, 9),  // Đà Nẵng
    ("51", 4, 10), // Quảng Ngãi
    // The Central Highlands and the south-central coast.
    ("52", 4, 11), // Gia Lai
    ("66", 4, 12), // Đắk Lắk
    ("68", 3, 13), // Lâm Đồng
    ("56", 4, 13), // Khánh Hòa
    // The south-east.
    ("80", 1, 14), // Tây Ninh
    ("79", 2, 14), // Hồ Chí Minh
    ("75", 3, 14), // Đồng Nai
    // The Mekong delta.
    ("91", 0, 15), // An Giang
    ("82", 1, 15), // Đồng Tháp
    ("86", 2, 15), // Vĩnh Long
    ("96", 0, 16), // Cà Mau
    ("92", 1, 16), // Cần Thơ
];

/// The grid's size in cells: (columns, rows).
pub fn size() -> (u8, u8) {
    TILES
        .iter()
        .fold((0, 0), |(c, r), &(_, x, y)| (c.max(x + 1), r.max(y + 1)))
}

/// The cell of a province code.
pub fn cell(code: &str) -> Option<(u8, u8)> {
    TILES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|&(_, x, y)| (x, y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_cell_per_province_and_no_two_share_a_cell() {
        let mut codes: Vec<&str> = TILES.iter().map(|t| t.0).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 34);
        let mut cells: Vec<(u8, u8)> = TILES.iter().map(|t| (t.1, t.2)).collect();
        cells.sort_unstable();
        cells.dedup();
        assert_eq!(cells.len(), 34);
        assert_eq!(size(), (5, 17));
        assert_eq!(cell("01"), Some((2, 2)));
        assert_eq!(cell("02"), None);
    }
}
