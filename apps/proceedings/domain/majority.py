"""Majority rules: given a tally, did the question pass?

UN practice, and the options committees change:

- *simple*: more votes in favour than against, among members present and voting;
  abstaining members are present but not voting, so abstentions do not count.
- *two_thirds*: at least two thirds of members present and voting (exactly two thirds passes).
- *security_council*: at least nine affirmative votes; on a substantive question, also no
  negative vote of a permanent member (an abstaining permanent member does not veto).
- *consensus*: no objection (abstentions and silence are not objections).
- *unanimity*: every member present votes in favour.

Every rule first checks the quorum: enough members present. The thresholds (two thirds,
nine votes, the quorum fraction) are parameters, set per committee by its preset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from apps.core.text import Text, _, gettext_noop
from apps.proceedings.domain.errors import RuleViolation


class MajorityRule(StrEnum):
    SIMPLE = "simple"
    TWO_THIRDS = "two_thirds"
    SECURITY_COUNCIL = "security_council"
    CONSENSUS = "consensus"
    UNANIMITY = "unanimity"

    @property
    def label(self) -> str:
        return _RULE_LABELS[self]


_RULE_LABELS = {
    MajorityRule.SIMPLE: gettext_noop("Simple majority"),
    MajorityRule.TWO_THIRDS: gettext_noop("Two-thirds majority"),
    MajorityRule.SECURITY_COUNCIL: gettext_noop("Security Council (nine votes, veto on substance)"),
    MajorityRule.CONSENSUS: gettext_noop("Consensus (no objection)"),
    MajorityRule.UNANIMITY: gettext_noop("Unanimity"),
}


class Question(StrEnum):
    """Procedural questions (motions) and substantive ones (drafts, amendments, packages)."""

    PROCEDURAL = "procedural"
    SUBSTANTIVE = "substantive"


class Vote(StrEnum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


class Result(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NO_QUORUM = "no_quorum"


DEFAULT_QUORUM = Fraction(1, 3)
DEFAULT_TWO_THIRDS = Fraction(2, 3)
DEFAULT_SECURITY_COUNCIL_VOTES = 9


# --- reading a threshold ------------------------------------------------------------------
# `Fraction(text)` accepts exponents: `Fraction("1e-4000000")` builds a number of four
# million digits (seconds of CPU per request, minutes for 3e7). A threshold needs none of
# that: "2/3", "0.667" or "66.7%" say all a committee means. Every reading is bounded by
# these shapes, so what is parsed always prints back (`n/d`) as something that parses again:
# at most 4 digits on each side of a fraction; a decimal of at most 1 + 3 digits (x/1000);
# a percentage of at most 3 + 1 digits (x/1000).
MAX_THRESHOLD_CHARS = 16
_FRACTION_RE = re.compile(r"(\d{1,4})\s*/\s*(\d{1,4})", re.ASCII)
_DECIMAL_RE = re.compile(r"(\d?)(?:\.(\d{1,3}))?", re.ASCII)
_PERCENT_RE = re.compile(r"(\d{1,3})(?:\.(\d))?\s*%", re.ASCII)
THRESHOLD_FORMS = _("a fraction such as 2/3, a decimal such as 0.5 or a percentage such as 50%")


def parse_fraction(value: object) -> Fraction:
    """A threshold from a preset, a form or JSON: ``"2/3"``, ``"0.5"``, ``"50%"``, ``1``.

    Raises ``RuleViolation`` (and nothing else) for anything else, in time independent of
    the input's length: long text is refused before it is looked at.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise RuleViolation(_("A threshold must be {forms}.", forms=THRESHOLD_FORMS))
    text = value if isinstance(value, str) else repr(value)
    if len(text) > MAX_THRESHOLD_CHARS:
        raise RuleViolation(
            _("A threshold must be {forms} (this one is too long).", forms=THRESHOLD_FORMS)
        )
    text = text.strip()
    if match := _FRACTION_RE.fullmatch(text):
        numerator, denominator = int(match[1]), int(match[2])
        if denominator == 0:
            raise RuleViolation(_("A threshold cannot divide by zero."))
        return Fraction(numerator, denominator)
    if (match := _DECIMAL_RE.fullmatch(text)) and (match[1] or match[2]):
        decimals = match[2] or ""
        return Fraction(int(match[1] + decimals or "0"), 10 ** len(decimals))
    if match := _PERCENT_RE.fullmatch(text):
        decimals = match[2] or ""
        return Fraction(int(match[1] + decimals), 100 * 10 ** len(decimals))
    raise RuleViolation(_("A threshold must be {forms}.", forms=THRESHOLD_FORMS))


class PlacardVisibility(StrEnum):
    """When everyone may see which placard each delegation holds up in an open vote."""

    LIVE = "live"
    AFTER_CLOSE = "after_close"

    @property
    def label(self) -> str:
        if self is PlacardVisibility.LIVE:
            return gettext_noop("As they are raised (everyone sees each delegation's placard)")
        return gettext_noop("After the vote closes (until then only the chair and the count)")


