"""Members screens in a real browser: finding a member, their balances, ledger, balance
adjustments and profile (seed 003 会员管理 / 会员资料 / 积分调整, seed 001 购物金 balances;
seed 004 adjustments with a reason)."""
import re

from playwright.sync_api import expect

from conftest import assert_accessible, new_shop, open_console, shot

LADDER = {
    "upgrade_by": "growth",
    "growth_per_unit": 1,
    "default_till": "base",
    "levels": [
        {"level_id": "base", "name": "Member", "rank": 0, "threshold": 0},
        {"level_id": "silver", "name": "Silver", "rank": 1, "threshold": 500},
    ],
}


def member(api, member_id, **profile):
    """A member in the shop's directory (003 会员资料)."""
    return api.ok("PUT", f"/admin/members/{member_id}", profile)


def adjust(api, member_id, account, delta, reason):
    return api.ok("POST", f"/members/{member_id}/adjustments",
                  {"account": account, "delta": delta, "reason": reason})


def shop_with_members():
    api = new_shop()
    api.ok("PUT", "/admin/levels", LADDER)
    member(api, "m1", name="Aisha Tan", phone="+60123456789", member_no="A0001")
    api.ok("POST", "/members/m1/register", {"channel": "till"})
    member(api, "m2", name="Wei Chen", phone="+60198765432", member_no="A0002")
    adjust(api, "m1", "points", 250, "Welcome points")
    adjust(api, "m1", "credit", "12.50", "Late delivery")
    adjust(api, "m1", "value", "30.00", "Opening balance")
    return api


def test_admin_adjusts_points_with_a_reason(page):
    """003/004: an administrator adjusts points by hand with a reason; a refusal stays in the
    dialog, the accepted adjustment shows in the balance and as the newest ledger line."""
    api = shop_with_members()
    page.expected_http_errors = True  # the 409 provoked below
    open_console(page, api, "/members/m1")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Aisha Tan|m1"))
    figure = page.locator(".member-figure").first
    expect(figure.locator(".figure")).to_have_text("250")
    page.get_by_role("button", name="Adjust balance").click()
    dialog = page.get_by_role("dialog", name="Adjust balance")
    expect(dialog).to_be_visible()
    assert_accessible(page)
    shot(page, "member-adjust-en")
    dialog.get_by_label("Account").select_option("points")
    dialog.get_by_label("Amount").fill("-1000")
    dialog.get_by_label("Reason").fill("Too much")
    dialog.get_by_role("button", name="Apply").click()
    expect(dialog.get_by_role("alert")).to_contain_text(re.compile("insufficient|balance", re.I))
    dialog.get_by_label("Amount").fill("-100")
    dialog.get_by_label("Reason").fill("Goodwill correction")
    dialog.get_by_role("button", name="Apply").click()
    expect(dialog).to_be_hidden()
    expect(figure.locator(".figure")).to_have_text("150")
    first = page.locator("section[aria-labelledby=member-ledger] tbody tr").first
    expect(first).to_contain_text("Goodwill correction")
    expect(first).to_contain_text("-100")
    expect(first.locator("td").nth(2)).to_have_text("150")
    expect(first).to_contain_text("admin:staff1")
    assert api.ok("GET", "/members/m1")["points"]["balance"] == 150


def test_ledger_pages_through_older_entries(page):
    """003: the ledger shows ten lines a page, newest first; the next page the older ones."""
    api = new_shop()
    member(api, "m1", name="Aisha Tan")
    for i in range(1, 13):
        adjust(api, "m1", "points", i, f"entry {i:02d}")
    open_console(page, api, "/members/m1")
    rows = page.locator("section[aria-labelledby=member-ledger] tbody tr")
    expect(rows).to_have_count(10)
    expect(rows.first).to_contain_text("entry 12")
    expect(rows.last).to_contain_text("entry 03")
    page.get_by_role("button", name="Next page").click()
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("entry 02")
    expect(rows.last).to_contain_text("entry 01")
    expect(page.get_by_role("button", name="Next page")).to_be_disabled()
    page.get_by_role("button", name="First page").click()
    expect(rows).to_have_count(10)
    expect(rows.first).to_contain_text("entry 12")
    # Another account's ledger: its own lines.
    page.get_by_role("button", name="Stored value").click()
    expect(page.get_by_role("button", name="Stored value")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_text("No entries in this account yet.")).to_be_visible()


