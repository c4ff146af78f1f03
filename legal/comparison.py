"""What changed between two published versions of a legal page, word by word.

The compare page used lxml's `htmldiff` and marked its output safe; `htmldiff` writes changed
`href`s back unescaped, so a URL holding `<script>` became a script on the public site. Here
the two frozen snapshots are only read: each becomes a list of blocks (headings, paragraphs,
list items) of plain-text words, with every link's address as one more word. The blocks are
aligned, the words of changed blocks diffed with difflib, and the template renders the
result with autoescaping, so nothing taken from a version can be markup.
"""

from dataclasses import dataclass, field
from difflib import SequenceMatcher

from lxml import html as lxml_html

HEADING_LEVELS = {"h1": 2, "h2": 2, "h3": 3, "h4": 4, "h5": 4, "h6": 4}
PARAGRAPHS = {"p", "blockquote", "pre", "caption", "figcaption"}
ITEMS = {"li", "dt", "tr"}
# Elements that run inside a line of text; every other element ends the block it is in.
INLINE = {"a", "b", "i", "strong", "em", "small", "code", "span", "sub", "sup", "abbr"}
INLINE |= {"time", "br", "u", "s", "mark", "q", "cite", "td", "th"}
SKIPPED = {"script", "style", "template", "noscript"}
# Pairing changed blocks compares every old one with every new one: past this many pairs
# (a rewrite, not an edit) they are shown as removed and added instead.
MAX_PAIRINGS = 2500
SIMILAR_ENOUGH = 0.5


@dataclass(frozen=True)
class Word:
    text: str
    is_url: bool = False


@dataclass
class Block:
    kind: str  # "heading", "paragraph" or "item"
    level: int = 0
    words: list[Word] = field(default_factory=list)

    @property
    def key(self):
        return (self.kind, self.level, tuple(self.words))


def snapshot_blocks(html: str) -> list[Block]:
    """The readable text of a snapshot: its blocks in order, each a list of words."""
    if not html or not html.strip():
        return []
    blocks: list[Block] = []
    current: Block | None = None
    term: Block | None = None  # the last <dt>, which its <dd> continues

    def add(word: Word):
        nonlocal current
        if current is None:
            current = Block("paragraph")
            blocks.append(current)
        current.words.append(word)

    def add_text(text):
        for word in (text or "").split():
            add(Word(word))

    def walk(element):
        nonlocal current, term
        tag = element.tag if isinstance(element.tag, str) else None  # None: a comment
        if tag in SKIPPED or tag is None:
            add_text(element.tail)
            return
        if tag == "a":
            for word in link_words(element):
                add(word)
            add_text(element.tail)
            return
        previous = element.getprevious()
        if tag in HEADING_LEVELS:
            current = Block("heading", HEADING_LEVELS[tag])
            blocks.append(current)
        elif tag in PARAGRAPHS or tag in ITEMS:
            current = Block("paragraph" if tag in PARAGRAPHS else "item")
            blocks.append(current)
        elif tag == "dd" and previous is not None and previous.tag == "dt" and term:
            # "Provider: Example Ltd": a term and its description on one line.
            current = term
            if not current.words[-1].is_url:
                current.words[-1] = Word(current.words[-1].text.rstrip(":") + ":")
        elif tag not in INLINE:
            current = None
        elif tag in ("td", "th") and previous is not None and current:
            add(Word("·"))  # "_ga · Google · 2 years": a table row on one line
        add_text(element.text)
        for child in element:
            walk(child)
        if tag == "dt":
            term = current if current and current.words else None
        if tag not in INLINE:
            current = None
        add_text(element.tail)

    walk(lxml_html.fragment_fromstring(html, create_parent="div"))
    return [block for block in blocks if block.words]


