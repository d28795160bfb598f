"""The demo's SMTP sink keeps invitation emails on the machine and shows them at /demo/mail."""

from lti_tool.assess.feedback_mail import SmtpServer
from lti_tool.demo.mail import start_sink


def test_the_demo_shows_what_its_sink_received(client, app):
    data_dir = app.config["LEADPATH"].data_dir
    url = start_sink(data_dir)  # a real SMTP server on loopback, as `leadpath serve` starts it
    server = SmtpServer(url, "leadpath@demo.example", timeout=5)
    server.send(
        "pat@colleagues.example",
        "Would you give Alex some leadership feedback?",
        "Please use this link:\nhttp://localhost/feedback/r/abc123\n",
    )
    page = client.get("/demo/mail")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Would you give Alex some leadership feedback?" in text
    assert "To pat@colleagues.example" in text
    assert '<a href="http://localhost/feedback/r/abc123"' in text
