"""The pages a person sees, in a real browser (Debian's chromium, tests/support/browser.py)
against the local runtime, with every request elsewhere refused (as without internet):
an invitation from the mailed link to the success page, by mouse and by keyboard alone;
a declined one; an expired one; links that lead nowhere; and /docs.

`make screenshots` runs this module with TEAMSPACE_SCREENSHOTS=docs/images: each state
the README shows is written there by the test that reaches it (`shot`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from itertools import count

import pytest
from playwright.sync_api import Browser, Page, expect

from local_runtime.addresses import ADDRESSES, banner
from local_runtime.idp import AUTHORIZE
from tests.support.browser import OfflinePage, shot
from tests.support.http import Api, Client, billing_request, create_workspace, mails_to

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

NUMBERS = count(1)


@pytest.fixture
def tab(browser: Browser, api: Api) -> Iterator[OfflinePage]:
    opened = OfflinePage(browser, api.base)
    yield opened
    assert opened.clean(), (opened.elsewhere, opened.violations, opened.exceptions)
    opened.close()


@pytest.fixture(scope="module")
def team(api: Api) -> tuple[Client, str]:
    """A workspace whose owner, Ana, invites the people of these tests."""
    owner = api.user("page-owner", email="ana.page@example.com", name="Ana Diaz")
    return owner, create_workspace(owner, "Acme Voice")


def invite(api: Api, team: tuple[Client, str], role: str = "developer") -> tuple[str, str]:
    """A new person invited by mail: their address, and the link the mail holds."""
    owner, workspace_id = team
    email = f"guest{next(NUMBERS)}@example.com"
    reply = owner.post(
        f"/v1/workspaces/{workspace_id}/invitations", json={"email": email, "role": role}
    )
    assert reply.status_code == 201, reply.text
    return email, mailed_link(api, email)


def mailed_link(api: Api, email: str) -> str:
    """The link of the newest mail to `email`, as the outbox holds it."""
    mail = mails_to(api, email)[-1]
    [link] = re.findall(r"http://\S+/accept\?token=\S+", mail["text"])
    assert link.startswith(api.base)
    return link


def open_link(page: Page, link: str) -> None:
    page.goto(link)
    expect(page.locator("#invitation")).to_be_visible()


def sign_in_as(page: Page, email: str) -> None:
    """From the invitation, through the local sign-in page, back signed in."""
    page.get_by_role("button", name="Sign in to respond").click()
    expect(page.get_by_role("heading", name="Sign in to Teamspace")).to_be_visible()
    page.get_by_label("Email").nth(1).fill(email)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#who")).to_have_text(email)


def members_of(team: tuple[Client, str]) -> dict[str, str]:
    owner, workspace_id = team
    items = owner.get(f"/v1/workspaces/{workspace_id}/members").json()["items"]
    return {m["email"]: m["role"] for m in items}


def test_an_invitation_is_accepted_from_the_mailed_link(api, team, tab):
    page = tab.page
    email, link = invite(api, team)
    open_link(page, link)
    # The token left the address bar and the history at once; the tab keeps it.
    assert page.evaluate("location.href") == f"{api.base}/accept"
    assert "token" not in page.evaluate("JSON.stringify(history.state)")
    expect(page.locator("#workspace-name")).to_have_text("Acme Voice")
    expect(page.locator("#inviter")).to_have_text("Ana Diaz")
    expect(page.locator("#role-name")).to_have_text("Developer")
    expect(page.locator("#email-hint")).to_have_text(re.compile(r"^g\*+@example\.com$"))
    expect(page.locator("#expires")).to_contain_text("(in 7 days)")
    shot(page, "invitation")

    page.get_by_role("button", name="Sign in to respond").click()
    expect(page.get_by_role("heading", name="Sign in to Teamspace")).to_be_visible()
    assert page.url.startswith(f"{api.base}/_local/idp/oauth2/authorize?")
    assert "code_challenge_method=S256" in page.url
    shot(page, "sign-in", full_page=True)  # both ways in
    page.get_by_label("Email").nth(1).fill(email)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#who")).to_have_text(email)
    assert page.evaluate("location.search") == ""  # the code left the address bar too

    page.get_by_role("button", name="Accept invitation").click()
    expect(page.get_by_role("heading", name="Welcome to Acme Voice")).to_be_visible()
    expect(page.get_by_role("link", name="Open Acme Voice")).to_have_attribute(
        "href", api.runtime.template.parameters["AppUrl"]
    )
    shot(page, "success")
    assert members_of(team)[email] == "developer"
    assert page.evaluate("sessionStorage.length") == 0  # the token is gone with its use
    # Locally the platform (AppUrl) is the runtime's front page.
    page.get_by_role("link", name="Open Acme Voice").click()
    expect(page.get_by_role("heading", name="Teamspace")).to_be_visible()


def test_the_page_takes_on_the_workspaces_branding_and_says_what_the_role_allows(api, tab):
    """settings.branding's accent colour, set by the owner, colours the page (with text
    that contrasts); the role's line is the one its mail has, its permissions behind it."""
    page = tab.page
    owner = api.user("page-brand-owner", email="bea.page@example.com", name="Bea")
    workspace_id = create_workspace(owner, "Violet Labs")
    branding = {"settings": {"branding": {"accentColor": "#7c3aed"}}}
    assert owner.patch(f"/v1/workspaces/{workspace_id}", json=branding).status_code == 200
    _, link = invite(api, (owner, workspace_id), role="viewer")
    open_link(page, link)
    button = page.get_by_role("button", name="Sign in to respond")
    colours = button.evaluate(
        "b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color]"
    )
    assert colours == ["rgb(124, 58, 237)", "rgb(255, 255, 255)"]
    preview = (
        api.anonymous()
        .get("/v1/invitations/preview", params={"token": link.split("token=", 1)[1]})
        .json()
    )
    expect(page.locator("#role-summary")).to_have_text(preview["roleSummary"])
    expect(page.locator("#allows-first")).to_be_hidden()
    page.get_by_text(f"See all {len(preview['rolePermissions'])} permissions").click()
    expect(page.locator("#allows-rest li")).to_have_count(len(preview["rolePermissions"]))
    shot(page, "invitation-branded")


