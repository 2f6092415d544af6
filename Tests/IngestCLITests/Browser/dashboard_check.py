"""Drives the dashboard of a running `ingest serve` in headless Chromium, as an operator would.

Run by Tests/IngestCLITests/DashboardBrowserTests.swift, which starts the server, submits the jobs
named below and passes everything on the command line:

    dashboard_check.py BASE_URL TOKEN ARTIFACTS_DIR FAILED_JOB PERIODIC_JOB ODD_JOB CATALOG_FILE

- FAILED_JOB has ended with one failed entry (an unreadable file, readable again by now),
- PERIODIC_JOB is a periodic sync waiting for its next pass,
- ODD_JOB is a job whose name is markup (it must show as text),
- CATALOG_FILE is the logical path of a data object the syncs registered.

Environment: INGEST_TEST_CHROMIUM and INGEST_TEST_CHROMEDRIVER (paths). Prints one line per check
and a screenshot path per page; exits 1 on the first failed check (with a screenshot of it).
"""
import base64
import os
import sys
import traceback

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

BASE, TOKEN, ARTIFACTS, FAILED_JOB, PERIODIC_JOB, ODD_JOB, CATALOG_FILE = sys.argv[1:8]
WAIT = 30


def log(message):
    print(message, flush=True)


def shot(driver, name):
    """The whole page, not only the window: tall tables are what the reader wants to see."""
    path = os.path.join(ARTIFACTS, name + ".png")
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 6000), "scale": 1}
    image = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip})
    with open(path, "wb") as file:
        file.write(base64.b64decode(image["data"]))
    log(f"screenshot {path}")


def wait_text(driver, locator, text, timeout=WAIT):
    WebDriverWait(driver, timeout).until(EC.text_to_be_present_in_element(locator, text))


def check(condition, message):
    if not condition:
        raise AssertionError(message)
    log(f"ok: {message}")


def link_to_job(driver, name):
    for anchor in driver.find_elements(By.CSS_SELECTOR, "table.jobs td.name > a"):
        if anchor.text == name:
            return anchor
    raise AssertionError(f"no link to job {name!r} on {driver.current_url}")


