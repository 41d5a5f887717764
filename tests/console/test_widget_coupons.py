"""Coupons in the storefront member widget (API 1.3 "Coupons", last paragraph: `<loyalty-member>`
lists the member's coupons and the claimable ones with a button "Take"; seeds 000/002 优惠券)
on the example shop page, served from the origin the stack lists (test_storefront.py's
fixture and port: LOYALTY_STOREFRONT_TEST_PORT, default 9310)."""
import re

import pytest
from playwright.sync_api import expect

from conftest import assert_accessible, new_shop
from test_storefront import open_shop, serve, PORT

FIVE_OFF = {"name": "5 off", "kind": "amount_off", "amount": "5.00", "validity": {"kind": "days", "days": 30},
            "claimable": True, "per_member": 1}


@pytest.fixture(scope="module")
def shop_site():
    """The example page on the listed origin (the refusals of an unlisted one are
    test_storefront.py's)."""
    server = serve(PORT)
    yield f"http://127.0.0.1:{PORT}"
    server.shutdown()
    server.server_close()


def coupon_shop():
    """A shop with a claimable "5 off" (one a member), a sold out one and a member."""
    api = new_shop()
    five = api.ok("POST", "/admin/coupons", FIVE_OFF)
    gone = api.ok("POST", "/admin/coupons", {"name": "Free tote", "kind": "gift", "gift": "Tote bag",
                                             "validity": {"kind": "days", "days": 7}, "claimable": True,
                                             "stock": 1})
    api.ok("POST", f"/coupons/{gone['coupon_id']}/claim", {"member_id": "someone_else"})
    return api, "m_" + api.shop, five


def item(region, name):
    return region.get_by_role("article", name=name)


def test_take_lists_the_coupon_as_held(page, shop_site):
    api, member, five = coupon_shop()
    widget = open_shop(page, shop_site, api, member)
    coupons = widget.get_by_role("region", name="Coupons", exact=True)
    mine = coupons.get_by_role("region", name="My coupons")
    expect(mine).to_contain_text("You hold no coupons yet.")
    offers = coupons.get_by_role("region", name="Coupons to take")
    offer = item(offers, "5 off")
    expect(offer).to_contain_text(re.compile(r"5\.00 off"))
    expect(offer).to_contain_text("Valid for 30 days")
    tote = item(offers, "Free tote")
    expect(tote).to_contain_text("Gift: Tote bag")
    expect(tote).to_contain_text("Sold out")
    expect(tote.get_by_role("button")).to_have_count(0)
    assert_accessible(page)

    offer.get_by_role("button", name="Take").click()
    held = item(mine, "5 off")
    expect(held).to_contain_text(re.compile(r"5\.00 off"))
    expect(held).to_contain_text(re.compile(r"Coupon no\. [0-9A-Z]{10,}"))
    expect(held).to_contain_text("Valid until")
    # One a member: taken, the button is gone.
    expect(offer.get_by_role("button", name="Take")).to_have_count(0)
    expect(offer).to_contain_text("Taken")
    wallet = api.ok("GET", f"/members/{member}/coupons?status=available")["items"]
    assert [c["coupon_id"] for c in wallet] == [five["coupon_id"]]
    expect(held).to_contain_text(wallet[0]["coupon_no"])
    assert_accessible(page)


def test_a_second_take_is_refused_politely(page, shop_site):
    """The member took it elsewhere after the widget loaded: the API's 409 is a polite line
    under the coupon, and the rest of the widget stays."""
    api, member, five = coupon_shop()
    widget = open_shop(page, shop_site, api, member)
    offer = item(widget.get_by_role("region", name="Coupons to take"), "5 off")
    expect(offer.get_by_role("button", name="Take")).to_be_visible()
    api.ok("POST", f"/coupons/{five['coupon_id']}/claim", {"member_id": member})
    offer.get_by_role("button", name="Take").click()
    expect(offer.get_by_role("alert")).to_have_text(
        "You have already taken this coupon as many times as it allows.")
    expect(widget.locator("[data-figure=points]")).to_be_visible()
    assert len(api.ok("GET", f"/members/{member}/coupons?status=available")["items"]) == 1


def test_chinese(page, shop_site):
    api, member, five = coupon_shop()
    widget = open_shop(page, shop_site, api, member, lang="zh-CN")
    coupons = widget.get_by_role("region", name="优惠券", exact=True)
    expect(coupons.get_by_role("region", name="我的优惠券")).to_contain_text("还没有优惠券。")
    offers = coupons.get_by_role("region", name="可领取的优惠券")
    offer = item(offers, "5 off")
    expect(offer).to_contain_text(re.compile(r"立减 .*5\.00"))
    expect(offer).to_contain_text("有效期 30 天")
    expect(item(offers, "Free tote")).to_contain_text("已售罄")
    # Taken elsewhere first: the refusal in Chinese; then the list read again shows it held.
    api.ok("POST", f"/coupons/{five['coupon_id']}/claim", {"member_id": member})
    offer.get_by_role("button", name="领取").click()
    expect(offer.get_by_role("alert")).to_have_text("你已达到此券的领取上限。")
    assert_accessible(page)
    page.evaluate("document.querySelector('loyalty-member').refresh()")
    held = item(coupons.get_by_role("region", name="我的优惠券"), "5 off")
    expect(held).to_contain_text("券码")
    expect(held).to_contain_text("有效期至")
    expect(offer).to_contain_text("已领取")
    expect(offer.get_by_role("button", name="领取")).to_have_count(0)
    assert_accessible(page)


def test_take_in_chinese(page, shop_site):
    api, member, five = coupon_shop()
    widget = open_shop(page, shop_site, api, member, lang="zh-CN")
    coupons = widget.get_by_role("region", name="优惠券", exact=True)
    offer = item(coupons.get_by_role("region", name="可领取的优惠券"), "5 off")
    offer.get_by_role("button", name="领取").click()
    expect(item(coupons.get_by_role("region", name="我的优惠券"), "5 off")).to_contain_text("券码")
    expect(offer.get_by_role("button", name="领取")).to_have_count(0)
    assert len(api.ok("GET", f"/members/{member}/coupons?status=available")["items"]) == 1
