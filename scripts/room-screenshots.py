"""The room's pictures for the docs, from the real thing: coserve-viz runs a
workshop with --room on a virtual display; a headless Chromium at a phone's
size (390 x 844) joins from the link the big screen shows, taps a
neighbourhood, and is photographed. Then a round is run through the room's
protocol with the facilitator's secret the terminal shows: eleven more
participants join, everyone predicts trust on the right side and votes,
the weeks run, and at the debrief the big screen photographs itself.

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
         "--weeks-per-second", "4", "--screenshot", str(IMAGES / "room.png"), "--after-ticks", "260", "--play"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    said = ""
    for line in viz.stdout:
        said += line
        if "secret" in line:
            break
    link = re.search(r"participants open (\S+)", said).group(1)
    secret = re.search(r"for nobody else: (\S+)", said).group(1)
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
        run_a_round(phone, wait, secret)
    finally:
        phone.quit()
    viz.wait(timeout=120)
    print("wrote", IMAGES / "phone.png", "and", IMAGES / "room.png")


# Runs in the phone's page: opens WebSockets to the room, as more phones
# and as the facilitator. `window.room` keeps them between calls.
ROOM_JS = """
const done = arguments[arguments.length - 1];
const [steps] = arguments;
const url = "ws://" + location.host + "/ws";
window.room = window.room || {};
const open = () => new Promise((ok) => { const s = new WebSocket(url); s.onopen = () => ok(s); });
const ask = (s, m) => new Promise((ok) => { s.onmessage = (e) => ok(JSON.parse(e.data)); s.send(JSON.stringify(m)); });
(async () => {
  const answers = [];
  for (const [who, message] of steps) {
    if (!window.room[who]) window.room[who] = await open();
    answers.push(await ask(window.room[who], message));
  }
  done(answers);
})();
"""

CROWD = ["Ade", "Bea", "Cal", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jun", "Kai"]


def run_a_round(phone, wait, secret):
    def room(steps):
        return phone.execute_async_script(ROOM_JS, steps)

    def facilitate(action):
        answer = room([["facilitator", {"type": "facilitate", "secret": secret, **action}]])
        assert answer[0]["type"] == "accepted", answer

    code = re.search(r"code=(\w+)", phone.current_url).group(1)
    room([[name, {"type": "join", "room": code, "name": name}] for name in CROWD])
    facilitate({"action": "open_round", "question": "Trust on the right side in 8 weeks? (0 to 1)"})
    week = int(phone.find_element(By.ID, "city-week").text.split()[4])
    guesses = [0.45, 0.5, 0.52, 0.55, 0.56, 0.58, 0.6, 0.6, 0.62, 0.65, 0.7]
    answers = room(
        [[name, {"type": "predict", "round": 1, "value": guess}] for name, guess in zip(CROWD, guesses)]
        + [[name, {"type": "vote", "round": 1, "weights": [[i % 16, i % 4, 1.0]]}] for i, name in enumerate(CROWD)]
    )
    assert all(a["type"] == "accepted" for a in answers), answers
    facilitate({"action": "simulate"})
    wait.until(lambda d: int(d.find_element(By.ID, "city-week").text.split()[4]) >= week + 9)
    facilitate({"action": "debrief"})


if __name__ == "__main__":
    main()
