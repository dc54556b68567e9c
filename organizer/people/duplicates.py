"""Likely duplicate volunteers, and sign-ups that look like spam.

Two records are likely the same person when they share an email address (ignoring case), a
phone number (compared in international form with the ``phonenumbers`` library, so
"07700 900123" and "+44 7700 900123" match), or have similar names.  Names are compared
after :func:`normalise_name` ("Dr. Sam O'Neill" and "sam oneill" are the same), token by
token with rapidfuzz's Jaro-Winkler similarity, allowing an initial for a name ("S. Oneill")
and a missing middle name.

Comparing every pair of 5,000 people is 12.5 million comparisons, so names are first grouped
by the first three letters of each word (blocking); only people sharing a group are compared,
first with rapidfuzz's token-sort ratio in C, then closely.

Spam: bots that get past a sign-up form leave random-looking names ("UbvpwcMergo",
"KeithMof") and no way to contact them.  :func:`spam_reasons` says why a sign-up looks like
one; such sign-ups are flagged for review (``Volunteer.review_reason``), never deleted.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session, aliased

from organizer.errors import DomainError, NotFoundError, OperationCancelledError
from organizer.models import ChangeLogEntry, Volunteer, utc_now
from organizer.services.base import Service, check_version, chunks

DEFAULT_REGION = "GB"
"""The country a phone number without an international prefix is assumed to be from."""
NAME_THRESHOLD = 88.0
"""Names at least this similar (0–100) make a pair even without a shared email or phone."""
_PREFILTER = 75.0
_TOKEN_FLOOR = 0.84
_MAX_TOKENS = 4
_BLOCK_PREFIX = 3

_TITLES = frozenset(
    ("dr", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "rev", "revd", "sir", "dame",
     "fr", "sr", "jr")
)  # fmt: skip
_APOSTROPHES = re.compile(r"['’‘`´ʼ]")
_NOT_WORD = re.compile(r"[^0-9a-z]+")

Progress = Callable[[str, float], None]
Cancelled = Callable[[], bool]


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """What duplicate detection looks at: a key (a volunteer id), name, email and phone."""

    key: int
    name: str
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    """Two records that are probably the same person.

    ``first`` is the smaller key.  ``score`` runs from 0 to 100 (100: certainly the same; a
    name alone gives at most 90, a shared email or phone with a like name 95 or more);
    ``reasons`` says why, in words a coordinator reads ("Same email address", "Similar
    names (92%)").
    """

    first: int
    second: int
    score: float
    reasons: tuple[str, ...]


def fold(text: str) -> str:
    """Lower case without accents: "Zoë" → "zoe", "İpek" → "ipek"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=65_536)
def normalise_name(name: str) -> str:
    """A name reduced for comparison: folded, titles and punctuation gone, "Last, First" turned.

    "Dr. Sam O'Neill" → "sam oneill"; "O'Neill, Sam" → "sam oneill"; "Mary-Jane Li" →
    "mary jane li".
    """
    text = _APOSTROPHES.sub("", fold(name))
    if text.count(",") == 1:
        last, first = text.split(",")
        text = f"{first} {last}"
    tokens = _NOT_WORD.sub(" ", text).split()
    kept = [token for token in tokens if token not in _TITLES]
    return " ".join(kept or tokens)


def normalise_email(email: str | None) -> str | None:
    """An email address trimmed and in lower case (``None`` when blank)."""
    if email is None:
        return None
    text = email.strip().lower()
    return text or None


@lru_cache(maxsize=65_536)
def normalise_phone(phone: str | None, region: str = DEFAULT_REGION) -> str | None:
    """A phone number in international (E.164) form, or its digits if it cannot be parsed.

    "07700 900123" and "+44 (0)7700 900123" both become "+447700900123".  Returns ``None``
    for a blank number or one with fewer than six digits.
    """
    if phone is None or not phone.strip():
        return None
    import phonenumbers

    try:
        parsed = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is not None and phonenumbers.is_possible_number(parsed):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    digits = "".join(char for char in phone if char.isdigit())
    return digits if len(digits) >= 6 else None


