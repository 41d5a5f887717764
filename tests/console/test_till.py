"""The till (seed 002: 零售App at the counter, 办理会员 face to face and 发权益卡 by QR code;
seed 003: 充值规则 recharges and 积分兑换礼品 at the till), as a cashier would use it."""
import re

from playwright.sync_api import expect

from conftest import assert_accessible, new_shop, open_console, shot


VALUE_PROGRAM = {
    "enabled": True,
    "any_amount": False,
    "rules": [{"rule_id": "r100", "name": "Top up 100, get 10", "pay": "100.00",
               "gifts": {"value": "10.00"}, "channels": ["till"]}],
}


def test_cashier_registers_a_member_and_recharges_by_a_rule(page):
    """003: a cashier signs a customer up by phone and takes a recharge by the shop's rule;
    the stored value shows 100 paid + 10 given; no balance adjustment at the till."""
    api = new_shop()
    api.ok("PUT", "/admin/programs/value", VALUE_PROGRAM)
    open_console(page, api, "/till", role="cashier")
    expect(page.get_by_role("heading", name="Till", level=1)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("textbox", name="Phone", exact=True).fill("+60 12-345 6701")
    page.get_by_label("Name").fill("Mei Ling")
    page.get_by_role("button", name="Register member").click()
    expect(page.get_by_role("heading", name="Mei Ling")).to_be_visible()
    balances = page.get_by_role("table", name="Balances")
    expect(balances).to_contain_text(re.compile(r"MYR\s*0\.00"))

    page.get_by_role("radio", name=re.compile("Top up 100, get 10")).check()
    page.get_by_role("button", name="Recharge", exact=True).click()
    expect(page.get_by_role("status").filter(has_text=re.compile(r"Stored value now MYR\s*110\.00"))).to_be_visible()
    expect(balances.get_by_role("row", name=re.compile("Stored value"))).to_contain_text(re.compile(r"MYR\s*110\.00"))
    expect(page.get_by_role("button", name="Adjust balance")).to_have_count(0)
    assert_accessible(page)

    # The member really is registered at the till, with the value on their account.
    member = api.ok("GET", "/admin/members/lookup?phone=%2B60123456701")
    assert member["name"] == "Mei Ling" and member["registered_at"]
    assert api.ok("GET", f"/members/{member['member_id']}")["value"]["balance"] == "110.00"


def test_a_taken_phone_is_refused_at_the_phone_field(page):
    """002: a phone belongs to one member of the shop; the refusal shows where it was typed."""
    api = new_shop()
    api.ok("PUT", "/admin/members/m_taken", {"phone": "+60123456702", "name": "First"})
    open_console(page, api, "/till", role="cashier")
    page.expected_http_errors = True
    phone = page.get_by_role("textbox", name="Phone", exact=True)
    phone.fill("+60123456702")
    page.get_by_role("button", name="Register member").click()
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_have_accessible_description(re.compile("belongs to another member"))
    expect(page.get_by_role("heading", name="First")).to_have_count(0)
    assert_accessible(page)


def test_handing_over_a_free_card_shows_its_qr_code(page):
    """002 发权益卡: a free card given face to face, with its QR code to scan."""
    api = new_shop(claim_url="http://127.0.0.1:9000/claim/{card_id}")
    card = api.ok("POST", "/admin/cards", {"kind": "free", "name": "Welcome card",
                                            "validity": {"kind": "permanent"},
                                            "benefits": [{"kind": "discount", "percent": 95}]})
    api.ok("PUT", "/admin/members/m_qr", {"phone": "+60123456703", "name": "Aisyah", "member_no": "A0003"})
    api.ok("PUT", "/admin/programs/value", VALUE_PROGRAM)
    api.ok("PUT", "/admin/programs/points", {
        "enabled": True, "earn": {"points_per_unit": 100}, "redeem": {"points_per_unit": 100},
        "expiry": {"kind": "never"},
        "exchange": [{"rule_id": "tote", "points": 500, "gift": "Tote bag", "stock": 20}]})
    api.ok("POST", "/members/m_qr/adjustments", {"account": "points", "delta": 1200, "reason": "opening"})

    for lang in ("en", "zh-CN"):
        open_console(page, api, "/till", role="cashier", lang=lang)
        page.set_viewport_size({"width": 400, "height": 860})
        en = lang == "en"
        page.get_by_label("Find by" if en else "查找方式").select_option("member_no")
        page.get_by_label("Find member" if en else "查找会员").fill("A0003")
        page.get_by_role("button", name="Find" if en else "查找", exact=True).click()
        expect(page.get_by_role("heading", name="Aisyah")).to_be_visible()
        expect(page.locator("table")).to_contain_text("1,200")
        if lang == "en":
            page.get_by_label("Free card").select_option(label="Welcome card")
            page.get_by_role("button", name="Give to member").click()
            expect(page.get_by_role("status").filter(has_text="Welcome card given")).to_be_visible()
            qr = page.get_by_role("img", name="QR code to claim Welcome card")
            expect(qr).to_be_visible()
            expect(qr).to_have_attribute("src", re.compile("^blob:"))
            page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
            assert_accessible(page)
            held = api.ok("GET", "/members/m_qr")["cards"]
            assert [c["card_id"] for c in held] == [card["card_id"]]
        else:
            page.get_by_label("免费权益卡").select_option(label="Welcome card")
            page.get_by_role("button", name="出示二维码").click()
            expect(page.get_by_role("img", name="领取 Welcome card 的二维码")).to_be_visible()
            assert_accessible(page)
        shot(page, f"till-{lang}")
