"""The back office in a real browser: headless Chromium logs in as staff, reads the dashboard, the orders
list at 1400 px and an order's page, against a live server.

Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without them the test is skipped,
except in CI (`CI` set), where it fails instead."""

import os
import shutil

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from accounts.models import User
from omnisales.testing.factories import CustomerFactory, place_order, product_in_stock

PASSWORD = "a-long-ops-password"
WIDTH = 1400


def _find(*names: str) -> str | None:
    return next((path for name in names if (path := shutil.which(name))), None)


@pytest.fixture
def browser():
    chromium, driver = _find("chromium", "chromium-browser"), _find("chromedriver")
    if chromium is None or driver is None:
        message = "needs chromium and chromium-driver (apt-get install -y chromium chromium-driver)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}: .ci/run installs them")
        pytest.skip(f"{message}; runs in CI")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={WIDTH},1000"):
        options.add_argument(argument)
    chrome = webdriver.Chrome(service=Service(driver), options=options)
    chrome.implicitly_wait(5)
    yield chrome
    chrome.quit()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_staff_reads_the_dashboard_and_an_order(live_server, browser, account):
    account.name = "Northwind Outdoor and Garden Supplies Ltd"  # long names: the columns must still fit
    account.save()
    customer = CustomerFactory(account=account, name="Ada Augusta King-Noel, Countess of Lovelace")
    engine = product_in_stock(account, name="Analytical Engine", sku="AE-1")
    order = place_order(account, customer=customer, products=[engine], quantities=[2])
    User.objects.create_superuser(email="ops@example.com", password=PASSWORD)

    browser.get(f"{live_server.url}/admin/")  # sends staff to the login page first
    browser.find_element(By.NAME, "username").send_keys("ops@example.com")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()

    dashboard = WebDriverWait(browser, 10).until(
        expected_conditions.visibility_of_element_located((By.ID, "sales-dashboard"))
    )
    assert browser.find_element(By.ID, "site-name").text == "Omni Sales"
    assert browser.find_element(By.ID, "orders-today").text == "1"
    row = dashboard.find_element(By.CSS_SELECTOR, 'tr[data-currency="USD"]')
    assert row.find_element(By.CLASS_NAME, "revenue-today").text == f"{order.total:,.2f}"
    assert row.find_element(By.CLASS_NAME, "orders-period").text == "1"
    chart = dashboard.find_element(By.CSS_SELECTOR, 'figure[data-currency="USD"] svg')
    assert chart.size["width"] > 500 and chart.size["height"] > 150  # drawn, at the dashboard's width
    bars = chart.find_elements(By.CSS_SELECTOR, "rect.revenue")
    assert len(bars) == 30 and bars[-1].size["height"] > 0  # today's bar stands; the other days are empty
    assert {bar.size["height"] for bar in bars[:-1]} == {0}
    assert browser.find_element(By.ID, "content-main").find_element(By.LINK_TEXT, "Orders")  # the app list follows

    browser.get(f"{live_server.url}/admin/orders/order/")
    headers = browser.find_elements(By.CSS_SELECTOR, "#result_list thead th:not(.action-checkbox-column)")
    texts = [header.find_element(By.CSS_SELECTOR, "div.text").text.strip().lower() for header in headers]
    assert texts[:6] == ["order", "customer", "status", "total", "channel", "placed"]
    viewport = browser.execute_script("return document.documentElement.clientWidth")
    assert all(header.rect["x"] + header.rect["width"] <= viewport for header in headers), "columns off-screen"
    assert browser.execute_script("return document.documentElement.scrollWidth") <= viewport
    results = browser.find_element(By.CSS_SELECTOR, "#changelist .results")
    assert browser.execute_script("return arguments[0].scrollWidth <= arguments[0].clientWidth", results)

    browser.find_element(By.LINK_TEXT, order.pk).click()
    lines = WebDriverWait(browser, 10).until(expected_conditions.visibility_of_element_located((By.ID, "items-group")))
    cells = [cell.text for cell in lines.find_elements(By.CSS_SELECTOR, "tbody td")]
    assert "Analytical Engine" in cells and "AE-1" in cells and "2" in cells
    customer_link = browser.find_element(By.LINK_TEXT, customer.name)
    assert customer_link.get_attribute("href").endswith(f"/admin/customers/customer/{customer.pk}/change/")
    assert browser.find_element(By.ID, "events-group").text.count("Created") >= 1  # the timeline
    assert not browser.find_elements(By.NAME, "_save"), "orders are not edited by hand"
