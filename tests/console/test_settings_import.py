"""Shop settings and member import (seed 003 批量导入: switching systems, at most 1,000 rows a
call; seeds 000/002: cards handed out by claim link and QR code), as a manager uses them."""
import json
import re

from playwright.sync_api import expect

from conftest import assert_accessible, new_shop, open_console, shot



CSV = (
    "member_id,member_no,name,phone,points,value\n"
    "m_imp1,A0001,Tan Mei,+60111110001,100,25.00\n"
    "bad id!,A0002,Broken,,,\n"
    "m_imp3,A0001,Duplicate number,+60111110003,,\n"
    "m_imp4,A0004,Lim,+60111110004,5,\n"
    "m_imp5,A0005,Wrong phone,notaphone,,\n"
)


def test_import_reports_bad_rows_by_number_and_keeps_the_good_ones(page):
    """003 批量导入: bad rows are listed by their row number; the good rows land."""
    api = new_shop()
    for lang in ("en", "zh-CN"):
        open_console(page, api, "/import", lang=lang)
        en = lang == "en"
        expect(page.get_by_role("heading", name="Import members" if en else "导入会员", level=1)).to_be_visible()
        if en:
            assert_accessible(page)
        page.get_by_label("File" if en else "文件").set_input_files(
            {"name": "members.csv", "mimeType": "text/csv", "buffer": CSV.encode()})
        page.get_by_role("button", name="Import" if en else "导入", exact=True).click()
        table = page.get_by_role("table", name="Rows not imported" if en else "未导入的行")
        expect(table).to_be_visible()
        rows = table.locator("tbody tr")
        expect(rows).to_have_count(3)
        expect(rows.locator("td:first-child")).to_have_text(["2", "3", "5"])
        expect(rows.nth(1)).to_contain_text("member_no_taken")
        status = page.get_by_role("status").filter(has_text="Imported" if en else "已导入")
        # The first run imports the two good rows; the same file again changes nothing.
        expect(status).to_contain_text(re.compile(r"Imported\s*2\s*Unchanged\s*0") if en
                                       else re.compile(r"已导入\s*0\s*未变化\s*2"))
        if en:
            assert_accessible(page)
        shot(page, f"import-{lang}")
    assert api.ok("GET", "/admin/members/lookup?member_no=A0004")["member_id"] == "m_imp4"
    assert api.ok("GET", "/members/m_imp1")["value"]["balance"] == "25.00"

    # JSON works too, and the export downloads every member as CSV.
    page.get_by_label("文件").set_input_files({
        "name": "members.json", "mimeType": "application/json",
        "buffer": json.dumps({"members": [{"member_id": "m_imp6", "name": "Json"}]}).encode()})
    page.get_by_role("button", name="导入", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="已导入")).to_contain_text(re.compile(r"已导入\s*1"))
    with page.expect_download() as dl:
        page.get_by_role("button", name="导出会员").click()
    text = open(dl.value.path()).read()
    assert text.startswith("member_id,") and "m_imp1" in text and "m_imp6" in text


def test_settings_save_zone_and_claim_url_and_refuse_a_template_without_card_id(page):
    """000/002: the claim link template must name {card_id}; the refusal shows at its field."""
    api = new_shop()
    paid = api.ok("POST", "/admin/cards", {"kind": "paid", "name": "VIP card", "price": "99.00", "stock": 50,
                                           "validity": {"kind": "days", "days": 365},
                                           "benefits": [{"kind": "discount", "percent": 90}]})
    open_console(page, api, "/settings")
    expect(page.get_by_role("heading", name="Shop settings", level=1)).to_be_visible()
    expect(page.get_by_label("Currency")).to_have_value("MYR")
    expect(page.get_by_text("Payment webhook secret:")).to_contain_text("not set")
    assert_accessible(page)

    page.expected_http_errors = True
    claim = page.get_by_label("Claim URL template")
    claim.fill("http://127.0.0.1:9000/claim/")
    page.get_by_role("button", name="Save").click()
    expect(claim).to_have_attribute("aria-invalid", "true")
    expect(claim).to_have_accessible_description(re.compile(r"claim_url contains \{card_id\}"))
    assert api.ok("GET", "/admin/settings")["claim_url"] is None
    assert_accessible(page)

    page.get_by_label("Time zone").fill("Asia/Singapore")
    claim.fill("http://127.0.0.1:9000/claim/{card_id}")
    page.get_by_label("Guide-to-buy card").select_option(label="VIP card")
    page.get_by_label("Checkout").check()
    page.get_by_label("Payment webhook secret", exact=True).fill("a-very-long-secret-123")
    # The reports value the points members hold (API 1.2): a refusal first, at its field.
    page.get_by_label("Value of one point").fill("0,01")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_label("Value of one point")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Value of one point").fill("0.01")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    expect(claim).not_to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Payment webhook secret:")).to_contain_text("set")
    expect(page.get_by_label("Payment webhook secret", exact=True)).to_have_value("")
    saved = api.ok("GET", "/admin/settings")
    assert saved["timezone"] == "Asia/Singapore"
    assert saved["claim_url"] == "http://127.0.0.1:9000/claim/{card_id}"
    assert saved["guide_card_id"] == paid["card_id"] and saved["guide_on"] == ["checkout"]
    assert saved["webhook_secret_set"] is True and saved["currency"] == "MYR"
    assert saved["point_value"] == "0.01"

    # The currency is locked once set: the refusal shows at the currency.
    page.get_by_label("Currency").fill("USD")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_label("Currency")).to_have_accessible_description(re.compile("cannot be changed"))
    page.get_by_label("Currency").fill("MYR")
    shot(page, "settings-en")
    open_console(page, api, "/settings", lang="zh-CN")
    expect(page.get_by_role("heading", name="店铺设置", level=1)).to_be_visible()
    expect(page.get_by_label("时区")).to_have_value("Asia/Singapore")
    assert_accessible(page)
    shot(page, "settings-zh-CN")
