"""Which captures breach the policy: an MMA or a personal device outside an outage or exemption."""

from __future__ import annotations

from commsgov.records.models import PolicyException


def policy_exception_for(
    *,
    method: str,
    channel_kind: str,
    device: str,
    covered_by: str | None,
    cite: tuple[str, str],
) -> PolicyException | None:
    """The exception a capture raises, or ``None`` when it is within the policy.

    A capture is an exception when it used a mobile messaging app (``mma`` channel), a personal
    channel or a personal device and no declared outage or active exemption (``covered_by``)
    covers its time. ``cite`` is the ``(document, quote)`` of the pack's rule it breaches (the
    pack's ban on mobile messaging apps): the record names the organisation's own policy.

    >>> ban = ("policy.txt", "Messaging apps are not permitted.")
    >>> policy_exception_for(method="email", channel_kind="corporate", device="corporate",
    ...                      covered_by=None, cite=ban) is None
    True
    >>> found = policy_exception_for(method="whatsapp", channel_kind="mma", device="personal",
    ...                              covered_by=None, cite=ban)
    >>> found.rule, found.document
    ('mma-ban', 'policy.txt')
    >>> policy_exception_for(method="whatsapp", channel_kind="mma", device="personal",
    ...                      covered_by="outage-1", cite=ban) is None
    True
    """
    if covered_by is not None:
        return None
    document, quote = cite
    if channel_kind == "mma":
        reason = (
            f"{method} is a mobile messaging app, used outside any declared outage or exemption"
        )
        return PolicyException("mma-ban", reason, document, quote)
    if channel_kind == "personal" or device == "personal":
        reason = (
            f"{method} on a {device} device is a non-corporate channel, used outside any declared "
            "outage or exemption"
        )
        return PolicyException("non-corporate-channel", reason, document, quote)
    return None
