"""Coupons in the console (API 1.3 "Coupons", seeds 000/002/003 优惠券): an admin defines a
coupon and disables it, issues coupons from a member's page (once, even when the answer is
lost), a cashier hands a gift coupon over at the till, staff read without changing, and the
same screens in Chinese."""
import re

from playwright.sync_api import expect

from conftest import assert_accessible, new_shop, open_console, shot

MONEY_OFF = {"name": "10 off 50", "kind": "amount_off", "amount": "10.00", "min_spend": "50.00",
             "validity": {"kind": "days", "days": 30}, "stock": 10}
GIFT = {"name": "Free tote", "kind": "gift", "gift": "Tote bag", "validity": {"kind": "days", "days": 30}}


def reopen(page, api, route, **kw):
    """open_console from a blank page, so the sign-in and the language load afresh."""
    page.goto("about:blank")
    open_console(page, api, route, **kw)


def issue(api, member_id, coupon_id, quantity=1):
    return api.ok("POST", f"/members/{member_id}/coupons",
                  {"coupon_id": coupon_id, "quantity": quantity, "reason": "test"})["items"]


def find_at_till(page, member_no, en=True):
    page.get_by_label("Find by" if en else "查找方式").select_option("member_no")
    page.get_by_label("Find member" if en else "查找会员").fill(member_no)
    page.get_by_role("button", name="Find" if en else "查找", exact=True).click()


def test_admin_creates_an_amount_off_coupon_and_disables_it(page):
    """002 优惠券: "New coupon", the amount-off kind's fields, the coupon's page with its
    figures, the list, then "Disable" (confirmed) and "Enable" in its place."""
    api = new_shop()
    open_console(page, api, "/coupons")
    expect(page.get_by_role("heading", name="Coupons", level=1)).to_be_visible()
    expect(page.get_by_text("No coupons yet")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="New coupon").click()
    expect(page.get_by_role("heading", name="New coupon", level=1)).to_be_visible()
    # The kind chooser shows that kind's fields only.
    page.get_by_label(re.compile("^Gift")).check()
    expect(page.get_by_label("Gift item")).to_be_visible()
    expect(page.get_by_label("Amount", exact=True)).to_have_count(0)
    page.get_by_label(re.compile("^Amount off")).check()
    expect(page.get_by_label("Gift item")).to_have_count(0)
    page.get_by_label("Coupon name").fill("10 off 50")
    page.get_by_label("Amount", exact=True).fill("10.00")
    page.get_by_label("Minimum spend").fill("50.00")
    page.get_by_label("Days", exact=True).fill("30")
    page.get_by_label("Stock", exact=True).fill("100")
    assert_accessible(page)
    shot(page, "coupon-new-en")
    page.get_by_role("button", name="Create coupon").click()

    expect(page.get_by_role("heading", name="10 off 50", level=1)).to_be_visible()
    coupon_id = page.evaluate("location.hash").split("/")[-1]
    c = api.ok("GET", f"/admin/coupons/{coupon_id}")
    assert (c["kind"], c["amount"], c["min_spend"], c["stock"], c["status"]) == \
        ("amount_off", "10.00", "50.00", 100, "enabled")
    assert c["validity"] == {"kind": "days", "days": 30}
    figures = page.locator(".cards-figures")
    expect(figures.get_by_text("Issued").locator("..")).to_contain_text("0")
    expect(figures.get_by_text("Stock left").locator("..")).to_contain_text("100")
    expect(page.get_by_role("button", name="Delete", exact=True)).to_be_visible()
    assert_accessible(page)
    shot(page, "coupon-en")

    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Coupons").click()
    row = page.get_by_role("row").filter(has_text="10 off 50")
    expect(row).to_contain_text("Amount off")
    expect(row).to_contain_text(re.compile(r"MYR\s*10\.00 off · spend at least MYR\s*50\.00"))
    expect(row).to_contain_text("30 days from issue")
    expect(row).to_contain_text("Enabled")
    assert_accessible(page)
    shot(page, "coupons-en")

    row.get_by_role("link", name="10 off 50").click()
    page.get_by_role("button", name="Disable", exact=True).click()
    dialog = page.get_by_role("dialog", name="Disable this coupon?")
    dialog.get_by_role("button", name="Disable", exact=True).click()
    expect(page.get_by_role("button", name="Enable", exact=True)).to_be_visible()
    expect(page.locator("hgroup")).to_contain_text("Disabled")
    assert api.ok("GET", f"/admin/coupons/{coupon_id}")["status"] == "disabled"


