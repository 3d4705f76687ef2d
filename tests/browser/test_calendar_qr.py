"""The calendar page in Chromium: the feed address as a QR code that a phone can scan, and a
copy button. No QR decoder is installed here, so the test decodes the other way round: it
re-encodes the address shown in the page with the same generator (qrcode, error correction M,
4-module border) and compares that module matrix with the pixels Chromium painted, module by
module. A code for any other text would differ in most modules."""

import io

import pytest
import qrcode
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def painted_modules(png: bytes, size: int) -> list[list[bool]]:
    """The dark/light state at the centre of each of size×size modules of a square screenshot."""
    image = Image.open(io.BytesIO(png)).convert("L")
    step = image.width / size
    return [[image.getpixel((int((x + 0.5) * step), int((y + 0.5) * step))) < 128 for x in range(size)]
            for y in range(size)]


def test_it_offers_the_feed_as_a_qr_code_and_copies_the_address(page, shot, people, journey_catalog):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    login(page, "township", PASSWORD)
    page.goto("/calendar/")
    page.get_by_role("button", name="生成订阅地址").click()
    field = page.get_by_role("textbox", name="订阅地址")
    url = field.input_value()
    assert url.startswith(page.url.split("/calendar/")[0]) and url.endswith(".ics")

    # The QR code is drawn in the page (inline SVG, no image from elsewhere), visible, square.
    code = page.locator(".qr svg")
    expect(code).to_be_visible()
    box = code.bounding_box()
    assert box["width"] >= 120 and abs(box["width"] - box["height"]) < 1
    assert page.locator(".qr img, .qr [href^='http']").count() == 0
    qr = qrcode.QRCode()
    qr.add_data(url)
    qr.make(fit=True)
    wanted = qr.get_matrix()  # with the 4-module quiet zone
    painted = painted_modules(code.screenshot(), len(wanted))
    differing = sum(a != b for row_a, row_b in zip(painted, wanted, strict=True)
                    for a, b in zip(row_a, row_b, strict=True))
    assert sum(map(sum, wanted)) > 100 and differing == 0
    # And it is not a code for something else: the same page's address with one character changed differs.
    other = qrcode.QRCode()
    other.add_data(url[:-5] + "x.ics")
    other.make(fit=True)
    assert sum(a != b for ra, rb in zip(painted, other.get_matrix(), strict=False) for a, b in zip(ra, rb, strict=False)) > 50

    # 复制地址 puts the address on the clipboard and says so.
    page.get_by_role("button", name="复制地址").click()
    expect(page.locator(".copied")).to_have_text("已复制")
    assert page.evaluate("navigator.clipboard.readText()") == url
    shot(page, "calendar-qr")