@dataclass(frozen=True)
class _Fuzz:
    """The rapidfuzz functions used, imported on first use so the app starts faster."""

    jaro_winkler: Callable[[str, str], float]
    levenshtein: Callable[[str, str], int]
    token_sort_ratio: Callable[..., float]
    extract: Callable[..., list[tuple[str, float, int]]]


@lru_cache(maxsize=1)
def _rapidfuzz() -> _Fuzz:
    from rapidfuzz import fuzz, process
    from rapidfuzz.distance import JaroWinkler, Levenshtein

    return _Fuzz(
        JaroWinkler.similarity, Levenshtein.distance, fuzz.token_sort_ratio, process.extract
    )


def _token_similarity(left: str, right: str, *, surname: bool = False) -> float:
    if left == right:
        return 1.0
    if len(left) == 1 or len(right) == 1:  # an initial stands for any name it starts
        return 0.9 if left[0] == right[0] else 0.0
    similarity = float(_rapidfuzz().jaro_winkler(left, right))
    # First names vary (Katy, Katie); a surname is mistyped by a letter, not renamed
    # (Brown and Browne are alike; Santos and Sato are not).
    if surname and _rapidfuzz().levenshtein(left, right) > 1 + len(max(left, right, key=len)) // 8:
        similarity *= 0.85
    return similarity


@lru_cache(maxsize=262_144)
def _normalised_similarity(left: str, right: str) -> float:
    if left > right:  # the same answer whichever way round it is asked
        left, right = right, left
    if left == right:
        return 100.0 if left else 0.0
    a, b = left.split()[:_MAX_TOKENS], right.split()[:_MAX_TOKENS]
    if not a or not b:
        return 0.0
    if sorted(a) == sorted(b):
        return 99.0
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    best: list[float] = []
    best_mean = -1.0
    for chosen in itertools.permutations(range(len(long)), len(short)):
        scores = [
            _token_similarity(short[i], long[j], surname=i == len(short) - 1 and j == len(long) - 1)
            for i, j in enumerate(chosen)
        ]
        mean = sum(scores) / len(scores)
        if mean > best_mean:
            best_mean, best = mean, scores
    if min(best) < _TOKEN_FLOOR:
        return round(_rapidfuzz().token_sort_ratio(left, right) * 0.9, 1)
    score = best_mean * 100 * 0.95 ** (len(long) - len(short))
    if len(short) == 1 and len(long) > 1:
        score = min(score, 70.0)  # "Sam" alone is not enough to match "Sam Patel"
    return round(min(score, 99.0), 1)


def name_similarity(left: str, right: str) -> float:
    """How alike two names are, 0 to 100, the same whichever is given first.

    100 for the same normalised name, 99 for the same words in another order; otherwise
    the mean Jaro-Winkler similarity of the best pairing of words, an initial counting as
    0.9 for a word it starts, less 5% for each unmatched (middle) name.  When some word
    has no good partner, the token-sort ratio scaled down (so "John Smith" and "Jane
    Smith" stay apart).
    """
    return _normalised_similarity(normalise_name(left), normalise_name(right))