def test_the_accept_flow_works_with_the_keyboard_alone(api, team, tab):
    page = tab.page
    email, link = invite(api, team, role="member")
    open_link(page, link)

    def tab_to(selector: str, limit: int = 12) -> None:
        """Tab until `selector` has the focus, which the page shows."""
        for _ in range(limit):
            if page.evaluate(f"document.activeElement.matches({json.dumps(selector)})"):
                outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
                assert outline != "none", f"{selector} has the focus but does not show it"
                return
            page.keyboard.press("Tab")
        raise AssertionError(f"{selector} is not reached with Tab")

    tab_to("#sign-in")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Sign in to Teamspace")).to_be_visible()
    tab_to("#dev-email")
    page.keyboard.type(email)
    page.keyboard.press("Enter")  # submits the form it is in
    expect(page.locator("#who")).to_have_text(email)
    tab_to("#accept")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Welcome to Acme Voice")).to_be_focused()
    assert members_of(team)[email] == "member"


def test_a_managed_account_signs_in_with_its_password_and_accepts(api, team, tab):
    """An account another workspace created (the pool's), invited here: its password on
    the sign-in page, the pool's ID token back to the page, and the accept with it."""
    page = tab.page
    other_owner = api.user("page-other-owner", email="olga.page@example.com")
    other = create_workspace(other_owner, "Other Co")
    email = "max.page@example.com"
    account = {"email": email, "name": "Max", "role": "member", "password": "max-pass-1"}
    made = other_owner.post(f"/v1/workspaces/{other}/members", json=account)
    assert made.status_code == 201, made.text
    owner, workspace_id = team
    invited = owner.post(
        f"/v1/workspaces/{workspace_id}/invitations", json={"email": email, "role": "viewer"}
    )
    assert invited.status_code == 201, invited.text
    open_link(page, mailed_link(api, email))

    page.get_by_role("button", name="Sign in to respond").click()
    page.get_by_label("Email").first.fill(email)
    page.get_by_label("Password", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong email or password")
    page.get_by_label("Password", exact=True).fill("max-pass-1")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.locator("#who")).to_have_text(email)
    page.get_by_role("button", name="Accept invitation").click()
    expect(page.get_by_role("heading", name="Welcome to Acme Voice")).to_be_visible()
    assert members_of(team)[email] == "viewer"


def test_an_invitation_is_declined(api, team, tab):
    page = tab.page
    email, link = invite(api, team)
    open_link(page, link)
    sign_in_as(page, email)
    page.get_by_role("button", name="Decline").click()
    expect(page.get_by_role("heading", name="Invitation declined")).to_be_visible()
    expect(page.locator("#outcome-text")).to_contain_text("Ana Diaz")
    shot(page, "declined")
    assert email not in members_of(team)
    owner, workspace_id = team
    declined = owner.get(f"/v1/workspaces/{workspace_id}/invitations?status=declined").json()
    assert email in [i["email"] for i in declined["items"]]


def test_an_expired_link_says_so_and_what_to_do(api, team, tab):
    page = tab.page
    owner, workspace_id = team
    _, link = invite(api, team)
    pending = owner.get(f"/v1/workspaces/{workspace_id}/invitations?status=pending").json()
    due = max(i["expiresAt"] for i in pending["items"])
    job = api.anonymous().post("/_local/jobs/expire-invitations", json={"now": due})
    assert job.status_code == 200, job.text
    page.goto(link)
    expect(page.get_by_role("heading", name="This invitation has expired")).to_be_focused()
    expect(page.locator("#outcome-next")).to_contain_text("Ask the person who invited you")
    expect(page.locator("#invitation")).to_be_hidden()
    shot(page, "expired")


def invitation_id_of(team: tuple[Client, str], email: str) -> str:
    owner, workspace_id = team
    items = owner.get(f"/v1/workspaces/{workspace_id}/invitations").json()["items"]
    return next(i["invitationId"] for i in items if i["email"] == email)


