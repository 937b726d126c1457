"""Which captures breach the policy: an MMA or a personal device outside an outage or exemption."""

from __future__ import annotations

from commsgov.records.models import PolicyException

BAN_DOCUMENT = "000_9dc585f751727391.txt"
BAN_QUOTE = "The use of MMAs for everyday government work is not permitted."
OUTAGE_QUOTE = (
    "In these circumstances, all communications should be captured, retained, time and date "
    "stamped, along with details about the communication method used."
)


def policy_exception_for(
    *, method: str, channel_kind: str, device: str, covered_by: str | None
) -> PolicyException | None:
    """The exception a capture raises, or ``None`` when it is within the policy.

    A capture is an exception when it used a mobile messaging app (``mma`` channel), a personal
    channel or a personal device and no declared outage or active exemption (``covered_by``)
    covers its time.

    >>> policy_exception_for(method="email", channel_kind="corporate", device="corporate",
    ...                      covered_by=None) is None
    True
    >>> policy_exception_for(method="whatsapp", channel_kind="mma", device="personal",
    ...                      covered_by=None).rule
    'mma-ban'
    >>> policy_exception_for(method="whatsapp", channel_kind="mma", device="personal",
    ...                      covered_by="outage-1") is None
    True
    """
    if covered_by is not None:
        return None
    if channel_kind == "mma":
        reason = (
            f"{method} is a mobile messaging app, used outside any declared outage or exemption"
        )
        return PolicyException("mma-ban", reason, BAN_DOCUMENT, BAN_QUOTE)
    if channel_kind == "personal" or device == "personal":
        reason = (
            f"{method} on a {device} device is a non-corporate channel, used outside any declared "
            "outage or exemption"
        )
        return PolicyException("non-corporate-channel", reason, BAN_DOCUMENT, BAN_QUOTE)
    return None
