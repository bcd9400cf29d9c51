//! A small, fixed, in-memory catalogue: enough to serve realistic JSON.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Item {
    pub id: u32,
    pub name: &'static str,
    pub price_cents: u32,
}

pub const ITEMS: [Item; 3] = [
    Item {
        id: 1,
        name: "widget",
        price_cents: 250,
    },
    Item {
        id: 2,
        name: "gadget",
        price_cents: 1_000,
    },
    Item {
        id: 3,
        name: "gizmo",
        price_cents: 4_200,
    },
];

/// Looks an item up by the raw `{id}` path segment; anything that is not a
/// known decimal id is simply not found.
pub fn find(raw_id: &str) -> Option<&'static Item> {
    position(raw_id).map(|at| &ITEMS[at])
}

/// Where in [`ITEMS`] the item of a raw `{id}` segment is.
pub fn position(raw_id: &str) -> Option<usize> {
    let id: u32 = raw_id.parse().ok()?;
    ITEMS.iter().position(|item| item.id == id)
}