def link_words(link) -> list[Word]:
    """A link's text, then its address as one word, so a changed address shows as changed.
    The address is left out where the text already says it (an address or e-mail written
    out) and for jumps within the page."""
    text = "".join(visible_text(link)).split()
    href = (link.get("href") or "").strip()
    if not href or href.startswith("#"):
        return [Word(word) for word in text]
    bare = "".join(href.split())
    for prefix in ("mailto:", "tel:"):
        if bare.lower().startswith(prefix):
            bare = bare[len(prefix) :]
    if bare == "".join(text):
        return [Word(" ".join(text), is_url=True)]
    return [*(Word(word) for word in text), Word(href, is_url=True)]


def visible_text(element):
    """The text inside `element`, without what is inside scripts and templates."""
    yield element.text or ""
    for child in element:
        if isinstance(child.tag, str) and child.tag not in SKIPPED:
            yield from visible_text(child)
        yield child.tail or ""


def compare_snapshots(old_html: str, new_html: str) -> list[dict]:
    """The new version's blocks with what was added and removed, grouped for the template:
    each entry is a heading, a paragraph or a list of items, and each block a list of
    segments {"op": "equal" | "insert" | "delete", "text", "is_url"}."""
    old, new = snapshot_blocks(old_html), snapshot_blocks(new_html)
    shown: list[dict] = []
    matcher = SequenceMatcher(None, [b.key for b in old], [b.key for b in new], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            shown.extend(whole(block, "equal") for block in new[j1:j2])
        else:
            shown.extend(pair_up(old[i1:i2], new[j1:j2]))
    return group_items(shown)


def pair_up(old: list[Block], new: list[Block]) -> list[dict]:
    """Changed blocks: the most similar old and new pair is diffed word by word, and the
    blocks before and after it are paired the same way; the rest was removed or added."""
    if not old or not new or len(old) * len(new) > MAX_PAIRINGS:
        return [whole(b, "delete") for b in old] + [whole(b, "insert") for b in new]
    best, best_i, best_j = SIMILAR_ENOUGH, -1, -1
    for i, before in enumerate(old):
        for j, after in enumerate(new):
            matcher = SequenceMatcher(None, before.words, after.words, autojunk=False)
            if (
                matcher.real_quick_ratio() > best
                and matcher.quick_ratio() > best
                and matcher.ratio() > best
            ):
                best, best_i, best_j = matcher.ratio(), i, j
    if best_i < 0:
        return [whole(b, "delete") for b in old] + [whole(b, "insert") for b in new]
    return [
        *pair_up(old[:best_i], new[:best_j]),
        diff_words(old[best_i], new[best_j]),
        *pair_up(old[best_i + 1 :], new[best_j + 1 :]),
    ]


def whole(block: Block, op: str) -> dict:
    return shown_block(block, op, [(op, word) for word in block.words])


def diff_words(old: Block, new: Block) -> dict:
    words = []
    matcher = SequenceMatcher(None, old.words, new.words, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            words.extend(("equal", word) for word in new.words[j1:j2])
            continue
        words.extend(("delete", word) for word in old.words[i1:i2])
        words.extend(("insert", word) for word in new.words[j1:j2])
    return shown_block(new, "change", words)


def shown_block(block: Block, op: str, words: list[tuple[str, Word]]) -> dict:
    """Consecutive words with the same change become one segment; an address is its own."""
    segments: list[dict] = []
    for word_op, word in words:
        last = segments[-1] if segments else None
        if last and last["op"] == word_op and not last["is_url"] and not word.is_url:
            last["text"] += " " + word.text
        else:
            segments.append({"op": word_op, "text": word.text, "is_url": word.is_url})
    return {"kind": block.kind, "level": block.level, "op": op, "segments": segments}


def group_items(blocks: list[dict]) -> list[dict]:
    grouped: list[dict] = []
    for block in blocks:
        if block["kind"] != "item":
            grouped.append(block)
        elif grouped and grouped[-1]["kind"] == "list":
            grouped[-1]["items"].append(block)
        else:
            grouped.append({"kind": "list", "items": [block]})
    return grouped