def placards_shown(visibility: PlacardVisibility, *, vote_open: bool) -> bool:
    """Whether delegates, observers and the projector see each delegation's placard now.

    The chair's console always does: the chair counts the placards, as in the room. Each
    delegation always sees its own. Everyone sees how each delegation voted once the vote
    is closed (or lapsed).
    """
    return visibility is PlacardVisibility.LIVE or not vote_open


@dataclass(frozen=True)
class Tally:
    """The count of one ballot.

    ``absent`` members are not present; present members either voted (yes, no, abstain) or
    did not (a pass in a roll call, a non-voting member). ``vetoes`` counts the ``no`` votes
    cast by veto holders, so it is part of ``no``.
    """

    yes: int
    no: int
    abstain: int
    members: int
    absent: int = 0
    vetoes: int = 0

    def __post_init__(self) -> None:
        for name in ("yes", "no", "abstain", "members", "absent", "vetoes"):
            if getattr(self, name) < 0:
                raise ValueError(f"a tally cannot have a negative {name} count")
        if self.absent > self.members:
            raise ValueError("a tally cannot have more absent members than members")
        if self.yes + self.no + self.abstain > self.present:
            raise ValueError("a tally cannot have more votes than members present")
        if self.vetoes > self.no:
            raise ValueError("vetoes are negative votes: there cannot be more vetoes than noes")

    @property
    def present(self) -> int:
        return self.members - self.absent

    @property
    def present_not_voting(self) -> int:
        """Present members who cast no vote at all (not even an abstention)."""
        return self.present - self.yes - self.no - self.abstain

    def summary(self) -> Text:
        """``"8 in favour, 5 against, 2 abstentions"``."""
        if self.abstain == 1:
            abstentions = _("1 abstention")
        else:
            abstentions = _("{count} abstentions", count=self.abstain)
        return _(
            "{yes} in favour, {no} against, {abstentions}",
            yes=self.yes,
            no=self.no,
            abstentions=abstentions,
        )


@dataclass(frozen=True)
class Outcome:
    result: Result
    reason: Text

    @property
    def passed(self) -> bool:
        return self.result is Result.PASSED


