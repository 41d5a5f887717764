"""The #/webhooks screen (API 1.2 "Outbound webhooks", Standard Webhooks 1.0) as a shop's
administrator uses it: endpoints that receive the loyalty events (seed 003: points earned
after an order, members, levels; seeds 000/002: cards claimed and bought), the signing
secret shown once, rotation, a test message and its delivery record, disable, recover,
edit, delete; refusals at the URL field; a cashier may not manage webhooks."""
import re
import socket

from playwright.sync_api import expect

from conftest import assert_accessible, new_shop, open_console, shot


def free_port():
    """A loopback port nothing listens on: the local stack accepts http://127.0.0.1:<port>/
    URLs, and a message to it simply fails (the screen shows that, it is not the point)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def reload_until(page, table, text, seconds=20):
    """The sender works in the background: press "Reload" until the row is there."""
    row = table.locator("tbody tr").filter(has_text=text)
    for _ in range(max(1, seconds // 2)):
        page.get_by_role("button", name="Reload").click()
        try:
            expect(row.first).to_be_visible(timeout=2_000)
            return row.first
        except AssertionError:
            continue
    expect(row.first).to_be_visible()
    return row.first


def test_admin_adds_an_endpoint_sees_its_secret_once_tests_rotates_disables_and_deletes_it(page):
    """API 1.2 outbound webhooks, filtered to points.earned (003 积分); the secret is shown once."""
    api = new_shop()
    url = f"http://127.0.0.1:{free_port()}/hook"
    open_console(page, api, "/webhooks")
    expect(page.get_by_role("heading", name="Webhooks", level=1)).to_be_visible()
    expect(page.get_by_text("No endpoints yet")).to_be_visible()
    assert_accessible(page)

    # A URL inside a private network is refused, at the URL field, in the server's words.
    field = page.get_by_label("URL")
    field.fill("https://10.0.0.1/x")
    page.get_by_role("button", name="Add endpoint").click()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile(r"10\.0\.0\.1"))
    assert api.ok("GET", "/admin/webhooks")["items"] == []

    field.fill(url)
    expect(field).not_to_have_attribute("aria-invalid", "true")
    page.get_by_label("Description").fill("ERP")
    page.get_by_role("checkbox", name=re.compile(r"points\.earned")).check()
    page.get_by_role("button", name="Add endpoint").click()
    dialog = page.get_by_role("dialog")
    secret_box = dialog.get_by_label("Signing secret", exact=True)
    expect(secret_box).to_have_value(re.compile(r"^whsec_"))
    expect(dialog).to_contain_text("cannot be shown again")
    secret = secret_box.input_value()
    assert_accessible(page)
    dialog.get_by_role("button", name="Copy").click()
    expect(dialog.get_by_role("status")).to_have_text(re.compile(r"Copied|Selected"))
    dialog.get_by_role("button", name="Done").click()
    expect(page.get_by_role("dialog")).to_have_count(0)

    # Once closed, the secret is nowhere: not on the page, not in the API's list.
    endpoints = page.get_by_role("table", name="Endpoints")
    row = endpoints.locator("tbody tr").filter(has_text=url)
    expect(row).to_contain_text("ERP")
    expect(row).to_contain_text("points.earned")
    expect(row).to_contain_text("Enabled")
    assert secret not in page.content()
    [listed] = api.ok("GET", "/admin/webhooks")["items"]
    assert "secret" not in listed and listed["events"] == ["points.earned"]
    expect(page.get_by_text("1 of 20 endpoints")).to_be_visible()
    assert_accessible(page)
    shot(page, "webhooks-en")

    # The endpoint's page: a test message shows in the deliveries (whatever became of it).
    row.get_by_role("link", name=url).click()
    expect(page.get_by_role("heading", name="ERP", level=1)).to_be_visible()
    page.get_by_role("button", name="Send test message").click()
    expect(page.get_by_role("status").filter(has_text="Test message")).to_be_visible()
    delivery = reload_until(page, page.get_by_role("table", name="Deliveries"), "webhook.test")
    expect(delivery).to_contain_text(re.compile(r"msg_"))
    expect(delivery.locator(".badge")).to_have_text(re.compile(r"Pending|Delivered|Failed|Gave up"))

    # Rotate (confirmed first): a new secret, once; the old one keeps signing for 24 hours.
    page.get_by_role("button", name="Rotate secret").click()
    confirm = page.get_by_role("dialog", name="Rotate the signing secret?")
    expect(confirm).to_contain_text("24 hours")
    confirm.get_by_role("button", name="Rotate secret").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Signing secret", exact=True)).to_have_value(re.compile(r"^whsec_"))
    new_secret = dialog.get_by_label("Signing secret", exact=True).input_value()
    assert new_secret != secret
    expect(dialog).to_contain_text("old secret keeps signing")
    dialog.get_by_role("button", name="Done").click()
    expect(page.get_by_text("Still signs until")).to_be_visible()
    assert api.ok("GET", f"/admin/webhooks/{listed['endpoint_id']}")["previous_secret_until"]

    # Recover since a day ago (the default): the count requeued.
    page.get_by_role("button", name="Recover").click()
    expect(page.get_by_role("status").filter(has_text="requeued")).to_have_text(re.compile(r"\d+ messages? requeued"))

    # Disable: the badge and the reason; Enable comes back.
    page.get_by_role("button", name="Disable").click()
    expect(page.get_by_role("button", name="Enable")).to_be_visible()
    expect(page.locator("hgroup .badge")).to_have_text("Disabled")
    expect(page.get_by_text("Turned off by the shop")).to_be_visible()
    got = api.ok("GET", f"/admin/webhooks/{listed['endpoint_id']}")
    assert got["status"] == "disabled" and got["disabled_reason"] == "merchant"

    assert_accessible(page)
    shot(page, "webhook-en")

    # Edit: the same URL rules at the URL field; a description change is saved.
    field = page.get_by_label("URL")
    field.fill("https://10.0.0.1/x")
    page.get_by_role("button", name="Save").click()
    expect(field).to_have_accessible_description(re.compile(r"10\.0\.0\.1"))
    field.fill(url)
    page.get_by_label("Description").fill("ERP sync")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="ERP sync", level=1)).to_be_visible()
    assert api.ok("GET", f"/admin/webhooks/{listed['endpoint_id']}")["url"] == url

    # Delete (confirmed): back to the list, empty again.
    page.get_by_role("button", name="Delete").click()
    page.get_by_role("dialog", name="Delete this endpoint?").get_by_role("button", name="Delete").click()
    expect(page.get_by_role("heading", name="Webhooks", level=1)).to_be_visible()
    expect(page.get_by_text("No endpoints yet")).to_be_visible()
    assert api.ok("GET", "/admin/webhooks")["items"] == []


def test_webhooks_in_chinese_and_a_cashier_gets_no_buttons(page):
    """API 1.2 outbound webhooks in zh-CN; 002: only administrators and owners manage them."""
    api = new_shop()
    url = f"http://127.0.0.1:{free_port()}/hook"
    ep = api.ok("POST", "/admin/webhooks", {"url": url, "events": ["points.earned", "card.claimed"], "description": "ERP"})
    api.ok("POST", "/admin/webhooks", {"url": f"http://localhost:{free_port()}/all", "description": "BI"})
    open_console(page, api, "/webhooks", lang="zh-CN")
    expect(page.get_by_role("heading", name="Webhook 推送", level=1)).to_be_visible()
    endpoints = page.get_by_role("table", name="推送地址")
    expect(endpoints.locator("tbody tr")).to_have_count(2)
    expect(endpoints.locator("tbody tr").filter(has_text="BI")).to_contain_text("全部事件")
    expect(endpoints.locator("tbody tr").filter(has_text=url)).to_contain_text("card.claimed")
    expect(page.get_by_role("button", name="添加推送地址")).to_be_visible()
    assert_accessible(page)
    shot(page, "webhooks-zh-CN")

    open_console(page, api, f"/webhooks/{ep['endpoint_id']}", lang="zh-CN")
    expect(page.get_by_role("heading", name="ERP", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="推送记录")).to_be_visible()
    expect(page.get_by_role("button", name="轮换密钥")).to_be_visible()
    expect(page.get_by_role("checkbox", name=re.compile(r"points\.earned"))).to_be_checked()
    assert_accessible(page)
    shot(page, "webhook-zh-CN")

    # A cashier: told plainly (the API answers 403), no buttons, no way in from the menu.
    for route in ("/webhooks", f"/webhooks/{ep['endpoint_id']}"):
        open_console(page, api, route, role="cashier")
        expect(page.get_by_text("Your role may not do this")).to_be_visible()
        expect(page.locator("main button")).to_have_count(0)
        expect(page.get_by_text(url)).to_have_count(0)
        assert_accessible(page)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Webhooks")).to_have_count(0)
