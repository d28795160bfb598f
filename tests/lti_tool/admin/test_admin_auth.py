"""Administrator sign-in: lockout, server-side sessions, cookie rules and the `next` target."""

import re
import threading
import uuid

import pytest
import requests

from tests.support.loopback import serve_wsgi
from xapi.lrs import admins

PASSWORD = "correct horse battery staple"


def _address() -> str:
    """Return an address of the TEST-NET range of its own, so lockouts stay in one test."""
    n = uuid.uuid4().int
    return f"198.51.{n % 250}.{(n >> 8) % 250 + 1}"


class Admin:
    def __init__(self, app, username, address=None, base_url="http://localhost"):
        self.client = app.test_client()
        self.username = username
        self.base_url = base_url
        self.environ = {"REMOTE_ADDR": address or _address()}

    def get(self, path, **kw):
        return self.client.get(path, base_url=self.base_url, environ_base=self.environ, **kw)

    def token(self, path="/admin/login"):
        page = self.get(path)
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

    def sign_in(self, password=PASSWORD, username=None, query=""):
        data = {
            "username": username or self.username,
            "password": password,
            "csrf_token": self.token(),
        }
        return self.client.post(
            "/admin/login" + query, data=data, base_url=self.base_url, environ_base=self.environ
        )

    def sign_out(self):
        data = {"csrf_token": self.token("/admin/lrs")}
        return self.client.post(
            "/admin/logout", data=data, base_url=self.base_url, environ_base=self.environ
        )


@pytest.fixture
def username(engine, unique):
    name = f"admin-{unique}"
    admins.set_admin(engine, name, PASSWORD)
    return name


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(app, username):
    admin = Admin(app, username)
    codes = [admin.sign_in("wrong").status_code for _ in range(5)]
    assert codes == [401, 401, 401, 401, 429]
    refused = admin.sign_in(PASSWORD)
    assert refused.status_code == 429
    assert "Too many wrong passwords" in refused.text
    assert admin.get("/admin/lrs").status_code == 302
    # Another address cannot use the account either: the account itself is locked.
    assert Admin(app, username).sign_in(PASSWORD).status_code == 429


def test_one_address_guessing_many_accounts_is_locked_out(app, engine, unique, username):
    address = _address()
    for n in range(5):
        Admin(app, f"nobody-{unique}-{n}", address).sign_in("wrong")
    assert Admin(app, username, address).sign_in(PASSWORD).status_code == 429
    assert Admin(app, username).sign_in(PASSWORD).status_code == 302


def test_a_right_password_clears_the_account_count(app, username):
    admin = Admin(app, username)
    for _ in range(4):
        assert admin.sign_in("wrong").status_code == 401
    assert admin.sign_in(PASSWORD).status_code == 302
    other = Admin(app, username)
    assert [other.sign_in("wrong").status_code for _ in range(4)] == [401] * 4


def test_failures_on_one_app_instance_count_on_another(make_app, username):
    first, second = make_app(), make_app()
    address = _address()
    for _ in range(3):
        assert Admin(first, username, address).sign_in("wrong").status_code == 401
    assert Admin(second, username, address).sign_in("wrong").status_code == 401
    assert Admin(second, username, address).sign_in("wrong").status_code == 429
    assert Admin(first, username).sign_in(PASSWORD).status_code == 429


@pytest.fixture
def loopback_counter(engine):
    """Forget 127.0.0.1's wrong passwords afterwards: other tests sign in from there too."""
    from sqlalchemy import delete

    from lti_tool.admin.models import AdminSignInFailure

    yield
    table = AdminSignInFailure.__table__
    with engine.begin() as conn:
        conn.execute(delete(table).where(table.c.key == "address:127.0.0.1"))


@pytest.mark.usefixtures("loopback_counter")
def test_simultaneous_wrong_passwords_are_all_counted_without_a_server_error(app, username):
    statuses, lock = [], threading.Lock()

    def guess(base):
        session = requests.Session()
        page = session.get(base + "/admin/login", timeout=30)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        barrier.wait(timeout=30)
        answer = session.post(
            base + "/admin/login",
            data={"username": username, "password": "wrong", "csrf_token": token},
            timeout=30,
        )
        with lock:
            statuses.append(answer.status_code)

    barrier = threading.Barrier(12)
    with serve_wsgi(app) as base:
        threads = [threading.Thread(target=guess, args=(base,)) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert len(statuses) == 12
    assert set(statuses) <= {401, 429}, statuses
    assert statuses.count(401) <= 4
    assert Admin(app, username).sign_in(PASSWORD).status_code == 429


def test_a_cookie_copied_before_sign_out_stops_working(app, username):
    admin = Admin(app, username)
    assert admin.sign_in().status_code == 302
    cookie = admin.client.get_cookie("leadpath-admin")
    thief = app.test_client()
    thief.set_cookie("leadpath-admin", cookie.value)
    assert thief.get("/admin/lrs").status_code == 200
    assert admin.sign_out().status_code == 302
    assert thief.get("/admin/lrs").status_code == 302
    assert admin.get("/admin/lrs").status_code == 302


def test_a_new_password_ends_every_session(app, engine, username):
    admin = Admin(app, username)
    assert admin.sign_in().status_code == 302
    assert admin.get("/admin/lrs").status_code == 200
    admins.set_admin(engine, username, "a brand new long password")
    assert admin.get("/admin/lrs").status_code == 302
    assert admin.sign_in("a brand new long password").status_code == 302
    assert admin.get("/admin/lrs").status_code == 200


def test_the_admin_cookie_is_lax_and_secure_under_https(make_app, username):
    app = make_app(base_url="https://leadpath.example.test")
    admin = Admin(app, username, base_url="https://leadpath.example.test")
    response = admin.sign_in()
    assert response.status_code == 302
    [cookie] = [h for h in response.headers.getlist("Set-Cookie") if "leadpath-admin" in h]
    assert cookie.startswith("__Host-leadpath-admin=")
    assert "SameSite=Lax" in cookie and "Secure" in cookie and "HttpOnly" in cookie
    assert "Path=/" in cookie and "Domain" not in cookie
    assert admin.get("/admin/lrs").status_code == 200


def test_the_admin_cookie_is_lax_under_http(app, username):
    response = Admin(app, username).sign_in()
    [cookie] = [h for h in response.headers.getlist("Set-Cookie") if "leadpath-admin" in h]
    assert "SameSite=Lax" in cookie and "Secure" not in cookie


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example/",
        "//evil.example/",
        "/%5Cevil.example/",
        "/%0A/evil.example/",
        "https://evil.example/",
        "javascript:alert(1)",
        "/%0D%0A//evil.example",
    ],
)
def test_next_outside_the_site_is_ignored(app, username, target):
    response = Admin(app, username).sign_in(query="?next=" + target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/lrs"


def test_next_on_the_site_is_followed(app, username):
    response = Admin(app, username).sign_in(query="?next=/admin/lrs%3Fverb%3Dx")
    assert response.headers["Location"] == "/admin/lrs?verb=x"
