//! The gazetteer of the public comparison (`seteli.catalogue.v1.CompareProviders`): the
//! municipalities and postal code areas a person may compare providers from, each with the
//! point distances are measured from.
//!
//! The built-in file, `assets/places.csv` ([`BUILT_IN`]), holds the 19 municipalities of
//! Pohjois-Savo with their Tilastokeskus codes and approximate centres, and the main postal code
//! areas of their centres; production loads the full list from `SETELI_PLACES_FILE` (see
//! `crate::app::PLACES_FILE`) in the same columns. Pure data: no IO here.

use std::collections::HashMap;

use seteli_rules::geo::Coordinates;

/// The built-in gazetteer (Pohjois-Savo), compiled in.
pub const BUILT_IN: &str = include_str!("../assets/places.csv");

/// The header line every gazetteer file starts with (after its comments).
pub const HEADER: &str = "kind,code,name,municipality,latitude,longitude";

/// What a place of the gazetteer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceKind {
    /// A municipality (kunta), by its three-digit code.
    Municipality,
    /// A postal code area (postinumeroalue), by its five-digit code.
    PostalCode,
}

/// A place to compare from.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// A municipality or a postal code area.
    pub kind: PlaceKind,
    /// The municipality's three-digit code, or the postal code.
    pub code: String,
    /// The municipality's Finnish name, or the postal code area's name.
    pub name: String,
    /// The three-digit code of the municipality it belongs to.
    pub municipality_code: String,
    /// The point distances are measured from.
    pub centre: Coordinates,
}

impl Place {
    /// Its name as a comparison shows it: `Kuopio`, or `70100 Kuopio` for a postal code.
    pub fn display_name(&self) -> String {
        match self.kind {
            PlaceKind::Municipality => self.name.clone(),
            PlaceKind::PostalCode => format!("{} {}", self.code, self.name),
        }
    }
}

/// Every place the comparison knows, looked up by a municipality's name or code, or by a postal
/// code.
#[derive(Debug, Clone, Default)]
pub struct Gazetteer {
    municipalities: Vec<Place>,
    postal_codes: HashMap<String, Place>,
}

impl Gazetteer {
    /// The built-in gazetteer ([`BUILT_IN`]); a unit test checks that it reads.
    pub fn built_in() -> Self {
        Self::parse(BUILT_IN).unwrap_or_default()
    }

    /// Reads a gazetteer file: comment lines (`#`) and empty lines skipped, then [`HEADER`],
    /// then a place a line. A malformed line is an error naming its line number.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim()))
            .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
        match lines.next() {
            Some((_, header)) if header == HEADER => {}
            Some((n, _)) => return Err(format!("line {n}: the header must be `{HEADER}`")),
            None => return Err("no places".into()),
        }
        let mut out = Self::default();
        for (n, line) in lines {
            let place = parse_place(line).map_err(|e| format!("line {n}: {e}"))?;
            match place.kind {
                PlaceKind::Municipality => {
                    if out.municipalities.iter().any(|m| m.code == place.code) {
                        return Err(format!("line {n}: municipality {} twice", place.code));
                    }
                    out.municipalities.push(place);
                }
                PlaceKind::PostalCode => {
                    if out.postal_codes.contains_key(&place.code) {
                        return Err(format!("line {n}: postal code {} twice", place.code));
                    }
                    out.postal_codes.insert(place.code.clone(), place);
                }
            }
        }
        if out.municipalities.is_empty() {
            return Err("no municipalities".into());
        }
        Ok(out)
    }

    /// The municipality named `given`: its Finnish name in any case (`kuopio`, `SIILINJÄRVI`)
    /// or its three-digit code (`297`).
    pub fn municipality(&self, given: &str) -> Option<&Place> {
        let given = given.trim();
        let lower = given.to_lowercase();
        self.municipalities
            .iter()
            .find(|m| m.code == given || m.name.to_lowercase() == lower)
    }

    /// The postal code area `code` (five digits).
    pub fn postal_code(&self, code: &str) -> Option<&Place> {
        self.postal_codes.get(code.trim())
    }

    /// How many municipalities and postal code areas it knows.
    pub fn len(&self) -> (usize, usize) {
        (self.municipalities.len(), self.postal_codes.len())
    }
}

