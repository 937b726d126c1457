"""The four principles of retention, with the worked examples of Microsoft Purview's documentation.

Source: Microsoft Learn, "Learn about retention policies and retention labels", section "The
principles of retention, or what takes precedence?" (each test quotes its example). Purview
"retention labels" are ``explicit`` settings here, policies "scoped with specific instances" are
``scoped`` and org-wide policies ``org-wide``. All periods start when the item is created.
"""

from __future__ import annotations

import datetime as dt

from commsgov.retention import Hold, HoldScope, Setting, resolve

CREATED = dt.datetime(2020, 6, 1, 9, tzinfo=dt.UTC)


def years(n: int) -> dt.datetime:
    return CREATED.replace(year=CREATED.year + n)


def delete_only(name: str, n: int, scope: str = "org-wide") -> Setting:
    return Setting(name, retain=False, ends=years(n), action="delete", scope=scope)  # type: ignore[arg-type]


def retain_then_delete(name: str, n: int, scope: str = "org-wide") -> Setting:
    return Setting(name, retain=True, ends=years(n), action="delete", scope=scope)  # type: ignore[arg-type]


def retain_only(name: str, n: int, scope: str = "org-wide") -> Setting:
    return Setting(name, retain=True, ends=years(n), action=None, scope=scope)  # type: ignore[arg-type]


def test_principle_1_retention_wins_over_deletion() -> None:
    """An email message is subject to a retention policy for Exchange that is configured to
    delete items three years after they are created, and it also has a retention label applied
    that is configured to retain items five years after they are created. [...] retained for five
    years [...] permanently deleted at the end of the five years."""
    out = resolve([delete_only("policy", 3), retain_only("label", 5, "explicit")])
    assert out.retained_until == years(5)
    assert (out.action, out.at) == ("delete", years(5))
    assert out.steps[0].principle == 1
    assert out.steps[0].winner == "label"


def test_principle_2_longest_retention_wins() -> None:
    """Documents in the Marketing SharePoint site are subject to two retention policies. The
    first [...] for all SharePoint sites to retain items for five years [...]. The second [...]
    for specific SharePoint sites to retain items for ten years [...] retained for ten years."""
    out = resolve([retain_only("all sites", 5), retain_only("specific sites", 10, "scoped")])
    assert out.retained_until == years(10)
    assert out.action is None  # retain-only: nothing disposes of them
    assert [s.principle for s in out.steps] == [2]
    assert out.steps[0].winner == "specific sites"


def test_principle_2_compares_end_dates_not_periods() -> None:
    """A 5-year period from last modification can outlast 7 years from creation (the note)."""
    modified_late = Setting("5y after modified", True, years(8), None)
    out = resolve([modified_late, retain_only("7y after created", 7)])
    assert out.retained_until == years(8)


def test_principle_3_label_beats_policies() -> None:
    """A document is subject to two retention policies that have a delete action of five years
    and ten years respectively, and also a retention label that has a delete action of seven
    years. The document is permanently deleted after seven years."""
    out = resolve(
        [
            retain_then_delete("policy 5", 5),
            retain_then_delete("policy 10", 10),
            retain_then_delete("label 7", 7, "explicit"),
        ]
    )
    # the retention (10 years) still wins over deletion: Purview's example counts deletion
    # settings only; with delete-only settings the label's 7 years wins outright
    assert out.winner == "label 7"
    only_deletes = resolve(
        [
            delete_only("policy 5", 5),
            delete_only("policy 10", 10),
            delete_only("label 7", 7, "explicit"),
        ]
    )
    assert (only_deletes.action, only_deletes.at, only_deletes.winner) == (
        "delete",
        years(7),
        "label 7",
    )
    assert [s.principle for s in only_deletes.steps] == [3]