def test_member_page_in_chinese_with_money_formatted(page):
    """001/003: the member's page in Simplified Chinese; money in the shop's currency."""
    api = shop_with_members()
    open_console(page, api, "/members", lang="zh-CN")
    expect(page.get_by_role("heading", level=1)).to_have_text("会员")
    expect(page.get_by_role("link", name="Aisha Tan")).to_be_visible()
    assert_accessible(page)
    shot(page, "members-zh-CN")
    page.get_by_role("link", name="Aisha Tan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aisha Tan")
    expect(page.get_by_role("button", name="调整余额")).to_be_visible()
    expect(page.get_by_role("heading", name="购物金", exact=True)).to_be_visible()
    credit = page.evaluate(
        "new Intl.NumberFormat('zh-CN', {style: 'currency', currency: 'MYR'}).format('12.50')")
    value = page.evaluate(
        "new Intl.NumberFormat('zh-CN', {style: 'currency', currency: 'MYR'}).format('30.00')")
    expect(page.locator(".member-figure .figure").nth(1)).to_have_text(credit)
    expect(page.locator(".member-figure .figure").nth(2)).to_have_text(value)
    expect(page.get_by_text("明细", exact=True)).to_be_visible()
    assert_accessible(page)
    shot(page, "member-zh-CN")


def test_search_by_phone_opens_the_member(page):
    """003: at the counter a member is found by phone, member number or card number."""
    api = shop_with_members()
    page.expected_http_errors = True  # the lookups that find nobody answer 404
    open_console(page, api, "/members")
    expect(page.get_by_role("heading", level=1)).to_have_text("Members")
    expect(page.get_by_role("link", name="Wei Chen")).to_be_visible()
    assert_accessible(page)
    shot(page, "members-en")
    search = page.get_by_label("Search members")
    search.fill("+60 999 000 111")
    search.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("No member found")
    search.fill("+60123456789")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"#/members/m1$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Aisha Tan")
    expect(page.locator(".member-figure .figure").first).to_have_text("250")
    expect(page.get_by_text("A0001").first).to_be_visible()
    expect(page.get_by_text("500 more to reach Silver")).to_be_visible()
    assert_accessible(page)
    shot(page, "member-en")
    # By member number too.
    page.get_by_role("link", name="All members").click()
    page.get_by_label("Search members").fill("A0002")
    page.get_by_label("Search members").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Wei Chen")


def test_cashier_has_no_adjust_button(page):
    """002/003: a cashier sees the member's balances but never "Adjust balance"."""
    api = shop_with_members()
    open_console(page, api, "/members/m1", role="cashier")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator(".member-figure .figure").first).to_have_text("250")
    expect(page.locator("section[aria-labelledby=member-ledger] tbody tr").first).to_contain_text(
        "Welcome points")
    expect(page.get_by_role("button", name="Adjust balance")).to_have_count(0)
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_profile_edit_with_a_taken_phone_is_refused_at_the_phone_field(page):
    """003 会员资料: phones are unique in the shop; the refusal shows at the Phone field."""
    api = shop_with_members()
    page.expected_http_errors = True  # the 409 phone_taken
    open_console(page, api, "/members")
    page.get_by_role("link", name="Wei Chen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wei Chen")
    page.get_by_role("button", name="Edit profile").click()
    phone = page.get_by_label("Phone")
    expect(phone).to_have_value("+60198765432")
    phone.fill("+60123456789")
    page.get_by_role("button", name="Save").click()
    expect(phone).to_have_attribute("aria-invalid", "true")
    error = page.locator(f"#{phone.get_attribute('aria-describedby')}")
    expect(error).to_have_attribute("role", "alert")
    expect(error).to_contain_text("+60123456789")
    phone.fill("+60111222333")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    assert api.ok("GET", "/admin/members/lookup?phone=%2B60111222333")["member_id"] == "m2"