/// Whether `code` is `n` ASCII digits.
pub fn is_digits(code: &str, n: usize) -> bool {
    code.len() == n && code.bytes().all(|b| b.is_ascii_digit())
}

fn parse_place(line: &str) -> Result<Place, String> {
    let fields: Vec<&str> = line.split(',').map(str::trim).collect();
    let [kind, code, name, municipality, latitude, longitude] = fields[..] else {
        return Err(format!("six fields expected, found {}", fields.len()));
    };
    let (kind, digits) = match kind {
        "municipality" => (PlaceKind::Municipality, 3),
        "postal_code" => (PlaceKind::PostalCode, 5),
        other => return Err(format!("unknown kind `{other}`")),
    };
    if !is_digits(code, digits) {
        return Err(format!("code `{code}` is not {digits} digits"));
    }
    if !is_digits(municipality, 3) {
        return Err(format!(
            "municipality `{municipality}` is not a three-digit code"
        ));
    }
    if name.is_empty() {
        return Err("no name".into());
    }
    let number = |what: &str, v: &str| {
        v.parse::<f64>()
            .map_err(|_| format!("{what} `{v}` is not a number"))
    };
    let centre = Coordinates::new(
        number("latitude", latitude)?,
        number("longitude", longitude)?,
    )
    .map_err(|e| format!("{e}"))?;
    Ok(Place {
        kind,
        code: code.to_owned(),
        name: name.to_owned(),
        municipality_code: municipality.to_owned(),
        centre,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_gazetteer_holds_the_19_municipalities_of_pohjois_savo() {
        let g = Gazetteer::parse(BUILT_IN).expect("the built-in file reads");
        assert_eq!(g.len().0, 19);
        assert!(
            g.len().1 >= 19,
            "a postal code area per municipality centre"
        );
        for (code, name) in [
            ("297", "Kuopio"),
            ("140", "Iisalmi"),
            ("915", "Varkaus"),
            ("749", "Siilinjärvi"),
            ("778", "Suonenjoki"),
            ("420", "Leppävirta"),
            ("402", "Lapinlahti"),
            ("595", "Pielavesi"),
            ("239", "Keitele"),
            ("263", "Kiuruvesi"),
            ("762", "Sonkajärvi"),
            ("925", "Vieremä"),
            ("687", "Rautavaara"),
            ("857", "Tuusniemi"),
            ("204", "Kaavi"),
            ("686", "Rautalampi"),
            ("921", "Vesanto"),
            ("844", "Tervo"),
            ("171", "Joroinen"),
        ] {
            assert_eq!(g.municipality(code).map(|m| m.name.as_str()), Some(name));
            assert_eq!(
                g.municipality(&name.to_uppercase())
                    .map(|m| m.code.as_str()),
                Some(code)
            );
            // Every municipality's point lies in Pohjois-Savo.
            let c = g.municipality(code).expect("known").centre;
            assert!((62.0..64.0).contains(&c.lat) && (26.0..29.0).contains(&c.lon));
        }
        let kuopio = g.postal_code("70100").expect("70100");
        assert_eq!(
            (
                kuopio.display_name().as_str(),
                kuopio.municipality_code.as_str()
            ),
            ("70100 Kuopio", "297")
        );
        assert!(g.municipality("Helsinki").is_none());
        assert!(g.postal_code("00100").is_none());
    }

    #[test]
    fn a_malformed_file_names_its_line() {
        let bad = format!("# c\n{HEADER}\nmunicipality,29,Kuopio,297,62.9,27.7\n");
        assert!(
            Gazetteer::parse(&bad)
                .expect_err("bad")
                .starts_with("line 3")
        );
        let twice = format!(
            "{HEADER}\nmunicipality,297,Kuopio,297,62.9,27.7\nmunicipality,297,Kuopio,297,62.9,27.7\n"
        );
        assert!(Gazetteer::parse(&twice).is_err());
        assert!(Gazetteer::parse("kind,code\n").is_err());
        let far = format!("{HEADER}\nmunicipality,297,Kuopio,297,99,27.7\n");
        assert!(Gazetteer::parse(&far).is_err());
    }
}
