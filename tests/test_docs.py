"""The product's papers: README.md, weights/MODEL_CARD.md, CHANGELOG.md and docs/ speak to users.

Hermetic and fast: reads only files of this repository. Checks that
- no page speaks of rounds of work (a "seventh session", "issue 10", "#14", "a round of training");
  the app's own session layer ("the session layer", "a long session of a few hundred photos")
  is not such wording and passes;
- the README's two set-up commands are near its top, word for word;
- README.md and the model card stay short;
- every relative link and image in README.md, docs/*.md and weights/MODEL_CARD.md points to a
  file of the repository (and, for a link into a Markdown page, to one of its headings).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MODEL_CARD = ROOT / "weights" / "MODEL_CARD.md"
DETECTOR_CARD = ROOT / "weights" / "restore" / "MODEL_CARD.md"
CHANGELOG = ROOT / "CHANGELOG.md"
DOCS = ROOT / "docs"

README_COMMANDS = (
    "python3 -m venv .venv && .venv/bin/pip install torch==2.13.0 -e . && .venv/bin/colorizer resources/samples",
    "python3 -m venv .venv && .venv/bin/pip install torch==2.13.0 -e '.[test]' && .venv/bin/python -m pytest",
)
README_MAX_BYTES = 13_000
MODEL_CARD_MAX_BYTES = 16_000


def paper_files() -> list[Path]:
    """Every page a user may read: the README, the model card, the changelog, and the text files
    under docs/ (Markdown and JSON)."""
    docs = sorted(p for p in DOCS.rglob("*") if p.is_file() and p.suffix in (".md", ".json"))
    return [README, MODEL_CARD, DETECTOR_CARD, CHANGELOG, *docs]


def markdown_pages() -> list[Path]:
    return [README, MODEL_CARD, DETECTOR_CARD, *sorted(DOCS.glob("*.md"))]


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# --- wording of rounds of work ------------------------------------------------------------------

ORDINALS = ("first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|"
            "thirteenth|fourteenth|fifteenth")
NUMBER_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
# "a session" / "one session" in the app's sense is always followed by what it holds
# ("a session of a few hundred photos"); a work session is not.
APP_SESSION_TAIL = r"(?!\s+(?:of\s+(?:a\s+few|about|some|several|many|hundreds|thousands|\d)|layer|state|package))"

BANNED = {
    "a work session (the seventh session, this session, last session...)": re.compile(
        rf"\b(?:{ORDINALS}|this|last|next|previous|earlier|later|same|that|each|every|one|a|an|"
        rf"whole|current|today's|yesterday's|the\s+\w+'s)\s+(?:work\s+)?session\b{APP_SESSION_TAIL}", re.I),
    "a numbered session (session 9, sessions three to nine, session-5)": re.compile(
        rf"\bsessions?[\s-]*(?:\d+|(?:{NUMBER_WORDS})\b)", re.I),
    "a session's possessive (the session's recipe)": re.compile(
        rf"\b(?:{ORDINALS}|this|last|next|previous|that)\s+session's\b", re.I),
    "an issue number (issue 10, issue #24, issues 13 and 14, issue-11)": re.compile(
        r"\bissues?[\s-]*#?\s*\d+", re.I),
    "a round of work (a round of training, the fourth round, the GPU round)": re.compile(
        rf"\brounds?\s+of\s+(?:work|training|experiments?)\b|\b(?:{ORDINALS}|this|last|next|previous|"
        rf"gpu|cpu|training|work|the\s+same)\s+round\b", re.I),
    "a work-round label (s7, session7, round 3)": re.compile(r"\bround\s+\d+\b|\bsession\d+\b", re.I),
}
# "#14" outside code spans and colours (#a01e3c, #2a4fc0, #123456 are colours, not issues)
HASH_NUMBER = re.compile(r"(?<![\w&/])#\d{1,5}\b(?![0-9a-fA-F])")
FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.M | re.S)
INLINE_CODE = re.compile(r"`[^`\n]*`")


def without_code(text: str) -> str:
    """Markdown without fenced blocks and inline code spans (their line count kept)."""
    text = FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    return INLINE_CODE.sub("``", text)


def work_round_wording(text: str, markdown: bool = True) -> list[str]:
    """The places in `text` that speak of rounds of work, as 'line N: what: excerpt'."""
    found = []
    for what, pattern in BANNED.items():
        for m in pattern.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            found.append(f"line {line}: {what}: {m.group(0)!r}")
    prose = without_code(text) if markdown else text
    for m in HASH_NUMBER.finditer(prose):
        line = prose.count("\n", 0, m.start()) + 1
        found.append(f"line {line}: an issue number: {m.group(0)!r}")
    return found


@pytest.mark.parametrize("path", paper_files(), ids=rel)
def test_no_work_round_wording(path):
    text = path.read_text(encoding="utf-8")
    assert work_round_wording(text, markdown=path.suffix == ".md") == [], rel(path)


@pytest.mark.parametrize("phrase", [
    "the seventh session's recipe", "Eighth session: Vivid on enlarged crops", "in this session",
    "shipped last session", "the next session", "in sessions three to nine", "session 9",
    "the session-5 recipe", "Issue 10's floors", "issue #24", "the issue-11 branch", "#10's floors",
    "(see #12)", "a round of training", "the fourth round", "the GPU round", "one session",
    "a previous work session", "the same session",
])
def test_the_wording_rules_catch_rounds_of_work(phrase):
    assert work_round_wording(f"Some text: {phrase}, and more.\n"), phrase


@pytest.mark.parametrize("phrase", [
    "the app's session layer", "a long session of a few hundred photos aborts",
    "a session of a few hundred photos", "one session of 300 photos", "colorizer_app/session",
    "the session model", "the session's photos", "the session holds no Qt", "kept between sessions",
    "hints: #a01e3c, #2a4fc0 and #123456", "a round handle", "around the umbrella",
    "background", "no known issues", "the session decides which result is still wanted",
])
def test_the_wording_rules_pass_the_apps_own_words(phrase):
    assert work_round_wording(f"Some text: {phrase}, and more.\n") == [], phrase


def test_hash_numbers_in_code_are_not_issue_numbers():
    assert work_round_wording("Run `grep '#12' file` and\n```\necho #34\n```\n") == []
    assert work_round_wording("Run `grep` and see #12.\n")


# --- the README's start and the sizes ------------------------------------------------------------

def test_readme_starts_with_the_two_setup_commands():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# "), "the README starts with its title line"
    top = lines[:20]
    for command in README_COMMANDS:
        assert command in top, f"not within the README's first 20 lines, word for word: {command}"


def test_readme_is_short():
    size = README.stat().st_size
    assert size <= README_MAX_BYTES, f"README.md is {size} bytes (at most {README_MAX_BYTES})"


def test_model_card_is_short():
    size = MODEL_CARD.stat().st_size
    assert size <= MODEL_CARD_MAX_BYTES, f"MODEL_CARD.md is {size} bytes (at most {MODEL_CARD_MAX_BYTES})"


def test_changelog_has_both_releases():
    text = CHANGELOG.read_text(encoding="utf-8")
    assert re.search(r"^## \[0\.2\.0\] - 2026-12-05$", text, re.M)
    assert re.search(r"^## \[0\.1\.0\]", text, re.M)


# --- links and images ------------------------------------------------------------------------------

LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HTML_SRC = re.compile(r"""<(?:img|a)\b[^>]*\b(?:src|href)=["']([^"']+)["']""", re.I)
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.I)
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.M)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, markup and punctuation dropped, spaces to '-'."""
    text = re.sub(r"`|\*\*|__|\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN")
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for m in HEADING.finditer(without_code(path.read_text(encoding="utf-8"))):
        base = slug(m.group(1))
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out


