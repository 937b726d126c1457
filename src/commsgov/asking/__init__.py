"""Asking the policy in plain words: "can I WhatsApp my manager that I'm late?".

Pure: a lexicon of channel, condition and cue phrases taken from the pack (:mod:`.lexicon`), a
small classifier whose parameters are plain data (:mod:`.classifier`), and the answer that
reuses :func:`commsgov.policy.advice.advise` (:mod:`.answer`). Nothing here reads files; the
trained parameters come from the compiled-pack cache (:func:`commsgov.policy.cache.load_ask_parts`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .answer import Answer, Choice, Understood, answer_question

if TYPE_CHECKING:
    from commsgov.policy.advice import Context
    from commsgov.policy.compiled import CompiledPack

    from .classifier import Classifier
    from .lexicon import Lexicon

__all__ = ["Answer", "Choice", "Understood", "answer_question", "ask"]

_PARTS: dict[int, tuple[CompiledPack, Lexicon, Classifier]] = {}


def ask(
    question: str,
    *,
    pack: CompiledPack | str | Path | None = None,
    context: Context | None = None,
) -> Answer:
    """Answer a question in plain words under ``pack`` (the bundled pack by default);
    ``context`` is what the registers know, as for :func:`commsgov.policy.advice.advise`.

    >>> answer = ask("Can I WhatsApp my manager that I'm running late?")
    >>> answer.scenario, answer.channel, answer.verdict
    ('logistics', 'whatsapp', 'not-allowed')
    >>> ask("SCOTS is down after a cyber attack: can we use WhatsApp?").verdict
    'conditional'
    """
    from commsgov.policy.cache import compiled_pack
    from commsgov.policy.compiled import CompiledPack
    from commsgov.policy.errors import InvalidAdviceInput

    if not question.strip():
        raise InvalidAdviceInput("question: empty; ask e.g. 'Can I WhatsApp my manager?'")
    compiled = pack if isinstance(pack, CompiledPack) else compiled_pack(pack)
    lexicon, classifier = _parts(compiled)
    return answer_question(
        question, pack=compiled, lexicon=lexicon, classifier=classifier, context=context
    )


def _parts(pack: CompiledPack) -> tuple[Lexicon, Classifier]:
    """The pack's lexicon and classifier, read once per process from the compiled-pack cache
    (the pack is kept alive so that its id is not reused)."""
    found = _PARTS.get(id(pack))
    if found is None or found[0] is not pack:
        from commsgov.policy.cache import load_ask_parts

        from .learn import parts

        lexicon, classifier = parts(*load_ask_parts(pack))
        found = (pack, lexicon, classifier)
        _PARTS[id(pack)] = found
    return found[1], found[2]