def find_duplicates(
    records: Sequence[PersonRecord],
    *,
    region: str = DEFAULT_REGION,
    name_threshold: float = NAME_THRESHOLD,
    only_involving: Collection[int] | None = None,
    progress: Progress | None = None,
    cancel: Cancelled | None = None,
) -> list[DuplicatePair]:
    """Every likely duplicate pair among ``records``, best first.

    ``only_involving``: only pairs with at least one of these keys (an import checks its new
    rows against each other and everyone already there).  A record never pairs with
    itself, and the result does not depend on the order of ``records``.

    Raises:
        OperationCancelledError: ``cancel`` returned true.
    """
    report = progress or _quiet
    wanted = None if only_involving is None else frozenset(only_involving)
    unique: dict[int, PersonRecord] = {}
    for record in records:
        unique.setdefault(record.key, record)
    people = sorted(unique.values(), key=lambda r: r.key)

    def relevant(a: int, b: int) -> bool:
        return wanted is None or a in wanted or b in wanted

    emails: dict[str, list[int]] = defaultdict(list)
    phones: dict[str, list[int]] = defaultdict(list)
    names: dict[int, str] = {}
    for record in people:
        if (email := normalise_email(record.email)) is not None:
            emails[email].append(record.key)
        if (phone := normalise_phone(record.phone, region)) is not None:
            phones[phone].append(record.key)
        names[record.key] = normalise_name(record.name)

    found: dict[tuple[int, int], set[str]] = defaultdict(set)
    for shared, reason in ((emails, "email"), (phones, "phone")):
        for keys in shared.values():
            for a, b in itertools.combinations(keys, 2):
                if relevant(a, b):
                    found[a, b].add(reason)
    report("Comparing names", 0.05)
    _similar_names(names, name_threshold, relevant, found, report, cancel)

    pairs = [_pair(a, b, kinds, names, unique) for (a, b), kinds in found.items()]
    pairs.sort(key=lambda p: (-p.score, p.first, p.second))
    report("Duplicates found", 1.0)
    return pairs


def _similar_names(
    names: dict[int, str],
    threshold: float,
    relevant: Callable[[int, int], bool],
    found: dict[tuple[int, int], set[str]],
    report: Progress,
    cancel: Cancelled | None,
) -> None:
    fuzz = _rapidfuzz()
    blocks: dict[str, list[int]] = defaultdict(list)
    for key, name in names.items():
        if name:
            blocks["=" + name].append(key)  # the same name always meets, however short
        for token in set(name.split()[:_MAX_TOKENS]):
            if len(token) >= 2:
                blocks[token[:_BLOCK_PREFIX]].append(key)
    done = 0
    total = sum(len(keys) for keys in blocks.values()) or 1
    for keys in blocks.values():
        if cancel is not None and cancel():
            raise OperationCancelledError("Looking for duplicates was cancelled.")
        texts = [names[key] for key in keys]
        for index in range(len(keys) - 1):
            a = keys[index]
            matches = fuzz.extract(
                texts[index],
                texts[index + 1 :],
                scorer=fuzz.token_sort_ratio,
                score_cutoff=_PREFILTER,
                limit=None,
            )
            for _, _, offset in matches:
                b = keys[index + 1 + offset]
                pair = (a, b) if a < b else (b, a)
                if a == b or "name" in found.get(pair, ()) or not relevant(a, b):
                    continue
                if _normalised_similarity(names[a], names[b]) >= threshold:
                    found[pair].add("name")
        done += len(keys)
        report("Comparing names", 0.05 + 0.9 * done / total)


def _pair(
    a: int,
    b: int,
    kinds: set[str],
    names: dict[int, str],
    records: dict[int, PersonRecord],
) -> DuplicatePair:
    similarity = _normalised_similarity(names[a], names[b])
    scores: list[float] = []
    reasons: list[str] = []
    # A shared address or number with unlike names may be a family's: less sure.
    if "email" in kinds:
        scores.append(100.0 if similarity >= 85 else 85.0 if similarity >= 60 else 75.0)
        reasons.append("Same email address")
    if "phone" in kinds:
        scores.append(95.0 if similarity >= 85 else 80.0 if similarity >= 60 else 70.0)
        reasons.append("Same phone number")
    if similarity >= 100:
        reasons.append("Same name")
    elif "name" in kinds or similarity >= 60:
        reasons.append(f"Similar names ({similarity:.0f}%)")
    elif kinds:
        reasons.append(f"Different names ({records[a].name} / {records[b].name})")
    if "name" in kinds:  # two people can share a name: alone it is never certain
        scores.append(similarity * 0.9)
    score = min(100.0, max(scores) + 3.0 * (len(scores) - 1))
    return DuplicatePair(a, b, round(score, 1), tuple(reasons))


def _quiet(stage: str, fraction: float) -> None:
    """Ignore progress."""


# Spam ---------------------------------------------------------------------------------------

