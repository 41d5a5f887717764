//! Unit tests of the card purchase's pure parts.

use super::*;
use domain::MemberId;

#[test]
fn purchase_ids_carry_their_card_and_member_and_nothing_else_parses() {
    let m = MemberId::parse("m.1").unwrap();
    let id = new_purchase_id("card_x", &m);
    assert_eq!(parse_purchase_id(&id), Some(("card_x".to_owned(), m)));
    for bad in [
        "",
        "a~b",
        "a~b~c",
        "a~b~0123456789abcdef~d",
        "a#~b~0123456789abcdef",
    ] {
        assert_eq!(parse_purchase_id(bad), None, "{bad}");
    }
}
