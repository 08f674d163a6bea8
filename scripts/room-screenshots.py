"""The room's pictures for the docs, from the real thing: coserve-viz runs a
workshop with --room on a virtual display; a headless Chromium at a phone's
size (390 x 844) joins from the link the big screen shows, taps a
neighbourhood, and is photographed; then the big screen photographs itself.

    cargo build --release -p coserve-viz
    python scripts/room-screenshots.py [TARGET_DIR]   # writes docs/images/phone.png, room.png

Needs xvfb-run, chromium, chromium-driver and selenium (python/requirements-test.txt).
"""

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[1]
TARGET = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "target"
IMAGES = ROOT / "docs" / "images"


def main():
    viz = subprocess.Popen(
        ["xvfb-run", "-a", "-s", "-screen 0 1920x1080x24",
         str(TARGET / "release" / "coserve-viz"), "scenarios/workshop/budget_cut_then_pb.toml", "--right", "participatory_budgeting",
         "--set", "city.residents=20000", "--room-bind", "127.0.0.1:0",
         "--weeks-per-second", "4", "--screenshot", str(IMAGES / "room.png"), "--after-ticks", "60", "--play"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    link = None
    for line in viz.stdout:
        found = re.search(r"participants open (\S+)", line)
        if found:
            link = found.group(1)
            break
    assert link, "coserve-viz did not say where the room is"
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=390,844",
                 "--hide-scrollbars"]:
        options.add_argument(flag)
    phone = webdriver.Chrome(options=options, service=webdriver.ChromeService(shutil.which("chromedriver")))
    # Exactly a phone's viewport, whatever the headless window's frame.
    phone.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}
    )
    try:
        phone.get(link)
        phone.find_element(By.ID, "name").send_keys("Ana")
        phone.find_element(By.ID, "join-button").click()
        wait = WebDriverWait(phone, 60, poll_frequency=0.5)
        wait.until(lambda d: d.find_element(By.ID, "city").is_displayed())
        wait.until(lambda d: int(d.find_element(By.ID, "city-week").text.split()[4]) >= 40)
        canvas = phone.find_element(By.ID, "map-1")
        webdriver.ActionChains(phone).move_to_element_with_offset(canvas, 20, -30).click().perform()
        phone.execute_script("document.getElementById('city').scrollIntoView()")
        time.sleep(0.5)
        phone.save_screenshot(str(IMAGES / "phone.png"))
    finally:
        phone.quit()
    viz.wait(timeout=120)
    print("wrote", IMAGES / "phone.png", "and", IMAGES / "room.png")


if __name__ == "__main__":
    main()