def links(path: Path, text: str | None = None) -> list[str]:
    text = without_code(path.read_text(encoding="utf-8") if text is None else text)
    return [m.group(1) for m in LINK.finditer(text)] + [m.group(1) for m in HTML_SRC.finditer(text)]


def broken_links(path: Path, text: str | None = None) -> list[str]:
    """The relative links of a page (its own text unless `text` is given) that lead nowhere."""
    broken = []
    for target in links(path, text):
        if EXTERNAL.match(target):
            continue
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / file_part).resolve() if file_part else path
        if ROOT not in dest.parents and dest != ROOT:
            broken.append(f"{target} (outside the repository)")
        elif not dest.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{target} (no such heading in {rel(dest)})")
    return broken


@pytest.mark.parametrize("path", markdown_pages(), ids=rel)
def test_relative_links_and_images_exist(path):
    assert broken_links(path) == [], rel(path)


def test_link_checker_sees_a_broken_link():
    text = ("[ok](cli.md#colorize) ![gone](nothing-here.png) [bad anchor](cli.md#no-such-heading) "
            "[web](https://example.org) [up](../README.md) [out](../../elsewhere.md)\n")
    assert broken_links(DOCS / "training.md", text) == [
        "nothing-here.png (no such file)",
        "cli.md#no-such-heading (no such heading in docs/cli.md)",
        "../../elsewhere.md (outside the repository)"]


def test_the_readme_shows_a_picture_near_the_top():
    head = "\n".join(README.read_text(encoding="utf-8").splitlines()[:30])
    assert re.search(r"!\[[^\]]*\]\([^)]+\.(?:png|jpe?g)\)", head)
