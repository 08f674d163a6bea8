"""The phone page in a real browser: headless Chromium at a phone's size
(390 x 844) joins a room, votes, and reads the room's answer; the room's
tally is the vote. Run by .ci/run with the room's example server
(room/examples/serve.rs) and Debian's chromium and chromium-driver.

    pytest room/tests/test_phone_page.py     # from the repository's root
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


@pytest.fixture
def room():
    """The example room, built with cargo: (address, code, process)."""
    subprocess.run(["cargo", "build", "--quiet", "-p", "coserve-room", "--example", "serve"], cwd=ROOT, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    server = subprocess.Popen(
        [str(target / "debug" / "examples" / "serve")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    address, code = server.stdout.readline().split()
    assert server.stdout.readline().strip() == "null", "no votes yet"
    yield address, code, server
    server.stdin.close()
    server.wait(timeout=10)


@pytest.fixture
def phone():
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.skip("needs chromium and chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=390,844"]:
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path=shutil.which("chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    yield driver
    driver.quit()


def said(driver, text):
    WebDriverWait(driver, 10).until(lambda d: text in d.find_element(By.ID, "said").text)


def shown(driver, element):
    WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, element).is_displayed())


def join_by_link(phone, room, name):
    """Opens the big screen's link (which fills in the code) and joins."""
    address, code, _ = room
    phone.get(f"http://{address}/?code={code}")
    phone.find_element(By.ID, "name").send_keys(name)
    phone.find_element(By.ID, "join-button").click()
    shown(phone, "city")


def test_a_phone_joins_votes_and_the_room_counts_the_vote(room, phone):
    address, code, server = room
    phone.get(f"http://{address}/")
    phone.find_element(By.ID, "code").send_keys(code.lower())
    phone.find_element(By.ID, "name").send_keys("Ana")
    phone.find_element(By.ID, "join-button").click()
    said(phone, "You are in the room.")
    WebDriverWait(phone, 10).until(lambda d: d.find_element(By.ID, "decide").is_displayed())
    assert "coverage at week 104?" in phone.find_element(By.ID, "question").text
    # The city: both maps, and tapping a neighbourhood shows its numbers.
    WebDriverWait(phone, 10).until(lambda d: d.find_element(By.ID, "city").is_displayed())
    assert phone.find_element(By.ID, "city-week").text == "The city at week 10 of 52"
    assert phone.find_element(By.ID, "side-1").text == "right: co created"
    south_east = phone.find_element(By.ID, "map-1")
    size = south_east.size
    # Selenium clicks relative to the element's centre.
    webdriver.ActionChains(phone).move_to_element_with_offset(
        south_east, size["width"] // 4, size["height"] // 4
    ).click().perform()
    assert phone.find_element(By.ID, "hood-name").text == "south-east"
    numbers = phone.find_element(By.ID, "hood-numbers").text
    assert "trust 0.44 0.64" in numbers.replace("\n", " "), numbers
    # Tapping chose the neighbourhood to vote for too; the services have names.
    assert Select(phone.find_element(By.ID, "vote-hood")).first_selected_option.text == "south-east"
    Select(phone.find_element(By.ID, "vote-hood")).select_by_visible_text("south-west")
    Select(phone.find_element(By.ID, "vote-domain")).select_by_visible_text("streets")
    phone.find_element(By.ID, "vote-button").click()
    said(phone, "Your vote is in.")
    # The room's tally: all of the one vote on neighbourhood 2, service 1.
    tally = json.loads(server.stdout.readline())
    assert tally == [0, 0, 0, 0, 0, 1, 0, 0]
    # A second vote is refused, and the page says why.
    phone.find_element(By.ID, "vote-button").click()
    said(phone, "you have voted in this round already")


def test_a_wrong_code_is_said_on_the_page(room, phone):
    address, _, _ = room
    phone.get(f"http://{address}/")
    phone.find_element(By.ID, "code").send_keys("ZZZZ")
    phone.find_element(By.ID, "name").send_keys("Bo")
    phone.find_element(By.ID, "join-button").click()
    said(phone, "no room with that code")
    assert phone.find_element(By.ID, "join").is_displayed()


def test_the_big_screens_link_fills_in_the_code(room, phone):
    address, code, _ = room
    phone.get(f"http://{address}/?code={code}")
    assert phone.find_element(By.ID, "code").get_attribute("value") == code


def test_a_phone_splits_its_vote_over_neighbourhoods_and_services(room, phone):
    join_by_link(phone, room, "Cy")
    shown(phone, "decide")
    for hood, service, points in [("north-west", "care", "2"), ("south-east", "streets", "1")]:
        Select(phone.find_element(By.ID, "vote-hood")).select_by_visible_text(hood)
        Select(phone.find_element(By.ID, "vote-domain")).select_by_visible_text(service)
        Select(phone.find_element(By.ID, "vote-points")).select_by_visible_text(points)
        phone.find_element(By.ID, "vote-add").click()
    shares = phone.find_element(By.ID, "vote-split").text.replace("\n", " ")
    assert "north-west, care 67%" in shares and "south-east, streets 33%" in shares, shares
    phone.find_element(By.ID, "vote-button").click()
    said(phone, "Your vote is in.")
    # Neighbourhood 0 care gets 2/3, neighbourhood 3 streets 1/3.
    tally = json.loads(room[2].stdout.readline())
    assert tally == pytest.approx([2 / 3, 0, 0, 0, 0, 0, 0, 1 / 3])


def test_a_reloaded_phone_comes_back_with_its_role(room, phone):
    join_by_link(phone, room, "Di")
    Select(phone.find_element(By.ID, "role")).select_by_visible_text("a resident of south-west")
    phone.find_element(By.ID, "role-button").click()
    said(phone, "You take part as a resident of south-west.")
    phone.refresh()
    shown(phone, "city")
    said(phone, "You are in the room.")
    role = Select(phone.find_element(By.ID, "role"))
    WebDriverWait(phone, 10).until(lambda d: role.first_selected_option.text == "a resident of south-west")
    assert phone.find_element(By.ID, "hood-name").text == "south-west"


def test_a_phone_sees_its_prediction_beside_the_outcome(room, phone):
    join_by_link(phone, room, "Ed")
    phone.find_element(By.ID, "predict-value").send_keys("0.7")
    phone.find_element(By.ID, "predict-button").click()
    said(phone, "Your prediction, 0.7, is in.")
    # The example room's city carries a debrief of round 1 (made up).
    WebDriverWait(phone, 10).until(lambda d: "You predicted 0.70." in d.find_element(By.ID, "debrief").text)
    assert phone.find_element(By.ID, "debrief").text.startswith("Round 1: trust at week 12? At week 12 it was 0.52.")
