"""Benefit cards in the console (seeds 000 权益卡 and 002 权益卡 admin: create, hand out by
link or QR code, claim records, refusals to delete a held card, read-only staff)."""
import hashlib
import hmac
import json
import re
import time
import urllib.request
import uuid

import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from conftest import URL, assert_accessible, new_shop, open_console, shot

SECRET = "whsec_test_secret_0123456789"
CLAIM = "http://127.0.0.1:9000/claim/{card_id}"


def reopen(page, api, route, **kw):
    """open_console again on a page already showing the console: from a blank page, so the
    sign-in always loads afresh (a hash-only change would keep the old document)."""
    page.goto("about:blank")
    open_console(page, api, route, **kw)


def shop():
    return new_shop(webhook_secret=SECRET, claim_url=CLAIM)


def pay(api, purchase):
    """The payment provider's signed webhook for a purchase (000: paid cards are bought)."""
    body = json.dumps({"id": f"evt_{uuid.uuid4().hex[:12]}", "type": "payment.succeeded",
                       "data": {"reference": purchase["purchase_id"], "amount": purchase["amount"],
                                "currency": purchase["currency"]}})
    ts = str(int(time.time()))
    sig = hmac.new(SECRET.encode(), f"{ts}.{body}".encode(), hashlib.sha256).hexdigest()
    req = urllib.request.Request(URL + "/webhooks/payments", data=body.encode(), method="POST",
                                 headers={"Content-Type": "application/json", "Webhook-Shop": api.shop,
                                          "Webhook-Signature": f"t={ts},v1={sig}"})
    with urllib.request.urlopen(req, timeout=60) as res:
        assert res.status == 200


def paid_card(api, **extra):
    return api.ok("POST", "/admin/cards", {
        "kind": "paid", "name": "Gold yearly", "description": "Members save on every order.",
        "validity": {"kind": "days", "days": 365}, "price": "99.00", "stock": 50,
        "benefits": [{"kind": "discount", "percent": 80}, {"kind": "free_shipping"}],
        "gift_pack": {"points": 100, "gifts": ["Tote bag"]}, **extra})


def buy(api, card_id, member_id):
    purchase = api.ok("POST", f"/cards/{card_id}/purchase", {"member_id": member_id},
                      key=uuid.uuid4().hex)
    pay(api, purchase)


def test_admin_creates_a_paid_card_and_sees_the_purchase(page):
    """000/002: an admin creates a paid card (price, stock) in the form; a member buys it;
    the card's page shows one holder, the stock down by one and the claim record."""
    api = shop()
    api.ok("PUT", "/admin/members/m-ana", {"name": "Ana"})
    open_console(page, api, "/cards")
    expect(page.get_by_role("heading", name="Benefit cards")).to_be_visible()
    expect(page.get_by_text("No cards yet")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="New card").click()
    expect(page.get_by_role("heading", name="New card", level=1)).to_be_visible()
    page.get_by_label("Paid card").check()
    page.get_by_label("Card name").fill("Gold yearly")
    page.get_by_label("Terms of use").fill("Save 20% on every order for a year.")
    page.get_by_label("A number of days from when it is claimed").check()
    page.get_by_label(re.compile(r"^Days")).fill("365")
    page.get_by_label(re.compile(r"^Price")).fill("99.00")
    page.get_by_label(re.compile(r"^Stock(?! shards)")).fill("50")
    page.get_by_role("button", name="Add benefit").click()
    page.get_by_label("Discount: members pay (%)").fill("80")
    page.get_by_label("Benefit to add").select_option(label="Free shipping")
    page.get_by_role("button", name="Add benefit").click()
    page.get_by_label("Points", exact=True).fill("100")
    page.get_by_label("Gifts").fill("Tote bag")
    assert_accessible(page)
    shot(page, "card-new-en")
    page.get_by_role("button", name="Create card").click()

    expect(page.get_by_role("heading", name="Gold yearly", level=1)).to_be_visible()
    card_id = page.evaluate("location.hash").split("/")[-1]
    card = api.ok("GET", f"/admin/cards/{card_id}")
    assert (card["kind"], card["price"], card["stock"]) == ("paid", "99.00", 50)
    assert card["benefits"] == [{"kind": "discount", "percent": 80}, {"kind": "free_shipping"}]
    expect(page.get_by_text("No one has this card yet.")).to_be_visible()

    buy(api, card_id, "m-ana")
    page.reload()
    figures = page.locator(".cards-figures")
    expect(figures.get_by_text("Holders").locator("..")).to_contain_text("1")
    expect(figures.get_by_text("Left to sell").locator("..")).to_contain_text("49")
    claims = page.get_by_role("table").first
    expect(claims.get_by_role("link", name="m-ana")).to_be_visible()
    expect(claims).to_contain_text("Bought")
    expect(claims).to_contain_text("MYR 99.00")
    assert_accessible(page)

    page.get_by_role("link", name="Benefit cards").click()
    row = page.get_by_role("row").filter(has_text="Gold yearly")
    expect(row).to_contain_text("Paid card")
    expect(row).to_contain_text("49")
    expect(row.get_by_role("cell").last).to_have_text("1")


