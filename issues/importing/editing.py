"""The editor's corrections to what a reader guessed, before anything is
saved: merge two stories, split one, set a story aside (a masthead, an
advertisement), take a set-aside block back as a story. Pure functions on
ParsedIssue, and its JSON form for the session between preview and confirm.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from issues.importing.parsing import HEADLINE_MAX, ParsedIssue, ParsedStory, SetAside
from issues.importing.recognise import source_alone, source_at_end


def to_json(parsed: ParsedIssue) -> dict[str, Any]:
    data = dataclasses.asdict(parsed)
    data["period_start"] = parsed.period_start.isoformat()
    data["period_end"] = parsed.period_end.isoformat()
    return data


def from_json(data: dict[str, Any]) -> ParsedIssue:
    return ParsedIssue(
        sector=data["sector"],
        period_start=datetime.date.fromisoformat(data["period_start"]),
        period_end=datetime.date.fromisoformat(data["period_end"]),
        stories=[ParsedStory(**story) for story in data["stories"]],
        line=data["line"],
        number=data["number"],
        set_aside=[SetAside(**block) for block in data["set_aside"]],
        how=data["how"],
    )


def paragraphs(story: ParsedStory) -> list[str]:
    return [p for p in story.paragraph.split("\n\n") if p.strip()]


def _stories(parsed: ParsedIssue, stories: list[ParsedStory]) -> ParsedIssue:
    return dataclasses.replace(parsed, stories=stories)


def merge_with_next(parsed: ParsedIssue, index: int) -> ParsedIssue:
    """Story `index` and the next become one: the next one's headline is a
    paragraph of it (a subheading the reader took for a headline), its
    source the last one named."""
    stories = list(parsed.stories)
    if not 0 <= index < len(stories) - 1:
        raise ValueError("there is no next story to merge with")
    first, second = stories[index], stories[index + 1]
    merged = dataclasses.replace(
        first,
        paragraph="\n\n".join(p for p in (first.paragraph, second.headline, second.paragraph) if p),
        source=second.source or first.source,
        link=first.link or second.link,
    )
    stories[index : index + 2] = [merged]
    return _stories(parsed, stories)


def split_before(parsed: ParsedIssue, index: int, at: int) -> ParsedIssue:
    """Story `index` becomes two before its paragraph number `at` (1-based:
    2 or more). That paragraph is the new story's headline when it is one
    line short enough to be one, and the new story keeps the source; a
    source at the end of the first part becomes the first story's."""
    stories = list(parsed.stories)
    if not 0 <= index < len(stories):
        raise ValueError("there is no such story")
    story = stories[index]
    parts = paragraphs(story)
    if not 2 <= at <= len(parts):
        raise ValueError(f"the story has {len(parts)} paragraphs; split before 2 to {len(parts)}")
    before, after = parts[: at - 1], parts[at - 1 :]
    source = ""
    if found := source_alone(before[-1]):
        before, source = before[:-1], found
    elif found_at_end := source_at_end(before[-1]):
        before[-1], source = found_at_end
    headline = ""
    if "\n" not in after[0] and len(after[0]) <= HEADLINE_MAX and len(after) > 1:
        headline, after = after[0], after[1:]
    first = dataclasses.replace(story, paragraph="\n\n".join(before), source=source, link="")
    second = dataclasses.replace(
        story, headline=headline, paragraph="\n\n".join(after), where=f"{story.where}, later"
    )
    stories[index : index + 1] = [first, second]
    return _stories(parsed, stories)


def set_aside(parsed: ParsedIssue, index: int) -> ParsedIssue:
    """Story `index` is not a story: its text is set aside, not imported."""
    stories = list(parsed.stories)
    if not 0 <= index < len(stories):
        raise ValueError("there is no such story")
    story = stories.pop(index)
    text = " ".join(p for p in (story.headline, story.paragraph.replace("\n", " ")) if p)
    return dataclasses.replace(
        parsed, stories=stories, set_aside=[*parsed.set_aside, SetAside(text, story.where)]
    )


def take_back(parsed: ParsedIssue, index: int) -> ParsedIssue:
    """A set-aside block becomes a story at the end, its text the body; the
    editor writes its headline and source."""
    blocks = list(parsed.set_aside)
    if not 0 <= index < len(blocks):
        raise ValueError("there is no such block")
    block = blocks.pop(index)
    paragraph, source = block.text, ""
    if found := source_at_end(block.text):
        paragraph, source = found
    story = ParsedStory("", paragraph, source, parsed.line, "", block.where)
    return dataclasses.replace(parsed, stories=[*parsed.stories, story], set_aside=blocks)


def problems(parsed: ParsedIssue) -> list[str]:
    """What must be fixed before the issue can be imported."""
    found = []
    for number, story in enumerate(parsed.stories, start=1):
        if not story.headline.strip():
            found.append(f"Story {number} has no headline.")
        if not story.source.strip():
            found.append(f"Story {number} (“{story.headline[:60]}”) has no source.")
        if not story.paragraph.strip():
            found.append(f"Story {number} (“{story.headline[:60]}”) has no text.")
    if not parsed.stories:
        found.append("There is no story left to import.")
    return found
