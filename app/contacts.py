"""Users' contacts as people type them: mainland mobile numbers and e-mail addresses, checked and
made plain. Pure functions; who may see a contact is the auth domain's business."""

import re
import unicodedata

import email_validator

MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")


def check_mobile(text: str) -> str:
    """A mainland mobile number as people type it, made plain: full-width digits (NFKC), spaces
    and hyphens between the groups, a leading +86. "１３８ ００１３ ８０００" -> "13800138000"."""
    plain = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", text))
    plain = plain.removeprefix("+86")
    if not MOBILE_RE.fullmatch(plain):
        raise ValueError("手机号码须为 11 位中国大陆手机号（1 开头，第二位为 3–9），可带 +86")
    return plain


def check_email(text: str) -> str:
    """An e-mail address, checked for its form (not whether its domain takes mail): the domain in
    lower case, full-width letters and @ made plain."""
    try:
        checked = email_validator.validate_email(unicodedata.normalize("NFKC", text).strip(),
                                                 check_deliverability=False)
    except email_validator.EmailNotValidError:
        raise ValueError("电子邮箱地址格式不正确，例如 name@example.com") from None
    return str(checked.normalized)