def revoked(api: Api, team: tuple[Client, str], email: str, link: str) -> None:
    owner, workspace_id = team
    invitation_id = invitation_id_of(team, email)
    gone = owner.delete(f"/v1/workspaces/{workspace_id}/invitations/{invitation_id}")
    assert gone.status_code == 204, gone.text


def resent(api: Api, team: tuple[Client, str], email: str, link: str) -> None:
    owner, workspace_id = team
    invitation_id = invitation_id_of(team, email)
    again = owner.post(f"/v1/workspaces/{workspace_id}/invitations/{invitation_id}/resend")
    assert again.status_code == 200, again.text
    assert mailed_link(api, email) != link


def answered(answer: str) -> Callable[[Api, tuple[Client, str], str, str], None]:
    """The guest accepts or declines over the API, without the page."""

    def by_the_guest(api: Api, team: tuple[Client, str], email: str, link: str) -> None:
        guest = api.user(email.partition("@")[0], email=email)
        token = link.split("token=", 1)[1]
        reply = guest.post(f"/v1/invitations/{answer}", json={"token": token})
        assert reply.status_code in {200, 204}, reply.text

    return by_the_guest


@pytest.mark.parametrize(
    ("undo", "heading", "next_step"),
    [
        (revoked, "This invitation was withdrawn", "an admin to invite you again"),
        (resent, "A newer invitation replaced this one", "most recent invitation email"),
        (answered("accept"), "This invitation has already been used", "If you accepted it"),
        (answered("decline"), "This invitation has already been used", "declined and changed"),
    ],
    ids=["revoked", "superseded", "accepted", "declined"],
)
def test_a_link_that_no_longer_works_says_why_and_what_to_do(
    api, team, tab, undo, heading, next_step
):
    email, link = invite(api, team)
    undo(api, team, email, link)
    tab.page.goto(link)
    expect(tab.page.get_by_role("heading", name=heading)).to_be_focused()
    expect(tab.page.locator("#outcome")).to_contain_text(next_step)
    expect(tab.page.locator("#invitation")).to_be_hidden()


def test_a_link_to_a_suspended_workspace_says_it_stays_open(api, tab):
    """Billing suspended the workspace after the mail went out: accepting is refused
    (403 WORKSPACE_SUSPENDED) and the page says the invitation waits, not that Teamspace
    is out of reach."""
    owner = api.user("page-sam", email="sam.page@example.com", name="Sam Stone")
    suspended = (owner, create_workspace(owner, "Paused Voice"))
    email, link = invite(api, suspended)
    assert (
        billing_request(
            api, "WorkspaceSuspensionRequested", workspaceId=suspended[1], reason="payment_failed"
        ).status_code
        == 202
    )
    page = tab.page
    open_link(page, link)
    sign_in_as(page, email)
    page.get_by_role("button", name="Accept invitation").click()
    expect(page.locator("#notice")).to_contain_text("stays open")
    expect(page.locator("#invitation")).to_be_visible()
    expect(page.get_by_role("heading", name="Something went wrong")).to_be_hidden()


def test_a_link_someone_else_signs_in_to_says_whose_it_is(api, team, tab):
    page = tab.page
    _, link = invite(api, team)
    open_link(page, link)
    sign_in_as(page, "not-the-guest@example.com")
    page.get_by_role("button", name="Accept invitation").click()
    expect(page.locator("#notice")).to_contain_text("sent to another address")
    expect(page.get_by_role("button", name="Use another account")).to_be_visible()


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/accept?token=ws_0000.inv_0000.not-a-real-secret", "We can\u2019t find this invitation"),
        ("/accept", "Open this page from your invitation"),
    ],
)
def test_a_link_that_leads_nowhere_says_what_to_do(api, tab, path, heading):
    tab.page.goto(api.base + path)
    expect(tab.page.get_by_role("heading", name=heading)).to_be_visible()


def test_the_docs_render_offline_and_list_every_operation(api, tab):
    page = tab.page
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto(f"{api.base}/docs")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    document = api.anonymous().get("/openapi.json").json()
    expected = sum(len(methods) for methods in document["paths"].values())
    expect(operations).to_have_count(expected)
    expect(page.locator(".opblock-summary-path", has_text="/v1/invitations/accept")).to_be_visible()
    shot(page, "docs")


def test_the_front_page_and_the_banner_name_addresses_that_open(api, tab):
    page = tab.page
    page.goto(f"{api.base}/")
    links = page.locator("main a")
    paths = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert paths == [path for path, _ in ADDRESSES]
    assert {"/docs", "/openapi.json", "/_local/outbox", AUTHORIZE} <= set(paths)
    for path in paths:
        assert f"{api.base}{path} " in banner(api.base)
        with page.expect_navigation() as opened:
            page.get_by_role("link", name=path, exact=True).click()
        # The sign-in page, opened without the invitation page's request, says so.
        assert opened.value.status == (400 if path == AUTHORIZE else 200), path
        page.go_back()