def main(driver):
    # Sign in: the token is swapped for a cookie and leaves the address bar.
    driver.get(f"{BASE}/?token={TOKEN}")
    WebDriverWait(driver, WAIT).until(EC.presence_of_element_located((By.CSS_SELECTOR, "table.jobs")))
    check("token" not in driver.current_url, f"the token left the URL ({driver.current_url})")
    cookie = driver.get_cookie("ingest_token")
    check(cookie is not None and cookie.get("httpOnly") and cookie.get("sameSite") == "Strict",
          "the token is kept in an HttpOnly, SameSite=Strict cookie")
    check(driver.execute_script("return document.cookie").find("ingest_token") < 0, "scripts cannot read the cookie")

    # Jobs page: every job, its state and progress; the odd name is text, not markup.
    body = driver.find_element(By.TAG_NAME, "main").text
    for name in (FAILED_JOB, PERIODIC_JOB):
        check(name in body, f"the jobs page lists {name}")
    check(link_to_job(driver, ODD_JOB) is not None, "a job named with markup is listed by its name as text")
    check(len(driver.find_elements(By.CSS_SELECTOR, "main img")) == 0, "the markup in the job name made no element")
    check(len(driver.find_elements(By.CSS_SELECTOR, "table.jobs progress")) == 2, "each ended job has a progress bar")
    check("next pass at" in body, "the waiting periodic job says when its next pass starts")
    wait_text(driver, (By.ID, "live-note"), "updated")
    check(True, "the jobs page refreshed itself (live update)")
    shot(driver, "01-jobs")

    # Filter by state, then page with one job per page.
    driver.find_element(By.LINK_TEXT, "waiting").click()
    WebDriverWait(driver, WAIT).until(EC.url_contains("state=waiting"))
    body = driver.find_element(By.TAG_NAME, "main").text
    check(PERIODIC_JOB in body and FAILED_JOB not in body, "the state filter shows only waiting jobs")
    driver.get(f"{BASE}/?limit=1")
    first = driver.find_element(By.CSS_SELECTOR, "table.jobs td.name > a").text
    driver.find_element(By.PARTIAL_LINK_TEXT, "Next page").click()
    WebDriverWait(driver, WAIT).until(EC.url_contains("cursor="))
    second = driver.find_element(By.CSS_SELECTOR, "table.jobs td.name > a").text
    check(first != second, f"the next page shows the next job ({first} then {second})")

    # The periodic job: its passes, then Stop.
    driver.get(f"{BASE}/")
    link_to_job(driver, PERIODIC_JOB).click()
    WebDriverWait(driver, WAIT).until(EC.presence_of_element_located((By.ID, "passes")))
    check("Passes (1)" in driver.find_element(By.ID, "passes").text, "the periodic job lists its first pass")
    shot(driver, "02-periodic-job")
    driver.find_element(By.CSS_SELECTOR, "button[name=stop]").click()
    WebDriverWait(driver, WAIT).until(EC.alert_is_present())
    driver.switch_to.alert.accept()
    wait_text(driver, (By.CSS_SELECTOR, ".flash"), "stopped")
    check("flash=stopped" in driver.current_url, "Stop came back to the job with a message")
    check(driver.find_element(By.CSS_SELECTOR, "h1 .state").text == "stopped", "the job shows as stopped")
    check(len(driver.find_elements(By.CSS_SELECTOR, "button[name=stop]")) == 0, "a stopped job has no Stop button")
    shot(driver, "03-periodic-job-stopped")

    # The failed job: its failed entry with the error, then Requeue; the worker runs it again.
    driver.get(f"{BASE}/")
    link_to_job(driver, FAILED_JOB).click()
    WebDriverWait(driver, WAIT).until(EC.presence_of_element_located((By.CSS_SELECTOR, "table.failed")))
    failed = driver.find_element(By.CSS_SELECTOR, "table.failed").text
    check("secret.txt" in failed and "Permission denied" in failed, "the failed entry shows its path and error")
    shot(driver, "04-failed-job")
    driver.find_element(By.CSS_SELECTOR, "button[name=requeue]").click()
    wait_text(driver, (By.CSS_SELECTOR, ".flash"), "Requeued 1 failed task")
    check(True, "Requeue came back with the count")
    # The live update shows the worker's second attempt succeed.
    wait_text(driver, (By.CSS_SELECTOR, "h1 .state"), "completed", timeout=60)
    wait_text(driver, (By.ID, "failed"), "Failed entries (0)", timeout=60)
    check("No failed entries." in driver.find_element(By.TAG_NAME, "main").text, "the requeued entry went through")
    shot(driver, "05-failed-job-requeued")

    # The odd job's own page shows its name as text.
    driver.get(f"{BASE}/")
    link_to_job(driver, ODD_JOB).click()
    WebDriverWait(driver, WAIT).until(EC.presence_of_element_located((By.TAG_NAME, "h1")))
    check(ODD_JOB in driver.find_element(By.TAG_NAME, "h1").text, "the job page's title is the name as text")

    # Queues and workers.
    driver.find_element(By.LINK_TEXT, "Queues").click()
    WebDriverWait(driver, WAIT).until(EC.presence_of_element_located((By.CSS_SELECTOR, "main table")))
    queues = driver.find_element(By.CSS_SELECTOR, "main table").text
    for queue in ("restart", "path", "file"):
        check(queue in queues, f"the queues page lists {queue}")
    shot(driver, "06-queues")
    driver.find_element(By.LINK_TEXT, "Workers").click()
    WebDriverWait(driver, WAIT).until(EC.presence_of_element_located((By.CSS_SELECTOR, "main table")))
    workers = driver.find_element(By.CSS_SELECTOR, "main table").text
    check("every queue" in workers and "ago" in workers, "the workers page shows the server's worker and its heartbeat")
    shot(driver, "07-workers")

    # Catalog: from the root down to the data object, by links.
    driver.find_element(By.LINK_TEXT, "Catalog").click()
    for part in [p for p in CATALOG_FILE.split("/") if p][:-1]:
        WebDriverWait(driver, WAIT).until(EC.presence_of_element_located((By.LINK_TEXT, part + "/"))).click()
    shot(driver, "08-catalog-collection")
    name = CATALOG_FILE.rsplit("/", 1)[1]
    WebDriverWait(driver, WAIT).until(EC.presence_of_element_located((By.LINK_TEXT, name))).click()
    wait_text(driver, (By.TAG_NAME, "main"), "Replicas (1)")
    check(CATALOG_FILE in driver.find_element(By.TAG_NAME, "main").text, "the data object page shows its path and replica")
    shot(driver, "09-catalog-object")


if __name__ == "__main__":
    os.makedirs(ARTIFACTS, exist_ok=True)
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ["INGEST_TEST_CHROMIUM"]
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,720"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=os.environ["INGEST_TEST_CHROMEDRIVER"]), options=options)
    status = 0
    try:
        main(driver)
        log("all checks passed")
    except (AssertionError, TimeoutException, Exception):
        traceback.print_exc(file=sys.stdout)
        try:
            shot(driver, "failure")
            log(f"page at failure: {driver.current_url}")
        except Exception:
            pass
        status = 1
    finally:
        driver.quit()
    sys.exit(status)
