"""Personal numbers in a text however they are written: mobile and landline numbers and ID card
numbers, in full-width digits (what Chinese input methods type), split by spaces, dashes, dots or
brackets, with +86 or 0086 in front. What is found is given back as it was written, so the officer
can find it in the story."""

import re
import unicodedata
from dataclasses import dataclass

# Between the digits of one number: space (any width), dashes of every length, dots, brackets.
_SEPARATORS = " \t\u00a0\u3000-‐‑‒–—―－.·・()（）"
_GROUP = re.compile(r"[0-9]+[Xx]?")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"0[1-9][0-9]{1,2}[0-9]{7,8}")  # area code, then a local number of 7–8 digits
_ID_CARD = re.compile(r"[1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]")
_KINDS = (("手机号", _MOBILE), ("固定电话", _LANDLINE), ("身份证号", _ID_CARD))


@dataclass(frozen=True)
class Found:
    kind: str  # 手机号, 固定电话, 身份证号
    text: str  # as written in the story


def _narrow(text: str) -> str:
    """Full-width digits, letters and signs as ASCII, one character for one, so positions hold."""
    out = []
    for ch in text:
        folded = unicodedata.normalize("NFKC", ch)
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


def _runs(text: str) -> list[list[re.Match[str]]]:
    """Groups of digits that only separators part: each run a candidate for one or more numbers."""
    runs: list[list[re.Match[str]]] = []
    for group in _GROUP.finditer(text):
        last = runs[-1][-1] if runs else None
        gap = text[last.end():group.start()] if last is not None else None
        if last is not None and gap is not None and gap.strip(_SEPARATORS) == "" \
                and not last.group().upper().endswith("X"):
            runs[-1].append(group)
        else:
            runs.append([group])
    return runs


def _kind_of(digits: str) -> str | None:
    """What the digits of one span are, if personal: a mobile number may carry China's code (86)."""
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and _MOBILE.fullmatch(digits[len(prefix):]):
            return "手机号"
    for kind, pattern in _KINDS:
        if pattern.fullmatch(digits):
            return kind
    return None


def personal_numbers(text: str) -> list[Found]:
    """Every mobile, landline and ID card number in `text`, in order, as written."""
    narrow = _narrow(text)
    found: list[Found] = []
    for run in _runs(narrow):
        start = 0
        while start < len(run):
            # The longest span of whole groups from `start` that is one number.
            for end in range(len(run), start, -1):
                begin, finish = run[start].start(), run[end - 1].end()
                kind = _kind_of(re.sub(r"[^0-9Xx]", "", narrow[begin:finish]))
                if kind is not None:
                    # A "+" before the country code, a bracket before an area code, belong to it.
                    before = narrow[max(0, begin - 1):begin]
                    bracket = before in ("(", "（") and any(c in narrow[begin:finish] for c in ")）")
                    lead = 1 if before == "+" or bracket else 0
                    found.append(Found(kind, text[begin - lead:finish]))
                    start = end
                    break
            else:
                start += 1
    return found