SPAM_PREFIX = "Looks like a bot sign-up: "
_VOWELS = frozenset("aeiouy")
_NAME_PREFIXES = frozenset(
    ("mc", "mac", "de", "di", "da", "du", "la", "le", "van", "von", "fitz", "o", "st", "al",
     "el", "ben", "bin", "ap")
)  # fmt: skip
_TRIPLE = re.compile(r"([a-z])\1\1")


def spam_reasons(name: str, email: str | None = None, phone: str | None = None) -> tuple[str, ...]:
    """Why a sign-up looks like it came from a bot; empty when it does not.

    Each sign of a random-looking name weighs 1 (one word only, capitals inside a word,
    mixed capitalisation, a letter three times in a row, few vowels) or 2 (five or more
    consonants in a row, digits).  A sign-up looks like spam when the signs weigh 3 or more,
    or 1 or more and it gives no email or phone.
    """
    signs = _name_signs(name)
    weight = sum(points for _, points in signs)
    no_contact = not (email and email.strip()) and not (phone and phone.strip())
    if weight >= 3 or (no_contact and weight >= 1):
        reasons = [reason for reason, _ in signs]
        if no_contact:
            reasons.append("no email or phone")
        return tuple(reasons)
    return ()


def review_reason_for(reasons: Iterable[str]) -> str:
    """The text kept in ``Volunteer.review_reason`` (at most 200 characters)."""
    text = SPAM_PREFIX + "; ".join(reasons) + "."
    return text if len(text) <= 200 else text[:199] + "…"


def _name_signs(name: str) -> list[tuple[str, int]]:
    text = unicodedata.normalize("NFC", name.strip())
    words = [w for w in re.split(r"[\s,]+", text) if w]
    signs: list[tuple[str, int]] = []
    if not words:
        return [("no name", 3)]
    letters = [_letters(w) for w in words]
    if len(words) > 5:
        signs.append(("a sentence, not a name", 3))
    if len(words) == 1:
        signs.append(("one word only", 1))
    if any(char.isdigit() for char in text):
        signs.append(("digits in the name", 2))
    if any(_odd_capital(word) for word in words):
        signs.append(("capitals inside a word", 1))
    starts = {word[0].isupper() for word in words if word[0].isalpha()}
    if len(starts) == 2:
        signs.append(("mixed capitalisation", 1))
    run = max((_consonant_run(w) for w in letters), default=0)
    if run >= 5:  # four happen in real names: Andrzej, Schmidt, Dempsey
        signs.append((f"{run} consonants in a row", 2))
    if any(_TRIPLE.search(w) for w in letters):
        signs.append(("a letter three times in a row", 1))
    joined = "".join(letters)
    if len(joined) >= 6 and sum(c in _VOWELS for c in joined) / len(joined) < 0.2:
        signs.append(("hardly any vowels", 1))
    return signs


def _letters(word: str) -> str:
    return "".join(char for char in fold(word) if "a" <= char <= "z")


def _consonant_run(word: str) -> int:
    longest = current = 0
    for char in word:
        current = 0 if char in _VOWELS else current + 1
        longest = max(longest, current)
    return longest


def _odd_capital(word: str) -> bool:
    """A capital after a small letter, other than in McDonald, DeShawn, O'Neill..."""
    bare = _APOSTROPHES.sub("", word)
    for index in range(1, len(bare)):
        if bare[index].isupper() and bare[index - 1].islower():
            prefix = bare[:index]
            if "-" in prefix:
                prefix = prefix.rsplit("-", 1)[1]
            if fold(prefix) not in _NAME_PREFIXES:
                return True
    return False


# Against the database -----------------------------------------------------------------------


@dataclass(frozen=True)
class SpamFlag:
    """A sign-up flagged for review, and why.

    ``version`` is the person's record version as read (a candidate) or as left by the call
    that returned this flag (so a later undo or redo can check nobody changed it since).
    """

    volunteer_id: int
    name: str
    reason: str
    version: int = 0


@dataclass(frozen=True)
class ReviewCleared:
    """What clearing a review flag changed: whose, the reason it had, the version it left."""

    volunteer_id: int
    reason: str
    version: int