def test_staff_read_coupons_without_changing_them(page):
    """Every staff role reads the definitions; only admins and owners change them."""
    api = new_shop()
    gift = api.ok("POST", "/admin/coupons", GIFT)
    open_console(page, api, "/coupons", role="cashier")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Coupons")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Free tote")).to_contain_text("Gift: Tote bag")
    expect(page.get_by_role("button", name="New coupon")).to_have_count(0)
    page.get_by_role("link", name="Free tote").click()
    expect(page.get_by_role("heading", name="Terms")).to_be_visible()
    expect(page.get_by_role("button", name="Disable")).to_have_count(0)
    expect(page.get_by_role("heading", name="Settings")).to_have_count(0)
    assert gift["coupon_id"] in page.evaluate("location.hash")


def test_admin_issues_coupons_from_a_members_page(page):
    """003: "Issue coupon" on a member's page offers the enabled coupons only; the coupons
    issued show in the member's list, and the status filter narrows it."""
    api = new_shop()
    c = api.ok("POST", "/admin/coupons", MONEY_OFF)
    off = api.ok("POST", "/admin/coupons", GIFT)
    api.ok("PATCH", f"/admin/coupons/{off['coupon_id']}", {"status": "disabled"})
    api.ok("PUT", "/admin/members/m-cpn", {"name": "Lim"})
    open_console(page, api, "/members/m-cpn")
    section = page.get_by_role("region", name="Coupons")
    expect(section.get_by_text("No coupons here.")).to_be_visible()
    section.get_by_role("button", name="Issue coupon").click()
    dialog = page.get_by_role("dialog", name="Issue coupon")
    expect(dialog.get_by_label("Coupon", exact=True)).to_have_value(c["coupon_id"])
    expect(dialog.get_by_role("option")).to_have_count(1)
    dialog.get_by_label("Quantity").fill("2")
    dialog.get_by_label("Reason").fill("Late delivery")
    assert_accessible(page)
    dialog.get_by_role("button", name="Issue", exact=True).click()
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(page.get_by_role("status").filter(has_text="2 issued")).to_be_visible()

    held = api.ok("GET", "/members/m-cpn/coupons")["items"]
    assert len(held) == 2 and {h["source"] for h in held} == {"staff"}
    table = section.get_by_role("table")
    for h in held:
        expect(table.get_by_role("row").filter(has_text=h["coupon_no"])).to_contain_text("Available")
    expect(table).to_contain_text("10 off 50")
    expect(section).to_contain_text("Available: 2")
    assert_accessible(page)
    shot(page, "member-coupons-en")
    section.get_by_label("Coupon status").select_option("used")
    expect(section.get_by_text("No coupons here.")).to_be_visible()
    assert api.ok("GET", f"/admin/coupons/{c['coupon_id']}")["issued"] == 2


def test_issuing_again_after_a_lost_answer_lands_once(page):
    """The first answer is lost (the server committed, the browser sees 503); pressing
    "Issue" again with the same coupon, quantity and reason sends the same Idempotency-Key,
    and the member holds the coupons once."""
    api = new_shop()
    c = api.ok("POST", "/admin/coupons", MONEY_OFF)
    api.ok("PUT", "/admin/members/m-lost", {"name": "Tan"})
    keys = []

    def lose_first_answer(route):
        if route.request.method != "POST":
            route.continue_()
            return
        keys.append(route.request.headers.get("idempotency-key"))
        res = route.fetch()
        if len(keys) == 1:
            route.fulfill(status=503, content_type="application/problem+json",
                          body='{"type":"about:blank","title":"Service Unavailable","status":503,'
                               '"detail":"try again","code":"unavailable"}')
        else:
            route.fulfill(response=res)

    page.route("**/members/m-lost/coupons", lose_first_answer)
    page.expected_5xx = True
    open_console(page, api, "/members/m-lost")
    page.get_by_role("button", name="Issue coupon").click()
    dialog = page.get_by_role("dialog", name="Issue coupon")
    dialog.get_by_label("Quantity").fill("3")
    dialog.get_by_label("Reason").fill("Apology")
    dialog.get_by_role("button", name="Issue", exact=True).click()
    expect(dialog.get_by_role("alert")).to_be_visible()
    dialog.get_by_role("button", name="Issue", exact=True).click()
    expect(page.get_by_role("dialog")).to_be_hidden()
    assert len(keys) == 2 and keys[0] and keys[0] == keys[1], keys
    assert len(api.ok("GET", "/members/m-lost/coupons")["items"]) == 3
    assert api.ok("GET", f"/admin/coupons/{c['coupon_id']}")["issued"] == 3


