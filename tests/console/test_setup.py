"""Shop set-up screens: the level ladder, points, recharge/stored value (seed 003) and store
credit (seed 001), driven through the console as a merchant would."""
import re

from playwright.sync_api import expect

from conftest import assert_accessible, new_shop, open_console, shot

LADDER = {
    "upgrade_by": "points", "growth_per_unit": 1, "default_till": "base", "default_online": "base",
    "levels": [
        {"level_id": "base", "name": "Member", "rank": 0, "threshold": 0},
        {"level_id": "silver", "name": "Silver", "rank": 1, "threshold": 500,
         "discount": {"percent": 95, "categories": None, "exclude_categories": ["milk"]},
         "text": "5% off everything but milk", "validity_days": 365, "downgrade": {"kind": "recompute"}},
        {"level_id": "gold", "name": "Gold", "rank": 2, "threshold": 2000,
         "discount": {"percent": 90, "categories": None, "exclude_categories": []},
         "paid_upgrade": {"price": "99.00", "reward": {"points": 500, "credit": "10.00", "coupons": ["GOLD10"]}}},
    ],
}


def saved(page):
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()


def test_admin_builds_a_two_level_ladder(page):
    """003: an administrator sets up member levels in the form; the API answers that ladder."""
    api = new_shop()
    open_console(page, api, "/levels")
    expect(page.get_by_role("heading", name="Member levels", level=1)).to_be_visible()
    expect(page.get_by_text("no level ladder yet")).to_be_visible()
    page.get_by_label("Upgrade by").select_option("growth")
    page.get_by_role("button", name="Add level").click()
    page.get_by_label("Level name").nth(0).fill("Member")
    page.get_by_role("button", name="Add level").click()
    page.get_by_label(re.compile("^Level ID")).nth(1).fill("silver")
    page.get_by_label("Level name").nth(1).fill("Silver")
    page.get_by_label(re.compile("^Threshold")).nth(1).fill("500")
    page.get_by_label("Member discount").nth(1).check()
    page.get_by_label("Member pays (%)").fill("95")
    page.get_by_label("Except these categories").fill("milk")
    page.get_by_label("Default level at the till").select_option("base")
    assert_accessible(page)
    page.get_by_role("button", name="Save").click()
    saved(page)
    # The summary shows the stored ladder.
    expect(page.get_by_role("table").filter(has_text="Pays 95%")).to_be_visible()

    ladder = api.ok("GET", "/admin/levels")
    assert ladder["upgrade_by"] == "growth"
    assert ladder["default_till"] == "base"
    assert [(l["level_id"], l["name"], l["rank"], l["threshold"]) for l in ladder["levels"]] == [
        ("base", "Member", 0, 0), ("silver", "Silver", 1, 500)]
    assert ladder["levels"][1]["discount"] == {"percent": 95, "categories": None, "exclude_categories": ["milk"]}


def test_thresholds_not_rising_are_refused_at_the_field(page):
    """003: thresholds must rise with rank; the server's refusal shows at that level's threshold
    and nothing is stored."""
    page.expected_http_errors = True
    api = new_shop()
    open_console(page, api, "/levels")
    page.get_by_role("button", name="Add level").click()
    page.get_by_label("Level name").nth(0).fill("Member")
    page.get_by_label(re.compile("^Threshold")).nth(0).fill("100")
    page.get_by_role("button", name="Add level").click()
    page.get_by_label(re.compile("^Level ID")).nth(1).fill("silver")
    page.get_by_label("Level name").nth(1).fill("Silver")
    page.get_by_label(re.compile("^Threshold")).nth(1).fill("50")
    page.get_by_role("button", name="Save").click()

    field = page.get_by_label(re.compile("^Threshold")).nth(1)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert").filter(has_text=re.compile("thresholds must rise"))).to_be_visible()
    expect(page.get_by_text("Not saved: check the field marked in red.")).to_be_visible()
    expect(page.get_by_text("Saved.", exact=True)).to_have_count(0)
    assert_accessible(page)
    status, _ = api.call("GET", "/admin/levels")
    assert status == 404