def quorum_needed(members: int, quorum: Fraction) -> int:
    """The fewest members present that make a quorum (one third of 15 -> 5; 3/5 of 15 -> 9)."""
    if members <= 0:
        return 0
    needed = -((-quorum.numerator * members) // quorum.denominator)  # ceiling division
    return max(1, needed)


def decide(
    rule: MajorityRule,
    tally: Tally,
    *,
    question: Question = Question.SUBSTANTIVE,
    abstentions_count_as_present_not_voting: bool = True,
    quorum: Fraction = DEFAULT_QUORUM,
    two_thirds: Fraction = DEFAULT_TWO_THIRDS,
    security_council_votes: int = DEFAULT_SECURITY_COUNCIL_VOTES,
    veto: bool = True,
) -> Outcome:
    """Apply ``rule`` to ``tally``: passed, failed or no quorum, with a sentence saying why.

    With ``abstentions_count_as_present_not_voting`` off, an abstention counts as a vote cast
    (so it weighs like a no in simple and two-thirds majorities). ``veto`` only matters for
    the Security Council rule on a substantive question.
    """
    needed = quorum_needed(tally.members, quorum)
    if tally.present < needed:
        return Outcome(
            Result.NO_QUORUM,
            _(
                "No quorum: {present} of {members} members present, {needed} needed.",
                present=tally.present,
                members=tally.members,
                needed=needed,
            ),
        )
    counts = tally.summary()
    cast = tally.yes + tally.no
    if not abstentions_count_as_present_not_voting:
        cast += tally.abstain

    if rule is MajorityRule.SIMPLE:
        if cast == 0:
            return Outcome(Result.FAILED, _("{counts}: no votes were cast.", counts=counts))
        if 2 * tally.yes > cast:
            return Outcome(
                Result.PASSED, _("{counts}: a simple majority is in favour.", counts=counts)
            )
        return Outcome(
            Result.FAILED,
            _(
                "{counts}: a simple majority needs more votes in favour than against.",
                counts=counts,
            ),
        )

    if rule is MajorityRule.TWO_THIRDS:
        if cast == 0:
            return Outcome(Result.FAILED, _("{counts}: no votes were cast.", counts=counts))
        required = -((-two_thirds.numerator * cast) // two_thirds.denominator)
        return Outcome(
            Result.PASSED if tally.yes >= required else Result.FAILED,
            _(
                "{counts}: {required} of {cast} votes in favour were needed.",
                counts=counts,
                required=required,
                cast=cast,
            ),
        )

    if rule is MajorityRule.SECURITY_COUNCIL:
        return _security_council(
            tally, counts, question=question, votes=security_council_votes, veto=veto
        )

    if rule is MajorityRule.CONSENSUS:
        if tally.no == 0:
            return Outcome(Result.PASSED, _("Adopted by consensus: no objection."))
        if tally.no == 1:
            return Outcome(Result.FAILED, _("No consensus: 1 objection."))
        return Outcome(Result.FAILED, _("No consensus: {count} objections.", count=tally.no))

    # Unanimity: every member present votes in favour.
    if tally.yes == tally.present:
        return Outcome(
            Result.PASSED, _("{counts}: every member present is in favour.", counts=counts)
        )
    missing = tally.present - tally.yes
    if missing == 1:
        reason = _(
            "{counts}: unanimity needs every member present in favour; 1 is not.", counts=counts
        )
    else:
        reason = _(
            "{counts}: unanimity needs every member present in favour; {missing} are not.",
            counts=counts,
            missing=missing,
        )
    return Outcome(Result.FAILED, reason)


def _security_council(
    tally: Tally, counts: Text, *, question: Question, votes: int, veto: bool
) -> Outcome:
    """Nine affirmative votes (``votes``) and, on substance, no permanent member's no.

    Each sentence is whole, so a translation can order it as its language does."""
    enough = tally.yes >= votes
    substantive_veto = veto and question is Question.SUBSTANTIVE
    vetoed = substantive_veto and tally.vetoes > 0
    if enough and not vetoed:
        if substantive_veto:
            return Outcome(
                Result.PASSED,
                _(
                    "{counts}: at least {votes} affirmative votes and no veto.",
                    counts=counts,
                    votes=votes,
                ),
            )
        return Outcome(
            Result.PASSED,
            _("{counts}: at least {votes} affirmative votes.", counts=counts, votes=votes),
        )
    if not vetoed:
        return Outcome(
            Result.FAILED,
            _("{counts}: {votes} affirmative votes were needed.", counts=counts, votes=votes),
        )
    one = tally.vetoes == 1
    if enough:
        if one:
            reason = _(
                "{counts}: vetoed by the negative vote of a permanent member.", counts=counts
            )
        else:
            reason = _("{counts}: vetoed by the negative vote of permanent members.", counts=counts)
    elif one:
        reason = _(
            "{counts}: {votes} affirmative votes were needed;"
            " vetoed by the negative vote of a permanent member.",
            counts=counts,
            votes=votes,
        )
    else:
        reason = _(
            "{counts}: {votes} affirmative votes were needed;"
            " vetoed by the negative vote of permanent members.",
            counts=counts,
            votes=votes,
        )
    return Outcome(Result.FAILED, reason)


@dataclass(frozen=True)
class VotingRules:
    """A committee's voting options, part of its preset."""

    procedural: MajorityRule = MajorityRule.SIMPLE
    substantive: MajorityRule = MajorityRule.SIMPLE
    quorum: Fraction = DEFAULT_QUORUM
    two_thirds: Fraction = DEFAULT_TWO_THIRDS
    security_council_votes: int = DEFAULT_SECURITY_COUNCIL_VOTES
    veto: bool = False
    abstentions_allowed: bool = True
    abstentions_count_as_present_not_voting: bool = True
    # UNA-USA: a delegation that answered the roll "present and voting" may not abstain
    # on a substantive vote.
    present_and_voting_may_not_abstain: bool = False
    # Observers (delegations without a vote right: NGOs, cities, companies...) speak but
    # do not vote unless the committee says so.
    observers_may_vote: bool = False
    # In a room, placards go up together when the chair calls the question, so nobody
    # waits to see how the others vote. On screens a vote stays open for minutes and a
    # delegation may change its placard until the close: showing each placard live would
    # let delegations follow the crowd. So by default everyone sees each delegation's
    # placard from the close on (the record is public, as in the room), and the running
    # count all along; an instructor who wants the open room's feel chooses "live".
    placards_visible: PlacardVisibility = PlacardVisibility.AFTER_CLOSE

    def rule_for(self, question: Question) -> MajorityRule:
        return self.substantive if question is Question.SUBSTANTIVE else self.procedural


def decide_under(
    voting: VotingRules,
    tally: Tally,
    *,
    question: Question,
    rule: MajorityRule | None = None,
) -> Outcome:
    """``decide`` with every threshold taken from the committee's ``VotingRules``.

    ``rule`` defaults to the committee's rule for the kind of question.
    """
    return decide(
        rule if rule is not None else voting.rule_for(question),
        tally,
        question=question,
        abstentions_count_as_present_not_voting=voting.abstentions_count_as_present_not_voting,
        quorum=voting.quorum,
        two_thirds=voting.two_thirds,
        security_council_votes=voting.security_council_votes,
        veto=voting.veto,
    )
