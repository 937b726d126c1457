"""What the classifier learns from: the pack's labelled questions, scenarios and topics."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .classifier import Classifier, fit
from .lexicon import Lexicon

if TYPE_CHECKING:
    from commsgov.policy.compiled import CompiledPack

#: the label of questions the advisor does not answer (off-topic or too vague)
NONE = "none"
#: the label of questions that name a channel but no situation: any scenario may be meant
ANY = "any"
TOPIC = "topic:"


def label_of(question: Mapping[str, Any]) -> str | None:
    """The class a labelled question teaches (``None``: nothing to learn).

    >>> label_of({"q": "...", "scenario": "logistics"}), label_of({"q": "...", "topic": "breach"})
    ('logistics', 'topic:breach')
    >>> label_of({"q": "...", "off_topic": True}), label_of({"q": "...", "channel": "signal"})
    ('none', 'any')
    """
    if question.get("scenario"):
        return str(question["scenario"])
    if question.get("topic"):
        return TOPIC + str(question["topic"])
    if question.get("off_topic") or question.get("vague"):
        return NONE
    if question.get("channel"):
        return ANY
    return None


def training_set(
    pack: CompiledPack, questions: Iterable[Mapping[str, Any]], *, lexicon: Lexicon
) -> tuple[list[list[str]], list[str]]:
    """Feature lists and labels: each scenario's title and description, each topic's title and
    answer and the passages it quotes, and every labelled question."""
    docs: list[list[str]] = []
    labels: list[str] = []
    descriptions: dict[str, str] = pack.ask.get("descriptions", {})
    for scenario in pack.scenarios.values():
        docs.append(
            lexicon.read(f"{scenario.title}. {descriptions.get(scenario.id, '')}").features()
        )
        labels.append(scenario.id)
    for topic in pack.ask.get("topics", ()):
        # The topic's answer and each passage it quotes: the policy's own words about it.
        texts = [f"{topic['title']}. {topic['text']}"]
        texts += [c["quote"] for c in topic["cite"]]
        texts += [said["text"] for said in topic.get("channels", {}).values()]
        for text in dict.fromkeys(texts):
            docs.append(lexicon.read(text).features())
            labels.append(TOPIC + topic["id"])
    for question in questions:
        label = label_of(question)
        if label is not None:
            docs.append(lexicon.read(str(question["q"])).features())
            labels.append(label)
    return docs, labels


def train(
    pack: CompiledPack, questions: Iterable[Mapping[str, Any]], *, lexicon: Lexicon | None = None
) -> Classifier:
    """Fit the classifier for ``pack`` (pure: the questions are handed in)."""
    docs, labels = training_set(pack, questions, lexicon=lexicon or Lexicon(pack))
    return fit(docs, labels)


def build(
    pack: CompiledPack, questions: Iterable[Mapping[str, Any]]
) -> tuple[dict[str, Any], bytes]:
    """Everything ``ask`` needs for ``pack`` as plain data: the lexicon's tables and the trained
    classifier (a JSON-able header and its floats as bytes), for the compiled-pack cache."""
    lexicon = Lexicon(pack)
    header, payload = train(pack, questions, lexicon=lexicon).to_parts()
    return {"lexicon": lexicon.to_data(), "classifier": header}, payload


def parts(header: dict[str, Any], payload: bytes) -> tuple[Lexicon, Classifier]:
    """The lexicon and classifier from :func:`build`'s output (``ValueError`` if it does not
    fit this version)."""
    try:
        return Lexicon.from_data(header["lexicon"]), Classifier.from_parts(
            header["classifier"], payload
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"ask parameters do not fit: {exc}") from None