def test_points_program_saved_through_the_form(page):
    """003/004: the points rate, expiry, exclusions and a gift at the till, as GET answers them."""
    api = new_shop()
    api.ok("PUT", "/admin/levels", LADDER)
    open_console(page, api, "/programs/points")
    expect(page.get_by_role("heading", name="Points", level=1)).to_be_visible()
    page.get_by_label("Points per MYR 1 spent").fill("2")
    page.get_by_label("Points for MYR 1 off").fill("100")
    page.get_by_label("Points expire").select_option(label="After 6 months")
    page.get_by_label("Campaigns (group buy, flash sale, bargain)").check()
    page.get_by_role("button", name="Add level multiplier").click()
    page.get_by_label("Level, row 1").select_option("gold")
    page.get_by_label("Multiplier, row 1").fill("2")
    page.get_by_role("button", name="Add exchange rule").click()
    page.get_by_label("Rule ID, row 1").fill("tote")
    page.get_by_label("Gift, row 1").fill("Tote bag")
    page.get_by_label("Points, row 1").fill("500")
    page.get_by_label("Stock, row 1").fill("100")
    assert_accessible(page)
    page.get_by_role("button", name="Save").click()
    saved(page)

    p = api.ok("GET", "/admin/programs/points")
    assert p["enabled"] is True
    assert p["earn"]["points_per_unit"] == 2
    assert p["redeem"]["points_per_unit"] == 100
    assert p["expiry"] == {"kind": "months", "months": 6}
    assert p["earn"]["exclude"]["campaign"] is True
    assert p["earn"]["levels"] == {"gold": "2"}
    assert p["exchange"] == [{"rule_id": "tote", "points": 500, "gift": "Tote bag", "stock": 100}]


def test_value_program_with_a_recharge_rule(page):
    """003: a recharge rule (pay 100, get 10 and 100 points, once per member, upgrade to silver)."""
    api = new_shop()
    api.ok("PUT", "/admin/levels", LADDER)
    open_console(page, api, "/programs/value")
    expect(page.get_by_role("heading", name="Stored value", level=1)).to_be_visible()
    expect(page.get_by_text("No recharge rules yet.")).to_be_visible()
    page.get_by_label("Smallest recharge (MYR)").fill("10.00")
    page.get_by_role("button", name="Add recharge rule").click()
    page.get_by_label("Rule ID").fill("r100")
    page.get_by_label("Rule name").fill("Top up 100, get 10")
    page.get_by_label("Recharge amount (MYR)").fill("100.00")
    page.get_by_label("Extra balance (MYR)").fill("10.00")
    page.get_by_label("Points", exact=True).fill("100")
    page.get_by_role("checkbox", name="Online shop").uncheck()
    page.get_by_label("Once per member").check()
    page.get_by_label("Upgrade the member to").select_option("silver")
    page.get_by_label("Recharge days").select_option("weekdays")
    page.get_by_role("checkbox", name="Saturday").check()
    page.get_by_role("checkbox", name="Sunday").check()
    assert_accessible(page)
    page.get_by_role("button", name="Save").click()
    saved(page)

    v = api.ok("GET", "/admin/programs/value")
    assert v["enabled"] is True and v["any_amount"] is True and v["min_amount"] == "10.00"
    [r] = v["rules"]
    assert (r["rule_id"], r["name"], r["pay"]) == ("r100", "Top up 100, get 10", "100.00")
    assert r["gifts"]["value"] == "10.00" and r["gifts"]["points"] == 100
    assert r["channels"] == ["till"]
    assert r["days"] == {"weekdays": [6, 7]}
    assert r["once_per_member"] is True and r["upgrade_to"] == "silver"