def test_cashier_uses_a_gift_coupon_at_the_till(page):
    """003 at the counter: the found member's available coupons; "Use" only on the gift
    coupon, which then shows used, and the gift to hand over is named."""
    api = new_shop()
    gift = api.ok("POST", "/admin/coupons", GIFT)
    off = api.ok("POST", "/admin/coupons", MONEY_OFF)
    api.ok("PUT", "/admin/members/m-till", {"name": "Siti", "phone": "+60123456790", "member_no": "A0101"})
    tote = issue(api, "m-till", gift["coupon_id"])[0]
    issue(api, "m-till", off["coupon_id"])
    open_console(page, api, "/till", role="cashier")
    page.set_viewport_size({"width": 400, "height": 860})
    find_at_till(page, "A0101")
    expect(page.get_by_role("heading", name="Siti")).to_be_visible()
    coupons = page.get_by_role("table", name="Coupons")
    row = coupons.get_by_role("row").filter(has_text="Free tote")
    expect(row).to_contain_text(tote["coupon_no"])
    expect(coupons.get_by_role("row").filter(has_text="10 off 50")).to_be_visible()
    expect(coupons.get_by_role("button", name="Use", exact=True)).to_have_count(1)
    assert_accessible(page)
    row.get_by_role("button", name="Use", exact=True).click()
    expect(row).to_contain_text("Used")
    expect(page.get_by_role("status").filter(has_text="Hand over Tote bag")).to_be_visible()
    expect(coupons.get_by_role("button", name="Use", exact=True)).to_have_count(0)
    assert_accessible(page)
    shot(page, "till-coupons-en")
    used = api.ok("GET", "/members/m-till/coupons?status=used")["items"]
    assert [u["coupon_no"] for u in used] == [tote["coupon_no"]]


