"""The study team's console is served at /console/, apart from her app."""

from savor.main import CONSOLE_DIR


def test_the_console_page_and_its_script_are_served(client):
    page = client.get("/console/")
    assert page.status_code == 200
    assert '<script type="module" src="/console/console.js">' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/console/console.js").status_code == 200


def test_the_console_is_not_shipped_to_her_phone(client):
    files = client.get("/version.json").json()["files"]
    assert not [f for f in files if "console" in f]


def test_the_setup_link_opens_the_console(client):
    assert (CONSOLE_DIR / "console.js").read_text().count('get("setup")') == 1