class DuplicateService(Service):
    """Duplicates and spam-looking sign-ups among the volunteers in the database."""

    def find(
        self,
        *,
        region: str = DEFAULT_REGION,
        name_threshold: float = NAME_THRESHOLD,
        progress: Progress | None = None,
        cancel: Cancelled | None = None,
    ) -> list[DuplicatePair]:
        """Likely duplicate pairs among everyone not anonymised (archived people included)."""
        query = select(Volunteer.id, Volunteer.name, Volunteer.email, Volunteer.phone).where(
            Volunteer.anonymised_at.is_(None)
        )
        with self.db.read() as session:
            records = [PersonRecord(*row) for row in session.execute(query)]
        return find_duplicates(
            records,
            region=region,
            name_threshold=name_threshold,
            progress=progress,
            cancel=cancel,
        )

    def spam_candidates(self) -> list[SpamFlag]:
        """Sign-ups that look like spam and are not flagged yet (nor cleared by someone)."""
        reviewed, undone = aliased(ChangeLogEntry), aliased(ChangeLogEntry)
        # Cleared by someone, unless that clearing was undone later.
        cleared = select(reviewed.entity_id).where(
            reviewed.entity == "volunteer",
            reviewed.action == REVIEWED_ACTION,
            ~exists().where(
                undone.entity == "volunteer",
                undone.entity_id == reviewed.entity_id,
                undone.action == REVIEW_UNDONE_ACTION,
                undone.seq > reviewed.seq,
            ),
        )
        query = select(
            Volunteer.id, Volunteer.name, Volunteer.email, Volunteer.phone, Volunteer.version
        ).where(
            Volunteer.anonymised_at.is_(None),
            Volunteer.review_reason == "",
            Volunteer.id.not_in(cleared),
        )
        with self.db.read() as session:
            people = session.execute(query).all()
        found = []
        for vid, name, email, phone, version in people:
            reasons = spam_reasons(name, email, phone)
            if reasons:
                found.append(SpamFlag(vid, name, review_reason_for(reasons), version))
        return found

    def flag_spam(self) -> list[SpamFlag]:
        """Flag every spam-looking sign-up for review (nobody is deleted); returns them.

        Each returned flag carries the version the flagging left (for :meth:`unflag_spam`);
        someone flagged meanwhile by another coordinator is left alone and not returned.
        """
        candidates = self.spam_candidates()
        if not candidates:
            return []
        now = utc_now()
        flagged: list[SpamFlag] = []
        with self.db.write() as session:
            for flag in candidates:
                version = session.execute(
                    update(Volunteer)
                    .where(Volunteer.id == flag.volunteer_id, Volunteer.review_reason == "")
                    .values(
                        review_reason=flag.reason,
                        version=Volunteer.version + 1,
                        updated_at=now,
                        updated_by=self.actor,
                    )
                    .returning(Volunteer.version),
                    execution_options={"synchronize_session": False},
                ).scalar_one_or_none()
                if version is None:
                    continue
                self._log(
                    session,
                    "update",
                    "volunteer",
                    flag.volunteer_id,
                    f"Flagged for review: {flag.reason}",
                )
                flagged.append(SpamFlag(flag.volunteer_id, flag.name, flag.reason, version))
        return flagged

    def unflag_spam(self, flags: Sequence[SpamFlag]) -> list[SpamFlag]:
        """Take back flags :meth:`flag_spam` set (its undo); returns them with new versions.

        Unlike :meth:`clear_review` this says nothing about the people: they may be flagged
        again.  All or nothing.

        Raises:
            ConflictError: someone changed one of them since ``flag.version``.
            NotFoundError: one of them is gone.
        """
        return self._set_flags(flags, flagged=False)

    def reflag_spam(self, flags: Sequence[SpamFlag]) -> list[SpamFlag]:
        """Flag these people again with their reasons (redo after :meth:`unflag_spam`).

        All or nothing; returns the flags with the versions left.

        Raises:
            ConflictError: someone changed one of them since ``flag.version``.
            NotFoundError: one of them is gone.
        """
        return self._set_flags(flags, flagged=True)

    def _set_flags(self, flags: Sequence[SpamFlag], *, flagged: bool) -> list[SpamFlag]:
        if not flags:
            return []
        first = flags[0].volunteer_id
        with self._writing("volunteer", first, Volunteer) as session:
            rows = self._rows_for_change(session, flags)
            for flag in flags:
                row = rows[flag.volunteer_id]
                row.review_reason = flag.reason if flagged else ""
                self._stamp(row)
                summary = (
                    f"Flagged for review again: {flag.reason}"
                    if flagged
                    else f"Review flag taken back: {flag.reason}"
                )
                self._log(session, "update", "volunteer", flag.volunteer_id, summary)
            session.flush()
            return [
                SpamFlag(f.volunteer_id, f.name, f.reason, rows[f.volunteer_id].version)
                for f in flags
            ]

    def _rows_for_change(self, session: Session, flags: Sequence[SpamFlag]) -> dict[int, Volunteer]:
        """The people of ``flags``, each checked to be still at ``flag.version``."""
        rows: dict[int, Volunteer] = {}
        ids = [flag.volunteer_id for flag in flags]
        for part in chunks(ids):
            query = select(Volunteer).where(Volunteer.id.in_(part))
            for row in session.scalars(query.execution_options(populate_existing=True)):
                rows[row.id] = row
        for flag in flags:
            found = rows.get(flag.volunteer_id)
            if found is None:
                raise NotFoundError("volunteer", flag.volunteer_id)
            check_version(found, "volunteer", flag.volunteer_id, flag.version)
        return rows

    def clear_review(self, volunteer_id: int, expected_version: int) -> ReviewCleared:
        """A coordinator checked a flagged sign-up and it is real: clear the flag for good.

        Returns what :meth:`restore_review` needs to undo it.

        Raises:
            ConflictError: someone changed the person since ``expected_version``.
            NotFoundError: the person is gone.
        """
        with self._writing("volunteer", volunteer_id, Volunteer) as session:
            person = session.get(Volunteer, volunteer_id, populate_existing=True)
            if person is None:
                raise NotFoundError("volunteer", volunteer_id)
            check_version(person, "volunteer", volunteer_id, expected_version)
            reason = person.review_reason
            person.review_reason = ""
            self._stamp(person)
            session.flush()
            self._log(
                session,
                REVIEWED_ACTION,
                "volunteer",
                volunteer_id,
                f"Checked “{person.name}”: not spam",
            )
            return ReviewCleared(volunteer_id, reason, person.version)

    def restore_review(self, volunteer_id: int, expected_version: int, reason: str) -> int:
        """Flag a person for review again with ``reason`` (undoes :meth:`clear_review`).

        The change log notes that the clearing was taken back, so the person may be flagged
        again automatically.  Returns the person's new version.

        Raises:
            DomainError: ``reason`` is blank.
            ConflictError: someone changed the person since ``expected_version``.
            NotFoundError: the person is gone.
        """
        if not reason.strip():
            raise DomainError("A review flag needs a reason.")
        with self._writing("volunteer", volunteer_id, Volunteer) as session:
            person = session.get(Volunteer, volunteer_id, populate_existing=True)
            if person is None:
                raise NotFoundError("volunteer", volunteer_id)
            check_version(person, "volunteer", volunteer_id, expected_version)
            person.review_reason = reason
            self._stamp(person)
            session.flush()
            self._log(
                session,
                REVIEW_UNDONE_ACTION,
                "volunteer",
                volunteer_id,
                f"Flagged “{person.name}” for review again: {reason}",
            )
            return person.version


REVIEWED_ACTION = "reviewed"
"""The change-log action of clearing a review flag; such people are not flagged again."""
REVIEW_UNDONE_ACTION = "review-undone"
"""The change-log action of taking a clearing back: a later one cancels earlier clearings."""


def clear_caches() -> None:
    """Forget remembered normalised names, phones and similarities (for fair benchmarks)."""
    normalise_name.cache_clear()
    normalise_phone.cache_clear()
    _normalised_similarity.cache_clear()