def test_cashier_sees_levels_read_only_and_no_program_set_up(page):
    """002/003: staff read the ladder; only managers change it or open the programs."""
    api = new_shop()
    api.ok("PUT", "/admin/levels", LADDER)
    open_console(page, api, "/programs/points", role="cashier")
    expect(page.get_by_role("heading", name="Not available for your role")).to_be_visible()
    page.evaluate("location.hash = '#/levels'")
    expect(page.get_by_role("heading", name="Member levels", level=1)).to_be_visible()
    expect(page.get_by_label("Level name").nth(2)).to_have_value("Gold")
    expect(page.get_by_label("Level name").nth(2)).to_be_disabled()
    expect(page.get_by_role("button", name="Save")).to_have_count(0)
    expect(page.get_by_role("button", name="Add level")).to_have_count(0)
    assert_accessible(page)


CREDIT = {
    "enabled": True, "expiry": {"kind": "days", "days": 365},
    "rules": [
        {"type": "first_order", "grant": {"fixed": "5.00"}},
        {"type": "each_order", "grant": {"per": "100.00", "give": "2.00"}, "min_order": "50.00"},
        {"type": "registration", "grant": {"fixed": "3.00"}},
        {"type": "order_count", "tiers": [{"orders": 3, "give": "5.00"}, {"orders": 10, "give": "20.00"}]},
        {"type": "cumulative_spend", "every": {"per": "500.00", "give": "10.00"}},
    ],
}
POINTS = {
    "enabled": True, "name": "Points",
    "earn": {"points_per_unit": 1, "levels": {"gold": "2"}, "exclude": {"campaign": True, "no_sku": True},
             "rules": [{"category": "milk", "fixed": 0}, {"product": "P-100", "special": True, "per_unit": 3}]},
    "redeem": {"points_per_unit": 100, "max_percent": 50},
    "expiry": {"kind": "months", "months": 12},
    "exchange": [{"rule_id": "tote", "points": 500, "gift": "Tote bag", "stock": 100},
                 {"rule_id": "mug", "points": 200, "gift": "Mug", "stock": None}],
}
VALUE = {
    "enabled": True, "any_amount": True, "min_amount": "10.00",
    "rules": [{"rule_id": "r100", "name": "Top up 100, get 10", "pay": "100.00",
               "gifts": {"value": "10.00", "points": 100, "credit": "0.00", "coupons": ["TOPUP"]},
               "levels": None, "stores": None, "channels": ["till", "online"],
               "starts_on": "2026-01-01", "ends_on": None, "days": None,
               "once_per_member": True, "upgrade_to": "silver"}],
}


def test_store_credit_and_screens_in_both_languages(page):
    """001/003: each set-up screen in English and Chinese (screenshots), and a store-credit
    change saved through the form."""
    api = new_shop()
    api.ok("PUT", "/admin/levels", LADDER)
    api.ok("PUT", "/admin/programs/points", POINTS)
    api.ok("PUT", "/admin/programs/credit", CREDIT)
    api.ok("PUT", "/admin/programs/value", VALUE)
    screens = [("levels", "/levels", "Member levels", "会员等级"),
               ("points", "/programs/points", "Points", "积分"),
               ("credit", "/programs/credit", "Store credit", "购物金"),
               ("value", "/programs/value", "Stored value", "储值")]
    for lang in ("en", "zh-CN"):
        for name, route, en, zh in screens:
            open_console(page, api, route, lang=lang)
            expect(page.get_by_role("heading", name=en if lang == "en" else zh, level=1)).to_be_visible()
            expect(page.get_by_role("button", name="Save" if lang == "en" else "保存")).to_be_visible()
            assert_accessible(page)
            shot(page, f"{name}-{lang}")

    open_console(page, api, "/programs/credit", lang="en")
    expect(page.get_by_label("For every (MYR)").first).to_have_value("100.00")
    page.get_by_label("Minimum order (MYR)").fill("80.00")
    page.get_by_label("Credit used").uncheck()
    page.get_by_role("button", name="Save").click()
    saved(page)
    c = api.ok("GET", "/admin/programs/credit")
    assert [r["type"] for r in c["rules"]] == ["first_order", "each_order", "registration", "order_count",
                                               "cumulative_spend"]
    assert c["rules"][1]["min_order"] == "80.00"
    assert c["notify"]["used"] is False and c["expiry"] == {"kind": "days", "days": 365}