def test_qr_code_decodes_to_the_claim_link(page, tmp_path):
    """000: free and paid cards are handed out by link or QR code; rule cards have none."""
    api = shop()
    card = paid_card(api)
    rule = api.ok("POST", "/admin/cards", {"kind": "rule", "name": "Silver",
                                            "rule": {"cumulative_spend": "1000.00"}})
    api.ok("PUT", "/admin/members/m-ben", {"name": "Ben"})
    buy(api, card["card_id"], "m-ben")
    url = CLAIM.replace("{card_id}", card["card_id"])
    for lang in ("en", "zh-CN"):
        reopen(page, api, f"/cards/{card['card_id']}", lang=lang)
        img = page.locator(".qr img")
        expect(img).to_be_visible()
        expect(img).to_have_js_property("complete", True)
        assert img.evaluate("i => i.naturalWidth") > 0
        expect(page.get_by_role("link", name=url)).to_be_visible()
        if lang == "en":
            expect(img).to_have_attribute("alt", f"QR code of the claim link for Gold yearly: {url}")
            expect(page.get_by_role("button", name="Print")).to_be_visible()
            path = str(tmp_path / "qr.png")
            img.screenshot(path=path)
            decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(path))]
            assert decoded == [url]
            assert_accessible(page)
        shot(page, f"card-{lang}")
        reopen(page, api, "/cards", lang=lang)
        expect(page.get_by_role("link", name="Silver")).to_be_visible()
        shot(page, f"cards-{lang}")
    reopen(page, api, f"/cards/{rule['card_id']}", lang="en")
    expect(page.get_by_text("Rule cards are issued automatically")).to_be_visible()
    expect(page.locator(".qr img")).to_have_count(0)
    # The new-card form in Chinese.
    reopen(page, api, "/cards/new", lang="zh-CN")
    expect(page.get_by_role("heading", name="新增权益卡", level=1)).to_be_visible()
    shot(page, "card-new-zh-CN")


def test_claim_link_not_set_points_to_settings(page):
    """API 1.2: without settings.claim_url a card has no link or QR; the hint leads to Settings."""
    api = new_shop()
    card = api.ok("POST", "/admin/cards", {"kind": "free", "name": "Welcome"})
    open_console(page, api, f"/cards/{card['card_id']}")
    expect(page.get_by_role("link", name="Set the claim link in Settings")).to_have_attribute("href", "#/settings")
    expect(page.locator(".qr img")).to_have_count(0)


def test_deleting_a_held_card_is_refused(page):
    """000: a card members hold can be disabled but not deleted (card_in_use)."""
    page.expected_http_errors = True
    api = shop()
    card = paid_card(api)
    api.ok("PUT", "/admin/members/m-cy", {"name": "Cy"})
    buy(api, card["card_id"], "m-cy")
    open_console(page, api, f"/cards/{card['card_id']}")
    page.get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Delete this card?")).to_be_visible()
    dialog.get_by_role("button", name="Delete").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("can be disabled but not deleted")
    expect(page.get_by_role("heading", name="Gold yearly", level=1)).to_be_visible()
    assert api.ok("GET", f"/admin/cards/{card['card_id']}")["holders"] == 1
    # Disabling instead, from the refusal, after confirming.
    alert.get_by_role("button", name="Disable").click()
    page.get_by_role("dialog").get_by_role("button", name="Disable").click()
    expect(page.get_by_role("button", name="Enable")).to_be_visible()
    assert api.ok("GET", f"/admin/cards/{card['card_id']}")["status"] == "disabled"


def test_refund_from_a_claim_record(page):
    """000 退卡: a paid card is returned from its claim record; too much money is refused."""
    page.expected_http_errors = True
    api = shop()
    card = paid_card(api)
    api.ok("PUT", "/admin/members/m-di", {"name": "Di"})
    buy(api, card["card_id"], "m-di")
    open_console(page, api, f"/cards/{card['card_id']}")
    page.get_by_role("button", name="Refund").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Refund amount").fill("120.00")
    dialog.get_by_label("Reason").fill("Moved away")
    dialog.get_by_role("button", name="Return card").click()
    expect(dialog.get_by_label("Refund amount")).to_have_attribute("aria-invalid", "true")
    dialog.get_by_label("Refund amount").fill("50.00")
    dialog.get_by_role("button", name="Return card").click()
    expect(page.get_by_role("dialog")).to_be_hidden()
    returns = page.get_by_role("article").filter(has=page.get_by_role("heading", name="Return records"))
    expect(returns).to_contain_text("MYR 50.00")
    expect(returns).to_contain_text("Moved away")
    expect(page.locator(".cards-figures").get_by_text("Holders").locator("..")).to_contain_text("0")


def test_guide_reads_cards_without_managing_them(page):
    """002 权限: every role sees the cards; only admins create, edit or operate them."""
    api = shop()
    paid_card(api)
    open_console(page, api, "/cards", role="guide")
    expect(page.get_by_role("link", name="Gold yearly")).to_be_visible()
    expect(page.get_by_role("button", name="New card")).to_have_count(0)
    page.get_by_role("link", name="Gold yearly").click()
    expect(page.get_by_role("heading", name="Gold yearly", level=1)).to_be_visible()
    expect(page.get_by_text("Pay 80% (20% off)")).to_be_visible()
    for name in ("Delete", "Disable", "Take off sale", "Save", "Refund"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)
    expect(page.get_by_role("textbox")).to_have_count(0)
    expect(page.locator(".qr img")).to_be_visible()
    assert_accessible(page)