def test_coupon_screens_in_chinese(page):
    """Every string in both languages: the list, a coupon's page, the new-coupon form, the
    member's coupons and the till's, in Simplified Chinese."""
    api = new_shop()
    gift = api.ok("POST", "/admin/coupons", GIFT)
    api.ok("PUT", "/admin/members/m-zh", {"name": "Wang", "member_no": "A0202"})
    issue(api, "m-zh", gift["coupon_id"])

    open_console(page, api, "/coupons", lang="zh-CN")
    expect(page.get_by_role("heading", name="优惠券", level=1)).to_be_visible()
    expect(page.get_by_role("navigation", name="主导航").get_by_role("link", name="优惠券")).to_be_visible()
    expect(page.get_by_role("button", name="新建优惠券")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Free tote")
    for text in ("礼品券", "礼品：Tote bag", "领取后 30 天内有效", "已启用"):
        expect(row).to_contain_text(text)
    assert_accessible(page)
    shot(page, "coupons-zh-CN")

    reopen(page, api, f"/coupons/{gift['coupon_id']}", lang="zh-CN")
    expect(page.get_by_role("heading", name="Free tote", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="使用规则")).to_be_visible()
    expect(page.get_by_role("button", name="停用", exact=True)).to_be_visible()
    expect(page.locator(".cards-figures")).to_contain_text("已发放")
    assert_accessible(page)
    shot(page, "coupon-zh-CN")

    reopen(page, api, "/coupons/new", lang="zh-CN")
    expect(page.get_by_role("heading", name="新建优惠券", level=1)).to_be_visible()
    expect(page.get_by_label("券名称")).to_be_visible()
    expect(page.get_by_role("button", name="创建优惠券")).to_be_visible()

    reopen(page, api, "/members/m-zh", lang="zh-CN")
    section = page.get_by_role("region", name="优惠券")
    expect(section.get_by_role("button", name="发放优惠券")).to_be_visible()
    expect(section.get_by_role("table")).to_contain_text("可使用")
    expect(section).to_contain_text("员工发放")

    reopen(page, api, "/till", role="cashier", lang="zh-CN")
    find_at_till(page, "A0202", en=False)
    coupons = page.get_by_role("table", name="优惠券")
    coupons.get_by_role("button", name="使用", exact=True).click()
    expect(coupons).to_contain_text("已使用")
    expect(page.get_by_role("status").filter(has_text="请交付Tote bag")).to_be_visible()
    assert_accessible(page)


def test_admin_gives_two_of_a_coupon_in_a_new_cards_gift_pack(page):
    """000 送优惠券 (API 1.3): the new-card form offers the enabled coupons by count (a disabled
    one is not offered); 2 of one are sent as its id twice."""
    api = new_shop()
    c = api.ok("POST", "/admin/coupons", MONEY_OFF)
    off = api.ok("POST", "/admin/coupons", GIFT)
    api.ok("PATCH", f"/admin/coupons/{off['coupon_id']}", {"status": "disabled"})
    open_console(page, api, "/cards/new")
    expect(page.get_by_role("heading", name="New card", level=1)).to_be_visible()
    page.get_by_label("Card name").fill("Welcome")
    coupons = page.get_by_role("group", name="Coupons", exact=True)
    expect(coupons.get_by_label("Free tote")).to_have_count(0)
    coupons.get_by_label("10 off 50").fill("2")
    assert_accessible(page)
    page.get_by_role("button", name="Create card").click()

    expect(page.get_by_role("heading", name="Welcome", level=1)).to_be_visible()
    card_id = page.evaluate("location.hash").split("/")[-1]
    card = api.ok("GET", f"/admin/cards/{card_id}")
    assert card["gift_pack"]["coupons"] == [c["coupon_id"], c["coupon_id"]]
    # A cashier reads the gift pack by the coupon's name, never its id.
    reopen(page, api, f"/cards/{card_id}", role="cashier")
    expect(page.get_by_text("Coupon 2 × 10 off 50")).to_be_visible()
    expect(page.get_by_text(c["coupon_id"])).to_have_count(0)


def test_admin_reads_the_coupons_report_and_downloads_it(page):
    """API 1.3 report: two coupons issued, one spent on an order this month; #/reports shows
    the coupon's row (issued 2, used 1, held 1, the discount) and downloads the same as CSV."""
    import csv
    import io
    api = new_shop()
    coupon_id = api.ok("POST", "/admin/coupons", MONEY_OFF)["coupon_id"]
    spent, _ = [c["coupon_no"] for c in issue(api, "m-rep", coupon_id, 2)]
    api.ok("POST", "/orders/o-rep-1/redeem", {"member_id": "m-rep", "coupon_no": spent,
                                               "lines": [{"sku": "A", "amount": "60.00"}]})
    open_console(page, api, "/reports")
    table = page.get_by_role("table", name="Coupons")
    row = table.locator("tr").filter(has=page.get_by_role("rowheader", name="10 off 50"))
    cells = row.get_by_role("cell")
    expect(cells.nth(0)).to_have_text("2")
    expect(cells.nth(1)).to_have_text("1")
    expect(cells.nth(5)).to_have_text("1")
    expect(cells.nth(6)).to_have_text(re.compile(r"^(RM|MYR)\s?10\.00$"))
    expect(row.get_by_role("link", name="10 off 50")).to_have_attribute("href", f"#/coupons/{coupon_id}")
    assert_accessible(page)
    with page.expect_download() as d:
        page.get_by_role("button", name="Download coupons CSV").click()
    with open(d.value.path(), encoding="utf-8") as f:
        rows = list(csv.DictReader(io.StringIO(f.read())))
    assert [(r["coupon_id"], r["issued"], r["used"], r["held"], r["discount"]) for r in rows] == [
        (coupon_id, "2", "1", "1", "10.00")]