def test_principle_3_scoped_policy_beats_org_wide() -> None:
    """An email message is subject to two retention policies. The first retention policy is
    unscoped and deletes items after ten years. The second retention policy is scoped to
    specific mailboxes and deletes items after five years. [...] deleted after five years."""
    out = resolve([delete_only("unscoped", 10), delete_only("mailboxes", 5, "scoped")])
    assert (out.at, out.winner) == (years(5), "mailboxes")
    assert out.steps[0].principle == 3


def test_principle_3_scoped_beats_org_wide_even_when_later() -> None:
    out = resolve([delete_only("unscoped", 5), delete_only("mailboxes", 10, "scoped")])
    assert (out.at, out.winner) == (years(10), "mailboxes")


def test_principle_3_undecided_between_two_scoped_goes_to_4() -> None:
    """Two policies both scoped to this user's OneDrive, deleting after 10 and 7 years: can't
    be determined at this level [...] deleted after seven years (principle 4)."""
    out = resolve(
        [delete_only("onedrive 10", 10, "scoped"), delete_only("onedrive 7", 7, "scoped")]
    )
    assert (out.at, out.winner) == (years(7), "onedrive 7")
    assert [s.principle for s in out.steps] == [4]


def test_principle_4_shortest_deletion_wins() -> None:
    out = resolve([delete_only("ten", 10), delete_only("seven", 7)])
    assert (out.at, out.winner) == (years(7), "seven")


def test_combined_example_1() -> None:
    """A retention policy for delete-only after five years; a retention policy that retains
    for three years and then deletes; a retention label that retains-only for seven years.
    Outcome: retained for seven years [...] then permanently deleted."""
    out = resolve(
        [
            delete_only("delete-only 5", 5),
            retain_then_delete("retain 3 then delete", 3),
            retain_only("label retain-only 7", 7, "explicit"),
        ]
    )
    assert out.retained_until == years(7)
    assert (out.action, out.at) == ("delete", years(7))
    assert out.steps[0].principle == 1


def test_combined_example_2() -> None:
    """An org-wide retention policy that deletes-only after ten years; a retention policy scoped
    with specific instances that retains for five years and then deletes; a retention label that
    retains for three years and then deletes. Outcome: retained for five years [...] then deleted
    because of the delete action of three years from the retention label."""
    out = resolve(
        [
            delete_only("org-wide 10", 10),
            retain_then_delete("scoped 5", 5, "scoped"),
            retain_then_delete("label 3", 3, "explicit"),
        ]
    )
    assert out.retained_until == years(5)
    assert (out.action, out.at, out.winner) == ("delete", years(5), "label 3")
    assert 3 in [s.principle for s in out.steps]


def test_holds_freeze_and_lift_restores_the_principles() -> None:
    """Items subject to eDiscovery hold also fall under the first principle [...] When that hold
    is released, the principles of retention continue to apply to them."""
    placed = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
    hold = Hold(
        "h",
        "Covid-19 Inquiry",
        "Inquiries Act 2005 s.21 notice",
        HoldScope(record_uids=frozenset({"r"})),
        "ann",
        placed,
    )
    held = resolve([delete_only("policy", 3)], holds=[hold])
    assert held.held_by == ("Covid-19 Inquiry",)
    assert not held.disposable
    assert not held.due(years(50))
    assert held.steps[0].principle == 0
    lifted = hold.lift(by="bob", at=years(4), reason="inquiry closed")
    after = resolve([delete_only("policy", 3)], holds=[lifted])
    assert after.held_by == () and after.due(years(4))


def test_until_review_is_the_longest_retention() -> None:
    review = Setting("captured-record", True, None, "review")
    out = resolve([review, delete_only("teams-chat", 1)])
    assert out.retained_indefinitely
    assert out.at is None and not out.disposable


def test_tie_on_date_prefers_the_careful_action() -> None:
    out = resolve([delete_only("a", 3), Setting("b", False, years(3), "review")])
    assert out.action == "review"


def test_move_to_archive_is_not_a_disposal() -> None:
    out = resolve([Setting("email", False, years(1), "move-to-archive")])
    assert out.action is None and out.moves
